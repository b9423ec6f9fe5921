#!/usr/bin/env python3
"""soak.py - apiprobe inside the real daemons against rotating faults.

usage: soak.py --collectd-plugin SO --zabbix-module SO --fakeapi BIN
               --slowdns SO [--probes N] [--timeout S] [--report FILE]
               [--only collectd|zabbix]

Starts the TLS fake API with one port per fault (every phase stalled,
reset, closed, garbage, huge and endless bodies, a redirect, API errors,
an expired certificate, a slow and a flaky server, a name the resolver is
asked for, and a slow resolver: the daemons run with slowdns.so preloaded,
whose getaddrinfo() for *.slow.test answers after SLOWDNS_SECONDS, 3 s
here, three times the probe's timeout), and then, at the same time:

- collectd (ReadThreads 5) with 21 <Target>s (one per fault) in 5
  interval groups, plus a target whose KeyFile is a FIFO (refused at
  once, the daemon starts);
  probes are counted from the csv plugin's verdict rows;
- zabbix_agentd (StartAgents 3, Timeout 3) with the module's 21 targets
  (cache 0, so every item is a probe), plus the FIFO-key target, driven
  by 3 passive-check clients round-robin over the targets.

Each daemon gets N probes (default 10000). Every 5 s the daemon's
processes are sampled (every 5 s; 1 s for a short run): open descriptors,
threads, RSS, and the descriptors by kind (socket, pipe, eventfd,
file...; the report gives the kinds at the baseline sample of each half,
so a rise shows what rose). Every descriptor is followed by identity
(process, number, what it points to: a socket's inode): one opened after
warm-up and still open LEAK_AGE (20) s later is a leak, since no probe
holds one for more than its timeout. Pass when: the daemon is alive at
the end, every target was probed (collectd refuses an Interval not above
the Timeout), no descriptor leaked, the fewest threads seen in the
second half of the run (the baseline between probes in flight) are no
more than in the first (+2; the fewest descriptors are reported beside,
but in flight they vary with what the read threads are stuck in), RSS at
the end within 10% + 2 MiB of the warm-up sample, and every probe ended
within its timeout (+0.5 s: collectd's total_time values; zabbix: each
check's wall time). Prints the figures (with the slowest probes and their
targets, how many ended past the timeout by 0, 50, 100 and 200 ms, and the
load average at the start and the end: the machine may be shared);
--report writes them as JSON too.
Everything runs in a temp dir on loopback; every process is killed by PID.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hosts"))
import zabbix_get  # noqa: E402

KEY = "sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000"
# one fault per target: (target name, fake scenario or None for a name)
FAULTS = [
    ("ok", "ok"), ("stall_accept", "stall_accept"),
    ("stall_handshake", "stall_handshake"),
    ("stall_headers", "stall_headers"), ("stall_body", "stall_body"),
    ("close_handshake", "close_handshake"),
    ("reset_handshake", "reset_handshake"),
    ("close_after_request", "close_after_request"),
    ("reset_after_request", "reset_after_request"),
    ("garbage", "garbage"), ("huge_body", "huge_body"),
    ("endless_chunked", "endless_chunked"), ("redirect", "redirect"),
    ("rate_limited", "rate_limited"), ("overloaded", "overloaded"),
    ("server_error", "server_error"), ("expired", "expired"),
    ("slow", "slow:600"), ("flaky", "flaky:3"),
    ("dns", None),  # a name the resolver is asked for (NXDOMAIN or slow)
    ("slowdns", "slowdns"),  # a resolver that answers after 3 s
]
SLOWDNS_SECONDS = "3"
LEAK_AGE = 20  # s: a descriptor open longer than this after warm-up leaked


def fd_kind(link):
    """socket, pipe, anon_inode:[eventfd], /dev/null, file..."""
    if link.startswith(("socket:", "pipe:")):
        return link.split(":")[0]
    if link.startswith("anon_inode:"):
        return link
    if link.startswith("/dev/"):
        return link
    return "file"


def fd_links(pids):
    """(pid, fd, link) of PIDS' open descriptors: a socket's link names
    its inode, so a number reused by a new socket is a new identity."""
    out = []
    for p in pids:
        try:
            names = os.listdir("/proc/%d/fd" % p)
        except OSError:
            continue
        for n in names:
            try:
                out.append((p, int(n), os.readlink("/proc/%d/fd/%s" % (p,
                                                                       n))))
            except OSError:
                continue
    return out


def fd_kinds(links):
    """{kind: count} over LINKS (fd_links)."""
    out = {}
    for _, _, link in links:
        k = fd_kind(link)
        out[k] = out.get(k, 0) + 1
    return out


def sample(pids):
    """(fds, threads, rss_kib) summed over PIDS (dead ones count 0)."""
    fds = thr = rss = 0
    for p in pids:
        try:
            fds += len(os.listdir("/proc/%d/fd" % p))
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("Threads:"):
                        thr += int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return fds, thr, rss


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],
                         capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def alive(pid):
    try:
        os.kill(pid, 0)
        with open("/proc/%d/status" % pid) as f:
            return "zombie" not in f.read()
    except OSError:
        return False


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_port():
    """A free loopback port zabbix_agentd takes (1024-32767)."""
    import random
    import socket
    for _ in range(100):
        p = random.randint(20000, 32000)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port")


def target_url(name, scen, ports):
    if scen is None:
        return "https://soak-%d.invalid/" % os.getpid(), None
    if scen == "slowdns":  # resolved by the slow resolver, never pinned
        return "https://api-%d.slow.test:%d/" % (os.getpid(),
                                                 ports["ok"]), None
    return ("https://api.test:%d/" % ports[scen],
            "api.test:%d:127.0.0.1" % ports[scen])


class Monitor(threading.Thread):
    """Samples the daemon every PERIOD seconds while it runs."""

    def __init__(self, pid_fn, period):
        super().__init__(daemon=True)
        self.pid_fn = pid_fn
        self.period = period
        self.samples = []
        self.fds = {}  # (pid, fd, link) -> [first seen, last seen]
        self.load0 = os.getloadavg()[0]
        self.stop = False

    def run(self):
        while not self.stop:
            pids = self.pid_fn()
            now = time.time()
            links = fd_links(pids)
            self.samples.append((now,) + sample(pids) + (fd_kinds(links),))
            for k in links:  # first and last seen, by identity
                self.fds.setdefault(k, [now, now])[1] = now
            time.sleep(self.period)

    def long_lived(self, since, limit):
        """Descriptors first seen after SINCE and open longer than LIMIT
        seconds: a leak, since no probe holds one past its timeout."""
        out = [(round(b - a, 1), k[2]) for k, (a, b) in self.fds.items()
               if a > since and b - a > limit]
        return sorted(out, reverse=True)


def judge(name, mon, durations, limit, probes, t0, main_pid, warm_index=2):
    s = mon.samples
    res = {"daemon": name, "probes": probes,
           "seconds": round(time.time() - t0, 1),
           "alive": alive(main_pid), "samples": len(s),
           "loadavg_start_end": [mon.load0, os.getloadavg()[0]]}
    if len(s) > warm_index + 1:
        w, e = s[warm_index], s[-1]
        res.update(fds_warm=w[1], fds_end=e[1], fds_max=max(x[1] for x in s),
                   threads_warm=w[2], threads_end=e[2],
                   threads_max=max(x[2] for x in s),
                   rss_warm_kib=w[3], rss_end_kib=e[3],
                   rss_max_kib=max(x[3] for x in s))
    named = sorted(durations, key=lambda x: x[0])
    durations = [d for d, _ in named]
    if durations:
        res["slowest"] = [[round(d, 3), n] for d, n in named[-5:][::-1]]
        res.update(duration_max=round(durations[-1], 3),
                   duration_p50=round(durations[len(durations) // 2], 3),
                   duration_p99=round(durations[int(len(durations) * .99)],
                                      3),
                   over_timeout=sum(1 for d in durations if d > limit),
                   # past the probe's own timeout (limit - 0.5), by how much
                   past_timeout=[sum(1 for d in durations
                                     if d > limit - 0.5 + m)
                                 for m in (0.0, 0.05, 0.1, 0.2)])
    fails = []
    if not res["alive"]:
        fails.append("the daemon died")
    if "fds_end" in res:
        # connections and lookups come and go with the probes in flight:
        # the baseline is the fewest seen, first half against second
        half = s[warm_index:]
        a, b = half[:len(half) // 2 or 1], half[len(half) // 2:]
        # a leaked descriptor stays open: one opened after warm-up and
        # open for more than LEAK_AGE s (no probe lasts half that) is one
        ll = mon.long_lived(s[warm_index][0], LEAK_AGE)
        res["fds_long_lived"] = len(ll)
        res["fds_long_lived_examples"] = ll[:5]
        if ll:
            fails.append("%d descriptor(s) opened after warm-up stayed open "
                         "over %d s (%s ...)" % (len(ll), LEAK_AGE,
                                                 ll[0][1]))
        for i, what in ((1, "descriptors"), (2, "threads")):
            ma, mb = min(x[i] for x in a), min(x[i] for x in b)
            res[what + "_baseline"] = [ma, mb]
            if i == 1:  # what the descriptors were at each baseline
                res["fd_kinds_baseline"] = [
                    min(a, key=lambda x: x[1])[4],
                    min(b, key=lambda x: x[1])[4]]
                res["fd_kinds_end"] = s[-1][4]
            # descriptors in flight vary with what the 5 read threads
            # are stuck in: their leak test is the one above
            if i == 2 and mb > ma + 2:
                fails.append("%s grew: at least %d, then %d" % (what, ma,
                                                                mb))
        if res["rss_end_kib"] > res["rss_warm_kib"] * 1.10 + 2048:
            fails.append("RSS grew %d -> %d KiB" % (res["rss_warm_kib"],
                                                   res["rss_end_kib"]))
    else:
        fails.append("too few samples (%d)" % len(s))
    if res.get("over_timeout"):
        fails.append("%d probe(s) over the timeout" % res["over_timeout"])
    if probes < 1:
        fails.append("no probe counted")
    res["failures"] = fails
    return res


def preload_env(opts, extra):
    """The daemon's environment: the slow resolver preloaded."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "LD_PRELOAD": os.path.abspath(opts.slowdns),
           "SLOWDNS_SECONDS": SLOWDNS_SECONDS}
    env.update(extra)
    return env


def run_collectd(opts, d, ports, fifo):
    cd = shutil.which("collectd") or "/usr/sbin/collectd"
    types = "/usr/share/collectd/types.db"
    mytypes = os.path.join(HERE, "..", "..", "dist", "collectd",
                           "apiprobe-types.db")
    os.makedirs(os.path.join(d, "cd", "plugins"))
    shutil.copy(opts.collectd_plugin, os.path.join(d, "cd", "plugins",
                                                   "apiprobe.so"))
    conf = ["Hostname soak", "FQDNLookup false",
            'BaseDir "%s/cd"' % d, 'PIDFile "%s/cd/pid"' % d,
            'TypesDB "%s" "%s"' % (types, os.path.abspath(mytypes)),
            "Interval 1", "ReadThreads 5", 'PluginDir "/usr/lib/collectd"',
            "LoadPlugin logfile",
            '<Plugin logfile>\n LogLevel info\n File "%s/cd/log"\n'
            ' Timestamp true\n</Plugin>' % d,
            "LoadPlugin csv",
            '<Plugin csv>\n DataDir "%s/cd/csv"\n</Plugin>' % d,
            'PluginDir "%s/cd/plugins"' % d, "LoadPlugin apiprobe",
            "<Plugin apiprobe>"]
    for i, (name, scen) in enumerate(FAULTS):
        url, pin = target_url(name, scen, ports)
        conf += ['<Target "%s">' % name, 'URL "%s"' % url,
                 'CaFile "%s/certs/ca.pem"' % d,
                 # above the timeout: the plugin refuses Interval <= Timeout
                 "Interval %.2f" % (opts.timeout + 0.25 + 0.25 * (i % 5)),
                 "Timeout %g" % opts.timeout]
        if pin:
            conf.append('Resolve "%s"' % pin)
        conf.append("</Target>")
    conf += ['<Target "fifokey">', 'URL "https://api.test:%d/"' % ports["ok"],
             'KeyFile "%s"' % fifo, "</Target>", "</Plugin>"]
    with open(os.path.join(d, "cd", "collectd.conf"), "w") as f:
        f.write("\n".join(conf) + "\n")
    env = preload_env(opts, {"ANTHROPIC_API_KEY": KEY})
    t0 = time.time()
    p = subprocess.Popen([cd, "-f", "-C", os.path.join(d, "cd",
                                                       "collectd.conf")],
                         env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    mon = Monitor(lambda: [p.pid], 1 if opts.probes < 1000 else 5)
    mon.start()
    csvdir = os.path.join(d, "cd", "csv", "soak")

    def rows(value, named=False):
        out = []
        for name, _ in FAULTS:
            dd = os.path.join(csvdir, "apiprobe-" + name)
            if not os.path.isdir(dd):
                continue
            for fn in os.listdir(dd):
                if fn.startswith(value + "-"):
                    with open(os.path.join(dd, fn)) as f:
                        out += [(ln, name) if named else ln
                                for ln in f.read().splitlines()[1:] if ln]
        return out
    probes = 0
    deadline = t0 + 60 + opts.probes * 0.3
    while time.time() < deadline and p.poll() is None:
        probes = len(rows("apiprobe_state-verdict"))
        if probes >= opts.probes:
            break
        time.sleep(2)
    durs = []
    for ln, name in rows("latency-total", named=True):
        v = ln.split(",")[1]
        if v not in ("nan", "-nan"):
            durs.append((float(v), name))
    mon.stop = True
    res = judge("collectd", mon, durs, opts.timeout + 0.5, probes, t0,
                p.pid)
    probed = {n for _, n in durs}
    res["targets_probed"] = len(probed)
    missing = [n for n, _ in FAULTS if n not in probed]
    if missing:  # a target refused at load, or never read
        res["failures"].append("never probed: " + ", ".join(missing))
    with open(os.path.join(d, "cd", "log")) as f:
        log = f.read()
    res["fifo_refused"] = "fifokey" in log and "not a regular file" in log
    if not res["fifo_refused"]:
        res["failures"].append("the FIFO key target was not refused")
    stop(p)
    return res


def run_zabbix(opts, d, ports, fifo):
    ag = shutil.which("zabbix_agentd") or "/usr/sbin/zabbix_agentd"
    os.makedirs(os.path.join(d, "zbx"))
    port = free_port()
    mod = ["[module]", "cache = 0"]
    for name, scen in FAULTS:
        url, pin = target_url(name, scen, ports)
        mod += ["[target %s]" % name, "url = %s" % url,
                "ca-file = %s/certs/ca.pem" % d, "timeout = %g" % opts.timeout]
        if pin:
            mod.append("resolve = %s" % pin)
    mod += ["[target fifokey]", "url = https://api.test:%d/" % ports["ok"],
            "key-file = %s" % fifo]
    with open(os.path.join(d, "zbx", "module.conf"), "w") as f:
        f.write("\n".join(mod) + "\n")
    conf = ["PidFile=%s/zbx/pid" % d, "LogType=file",
            "LogFile=%s/zbx/log" % d, "LogFileSize=1", "DebugLevel=3",
            "Server=127.0.0.1", "ListenIP=127.0.0.1", "ListenPort=%d" % port,
            "StartAgents=3", "Hostname=soak", "Timeout=3", "AllowRoot=1",
            "LoadModulePath=%s" % os.path.dirname(
                os.path.abspath(opts.zabbix_module)),
            "LoadModule=%s" % os.path.basename(opts.zabbix_module)]
    with open(os.path.join(d, "zbx", "agentd.conf"), "w") as f:
        f.write("\n".join(conf) + "\n")
    env = preload_env(opts, {"ANTHROPIC_API_KEY": KEY,
                             "APIPROBE_ZABBIX_CONF": os.path.join(
                                 d, "zbx", "module.conf")})
    t0 = time.time()
    p = subprocess.Popen([ag, "-f", "-c", os.path.join(d, "zbx",
                                                        "agentd.conf")],
                         env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            zabbix_get.get("127.0.0.1", port, "agent.ping", 2)
            break
        except OSError:
            time.sleep(0.1)
    # warm-up, not counted: each listener process keeps its own handles
    # per target (made at its first probe of it), so every listener must
    # have met every target before the baseline is taken
    names = [n for n, _ in FAULTS]

    def warm(k):
        for i in range(len(names) * 3):
            try:
                zabbix_get.get("127.0.0.1", port, "apiprobe.metric[%s,"
                               "total_time]" % names[(i + k) % len(names)],
                               10)
            except Exception:
                pass
    ws = [threading.Thread(target=warm, args=(k,)) for k in range(3)]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    mon = Monitor(lambda: [p.pid] + children(p.pid),
                  1 if opts.probes < 1000 else 5)
    mon.start()
    lock = threading.Lock()
    state = {"n": 0, "durs": [], "errors": 0}

    def client(k):
        names = [n for n, _ in FAULTS]
        i = k
        while True:
            with lock:
                if state["n"] >= opts.probes or p.poll() is not None:
                    return
                state["n"] += 1
            name = names[i % len(names)]
            key = "apiprobe.metric[%s,total_time]" % name
            i += 1
            a = time.time()
            try:
                zabbix_get.get("127.0.0.1", port, key, 10)
            except Exception:
                with lock:
                    state["errors"] += 1
            with lock:
                state["durs"].append((time.time() - a, name))
    cl = [threading.Thread(target=client, args=(k,)) for k in range(3)]
    for c in cl:
        c.start()
    for c in cl:
        c.join()
    mon.stop = True
    time.sleep(0.2)
    res = judge("zabbix_agentd", mon, state["durs"], opts.timeout + 0.5,
                state["n"], t0, p.pid)
    res["client_errors"] = state["errors"]
    if state["errors"]:
        res["failures"].append("%d checks got no answer" % state["errors"])
    with open(os.path.join(d, "zbx", "log")) as f:
        log = f.read()
    res["fifo_refused"] = "not a regular file" in log
    if not res["fifo_refused"]:
        res["failures"].append("the FIFO key target was not refused")
    stop(p)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--collectd-plugin", required=True)
    ap.add_argument("--zabbix-module", required=True)
    ap.add_argument("--fakeapi", required=True)
    ap.add_argument("--slowdns", required=True)
    ap.add_argument("--probes", type=int, default=10000)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--report", default="")
    ap.add_argument("--only", default="")
    opts = ap.parse_args()
    d = tempfile.mkdtemp(prefix="apiprobe-soak-")
    fake = None
    results = []
    try:
        subprocess.run([opts.fakeapi, "certs", os.path.join(d, "certs")],
                       check=True, stdout=subprocess.DEVNULL)
        scen = [s for _, s in FAULTS if s and s != "slowdns"]
        fake = subprocess.Popen([opts.fakeapi, "serve", "--dir",
                                 os.path.join(d, "certs"), "--portfile",
                                 os.path.join(d, "ports")] + scen,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(os.path.join(d, "ports")):
                break
            time.sleep(0.05)
        ports = {}
        with open(os.path.join(d, "ports")) as f:
            for line in f:
                n, p = line.split()
                ports[n] = int(p)
        fifo = os.path.join(d, "key.fifo")
        os.mkfifo(fifo, 0o600)
        jobs = []
        if opts.only in ("", "collectd"):
            jobs.append(run_collectd)
        if opts.only in ("", "zabbix"):
            jobs.append(run_zabbix)
        ths = []
        for j in jobs:
            t = threading.Thread(
                target=lambda j=j: results.append(j(opts, d, ports, fifo)))
            t.start()
            ths.append(t)
        for t in ths:
            t.join()
    finally:
        stop(fake)
        if not os.environ.get("SOAK_KEEP"):
            shutil.rmtree(d, ignore_errors=True)
        else:
            print("kept " + d)
    bad = 0
    for r in results:
        print("%s: %s" % (r["daemon"], json.dumps(
            {k: v for k, v in r.items() if k != "daemon"})))
        if r["failures"]:
            bad = 1
            print("FAIL %s: %s" % (r["daemon"], "; ".join(r["failures"])))
        else:
            print("ok   %s" % r["daemon"])
    if opts.report:
        with open(opts.report, "w") as f:
            json.dump(results, f, indent=1)
    if len(results) != len(jobs):
        print("FAIL: a daemon run did not finish")
        bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
