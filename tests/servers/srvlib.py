"""tests/servers/srvlib.py - shared by zabbix.py and prometheus.py.

TAP output, a private temp dir, daemons started and stopped by PID (with
whatever they forked), free loopback ports, the fake API with its
scenarios, and HTTP JSON calls.  Standard library only.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

VALID_KEY = "sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000"
# A syntactically valid key that the fake rejects (401 invalid x-api-key).
BAD_KEY = "sk-ant-api03-hoststest-wrong-key-00000000000000000000000000"
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NAME = os.path.basename(sys.argv[0])
T0 = time.monotonic()


class Fail(Exception):
    """A setup step that cannot go on: the test fails (never skips)."""


def note(msg):
    print("# " + str(msg).replace("\n", "\n# "), flush=True)


class Tap:
    def __init__(self):
        self.n = 0
        self.fails = 0

    def ok(self, cond, what, detail=""):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, what), flush=True)
        else:
            self.fails += 1
            print("not ok %d - %s%s" % (self.n, what,
                                       (": " + detail) if detail else ""),
                  flush=True)
        return cond

    def eq(self, got, want, what):
        return self.ok(got == want, "%s: %r" % (what, want) if got == want else what,
                       "got %r, want %r" % (got, want))


def elapsed():
    return time.monotonic() - T0


def proc_start(pid):
    """Start time of PID (field 22 of /proc/PID/stat), None when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return None
    fields = st[st.rfind(")") + 2:].split()
    if fields[0] in ("Z", "X", "x"):
        return None
    return fields[19]


def children(pid):
    out = []
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        kids = []
    for k in kids:
        out.append((k, proc_start(k)))
        out.extend(children(k))
    return out


def alive(pid, start=None):
    s = proc_start(pid)
    return s is not None and (start is None or s == start)


def stop_pid(pid, secs=5.0, start=None, popen=None):
    if alive(pid, start):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
        end = time.monotonic() + secs
        while time.monotonic() < end and alive(pid, start):
            if popen is not None and popen.poll() is not None:
                break
            time.sleep(0.05)
        if alive(pid, start):
            try:
                with open("/proc/%d/cmdline" % pid) as f:
                    what = f.read().replace("\0", " ")[:80]
            except OSError:
                what = "?"
            note("pid %d (%s) ignored SIGTERM for %.0fs, killing" % (pid, what, secs))
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    if popen is not None:
        try:
            popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


class Env:
    """The temp dir and every process started, stopped in reverse order."""

    def __init__(self, tag):
        self.dir = tempfile.mkdtemp(prefix="servers-%s." % tag)
        os.chmod(self.dir, 0o755)  # daemons under other users read it
        self.procs = []            # (name, Popen or a callable that stops it),
                                   # stopped in reverse order
        self.tap = Tap()

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def write(self, name, text, mode=0o644):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def start(self, name, argv, env=None, cwd=None, log=None):
        logf = open(log or self.path(name + ".out"), "ab")
        p = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env,
                             cwd=cwd or self.dir)
        logf.close()
        self.procs.append((name, p))
        return p

    def on_stop(self, name, fn):
        """FN stops something started outside start() (e.g. pg_ctl)."""
        self.procs.append((name, fn))

    def stop(self, name):
        for i in range(len(self.procs) - 1, -1, -1):
            n, p = self.procs[i]
            if n == name:
                self._stop_tree(n, p)
                del self.procs[i]

    @staticmethod
    def _stop_tree(name, p, secs=10.0):
        if callable(p):
            try:
                p()
            except Exception as e:  # cleanup goes on; the error is shown
                note("stopping %s failed: %s" % (name, e))
            return
        t = time.monotonic()
        kids = children(p.pid)
        stop_pid(p.pid, secs, popen=p)
        for pid, start in kids:
            if start is not None:
                stop_pid(pid, 3.0, start)
        if time.monotonic() - t > 2:
            note("stopping %s took %.1f s" % (name, time.monotonic() - t))

    def cleanup(self):
        for n, p in reversed(self.procs):
            self._stop_tree(n, p)
        self.procs = []
        if os.environ.get("HOSTS_KEEP"):
            note("kept %s (HOSTS_KEEP set)" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def finish(self):
        t = self.tap
        note("%s: %.1f s" % (NAME, elapsed()))
        if t.fails == 0 and t.n > 0:
            note("%s: all %d checks passed" % (NAME, t.n))
            return 0
        print("# %s: %d of %d checks FAILED" % (NAME, t.fails, t.n), file=sys.stderr)
        return 1


def run_main(tag, body):
    """Run BODY(env) with cleanup; exit 0 when every check passed."""
    env = Env(tag)
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: sys.exit(143))
    rc = 1
    try:
        body(env)
        rc = env.finish()
    except Fail as e:
        print("%s: FAIL: %s" % (NAME, e), file=sys.stderr)
        env.tap.ok(False, "setup", str(e))
        rc = 1
    finally:
        env.cleanup()
    sys.exit(rc)


def free_port(lo=20000, hi=32767):
    """A free loopback TCP port in [lo, hi] (Zabbix daemons refuse > 32767)."""
    import random
    for _ in range(500):
        p = random.randint(lo, hi)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            s.close()
        return p
    raise Fail("no free port in %d-%d" % (lo, hi))


def port_open(port, host="127.0.0.1"):
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_for(fn, secs, what, step=0.25):
    """Poll FN until it returns something true; Fail naming WHAT otherwise."""
    end = time.monotonic() + secs
    last = None
    while True:
        try:
            last = fn()
        except Exception as e:  # not ready yet: keep the reason
            last = None
            err = e
        else:
            err = None
        if last:
            return last
        if time.monotonic() > end:
            raise Fail("%s: not within %.0f s%s" % (what, secs,
                                                    (" (%s)" % err) if err else ""))
        time.sleep(step)


def need(path, pkg):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise Fail("%s not found; install %s (scripts/deps.sh test)" % (path, pkg))
    return path


def tail(path, n=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return str(e)


def http_json(url, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/json-rpc"} if data else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read().decode())


def start_fake(env, fakeapi, scenarios):
    """The TLS fake API: certs in DIR/certs, one port per scenario, and a
    closed loopback port ("stopped").  Returns {scenario: port}."""
    certs = env.path("certs")
    r = subprocess.run([fakeapi, "certs", certs], capture_output=True, text=True)
    if r.returncode != 0:
        raise Fail("fakeapi certs failed: " + r.stdout + r.stderr)
    os.chmod(certs, 0o755)
    for f in os.listdir(certs):
        if f.endswith(".pem") and "key" not in f:
            os.chmod(os.path.join(certs, f), 0o644)
    pf = env.path("ports-stopped")
    p = env.start("fakeapi-stopped", [fakeapi, "serve", "--dir", certs,
                                      "--portfile", pf, "ok"])
    wait_for(lambda: os.path.getsize(pf) > 0, 5, "fakeapi portfile")
    stopped = int(open(pf).read().split()[1])
    env.stop("fakeapi-stopped")
    pf = env.path("ports")
    env.start("fakeapi", [fakeapi, "serve", "--dir", certs, "--portfile", pf,
                          "--log", env.path("fakeapi-requests.log")] + scenarios)
    wait_for(lambda: os.path.exists(pf) and os.path.getsize(pf) > 0, 5,
             "fakeapi portfile")
    ports = {}
    for line in open(pf):
        f = line.split()
        if len(f) >= 2:
            ports[f[0]] = int(f[1])
    for s in scenarios:
        if s not in ports:
            raise Fail("fakeapi portfile lacks %s: %r" % (s, ports))
    if port_open(stopped):
        raise Fail("port %d should be closed but accepts connections" % stopped)
    ports["stopped"] = stopped
    note("fakeapi: %s" % " ".join("%s=%d" % kv for kv in sorted(ports.items())))
    return ports
