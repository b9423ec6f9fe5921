#!/usr/bin/python3
"""tests/servers/prometheus.py - apiprobe's metrics in a real Prometheus
server, with the shipped alert rules and the shipped Grafana dashboard's
queries.

usage: prometheus.py --apiprobe PATH/apiprobe --plugin PATH/collectd/apiprobe.so
                     --fakeapi PATH/fakeapi

Everything on loopback from private configs in one temp dir, stopped by
PID at the end:

  the TLS fake API (ok, rate_limited, expiring; a closed port)
  collectd with the apiprobe read plugin and write_prometheus on port 8080
    (the guide's job: job_name 'anthropic_health', metrics_path '/health',
    static target localhost:8080 -- port 8080 must be free)
  `apiprobe --prometheus` every 2 s into node_exporter's textfile
    directory (written to a temporary file, renamed into place)
  prometheus-node-exporter with only the textfile collector
  prometheus (scrape and rule evaluation every second) with
    dist/prometheus/apiprobe-rules.yml as shipped

Asserted through the HTTP API: both jobs up; per scenario the collectd
series and the apiprobe series and their values; the rules loaded without
error, the certificate-expiring and key-rejected alerts firing for their
targets and no alert for the healthy one; every query of every panel of
dist/grafana/apiprobe.json returns data.
"""
import json
import os
import re
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srvlib  # noqa: E402
from srvlib import Fail, note, wait_for  # noqa: E402

RULES = os.path.join(srvlib.SRC, "dist", "prometheus", "apiprobe-rules.yml")
DASHBOARD = os.path.join(srvlib.SRC, "dist", "grafana", "apiprobe.json")
TYPES = os.path.join(srvlib.SRC, "dist", "collectd", "apiprobe-types.db")
HEALTH_PORT = 8080  # the guide's static target
USAGE = ("usage: prometheus.py --apiprobe PATH --plugin PATH/collectd/apiprobe.so "
         "--fakeapi PATH")

# target -> the fake's scenario ("stopped": a closed port); badkey sends a
# key the fake rejects
TARGETS = {
    "good": "ok",
    "badkey": "ok",
    "down": "stopped",
    "expiring": "expiring",
    "ratelimited": "rate_limited",
}


def args():
    a = {"apiprobe": None, "plugin": None, "fakeapi": None}
    it = iter(sys.argv[1:])
    for x in it:
        if x[2:] in a and x.startswith("--"):
            a[x[2:]] = next(it, None)
        else:
            raise SystemExit(USAGE)
    if not all(a.values()):
        raise SystemExit(USAGE)
    return {k: os.path.abspath(v) for k, v in a.items()}


def main(env):
    a = args()
    tap = env.tap
    for f in a.values():
        if not os.path.isfile(f):
            raise Fail("not found: " + f)
    prom = srvlib.need("/usr/bin/prometheus", "prometheus")
    nodex = srvlib.need("/usr/bin/prometheus-node-exporter", "prometheus-node-exporter")
    collectd = srvlib.need(os.environ.get("COLLECTD", "/usr/sbin/collectd"), "collectd-core")
    for p in ("/usr/lib/collectd/write_prometheus.so", "/usr/lib/collectd/logfile.so",
              "/usr/share/collectd/types.db"):
        if not os.path.isfile(p):
            raise Fail("%s missing; install collectd-core" % p)
    if srvlib.port_open(HEALTH_PORT) or srvlib.port_open(HEALTH_PORT, "::1"):
        raise Fail("port %d is taken: the guide's job scrapes collectd there; "
                   "stop what listens on it (ss -ltnp 'sport = :%d')"
                   % (HEALTH_PORT, HEALTH_PORT))

    ports = srvlib.start_fake(env, a["fakeapi"], ["ok", "rate_limited", "expiring"])
    ca = env.path("certs", "ca.pem")
    key_file = env.write("anthropic.key", srvlib.VALID_KEY + "\n", 0o600)
    daemon_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                  "ANTHROPIC_API_KEY": srvlib.VALID_KEY,
                  "APIPROBE_TEST_BAD_KEY": srvlib.BAD_KEY}

    # ---- collectd: the read plugin, write_prometheus on 8080 ---------------
    plugdir = env.path("plugins")
    os.mkdir(plugdir)
    with open(a["plugin"], "rb") as src, open(os.path.join(plugdir, "apiprobe.so"), "wb") as dst:
        dst.write(src.read())  # collectd refuses a symlink
    targets = []
    for name, scen in TARGETS.items():
        port = ports[scen]
        targets.append(f"""  <Target "{name}">
    URL "https://api.test:{port}/"
    Resolve "api.test:{port}:127.0.0.1"
    CAFile "{ca}"
    Interval 1
    Timeout 0.9
{'    KeyEnv "APIPROBE_TEST_BAD_KEY"' if name == 'badkey' else '    KeyFile "%s"' % key_file}
  </Target>""")
    env.write("collectd.conf", f"""Hostname "probe-host"
FQDNLookup false
BaseDir "{env.dir}"
PIDFile "{env.path('collectd.pid')}"
TypesDB "/usr/share/collectd/types.db" "{TYPES}"
Interval 1
ReadThreads 2
PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "{env.path('collectd.log')}"
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Port "{HEALTH_PORT}"
</Plugin>
PluginDir "{plugdir}"
LoadPlugin apiprobe
<Plugin apiprobe>
""" + "\n".join(targets) + "\n</Plugin>\n")
    env.start("collectd", [collectd, "-f", "-C", env.path("collectd.conf")], env=daemon_env)

    # ---- apiprobe --prometheus into the textfile directory -----------------
    tdir = env.path("textfile")
    os.mkdir(tdir)

    def loop(out):
        """sh -c script: run "$@" every 2 s into OUT, through a temporary
        file renamed into place (node_exporter never reads half a file)."""
        return ('while :; do "$@" >"%s.tmp" 2>>"%s.err"; mv "%s.tmp" "%s"; sleep 2; done'
                % (out, out, out, out))
    # one run (and file) per target: --name names the run's target
    base = [a["apiprobe"], "--prometheus", "--ca-file", ca, "--timeout", "3",
            "--connect-timeout", "1"]
    outs = []
    for n, scen in TARGETS.items():
        port = ports[scen]
        out = os.path.join(tdir, "apiprobe-%s.prom" % n)
        outs.append(out)
        argv = base + (["--key-env", "APIPROBE_TEST_BAD_KEY"] if n == "badkey" else []) + \
            ["--name", n, "-r", "api.test:%d:127.0.0.1" % port, "https://api.test:%d/" % port]
        env.start("apiprobe-" + n, ["sh", "-c", loop(out), "sh"] + argv, env=daemon_env)
    wait_for(lambda: all(os.path.exists(o) for o in outs), 20,
             "apiprobe --prometheus wrote its textfiles")
    main_out = outs[0]
    r = srvlib.subprocess.run(["promtool", "check", "metrics"], stdin=open(main_out),
                              capture_output=True, text=True)
    tap.ok(r.returncode == 0, "promtool check metrics accepts the textfile",
           r.stdout + r.stderr)

    # ---- node_exporter (textfile only) --------------------------------------
    nx_port = srvlib.free_port(30000, 60000)
    env.start("node_exporter", [nodex, "--web.listen-address=127.0.0.1:%d" % nx_port,
                                "--collector.disable-defaults", "--collector.textfile",
                                "--collector.textfile.directory=" + tdir])

    # ---- prometheus ---------------------------------------------------------
    pr_port = srvlib.free_port(30000, 60000)
    env.write("prometheus.yml", f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  # the shipped rules, evaluated every second: the test waits for the
  # rules' own `for:` durations, not for evaluation rounds
  evaluation_interval: 1s
rule_files:
  - {RULES}
scrape_configs:
  - job_name: 'anthropic_health'
    metrics_path: '/health'
    static_configs:
      - targets: ['localhost:8080']
  - job_name: 'node'
    static_configs:
      - targets: ['127.0.0.1:{nx_port}']
""")
    r = srvlib.subprocess.run(["promtool", "check", "config", env.path("prometheus.yml")],
                              capture_output=True, text=True)
    tap.ok(r.returncode == 0, "promtool check config (the rules file as shipped)",
           r.stdout + r.stderr)
    t_prom = time.monotonic()
    env.start("prometheus", [prom, "--config.file=" + env.path("prometheus.yml"),
                             "--storage.tsdb.path=" + env.path("prom-data"),
                             "--web.listen-address=127.0.0.1:%d" % pr_port,
                             "--log.level=warn"])
    base_url = "http://127.0.0.1:%d/api/v1/" % pr_port

    def api(path, **params):
        url = base_url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        r = srvlib.http_json(url, timeout=10)
        if r.get("status") != "success":
            raise Fail("%s: %s" % (path, r))
        return r["data"]

    def query(expr):
        return api("query", query=expr)["result"]

    def val(expr):
        res = query(expr)
        return float(res[0]["value"][1]) if len(res) == 1 else None

    wait_for(lambda: api("status/buildinfo"), 30, "prometheus answering")
    note("prometheus %s on %d" % (api("status/buildinfo")["version"], pr_port))

    def all_up():
        t = api("targets")["activeTargets"]
        return t if len(t) == 2 and all(x["health"] == "up" for x in t) else None
    try:
        tg = wait_for(all_up, 30, "both scrape targets up")
    except Fail as e:
        tg = api("targets")["activeTargets"]
        tap.ok(False, "scrape targets", "%s: %s" % (e, [(x["scrapeUrl"], x["health"],
                                                        x["lastError"]) for x in tg]))
    for x in tg:
        tap.ok(x["health"] == "up", "job %s scrapes %s: up" % (x["labels"]["job"], x["scrapeUrl"]))
    urls = {x["labels"]["job"]: x["scrapeUrl"] for x in tg}
    tap.eq(urls.get("anthropic_health"), "http://localhost:8080/health",
           "the guide's job scrapes collectd at localhost:8080/health")

    # ---- collectd's series (job anthropic_health) ----------------------------
    J = 'job="anthropic_health"'

    def cd(metric, target, typ):
        return val('collectd_apiprobe_%s{%s,apiprobe="%s",type="%s"}' % (metric, J, target, typ))
    wait_for(lambda: all(cd("bool", t, "up") is not None for t in TARGETS), 30,
             "collectd's series of every target")
    want_up = {"good": 1, "badkey": 0, "down": 0, "expiring": 1, "ratelimited": 1}
    for t, w in want_up.items():
        tap.eq(cd("bool", t, "up"), float(w), "collectd %s: up" % t)
    checks = [("apiprobe_state", "badkey", "auth", 2), ("apiprobe_state", "down", "tcp", 2),
              ("apiprobe_state", "ratelimited", "auth", 1), ("apiprobe_state", "good", "verdict", 0),
              ("apiprobe_state", "expiring", "tls", 1), ("response_code", "good", "http", 200),
              ("response_code", "badkey", "http", 401),
              ("response_code", "ratelimited", "http", 429),
              ("apiprobe_seconds", "ratelimited", "retry_after", 17),
              ("apiprobe_remaining", "ratelimited", "requests", 0)]
    for metric, t, typ, w in checks:
        tap.eq(cd(metric, t, typ), float(w), "collectd %s: %s %s" % (t, metric, typ))
    d = cd("apiprobe_days", "expiring", "cert")
    tap.ok(d is not None and 9 <= d <= 11, "collectd expiring: cert days %s" % d)
    n = len(query('{%s,__name__=~"collectd_apiprobe_.*"}' % J))
    tap.ok(n >= 22 * len(TARGETS), "collectd: %d apiprobe series for %d targets" % (n, len(TARGETS)))

    # ---- the apiprobe series (textfile, job node) ----------------------------
    def ap(expr):
        return val(expr)
    wait_for(lambda: all(ap('apiprobe_up{target="%s"}' % t) is not None for t in TARGETS),
             30, "the textfile series of every target")
    for t, w in want_up.items():
        tap.eq(ap('apiprobe_up{job="node",target="%s"}' % t), float(w), "textfile %s: apiprobe_up" % t)
    want_state = {"good": 0, "badkey": 2, "down": 2, "expiring": 1, "ratelimited": 1}
    for t, w in want_state.items():
        tap.eq(ap('apiprobe_verdict_state{target="%s"}' % t), float(w),
               "textfile %s: apiprobe_verdict_state" % t)
    want_info = {"good": ("auth", "none"), "badkey": ("auth", "invalid_key"),
                 "down": ("tcp", "refused"), "expiring": ("tls", "cert_expiring"),
                 "ratelimited": ("auth", "rate_limited")}
    for t, (layer, err) in want_info.items():
        tap.eq(ap('apiprobe_verdict_info{target="%s",layer="%s",error="%s"}' % (t, layer, err)),
               1.0, "textfile %s: verdict_info layer=%s error=%s" % (t, layer, err))
    days = ap('(apiprobe_cert_expiry_timestamp_seconds{target="expiring"} - time()) / 86400')
    tap.ok(days is not None and 9 <= days <= 11,
           "textfile expiring: apiprobe_cert_expiry_timestamp_seconds is %s days ahead" % days)
    tap.eq(ap('apiprobe_ratelimit_requests_remaining{target="ratelimited"}'), 0.0,
           "textfile ratelimited: requests remaining")
    tap.eq(ap('apiprobe_retry_after_seconds{target="ratelimited"}'), 17.0,
           "textfile ratelimited: retry-after")
    tap.eq(ap('apiprobe_http_status_code{target="badkey"}'), 401.0, "textfile badkey: HTTP status")
    phases = {r["metric"]["phase"] for r in query('apiprobe_duration_seconds{target="good"}')}
    tap.eq(sorted(phases), ["dns", "tcp", "tls", "total", "ttfb"],
           "textfile good: duration phases")
    tap.ok(ap('apiprobe_duration_seconds{target="down",phase="total"}') is not None,
           "textfile down: total duration present on failure")
    # the same series in every textfile: node_exporter exposes it once
    tap.eq(ap('count(apiprobe_build_info{job="node"})'), 1.0,
           "one apiprobe_build_info for the host")
    r = query("apiprobe_build_info")
    tap.ok(all(x["metric"].get("version") for x in r), "build_info has a version label",
           repr(r[:1]))
    # no label that changes with every probe outside _info series
    bad = [x["metric"] for x in query('{job="node",__name__=~"apiprobe_.*",__name__!~".*_info"}')
           if set(x["metric"]) - {"__name__", "instance", "job", "target", "phase", "layer",
                                  "family"}]
    tap.eq(bad[:3], [], "labels outside _info series: target, phase, layer, family only")

    # ---- rules and alerts -----------------------------------------------------
    groups = api("rules")["groups"]
    rules = [r for g in groups for r in g["rules"]]
    tap.ok(len(rules) >= 8 and all(r["health"] == "ok" for r in rules),
           "%d rules loaded from dist/prometheus/apiprobe-rules.yml, all healthy" % len(rules),
           repr([(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]))

    def alerts():
        return api("alerts")["alerts"]

    def firing():
        got = {(x["labels"]["alertname"], x["labels"].get("target"))
               for x in alerts() if x["state"] == "firing"}
        need = {("ApiprobeCertificateExpiring", "expiring"), ("ApiprobeKeyRejected", "badkey")}
        return got if need <= got else None
    try:
        got = wait_for(firing, 120, "the certificate and key alerts firing", step=1)
        tap.ok(True, "ApiprobeCertificateExpiring (expiring) and ApiprobeKeyRejected "
               "(badkey) firing %.0f s after prometheus started (for: 1m)"
               % (time.monotonic() - t_prom))
    except Fail as e:
        tap.ok(False, "alerts firing", "%s: %r" % (e, [(x["labels"], x["state"]) for x in alerts()]))
    al = alerts()
    by_target = {}
    for x in al:
        by_target.setdefault(x["labels"].get("target"), []).append(
            "%s:%s" % (x["labels"]["alertname"], x["state"]))
    note("alerts: %s" % json.dumps(by_target, sort_keys=True))
    tap.eq(by_target.get("good", []), [], "no alert for the healthy target")
    kr = [x for x in al if x["labels"]["alertname"] == "ApiprobeKeyRejected"]
    tap.ok(kr and kr[0]["labels"].get("layer") == "auth" and kr[0]["labels"].get("error") ==
           "invalid_key" and "auth layer" in kr[0]["annotations"]["summary"],
           "the key alert names the layer and the error: %s"
           % (kr[0]["annotations"]["summary"] if kr else None))
    tap.ok(any(x["labels"]["alertname"] == "ApiprobeRateLimited" and
               x["labels"].get("target") == "ratelimited" for x in al),
           "ApiprobeRateLimited pending or firing for ratelimited")
    tap.ok(any(x["labels"]["alertname"] == "ApiprobeApiUnusable" and
               x["labels"].get("target") == "down" and x["labels"].get("layer") == "tcp"
               for x in al), "ApiprobeApiUnusable pending or firing for down (tcp)")

    # ---- the Grafana dashboard's queries ---------------------------------------
    with open(DASHBOARD) as f:
        dash = json.load(f)
    names = [v["name"] for v in dash["templating"]["list"]]
    tap.ok({"datasource", "target"} <= set(names), "dashboard variables %s" % names)
    for v in dash["templating"]["list"]:
        if v["type"] != "query":
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.match(r"label_values\((.*),\s*(\w+)\)$", q)
        expr = m.group(1).replace("$instance", ".*") if m else None
        vals = {x["metric"].get(m.group(2)) for x in query(expr)} if m else set()
        tap.ok(len(vals) >= 1, "variable %s: %s gives %s" % (v["name"], q, sorted(vals)))
    for p in dash["panels"]:
        for t in p.get("targets", []):
            expr = t["expr"].replace("$instance", ".*").replace("$target", ".*")
            expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "15s")
            res = query(expr)
            tap.ok(len(res) >= 1, "panel '%s' %s: %d series" % (p["title"], t["refId"], len(res)),
                   expr)
    leaks = []
    for f in [env.path("collectd.log")] + outs + [o + ".err" for o in outs]:
        if os.path.exists(f):
            s = open(f, errors="replace").read()
            if srvlib.VALID_KEY in s or srvlib.BAD_KEY in s:
                leaks.append(os.path.basename(f))
    tap.eq(leaks, [], "no key in collectd's log or the textfiles")


if __name__ == "__main__":
    srvlib.run_main("prometheus", main)
