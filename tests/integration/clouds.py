#!/usr/bin/env python3
"""clouds.py -- `apiprobe --provider bedrock|vertex` against the honest
fakes (tests/fakecloud): every error of issue 17 for both clouds, with the
real host names pinned by --resolve to loopback, credentials from the
environment, IMDSv2, a service-account file and the GCE metadata server.
Asserts verdict layer, state, error, exit code, and that no credential
appears in any output or in the fake's log. Standard library + openssl(1).

usage: clouds.py --apiprobe BIN --fakecloud SCRIPT [--wrapper CMD] [-k ID]
"""
import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

UNDER_VALGRIND = {"br_ok", "br_imds", "vx_ok", "vx_gce", "vx_token_tls"}
PROM_LABELS = {
    "br_ok": 'provider="bedrock",region="us-east-1"}',
    "vx_ok": 'provider="vertex",region="us-east5",project="apiprobe-test"}'}
EXIT = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
AKID = "AKIAFAKELONGTERM0001"
SECRET = "fakeSecretLongTerm/0001+abcdefghijklmnopq"
EXPIRED_AKID = "ASIAFAKEEXPIRED00001"
EXPIRED_SECRET = "fakeSecretExpired/0001+abcdefghijklmnopqr"
EXPIRED_TOKEN = "IQoJfakeExpiredSessionToken0000000000000000000000000000"
BR_HOST = "bedrock-runtime.us-east-1.amazonaws.com"
VX_HOST = "us-east5-aiplatform.googleapis.com"
VX_EU = "europe-west1-aiplatform.googleapis.com"
TOK_HOST = "oauth2.googleapis.com"
SA_EMAIL = "apiprobe@apiprobe-test.iam.gserviceaccount.com"
# words that must never appear in any output or log
NEVER = [AKID, SECRET, EXPIRED_AKID, EXPIRED_SECRET, EXPIRED_TOKEN,
         "ASIAFAKEIMDS", "IQoJfakeSession", "ya29.", "PRIVATE KEY",
         "wrongSecret"]


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_pki(d):
    """A CA, one leaf for every cloud host name, two service-account keys."""
    ca, cakey = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:P-256", "-nodes", "-keyout", cakey, "-out", ca,
       "-days", "365", "-subj", "/CN=fakecloud test CA")
    leaf, key = os.path.join(d, "leaf.pem"), os.path.join(d, "leaf.key")
    csr, ext = os.path.join(d, "leaf.csr"), os.path.join(d, "leaf.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:%s,DNS:%s,DNS:%s,DNS:%s\n"
                "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                % (BR_HOST, VX_HOST, VX_EU, TOK_HOST))
    sh("openssl", "req", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
       "-subj", "/CN=" + BR_HOST)
    sh("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", cakey,
       "-CAcreateserial", "-out", leaf, "-days", "365", "-extfile", ext)
    mods = []
    for name in ("sa.key", "other.key"):
        p = os.path.join(d, name)
        sh("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
           "rsa_keygen_bits:2048", "-out", p)
        out = subprocess.run(["openssl", "rsa", "-in", p, "-noout",
                              "-modulus"], check=True, capture_output=True,
                             text=True).stdout
        mods.append(out.strip().split("=", 1)[1])
    return ca, leaf, key, mods[0]


def sa_file(d, name, keyfile, token_uri):
    with open(os.path.join(d, keyfile)) as f:
        pem = f.read()
    p = os.path.join(d, name)
    with open(p, "w") as f:
        json.dump({"type": "service_account", "project_id": "apiprobe-test",
                   "private_key_id": "0123456789abcdef",
                   "private_key": pem, "client_email": SA_EMAIL,
                   "client_id": "1", "token_uri": token_uri}, f)
    os.chmod(p, 0o600)
    return p


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiprobe", required=True)
    ap.add_argument("--fakecloud", required=True)
    ap.add_argument("--wrapper", default="")
    ap.add_argument("-k", default="")
    ap.add_argument("--show", action="store_true",
                    help="print the human output of each case")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="ap-clouds-")
    ca, leaf, leafkey, modulus = make_pki(d)
    L = ["bedrock:ok", "bedrock:ok:skew=360", "bedrock:access_denied",
         "bedrock:model_not_found", "bedrock:throttling",
         "bedrock:unavailable", "imds:ok", "imds:norole",
         "vertex:ok", "vertex:permission_denied", "vertex:model_not_found",
         "vertex:quota", "vertex:unavailable", "token:ok",
         "token:invalid_grant", "token:ok:skew=7200", "gce:ok"]
    portfile, logf = os.path.join(d, "ports"), os.path.join(d, "fake.log")
    ports = {}
    fake = subprocess.Popen(
        [sys.executable, a.fakecloud, "--certs", leaf + "," + leafkey,
         "--portfile", portfile, "--log", logf, "--sa-email", SA_EMAIL,
         "--sa-modulus", modulus] + L)
    try:
        for _ in range(200):
            if os.path.exists(portfile):
                break
            time.sleep(0.05)
        with open(portfile) as f:
            for line in f:
                k, v = line.split()
                ports[k] = int(v)
        return run(a, d, ca, ports, logf)
    finally:
        fake.send_signal(signal.SIGTERM)
        try:
            fake.wait(5)
        except subprocess.TimeoutExpired:
            fake.kill()
            fake.wait()
        subprocess.run(["rm", "-rf", d])


def run(a, d, ca, ports, logf):
    closed = closed_port()

    def tok_uri(listener, host=TOK_HOST):
        return "https://%s:%d/token" % (host, ports[listener])

    sa_ok = sa_file(d, "sa-ok.json", "sa.key", tok_uri("token:ok"))
    sa_grant = sa_file(d, "sa-grant.json", "sa.key",
                       tok_uri("token:invalid_grant"))
    sa_skew = sa_file(d, "sa-skew.json", "sa.key",
                      tok_uri("token:ok:skew=7200"))
    sa_other = sa_file(d, "sa-other.json", "other.key", tok_uri("token:ok"))
    sa_down = sa_file(d, "sa-down.json", "sa.key",
                      "https://%s:%d/token" % (TOK_HOST, closed))
    sa_dns = sa_file(d, "sa-dns.json", "sa.key",
                     "https://oauth2.googleapis.invalid:%d/token"
                     % ports["token:ok"])
    sa_tls = sa_file(d, "sa-tls.json", "sa.key",
                     "https://oauth2.wrongname.test:%d/token"
                     % ports["token:ok"])
    C = []

    def bedrock(cid, listener, state, lay, err, env=None, check=None):
        p = ports[listener]
        args = ["--provider", "bedrock", "--region", "us-east-1",
                "--resolve", "%s:%d:127.0.0.1" % (BR_HOST, p),
                "https://%s:%d" % (BR_HOST, p)]
        e = {"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET,
             "AWS_EC2_METADATA_SERVICE_ENDPOINT":
             "http://127.0.0.1:%d" % closed}
        e.update(env or {})
        C.append((cid, args, e, state, lay, err, check))

    def vertex(cid, listener, state, lay, err, sa=sa_ok, env=None,
               check=None, host=VX_HOST, region="us-east5", extra=()):
        p = ports[listener]
        args = ["--provider", "vertex", "--region", region,
                "--project", "apiprobe-test",
                "--resolve", "%s:%d:127.0.0.1" % (host, p)]
        for k in ports:
            if k.startswith("token:"):
                args += ["--resolve", "%s:%d:127.0.0.1" % (TOK_HOST,
                                                           ports[k])]
        args += ["--resolve", "oauth2.wrongname.test:%d:127.0.0.1"
                 % ports["token:ok"]]
        args += list(extra) + ["https://%s:%d" % (host, p)]
        e = {"GOOGLE_APPLICATION_CREDENTIALS": sa,
             "GCE_METADATA_HOST": "127.0.0.1:%d" % closed}
        e.update(env or {})
        C.append((cid, args, e, state, lay, err, check))

    def fp_check(src):
        def f(j):
            t = j["target"]
            assert t["key_source"] == src, t
            assert t["key_fingerprint"].startswith("sha256:"), t
            assert t["region"], t
        return f

    # ---- Bedrock ----
    bedrock("br_ok", "bedrock:ok", "ok", "auth", None,
            check=fp_check("env:AWS_ACCESS_KEY_ID"))
    bedrock("br_imds", "bedrock:ok", "ok", "auth", None,
            env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
                 "AWS_EC2_METADATA_SERVICE_ENDPOINT":
                 "http://127.0.0.1:%d" % ports["imds:ok"]},
            check=fp_check("imds:apiprobe-test-role"))
    bedrock("br_imds_norole", "bedrock:ok", "critical", "env",
            "credentials_unavailable",
            env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
                 "AWS_EC2_METADATA_SERVICE_ENDPOINT":
                 "http://127.0.0.1:%d" % ports["imds:norole"]})
    bedrock("br_imds_down", "bedrock:ok", "critical", "env",
            "credentials_unavailable",
            env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None})
    bedrock("br_no_credentials", "bedrock:ok", "unknown", "auth",
            "no_credentials",
            env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
                 "AWS_EC2_METADATA_DISABLED": "true"})
    bedrock("br_unknown_key", "bedrock:ok", "critical", "auth",
            "unknown_access_key",
            env={"AWS_ACCESS_KEY_ID": "AKIAFAKEUNKNOWN00009"})
    bedrock("br_signature_mismatch", "bedrock:ok", "critical", "auth",
            "signature_mismatch",
            env={"AWS_SECRET_ACCESS_KEY": "wrongSecret/abcdefghij"})
    bedrock("br_clock_6min", "bedrock:ok:skew=360", "critical", "env",
            "clock_skew_large",
            check=lambda j: (
                j["layers"]["auth"]["error"] == "signature_expired" and
                j["layers"]["auth"]["state"] == "critical" and
                abs(j["layers"]["env"]["clock_skew_s"] - 360) < 3) or
            fail(j))
    bedrock("br_session_expired", "bedrock:ok", "critical", "auth",
            "session_token_expired",
            env={"AWS_ACCESS_KEY_ID": EXPIRED_AKID,
                 "AWS_SECRET_ACCESS_KEY": EXPIRED_SECRET,
                 "AWS_SESSION_TOKEN": EXPIRED_TOKEN})
    bedrock("br_access_denied", "bedrock:access_denied", "critical", "auth",
            "access_denied")
    bedrock("br_model_not_found", "bedrock:model_not_found", "critical",
            "auth", "model_not_found")
    bedrock("br_throttling", "bedrock:throttling", "warning", "auth",
            "throttled")
    bedrock("br_unavailable", "bedrock:unavailable", "critical", "auth",
            "unavailable")

    # ---- Vertex ----
    def tok_host(h):
        def f(j):
            assert j["target"]["token_host"] == h, j["target"]
            assert j["target"]["project"] == "apiprobe-test", j["target"]
        return f

    vertex("vx_ok", "vertex:ok", "ok", "auth", None,
           check=tok_host(TOK_HOST))
    vertex("vx_gce", "vertex:ok", "ok", "auth", None,
           env={"GOOGLE_APPLICATION_CREDENTIALS": None,
                "GCE_METADATA_HOST": "127.0.0.1:%d" % ports["gce:ok"]})
    vertex("vx_gce_down", "vertex:ok", "critical", "env",
           "credentials_unavailable",
           env={"GOOGLE_APPLICATION_CREDENTIALS": None})
    vertex("vx_invalid_grant", "vertex:ok", "critical", "auth",
           "token_refused", sa=sa_grant,
           check=lambda j: "invalid_grant" in j["verdict"]["reason"] or
           fail(j))
    vertex("vx_bad_signature", "vertex:ok", "critical", "auth",
           "token_refused", sa=sa_other,
           check=lambda j: "Signature" in j["verdict"]["reason"] or fail(j))
    vertex("vx_jwt_expired", "vertex:ok", "critical", "auth",
           "jwt_clock_skew", sa=sa_skew,
           check=lambda j: "timeframe" in j["verdict"]["reason"] or fail(j))
    vertex("vx_token_tcp", "vertex:ok", "critical", "tcp", "refused",
           sa=sa_down, extra=["--resolve", "%s:%d:127.0.0.1"
                              % (TOK_HOST, closed)],
           check=lambda j: TOK_HOST in j["verdict"]["reason"] or fail(j))
    vertex("vx_token_dns", "vertex:ok", "critical", "dns", None, sa=sa_dns,
           check=lambda j: "oauth2.googleapis.invalid" in
           j["verdict"]["reason"] or fail(j))
    vertex("vx_token_tls", "vertex:ok", "critical", "tls",
           "hostname_mismatch", sa=sa_tls,
           check=lambda j: "oauth2.wrongname.test" in j["verdict"]["reason"]
           or fail(j))
    vertex("vx_permission_denied", "vertex:permission_denied", "critical",
           "auth", "permission_denied")
    vertex("vx_model_not_found", "vertex:model_not_found", "critical",
           "auth", "model_not_found", host=VX_EU, region="europe-west1")
    vertex("vx_quota", "vertex:quota", "warning", "auth", "quota_exceeded")
    vertex("vx_unavailable", "vertex:unavailable", "critical", "auth",
           "unavailable")

    bad = 0
    t_all = time.monotonic()
    n = 0
    for cid, args, env, state, lay, err, check in C:
        if a.k and a.k not in cid:
            continue
        # under valgrind: one case per code path (credentials sources,
        # signing, the token host's failures), JSON only, longer timeouts
        if a.wrapper and cid not in UNDER_VALGRIND:
            continue
        n += 1
        e = dict(os.environ)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                  "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
                  "GOOGLE_APPLICATION_CREDENTIALS", "HTTPS_PROXY",
                  "https_proxy", "ALL_PROXY", "all_proxy"):
            e.pop(k, None)
        for k, v in env.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        outs = []
        try:
            for mode in (["--json"], []) if not a.wrapper else \
                    (["--json"],):
                cmd = shlex.split(a.wrapper) + [a.apiprobe] + mode + [
                    "--ca-file", ca, "--timeout",
                    "20" if a.wrapper else "5", "--connect-timeout",
                    "10" if a.wrapper else "2"] + args
                t0 = time.monotonic()
                p = subprocess.run(cmd, env=e, capture_output=True,
                                   text=True, timeout=60)
                took = time.monotonic() - t0
                outs.append(p.stdout + p.stderr)
                if mode:
                    j = json.loads(p.stdout)
                    v = j["verdict"]
                    assert v["state"] == state, v
                    assert v["layer"] == lay, v
                    if err:
                        assert v.get("error") == err, v
                    assert p.returncode == EXIT[state], p.returncode
                    assert j["target"]["provider"] in ("bedrock", "vertex")
                    if check:
                        check(j)
                    assert took < 8 + (30 if a.wrapper else 0), took
            if cid in PROM_LABELS and not a.wrapper:
                cmd = [a.apiprobe, "--prometheus", "--ca-file", ca,
                       "--timeout", "5"] + args
                p = subprocess.run(cmd, env=e, capture_output=True,
                                   text=True, timeout=60)
                outs.append(p.stdout + p.stderr)
                assert PROM_LABELS[cid] in p.stdout, p.stdout[:2000]
            for o in outs:
                for w in NEVER:
                    assert w not in o, "credential %r in output" % w
            print("ok   %-24s %s/%s/%s" % (cid, state, lay, err))
            if a.show and len(outs) > 1:
                print(outs[1])
        except (AssertionError, KeyError, ValueError) as ex:
            bad += 1
            print("FAIL %-24s %r" % (cid, ex))
            print("\n".join(o[:3000] for o in outs))
    with open(logf) as f:
        fake_log = f.read()
    for w in NEVER + [SECRET[:12]]:
        if w in fake_log:
            bad += 1
            print("FAIL credential %r in the fake's log" % w)
    if not a.k and not a.wrapper and ("bedrock:ok POST" not in fake_log or
                                      "token:ok POST" not in fake_log):
        bad += 1
        print("FAIL the fake's log lacks the requests")
    print("%d cases, %d failed, %.1f s" % (n, bad,
                                            time.monotonic() - t_all))
    return 1 if bad else 0


def fail(j):
    raise AssertionError(json.dumps(j)[:2000])


if __name__ == "__main__":
    sys.exit(main())
