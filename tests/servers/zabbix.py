#!/usr/bin/python3
"""tests/servers/zabbix.py - the shipped Zabbix template in a real Zabbix 6.0
server, with the values coming through a real Zabbix proxy.

usage: zabbix.py --module PATH/apiprobe.so --fakeapi PATH/fakeapi [--cache-dir DIR]

Everything runs on loopback from private configs in one temp dir, and is
stopped by PID at the end:

  PostgreSQL (initdb, as the postgres user) -> zabbix_server (pgsql) with
  the Debian schema -> the frontend's JSON-RPC API (php -S, in a private
  mount namespace where /etc/zabbix holds only our zabbix.conf.php) ->
  zabbix_proxy (sqlite3, active) -> zabbix_agentd with the apiprobe module
  -> the TLS fake API.

Through the API: configuration.import of dist/zabbix/template_apiprobe.yaml,
a host monitored by the proxy and linked to the template (discovery every
5 s, probes every 5 s, through macros).  Asserted: discovery creates every
item prototype for every target; values arrive through the proxy (the
proxy's own history table holds them, the server's items have them); the
triggers that fire are exactly the expected ones with the expected
severities (bad key and refused server: Average or higher; expiring
certificate and rate limit: Warning; none for the healthy target); and
exporting the template gives back the shipped file (all but its date).
"""
import glob
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srvlib  # noqa: E402
from srvlib import Fail, note, wait_for  # noqa: E402

import yaml  # noqa: E402  (python3-yaml)

TEMPLATE = os.path.join(srvlib.SRC, "dist", "zabbix", "template_apiprobe.yaml")
TEMPLATE_NAME = "Anthropic API by apiprobe module"
PROXY_ROOT = os.environ.get("ZABBIX_PROXY_ROOT",
                            "/usr/local/lib/apiprobe-tests/zabbix-proxy-sqlite3")
FRONTEND = "/usr/share/zabbix"
SCHEMA = "/usr/share/zabbix-server-pgsql"

# target -> (scenario, extra module-config lines, expected firing triggers as
# {name-regex: minimum severity}).  Severities: 2 warning, 3 average, 4 high.
TARGETS = {
    "good": ("ok", [], {}),
    "badkey": ("ok", ["key-env = APIPROBE_TEST_BAD_KEY"],
               {r"API rejected the request": 3}),
    "down": ("stopped", ["connect-timeout = 2"], {r"TCP connect failed": 3}),
    "expiring": ("expiring", [], {r"certificate expires in less than 21 days": 2}),
    "ratelimited": ("rate_limited", [], {r"rate limited": 2}),
}
# exact severity where the issue fixes it (Warning), minimum otherwise
EXACT = {"expiring", "ratelimited"}
SEVERITY = {"0": "not classified", "1": "information", "2": "warning",
            "3": "average", "4": "high", "5": "disaster"}


USAGE = "usage: zabbix.py --module PATH --fakeapi PATH [--cache-dir DIR]"


def args():
    a = {"module": None, "fakeapi": None, "cache_dir": None}
    it = iter(sys.argv[1:])
    for x in it:
        if x in ("--module", "--fakeapi", "--cache-dir"):
            a[x[2:].replace("-", "_")] = next(it, None)
        else:
            raise SystemExit(USAGE)
    if not a["module"] or not a["fakeapi"]:
        raise SystemExit(USAGE)
    return {k: os.path.abspath(v) if v else None for k, v in a.items()}


def pg_bin():
    c = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
               key=lambda p: int(p.split("/")[4]))
    if not c:
        raise Fail("initdb not found; install postgresql (scripts/deps.sh test)")
    return os.path.dirname(c[-1])


def as_postgres(argv, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + argv,
                          capture_output=True, text=True, **kw)


def pg_start(env, pgbin, data, sock, port):
    opts = ("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off "
            # tables created in the loading transaction skip the WAL
            "-c wal_level=minimal -c max_wal_senders=0 "
            "-c shared_buffers=32MB -c max_connections=40" % (port, sock))
    r = as_postgres([pgbin + "/pg_ctl", "-D", data, "-l", os.path.join(sock, "pg.log"),
                     "-o", opts, "-w", "-t", "60", "start"])
    if r.returncode:
        raise Fail("pg_ctl start failed: %s%s\n%s" % (
            r.stdout, r.stderr, srvlib.tail(os.path.join(sock, "pg.log"))))


def pg_stop(pgbin, data):
    as_postgres([pgbin + "/pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "30", "stop"])


def start_postgres(env, cache_dir):
    """A private cluster with the zabbix database loaded from the package's
    schema.  Loading takes 15-90 s on a busy 2-core machine, so with
    CACHE_DIR (the build tree) the loaded cluster is kept there, keyed by
    the PostgreSQL version and the three SQL files' contents, and later
    runs start from a copy of it."""
    pgbin = pg_bin()
    files = [SCHEMA + "/%s.sql.gz" % n for n in ("schema", "images", "data")]
    for f in files:
        if not os.path.isfile(f):
            raise Fail("%s missing; install zabbix-server-pgsql" % f)
    h = hashlib.sha256(pgbin.encode())
    for f in files:
        with open(f, "rb") as fh:
            h.update(fh.read())
    cached = os.path.join(cache_dir, "zabbix-db-" + h.hexdigest()[:16]) if cache_dir else None
    data = env.path("pg")
    sock = env.path("pgsock")   # the socket and the log
    os.mkdir(sock, 0o700)
    subprocess.run(["chown", "postgres:postgres", sock], check=True)
    port = srvlib.free_port()
    psql = [pgbin + "/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "zabbix",
            "-v", "ON_ERROR_STOP=1", "-q"]
    t = time.monotonic()
    if cached and os.path.isdir(cached):
        subprocess.run(["cp", "-a", cached, data], check=True)
        pg_start(env, pgbin, data, sock, port)
        env.on_stop("postgres", lambda: pg_stop(pgbin, data))
        note("postgres on %d, the loaded database copied from %s in %.1f s"
             % (port, cached, time.monotonic() - t))
        return port, psql
    os.mkdir(data, 0o700)
    subprocess.run(["chown", "postgres:postgres", data], check=True)
    r = as_postgres([pgbin + "/initdb", "-D", data, "-U", "zabbix", "-A", "trust",
                     "-E", "UTF8", "--locale=C", "--no-sync"])
    if r.returncode:
        raise Fail("initdb failed: " + r.stdout + r.stderr)
    pg_start(env, pgbin, data, sock, port)
    env.on_stop("postgres", lambda: pg_stop(pgbin, data))
    r = subprocess.run(psql + ["-d", "postgres", "-c", "CREATE DATABASE zabbix"],
                       capture_output=True, text=True)
    if r.returncode:
        raise Fail("createdb: " + r.stderr)
    zcat = subprocess.Popen(["zcat"] + files, stdout=subprocess.PIPE)
    r = subprocess.run(psql + ["-d", "zabbix", "-1", "-o", "/dev/null"], stdin=zcat.stdout,
                       capture_output=True, text=True)
    zcat.wait()
    if r.returncode:
        raise Fail("loading the schema failed: " + r.stderr[-2000:])
    note("postgres on %d, schema loaded in %.1f s" % (port, time.monotonic() - t))
    if cached:
        pg_stop(pgbin, data)
        os.makedirs(cache_dir, exist_ok=True)
        tmp = "%s.tmp%d" % (cached, os.getpid())
        subprocess.run(["cp", "-a", data, tmp], check=True)
        os.rename(tmp, cached)
        note("kept the loaded cluster in %s for later runs" % cached)
        pg_start(env, pgbin, data, sock, port)
    return port, psql


def daemon_conf(env, name, port):
    """What zabbix_server and zabbix_proxy share: loopback, files in the
    temp dir (SocketDir too: the default /tmp would be shared)."""
    return f"""\
ListenIP=127.0.0.1
ListenPort={port}
SourceIP=127.0.0.1
LogType=file
LogFile={env.path(name + '.log')}
LogFileSize=0
PidFile={env.path(name + '.pid')}
SocketDir={env.path('sock')}
"""


def main(env):
    a = args()
    tap = env.tap
    for f in (a["module"], a["fakeapi"]):
        if not os.path.isfile(f):
            raise Fail("not found: " + f)
    server = srvlib.need("/usr/sbin/zabbix_server", "zabbix-server-pgsql")
    proxy = srvlib.need(PROXY_ROOT + "/usr/sbin/zabbix_proxy",
                        "zabbix-proxy-sqlite3 (scripts/deps.sh unpacks it there: "
                        "it conflicts with zabbix-server-pgsql as a package)")
    agentd = srvlib.need(os.environ.get("ZABBIX_AGENTD", "/usr/sbin/zabbix_agentd"),
                         "zabbix-agent")
    php = srvlib.need("/usr/bin/php", "php-cli")
    srvlib.need("/usr/bin/unshare", "util-linux")
    if not os.path.isfile(FRONTEND + "/api_jsonrpc.php"):
        raise Fail("%s/api_jsonrpc.php missing; install zabbix-frontend-php" % FRONTEND)
    r = subprocess.run([php, "-m"], capture_output=True, text=True)
    if "pgsql" not in r.stdout.split():
        raise Fail("php has no pgsql extension; install php-pgsql")
    if os.geteuid() != 0:
        raise Fail("must run as root (postgres user, mount namespace)")
    if not os.path.isdir("/etc/zabbix"):
        raise Fail("/etc/zabbix missing (the frontend's fixed config dir)")

    ports = srvlib.start_fake(env, a["fakeapi"], ["ok", "rate_limited", "expiring"])
    pg_port, _ = start_postgres(env, a["cache_dir"])

    # ---- zabbix_server ----------------------------------------------------
    srv_port = srvlib.free_port()
    os.mkdir(env.path("sock"))
    env.write("zabbix_server.conf", daemon_conf(env, "zabbix_server", srv_port) + f"""\
DBHost=127.0.0.1
DBPort={pg_port}
DBName=zabbix
DBUser=zabbix
AllowRoot=1
# the test's speed: configuration changes reach the cache every second
CacheUpdateFrequency=1
HousekeepingFrequency=0
# as few processes as the test needs (two shared cores)
StartPollers=1
StartPollersUnreachable=1
StartPreprocessors=1
StartTrappers=2
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartHistoryPollers=1
StartDBSyncers=1
StartLLDProcessors=1
StartAlerters=1
StartEscalators=1
StartTimers=1
StartODBCPollers=0
StartProxyPollers=0
Timeout=5
""")
    t = time.monotonic()
    env.start("zabbix_server", [server, "-f", "-c", env.path("zabbix_server.conf")])
    wait_for(lambda: srvlib.port_open(srv_port), 30,
             "zabbix_server listening (log: %s)" % env.path("zabbix_server.log"))
    note("zabbix_server on %d, up in %.1f s" % (srv_port, time.monotonic() - t))

    # ---- the frontend's API -------------------------------------------------
    web_port = srvlib.free_port()
    etc = env.path("etc-zabbix")
    os.mkdir(etc)
    env.write("etc-zabbix/zabbix.conf.php", f"""<?php
$DB['TYPE'] = 'POSTGRESQL';
$DB['SERVER'] = '127.0.0.1';
$DB['PORT'] = '{pg_port}';
$DB['DATABASE'] = 'zabbix';
$DB['USER'] = 'zabbix';
$DB['PASSWORD'] = '';
$DB['SCHEMA'] = '';
$DB['ENCRYPTION'] = false;
$DB['KEY_FILE'] = '';
$DB['CERT_FILE'] = '';
$DB['CA_FILE'] = '';
$DB['VERIFY_HOST'] = false;
$DB['CIPHER_LIST'] = '';
$DB['VAULT_URL'] = '';
$DB['VAULT_DB_PATH'] = '';
$DB['VAULT_TOKEN'] = '';
$DB['DOUBLE_IEEE754'] = true;
$ZBX_SERVER = '127.0.0.1';
$ZBX_SERVER_PORT = '{srv_port}';
$ZBX_SERVER_NAME = 'apiprobe-test';
$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
""")
    # The frontend reads /etc/zabbix/zabbix.conf.php (a constant): a private
    # mount namespace shows it our directory there, nothing outside changes.
    env.start("php", ["unshare", "-m", "--propagation", "private", "sh", "-c",
                      'mount --bind "$0" /etc/zabbix && exec "$@"', etc,
                      php, "-d", "memory_limit=512M", "-d", "post_max_size=16M",
                      "-d", "max_execution_time=300", "-d", "date.timezone=UTC",
                      "-S", "127.0.0.1:%d" % web_port, "-t", FRONTEND])
    api_url = "http://127.0.0.1:%d/api_jsonrpc.php" % web_port
    wait_for(lambda: srvlib.port_open(web_port), 15, "php -S listening")

    ids = iter(range(1, 1 << 30))
    auth = [None]

    def api(method, params):
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": next(ids)}
        if auth[0] and method not in ("user.login", "apiinfo.version"):
            body["auth"] = auth[0]
        r = srvlib.http_json(api_url, body, timeout=120)
        if "error" in r:
            raise Fail("API %s: %s" % (method, r["error"]))
        return r["result"]

    version = wait_for(lambda: api("apiinfo.version", {}), 20, "API answering")
    tap.ok(version.startswith("6.0."), "API version %s" % version)
    auth[0] = api("user.login", {"username": "Admin", "password": "zabbix"})

    # ---- import the shipped template ---------------------------------------
    with open(TEMPLATE) as f:
        shipped = f.read()
    rule = {"createMissing": True, "updateExisting": True}
    rules = {"groups": {"createMissing": True},
             "templates": dict(rule),
             "items": dict(rule, deleteMissing=True),
             "discoveryRules": dict(rule, deleteMissing=True),
             "triggers": dict(rule, deleteMissing=True),
             "graphs": dict(rule, deleteMissing=True),
             "valueMaps": dict(rule, deleteMissing=True),
             "templateDashboards": dict(rule, deleteMissing=True),
             "templateLinkage": {"createMissing": True}}
    t = time.monotonic()
    res = api("configuration.import", {"format": "yaml", "rules": rules,
                                       "source": shipped})
    tap.ok(res is True, "configuration.import of dist/zabbix/template_apiprobe.yaml "
           "(%.1f s)" % (time.monotonic() - t))
    tpl = api("template.get", {"filter": {"host": TEMPLATE_NAME},
                               "output": ["templateid"]})
    if not tpl:
        raise Fail("template %r not found after import" % TEMPLATE_NAME)
    tplid = tpl[0]["templateid"]

    # exporting gives back what was imported (the date line aside)
    exported = api("configuration.export", {"format": "yaml",
                                            "options": {"templates": [tplid]}})
    env.write("exported.yaml", exported)

    def undated(s):
        return re.sub(r"(?m)^  date: .*\n", "", s).rstrip("\n")
    if os.environ.get("ZABBIX_WRITE_EXPORT"):
        # the maintainer's way to ship a changed template in Zabbix's own form
        with open(TEMPLATE, "w") as f:
            f.write(exported)
        note("ZABBIX_WRITE_EXPORT: wrote the export to " + TEMPLATE)
        shipped = exported
    same = undated(exported) == undated(shipped)
    if not same:
        d = subprocess.run(["diff", "-u", TEMPLATE, env.path("exported.yaml")],
                           capture_output=True, text=True).stdout
        note("export differs from the shipped template:\n" + d[:4000])
    tap.ok(same, "configuration.export gives back the shipped template byte for "
           "byte (but the date)")
    tap.ok(yaml.safe_load(exported)["zabbix_export"]["version"] == "6.0",
           "export is a 6.0 export")

    tt = api("template.get", {"templateids": [tplid], "selectTags": "extend",
                              "selectDashboards": "extend", "output": ["host"]})[0]
    tap.eq(sorted(x["tag"] for x in tt["tags"]), ["class", "target"],
           "template-level tags")
    tap.ok(len(tt["dashboards"]) == 1, "the template has a dashboard",
           repr(tt["dashboards"]))
    gp = api("graphprototype.get", {"templateids": [tplid], "output": ["name"]})
    tap.ok(len(gp) >= 3, "%d graph prototypes" % len(gp))

    # ---- proxy and agent ----------------------------------------------------
    api("proxy.create", {"host": "apiprobe-proxy", "status": "5"})
    proxyid = api("proxy.get", {"filter": {"host": "apiprobe-proxy"},
                                "output": ["proxyid"]})[0]["proxyid"]
    prx_port = srvlib.free_port()
    schema = PROXY_ROOT + "/usr/share/zabbix-proxy-sqlite3/schema.sql.gz"
    db = env.path("proxy.db")
    r = subprocess.run("zcat '%s' | sqlite3 '%s'" % (schema, db), shell=True,
                       capture_output=True, text=True)
    if r.returncode:
        raise Fail("proxy schema: " + r.stderr)
    env.write("zabbix_proxy.conf", daemon_conf(env, "zabbix_proxy", prx_port) + f"""\
ProxyMode=0
Server=127.0.0.1:{srv_port}
Hostname=apiprobe-proxy
DBName={db}
AllowRoot=1
# the test's speed: the proxy asks for its configuration every second
ConfigFrequency=1
DataSenderFrequency=1
HousekeepingFrequency=0
StartPollers=2
StartPollersUnreachable=1
StartPreprocessors=1
StartTrappers=1
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartODBCPollers=0
StartHistoryPollers=0
StartDBSyncers=1
Timeout=5
""")
    env.start("zabbix_proxy", [proxy, "-f", "-c", env.path("zabbix_proxy.conf")])

    key_file = env.write("anthropic.key", srvlib.VALID_KEY + "\n", 0o600)
    lines = ["[module]", "cache = 2"]
    for name, (scen, extra, _) in TARGETS.items():
        port = ports[scen]
        lines += ["", "[target %s]" % name, "url = https://api.test:%d/" % port,
                  "resolve = api.test:%d:127.0.0.1" % port,
                  "ca-file = %s" % env.path("certs", "ca.pem")] + extra
        if name == "expiring":  # the key from a 0600 file, not the environment
            lines.append("key-file = " + key_file)
    env.write("module.conf", "\n".join(lines) + "\n")
    agent_port = srvlib.free_port()
    env.write("zabbix_agentd.conf", f"""\
PidFile={env.path('zabbix_agentd.pid')}
LogType=file
LogFile={env.path('zabbix_agentd.log')}
LogFileSize=1
Server=127.0.0.1
ServerActive=
ListenIP=127.0.0.1
ListenPort={agent_port}
StartAgents=2
Hostname=apiprobe-host
Timeout=5
AllowRoot=1
LoadModulePath={os.path.dirname(a['module'])}
LoadModule={os.path.basename(a['module'])}
""")
    agent_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                 "APIPROBE_ZABBIX_CONF": env.path("module.conf"),
                 "ANTHROPIC_API_KEY": srvlib.VALID_KEY,
                 "APIPROBE_TEST_BAD_KEY": srvlib.BAD_KEY}
    env.start("zabbix_agentd", [agentd, "-f", "-c", env.path("zabbix_agentd.conf")],
              env=agent_env)
    try:
        wait_for(lambda: srvlib.port_open(agent_port), 30, "zabbix_agentd listening")
    except Fail as e:
        raise Fail("%s; its log:\n%s%s" % (e, srvlib.tail(env.path("zabbix_agentd.log")),
                                           srvlib.tail(env.path("zabbix_agentd.out"))))

    # ---- the host, monitored by the proxy -----------------------------------
    gid = api("hostgroup.create", {"name": "apiprobe test"})["groupids"][0]
    hostid = api("host.create", {
        "host": "apiprobe-host", "proxy_hostid": proxyid,
        "groups": [{"groupid": gid}], "templates": [{"templateid": tplid}],
        "interfaces": [{"type": 1, "main": 1, "useip": 1, "ip": "127.0.0.1",
                        "dns": "", "port": str(agent_port)}],
        "macros": [{"macro": "{$APIPROBE.INTERVAL}", "value": "5s"},
                   {"macro": "{$APIPROBE.LLD.INTERVAL}", "value": "5s"}]})["hostids"][0]
    t_host = time.monotonic()

    protos = api("itemprototype.get", {"templateids": [tplid],
                                       "output": ["key_", "name"]})
    tap.ok(len(protos) >= 20, "template has %d item prototypes" % len(protos))
    want_keys = {p["key_"].replace("{#TARGET}", n) for p in protos for n in TARGETS}

    def discovered():
        items = api("item.get", {"hostids": [hostid], "output": ["key_"],
                                 "filter": {"flags": 4}})
        keys = {i["key_"] for i in items}
        return keys if want_keys <= keys else None
    try:
        keys = wait_for(discovered, 90, "discovery of every target's items", step=1)
    except Fail as e:
        keys = set()
        note(srvlib.tail(env.path("zabbix_proxy.log")))
        note(srvlib.tail(env.path("zabbix_server.log")))
        tap.ok(False, "discovery", str(e))
    else:
        tap.ok(True, "discovery created all %d items (%d prototypes x %d targets) "
               "in %.0f s" % (len(want_keys), len(protos), len(TARGETS),
                              time.monotonic() - t_host))
    tap.eq(sorted(keys - want_keys), [], "no discovered item beyond the prototypes")

    # ---- values through the proxy, triggers ---------------------------------
    want_fire = {n: e for n, (_, _, e) in TARGETS.items()}

    def firing():
        trg = api("trigger.get", {"hostids": [hostid], "output":
                                  ["description", "priority", "value"],
                                  "expandDescription": True,
                                  "filter": {"value": 1}})
        return trg

    def states():
        items = api("item.get", {"hostids": [hostid], "output":
                                 ["key_", "lastvalue", "lastclock", "state", "error"],
                                 "search": {"key_": "apiprobe.state.json"}})
        return {re.sub(r".*\[(.*)\]", r"\1", i["key_"]): i for i in items}

    def settled():
        st = states()
        if len(st) < len(TARGETS) or any(i["lastclock"] == "0" for i in st.values()):
            return None
        fired = firing()
        for name, exp in want_fire.items():
            for rx in exp:
                if not any(re.search(rx, f["description"]) and
                           ("apiprobe %s:" % name) in f["description"] for f in fired):
                    return None
        return st, fired
    try:
        st, fired = wait_for(settled, 90, "values and triggers", step=1)
    except Fail as e:
        tap.ok(False, "values and triggers", str(e))
        st, fired = states(), firing()
        note(srvlib.tail(env.path("zabbix_proxy.log")))
    note("values and triggers settled %.0f s after the host was created"
         % (time.monotonic() - t_host))
    want_state = {"good": "0", "badkey": "2", "down": "2", "expiring": "1",
                  "ratelimited": "1"}
    for name, want in want_state.items():
        i = st.get(name, {})
        tap.ok(i.get("lastvalue") == want and i.get("lastclock", "0") != "0",
               "%s: state %s arrived" % (name, want),
               "item %r" % i)
    for name in TARGETS:
        mine = [f for f in fired if ("apiprobe %s:" % name) in f["description"]]
        exp = want_fire[name]
        if not exp:
            tap.eq([f["description"] for f in mine], [], "%s: no trigger fires" % name)
            continue
        for rx, sev in exp.items():
            hit = [f for f in mine if re.search(rx, f["description"])]
            if not hit:
                tap.ok(False, "%s: trigger /%s/ fires" % (name, rx),
                       "firing: %r" % [f["description"] for f in mine])
                for i in api("item.get", {"hostids": [hostid], "search": {"key_": "[%s" % name},
                                          "output": ["key_", "lastvalue", "state", "error"]}):
                    note("  %s = %r %s" % (i["key_"], i["lastvalue"][:60], i["error"]))
                continue
            p = int(hit[0]["priority"])
            good = p == sev if name in EXACT else p >= sev
            tap.ok(good, "%s: '%s' fires with severity %s" % (
                name, hit[0]["description"], SEVERITY[str(p)]),
                "want %s%s" % ("" if name in EXACT else ">= ", SEVERITY[str(sev)]))
        extra = [f["description"] for f in mine
                 if not any(re.search(rx, f["description"]) for rx in exp)]
        tap.eq(extra, [], "%s: no other trigger fires" % name)

    def lastvalue(key):
        r = api("item.get", {"hostids": [hostid], "filter": {"key_": key},
                             "output": ["lastvalue", "lastclock"]})
        return r[0]["lastvalue"] if r and r[0]["lastclock"] != "0" else None
    v = lastvalue("apiprobe.cert.expiry[expiring]")
    days = (int(v) - time.time()) / 86400 if v else None
    tap.ok(days is not None and 9 <= days <= 11,
           "expiring: certificate expiry as unixtime, %s (in %s days)" % (
               v, "%.2f" % days if days is not None else "?"))
    v = lastvalue("apiprobe.auth.json[good,ratelimit_requests_limit]")
    tap.ok(v is not None and float(v) > 0, "good: rate-limit requests limit %s" % v)
    graphs = api("graph.get", {"hostids": [hostid], "output": ["name"]})
    tap.eq(len(graphs), len(gp) * len(TARGETS),
           "graph prototypes give %d graphs per target" % len(gp))

    # values arrived through the proxy: its own history table holds them
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    n = con.execute("SELECT count(*) FROM proxy_history").fetchone()[0]
    con.close()
    tap.ok(n >= len(TARGETS), "the proxy's history has %d values" % n)
    px = api("proxy.get", {"proxyids": [proxyid], "output": ["lastaccess"]})[0]
    tap.ok(int(px["lastaccess"]) > 0, "the server saw the proxy (lastaccess %s)"
           % px["lastaccess"])
    h = api("host.get", {"hostids": [hostid], "output": ["proxy_hostid"]})[0]
    tap.eq(h["proxy_hostid"], proxyid, "the host is monitored by the proxy")
    # no key in anything the daemons wrote
    leaks = []
    for f in glob.glob(env.path("*.log")) + [env.path("exported.yaml")]:
        with open(f, errors="replace") as fh:
            s = fh.read()
        if srvlib.VALID_KEY in s or srvlib.BAD_KEY in s:
            leaks.append(os.path.basename(f))
    tap.eq(leaks, [], "no key in the daemons' logs")


if __name__ == "__main__":
    srvlib.run_main("zabbix", main)
