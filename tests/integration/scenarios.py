#!/usr/bin/env python3
"""scenarios.py -- runs `apiprobe --json` against every scenario of the TLS
fake API (tests/fakeapi) on loopback and asserts the verdict's layer, state
and error, the measurements that matter, the exit code, the time bound, and
that the key appears in no output. Standard library only.

usage: scenarios.py --apiprobe BIN --fakeapi BIN [--wrapper CMD] [-k NAME]
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

KEY = "sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000"
BAD_KEY = "sk-ant-api03-revoked-key-11111111111111111111111111111111"
EXIT = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}


def layer(j, name):
    return j["layers"][name]


def check_ok_layers(j):
    for n in ("dns", "tcp", "tls", "http", "auth"):
        assert layer(j, n)["state"] == "ok", (n, layer(j, n))
    assert layer(j, "proxy")["state"] == "n/a"
    for n in ("dns", "tcp", "tls"):
        assert layer(j, n)["time_s"] >= 0, n
    t = layer(j, "tls")
    assert t["version"] in ("TLSv1.3", "TLSv1.2"), t
    assert t["cipher"], t
    assert t["cert_subject"] == "CN=api.test", t
    assert 360 < t["cert_days_left"] < 366, t
    h = layer(j, "http")
    assert h["status"] == 200 and h["request_id"].startswith("req_"), h
    assert h["ttfb_s"] >= 0 and abs(h["clock_skew_s"]) < 2, h
    a = layer(j, "auth")
    assert a["ratelimit_requests_limit"] == 1000, a
    assert a["ratelimit_requests_remaining"] == 999, a
    assert 0 < a["ratelimit_requests_reset_s"] <= 61, a
    assert layer(j, "tcp")["address"] == "127.0.0.1"
    assert layer(j, "tcp")["family"] == "ipv4"
    # loopback: the path MTU is lo's (65536), TCP_INFO gives MSS and RTT
    assert layer(j, "tcp")["path_mtu"] > 1280, layer(j, "tcp")
    assert layer(j, "tcp")["mss"] > 0 and layer(j, "tcp")["rtt_s"] >= 0
    e = layer(j, "env")
    assert e["state"] == "ok" and isinstance(e["clock_synced"], bool), e
    assert abs(e["clock_skew_s"]) < 2 and e["keepalive_time_s"] > 0, e
    assert j["target"]["key_fingerprint"].startswith("sha256:")
    assert j["target"]["key_source"] == "env:ANTHROPIC_API_KEY"


def skipped_after(j, name):
    order = ["env", "dns", "tcp", "proxy", "tls", "http", "auth"]
    for n in order[order.index(name) + 1:]:
        assert layer(j, n)["state"] in ("skipped", "n/a"), (n, layer(j, n))


# (id, scenario, extra args, env overrides, state, layer, error, check)
def cases(d):
    ca = os.path.join(d, "certs", "ca.pem")
    other = os.path.join(d, "certs", "otherca.pem")
    C = []

    def add(cid, scen, state, lay, err, args=(), env=None, check=None,
            timeout=None):
        C.append(dict(id=cid, scen=scen, state=state, layer=lay, error=err,
                      args=list(args), env=env or {}, check=check,
                      timeout=timeout))

    add("ok", "ok", "ok", "auth", None, check=check_ok_layers)
    add("invalid_key", "ok", "critical", "auth", "invalid_key",
        env={"ANTHROPIC_API_KEY": BAD_KEY},
        check=lambda j: (layer(j, "auth")["error_type"] ==
                         "authentication_error") or fail(j))
    add("no_key", "ok", "unknown", "auth", "no_key",
        env={"ANTHROPIC_API_KEY": None},
        check=lambda j: j["target"]["key_source"] == "none" or fail(j))
    add("key_env", "ok", "ok", "auth", None, args=["--key-env", "MY_KEY"],
        env={"ANTHROPIC_API_KEY": None, "MY_KEY": KEY})
    add("forbidden", "forbidden", "critical", "auth", "forbidden")
    add("rate_limited", "rate_limited", "warning", "auth", "rate_limited",
        check=lambda j: (layer(j, "auth")["retry_after_s"] == 17 and
                         layer(j, "auth")["ratelimit_requests_remaining"] == 0
                         and layer(j, "auth")["should_retry"] is True
                         and layer(j, "auth")["ratelimit_tokens_limit"] > 0)
        or fail(j))
    add("spend_limit", "spend_limit", "critical", "auth", "spend_limit",
        check=lambda j: ("retry_after_s" not in layer(j, "auth") and
                         layer(j, "auth")["error_code"] ==
                         "enforced_spend_limit_reached") or fail(j))
    add("overloaded", "overloaded", "warning", "auth", "overloaded")
    add("server_error", "server_error", "critical", "auth", "server_error",
        check=lambda j: layer(j, "auth")["error_type"] == "api_error"
        or fail(j))
    add("api_timeout", "api_timeout", "critical", "auth", "server_error")
    add("billing", "billing", "critical", "auth", "billing")
    add("credit", "credit", "critical", "auth", "billing")
    add("bad_version", "bad_version", "unknown", "auth", "bad_request")
    add("key_stripped", "key_stripped", "critical", "auth", "invalid_key")
    add("not_found", "not_found", "unknown", "auth", "not_found")
    add("gateway_503", "gateway_503", "critical", "http", "status_5xx",
        check=lambda j: (layer(j, "http")["status"] == 503 and
                         layer(j, "auth")["state"] == "skipped") or fail(j))
    add("gateway_502", "gateway_502", "critical", "http", "status_5xx")
    add("cloudflare_520", "cloudflare_520", "critical", "http", "status_5xx",
        check=lambda j: layer(j, "http")["status"] == 520 or fail(j))
    add("edge_403", "edge_403", "critical", "http", "edge_blocked")
    add("captive_portal", "captive_portal", "critical", "http", "not_api")
    add("redirect", "redirect", "critical", "http", "redirect",
        check=lambda j: layer(j, "http")["location_host"] == "evil.example"
        or fail(j))
    # a name with both families whose IPv6 is refused (the fake listens on
    # 127.0.0.1 only): the probe gets through on IPv4 and says so
    add("family_failed", "ok", "warning", "tcp", "family_failed",
        args=["ADDRS:127.0.0.1,::1"],
        check=lambda j: (
            [(f["family"], f["state"]) for f in layer(j, "tcp")["families"]]
            == [("ipv4", "ok"), ("ipv6", "critical")] and
            layer(j, "tcp")["families"][1]["error"] == "refused" and
            layer(j, "tcp")["family"] == "ipv4" and
            layer(j, "auth")["state"] == "ok") or fail(j))
    # clock skew against the server's Date: warn over 60 s; critical only
    # where it breaks something (a time-signed provider's window, none for
    # x-api-key) or beyond --skew-crit; the env layer carries it
    add("skew_small", "skew:30", "ok", "auth", None,
        check=lambda j: 28 < layer(j, "env")["clock_skew_s"] < 32 or fail(j))
    add("skew_off", "skew:-400", "ok", "auth", None,
        args=["--skew-warn", "0", "--skew-crit", "0"])
    add("skew_large", "skew:-400", "warning", "env", "clock_skew",
        check=lambda j: (layer(j, "auth")["state"] == "ok" and
                         "do not depend on the clock" in
                         j["verdict"]["reason"]) or fail(j))
    add("skew_large_crit", "skew:-400", "critical", "env",
        "clock_skew_large", args=["--skew-crit", "120"],
        check=lambda j: (layer(j, "auth")["state"] == "ok" and
                         "ahead of" in j["verdict"]["reason"]) or fail(j))
    add("skew", "skew:90", "warning", "env", "clock_skew",
        check=lambda j: 88 < layer(j, "http")["clock_skew_s"] < 92
        or fail(j))
    add("slow", "slow:300", "ok", "auth", None,
        check=lambda j: 0.29 < layer(j, "http")["ttfb_s"] < 1.5 or fail(j))
    add("huge_body", "huge_body", "critical", "http", "body_too_large")
    add("endless_chunked", "endless_chunked", "critical", "http",
        "body_too_large")
    add("stall_accept", "stall_accept", "critical", "tls", "timeout",
        args=["--timeout", "1"], timeout=1)
    add("stall_handshake", "stall_handshake", "critical", "tls", "timeout",
        args=["--timeout", "1"], timeout=1)
    # the connect timeout ends the handshake; then two tries with a clamped
    # MSS (a PMTU black hole?), each within the connect timeout, stall too:
    # still a tls timeout, no false black hole
    add("connect_timeout", "stall_handshake", "critical", "tls", "timeout",
        args=["--connect-timeout", "0.5", "--timeout", "3"], timeout=1.55,
        check=lambda j: "working_mss" not in layer(j, "tcp") or fail(j))
    add("stall_headers", "stall_headers", "critical", "http", "timeout",
        args=["--timeout", "1"], timeout=1)
    add("stall_body", "stall_body", "critical", "http", "body_timeout",
        args=["--timeout", "1"], timeout=1,
        check=lambda j: layer(j, "http")["status"] == 200 or fail(j))
    add("close_handshake", "close_handshake", "critical", "tls", "closed")
    add("reset_handshake", "reset_handshake", "critical", "tls", "reset")
    add("close_after_request", "close_after_request", "critical", "http",
        "closed")
    add("reset_after_request", "reset_after_request", "critical", "http",
        "reset")
    add("garbage", "garbage", "critical", "http", "bad_response")
    add("plain_http", "plain_http", "critical", "tls", "not_tls")
    add("tls11_only", "tls11_only", "critical", "tls", "protocol_version")
    add("tls12_only", "tls12_only", "ok", "auth", None,
        check=lambda j: layer(j, "tls")["version"] == "TLSv1.2" or fail(j))
    add("min_tls13", "tls12_only", "critical", "tls", "protocol_version",
        args=["--min-tls", "1.3"])
    add("expired", "expired", "critical", "tls", "cert_expired",
        check=lambda j: -1.1 < layer(j, "tls")["cert_days_left"] < -0.9
        or fail(j))
    add("notyet", "notyet", "critical", "tls", "cert_not_yet_valid")
    add("wrongname", "wrongname", "critical", "tls", "hostname_mismatch",
        check=lambda j: "wrong.example" in layer(j, "tls")["cert_sans"]
        or fail(j))
    add("selfsigned", "selfsigned", "critical", "tls", "untrusted_issuer")
    add("untrusted", "untrusted", "critical", "tls", "untrusted_issuer",
        check=lambda j: (layer(j, "tls")["cert_issuer"] == "CN=Corp Proxy CA"
                         and "--ca-file" in j["verdict"]["hint"]) or fail(j))
    add("untrusted_cafile", "untrusted", "ok", "auth", None,
        args=["--ca-file", other])
    add("insecure", "selfsigned", "warning", "tls", "verify_disabled",
        args=["--insecure"],
        check=lambda j: (layer(j, "auth")["state"] == "ok" and
                         j["layers"]["env"]["insecure"] is True) or fail(j))
    add("expiring", "expiring", "warning", "tls", "cert_expiring",
        check=lambda j: (9 < layer(j, "tls")["cert_days_left"] < 10.1 and
                         layer(j, "auth")["state"] == "ok") or fail(j))
    add("expiring_thresholds", "expiring", "ok", "auth", None,
        args=["--cert-warn-days", "5", "--cert-crit-days", "2"])
    add("expiring_crit", "expiring_crit", "critical", "tls",
        "cert_expiring_soon",
        check=lambda j: (layer(j, "http")["state"] == "ok" and
                         layer(j, "auth")["state"] == "ok") or fail(j))
    add("chain", "chain", "critical", "tls", "cert_expiring_soon",
        check=lambda j: (layer(j, "tls")["cert_days_left"] > 300 and
                         4 < layer(j, "tls")["chain_min_days_left"] < 5.1 and
                         "Intermediate" in
                         layer(j, "tls")["chain_min_subject"]) or fail(j))
    add("ipv6_only_pinned_v4", "ok", "critical", "dns", "no_address",
        args=["-6"])
    add("ipv4_only", "ok", "ok", "auth", None, args=["-4"])
    keyfile = os.path.join(d, "key")
    with open(keyfile, "w") as f:
        f.write(KEY + "\n")
    os.chmod(keyfile, 0o644)
    add("key_file_readable", "ok", "warning", "env", "key_file_readable",
        args=["--key-file", keyfile], env={"ANTHROPIC_API_KEY": None},
        check=lambda j: (j["target"]["key_source"] == "file:" + keyfile and
                         layer(j, "auth")["state"] == "ok") or fail(j))
    keyfile2 = os.path.join(d, "key600")
    with open(keyfile2, "w") as f:
        f.write(KEY + "\n")
    os.chmod(keyfile2, 0o600)
    add("key_file", "ok", "ok", "auth", None,
        args=["--key-file", keyfile2], env={"ANTHROPIC_API_KEY": None})
    add("retries_flaky", "flaky:2", "ok", "auth", None,
        args=["--retries", "3"],
        check=lambda j: (j["attempts"] == 3 and
                         j["first_attempt"]["error"] == "overloaded" and
                         j["total_s"] < 10) or fail(j))
    add("no_retries_flaky", "flaky:1", "warning", "auth", "overloaded",
        check=lambda j: (j["attempts"] == 1 and "first_attempt" not in j)
        or fail(j))
    # retry-after 17 s cannot fit in 3 s: no retry, and no overrun
    add("retry_after_too_long", "rate_limited", "warning", "auth",
        "rate_limited", args=["--retries", "2", "--timeout", "3"],
        timeout=3,
        check=lambda j: (j["attempts"] == 1 and j["total_s"] < 3) or fail(j))
    add("retries_not_for_auth", "ok", "critical", "auth", "invalid_key",
        args=["--retries", "3"], env={"ANTHROPIC_API_KEY": BAD_KEY},
        check=lambda j: j["attempts"] == 1 or fail(j))
    add("retries_within_timeout", "stall_headers", "critical", "http",
        "timeout", args=["--retries", "5", "--timeout", "1.5"], timeout=1.5)
    # the provider's status page, beside a good and a stalled probe
    for ind, sp_state, ok_note, bad_note in [
            ("none", "ok", None, "problem is on this side"),
            ("minor", "warning", "reports a problem", "degraded service"),
            ("maintenance", "warning", "reports a problem",
             "degraded service"),
            ("major", "critical", "reports a problem", "on their side"),
            ("critical", "critical", "reports a problem", "on their side"),
            ("weird", "unknown", None, "unknown state")]:
        def chk(note, st, i=ind):
            def f(j):
                sp = j["status_page"]
                assert sp["state"] == st and sp["indicator"] == i, sp
                if note:
                    assert note in j["verdict"]["reason"], j["verdict"]
                else:
                    assert "status page" not in j["verdict"]["reason"] and \
                        "provider" not in j["verdict"]["reason"], j["verdict"]
                return True
            return f
        add("status_ok_%s" % ind, "ok", "ok", "auth", None,
            args=["--status-page", "SP:" + ind],
            check=chk(ok_note, sp_state))
        add("status_stall_%s" % ind, "stall_headers", "critical", "http",
            "timeout", args=["--timeout", "1", "--status-page", "SP:" + ind],
            check=chk(bad_note, sp_state))
    add("status_unreachable", "stall_headers", "critical", "http", "timeout",
        args=["--timeout", "1", "--status-page", "SP:down"],
        check=lambda j: (j["status_page"]["state"] == "unknown" and
                         "could not be read" in j["verdict"]["reason"])
        or fail(j))
    # provider profiles: openai-style (Bearer, x-ratelimit-*, its errors)
    # and plain https (no auth layer, an expected status)
    oa = {"ANTHROPIC_API_KEY": None, "OPENAI_API_KEY": KEY}
    add("openai_ok", "openai:ok", "ok", "auth", None,
        args=["--provider", "openai"], env=oa,
        check=lambda j: (j["target"]["provider"] == "openai" and
                         j["target"]["key_source"] == "env:OPENAI_API_KEY" and
                         layer(j, "auth")["ratelimit_requests_remaining"] ==
                         9999 and
                         layer(j, "auth")["ratelimit_tokens_reset_s"] == 360 and
                         layer(j, "http")["request_id"].startswith("req_"))
        or fail(j))
    add("openai_invalid_key", "openai:ok", "critical", "auth", "invalid_key",
        args=["--provider", "openai"],
        env={"ANTHROPIC_API_KEY": None, "OPENAI_API_KEY": BAD_KEY},
        check=lambda j: layer(j, "auth")["error_code"] == "invalid_api_key"
        or fail(j))
    add("openai_no_key", "openai:ok", "unknown", "auth", "no_key",
        args=["--provider", "openai"], env={"ANTHROPIC_API_KEY": None})
    add("openai_rate_limited", "openai:rate_limited", "warning", "auth",
        "rate_limited", args=["--provider", "openai"], env=oa,
        check=lambda j: (layer(j, "auth")["ratelimit_requests_remaining"] == 0
                         and layer(j, "auth")["ratelimit_requests_reset_s"] ==
                         90 and layer(j, "auth")["retry_after_s"] == 2)
        or fail(j))
    add("openai_quota", "openai:quota", "critical", "auth", "billing",
        args=["--provider", "openai"], env=oa)
    # retry-after 2 s is honoured: the retry comes 2 s later, within 5 s
    add("retry_after_honoured", "openai:rate_limited", "warning", "auth",
        "rate_limited",
        args=["--provider", "openai", "--retries", "1", "--timeout", "5"],
        env=oa, timeout=5,
        check=lambda j: (j["attempts"] == 2 and 2.0 <= j["total_s"] < 8.0 and
                         j["first_attempt"]["error"] == "rate_limited")
        or fail(j))
    add("https_ok", "not_found", "ok", "auth", None,
        args=["--provider", "https", "--expect-status", "404"],
        env={"ANTHROPIC_API_KEY": None},
        check=lambda j: (layer(j, "auth")["state"] == "n/a" and
                         layer(j, "http")["status"] == 404 and
                         j["target"]["provider"] == "https" and
                         j["target"]["url"].endswith("/") and
                         "/v1/" not in j["target"]["url"])
        or fail(j))
    add("https_unexpected", "not_found", "critical", "http",
        "unexpected_status", args=["--provider", "https"],
        env={"ANTHROPIC_API_KEY": None})
    add("https_no_key_sent", "ok", "critical", "http", "unexpected_status",
        args=["--provider", "https"],
        check=lambda j: (layer(j, "http")["status"] == 404 and
                         j["target"]["key_source"] == "none") or fail(j))
    add("refused", None, "critical", "tcp", "refused")
    add("nxdomain", None, "critical", "dns", None)
    return C


def fail(j):
    raise AssertionError(json.dumps(j, indent=1))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run_case(c, opts, d, ports, leaks):
    ca = os.path.join(d, "certs", "ca.pem")
    if c["id"] == "nxdomain":
        url = "https://apiprobe-test.invalid/"
        args = ["--connect-timeout", "3"]
    else:
        port = ports[c["scen"]] if c["scen"] else free_port()
        url = "https://api.test:%d/" % port
        # ADDRS:<list> in a case's args replaces the pinned address list
        addrs = next((a[6:] for a in c["args"] if a.startswith("ADDRS:")),
                     "127.0.0.1")
        args = ["--resolve", "api.test:%d:%s" % (port, addrs)]
        c = dict(c, args=[a for a in c["args"] if not a.startswith("ADDRS:")])
    if "--ca-file" not in c["args"]:
        args += ["--ca-file", ca]
    cargs = list(c["args"])
    for i, a in enumerate(cargs):  # SP:<indicator>: the fake status page
        if a.startswith("SP:"):
            sp_port = ports.get("statuspage:" + a[3:]) or free_port()
            cargs[i] = "https://api.test:%d/api/v2/summary.json" % sp_port
            args += ["--resolve", "api.test:%d:127.0.0.1" % sp_port]
    c = dict(c, args=cargs)
    env = dict(os.environ)
    for k in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(k, None)
    env["ANTHROPIC_API_KEY"] = KEY
    for k, v in c["env"].items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    extra = list(c["args"])
    if opts.wrapper:
        # valgrind runs ~50x slower: give the timeouts room, keep the order
        extra = [str(float(a) * 4) if i and extra[i - 1] in
                 ("--timeout", "--connect-timeout") else a
                 for i, a in enumerate(extra)]
    cmd = opts.wrapper + [opts.apiprobe, "--json"] + args + extra + [url]
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True,
                       timeout=120)
    wall = time.monotonic() - t0
    for secret in (KEY, BAD_KEY):
        if secret in p.stdout or secret in p.stderr:
            leaks.append(c["id"])
    if opts.wrapper and p.returncode == 99:
        raise AssertionError("valgrind reported errors:\n" + p.stderr[-4000:])
    try:
        j = json.loads(p.stdout)
    except ValueError:
        raise AssertionError("no JSON (rc %d): %s %s" %
                             (p.returncode, p.stdout, p.stderr[-2000:]))
    v = j["verdict"]
    assert v["state"] == c["state"], ("state", v, c["state"])
    assert p.returncode == EXIT[c["state"]], ("exit", p.returncode)
    if c["state"] != "ok":
        assert v["layer"] == c["layer"], ("layer", v, c["layer"])
        lay = layer(j, c["layer"])
        assert lay["state"] == c["state"], lay
        if c["error"]:
            assert v.get("error") == c["error"], ("error", v, c["error"])
            assert lay.get("error") == c["error"], lay
        assert v["reason"] and v["hint"], v
        # judged after the answer: the later layers were reached
        after = ("cert_expiring_soon", "clock_skew_large")
        if (c["state"] in ("critical", "unknown") and c["layer"] != "auth"
                and c["error"] not in after):
            skipped_after(j, c["layer"])
    else:
        assert "error" not in v, v
    if c["timeout"] is not None and not opts.wrapper:
        # the probe stops itself at its timeout, a few ms late at most
        assert j["total_s"] < c["timeout"] + 0.05, ("slow", j["total_s"])
        assert wall < c["timeout"] + 0.5, ("wall", wall)
    if c["check"]:
        c["check"](j)
    return j


def proxies(opts, d, ports):
    """A real forward proxy (Debian's tinyproxy) on loopback: through it,
    407 without and with credentials, CONNECT refused, proxy down, proxy
    name unknown, from the environment, NO_PROXY; the key never reaches
    the proxy."""
    import shutil
    tp = shutil.which("tinyproxy")
    assert tp, "tinyproxy is not installed (scripts/deps.sh test)"
    port = ports["ok"]
    confs = {"open": "ConnectPort %d\n" % port,
             "auth": "BasicAuth user secretpw\nConnectPort %d\n" % port,
             "deny": "ConnectPort 443\n"}
    procs, pports = [], {}
    try:
        for name, extra in confs.items():
            pp = free_port()
            cf = os.path.join(d, "tp-%s.conf" % name)
            with open(cf, "w") as f:
                f.write("Port %d\nListen 127.0.0.1\nTimeout 10\n"
                        "LogLevel Info\nMaxClients 10\n%s" % (pp, extra))
            log = open(os.path.join(d, "tp-%s.log" % name), "w")
            procs.append(subprocess.Popen([tp, "-d", "-c", cf], stdout=log,
                                          stderr=subprocess.STDOUT))
            pports[name] = pp
        for name, pp in pports.items():  # wait until each listens
            for _ in range(100):
                s = socket.socket()
                try:
                    s.connect(("127.0.0.1", pp))
                    break
                except OSError:
                    time.sleep(0.05)
                finally:
                    s.close()
        url = "https://localhost:%d/" % port
        base = opts.wrapper + [opts.apiprobe, "--json", "--ca-file",
                               os.path.join(d, "certs", "ca.pem")]
        env = dict(os.environ, ANTHROPIC_API_KEY=KEY)
        for k in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                  "no_proxy", "NO_PROXY"):
            env.pop(k, None)
        px = "http://127.0.0.1:%d"
        cases = [
            (["--proxy", px % pports["open"]], {}, "ok", None, None),
            (["--proxy", px % pports["auth"]], {}, "critical", "proxy",
             "auth_required"),
            (["--proxy", "http://user:secretpw@127.0.0.1:%d" %
              pports["auth"]], {}, "ok", None, None),
            (["--proxy", px % pports["deny"]], {}, "critical", "proxy",
             "connect_rejected"),
            (["--proxy", px % free_port()], {}, "critical", "proxy",
             "connect_failed"),
            (["--proxy", "http://proxy.invalid:3128"], {}, "critical",
             "proxy", "resolve_failed"),
            ([], {"HTTPS_PROXY": px % pports["open"]}, "ok", None, None),
            ([], {"HTTPS_PROXY": px % pports["deny"], "NO_PROXY": "localhost"},
             "ok", None, None),
            (["--proxy", ""], {"HTTPS_PROXY": px % pports["deny"]}, "ok",
             None, None),
        ]
        for args, extra, state, lay, err in cases:
            p = subprocess.run(base + args + [url], env=dict(env, **extra),
                               capture_output=True, text=True, timeout=120)
            j = json.loads(p.stdout)
            v = j["verdict"]
            assert v["state"] == state, (args, extra, v)
            if err:
                assert v["layer"] == lay and v["error"] == err, (args, v)
            assert "secretpw" not in p.stdout + p.stderr, "proxy password"
            assert KEY not in p.stdout + p.stderr, "key in output"
            if args:  # --proxy wins over the environment ("" = none)
                via = args[1] != ""
            else:
                via = "HTTPS_PROXY" in extra and "NO_PROXY" not in extra
            if state == "ok":
                assert j["layers"]["proxy"]["state"] == \
                    ("ok" if via else "n/a"), (args, extra, j["layers"])
                assert j["layers"]["dns"]["state"] == \
                    ("n/a" if via else "ok"), j["layers"]["dns"]
            if "NO_PROXY" in extra:
                assert j["layers"]["env"].get("noproxy_match") is True
            if extra and not args and via:
                assert j["layers"]["env"].get("proxy_source") == \
                    "env:HTTPS_PROXY", j["layers"]["env"]
    finally:
        for pr in procs:
            pr.terminate()
            try:
                pr.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pr.kill()
                pr.wait()
    for name in confs:
        with open(os.path.join(d, "tp-%s.log" % name)) as f:
            assert KEY not in f.read(), "the key reached the proxy"


MANY = [("ok", "ok", None), ("rate_limited", "warning", "rate_limited"),
        ("expired", "critical", "cert_expired"),
        ("stall_headers", "critical", "timeout")]


def many(opts, d, ports):
    """Several URLs in one run: probed at once, each judged alone."""
    args = ["--ca-file", os.path.join(d, "certs", "ca.pem"), "--timeout",
            "4" if opts.wrapper else "1"]
    urls = []
    for scen, _, _ in MANY:
        p = ports[scen]
        args += ["--resolve", "api.test:%d:127.0.0.1" % p]
        urls.append("https://api.test:%d/" % p)
    env = dict(os.environ, ANTHROPIC_API_KEY=KEY)
    base = opts.wrapper + [opts.apiprobe] + args
    t0 = time.monotonic()
    p = subprocess.run(base + ["--json"] + urls, env=env,
                       capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - t0
    assert p.returncode == 2, ("exit", p.returncode, p.stderr[-2000:])
    js = json.loads(p.stdout)
    assert len(js) == len(MANY), len(js)
    for j, (scen, state, err) in zip(js, MANY):
        assert j["verdict"]["state"] == state, (scen, j["verdict"])
        assert j["verdict"].get("error") == err, (scen, j["verdict"])
    # at once: the ok target did not wait for the stalled one
    assert js[0]["total_s"] < (3.0 if opts.wrapper else 0.5), js[0]["total_s"]
    if not opts.wrapper:
        assert wall < 1.6, ("not parallel?", wall)
    p = subprocess.run(base + urls, env=env, capture_output=True, text=True,
                       timeout=300)
    assert "TARGET" in p.stdout and "cert_expired" in p.stdout, p.stdout
    p = subprocess.run(base + ["--prometheus"] + urls, env=env,
                       capture_output=True, text=True, timeout=300)
    assert "apiprobe_up{" in p.stdout, p.stdout
    assert 'apiprobe_verdict_info{target="api.test:%d",layer="tls",' \
        'error="cert_expired"} 1' % ports["expired"] in p.stdout, p.stdout
    for secret in (KEY,):
        assert secret not in p.stdout and secret not in p.stderr
    c = subprocess.run(["promtool", "check", "metrics"], input=p.stdout,
                       capture_output=True, text=True)
    assert c.returncode == 0, ("promtool", c.stdout, c.stderr)
    # both families of one name: each one's own connect as a sample
    ok = ports["ok"]
    p = subprocess.run(opts.wrapper + [
        opts.apiprobe, "--prometheus", "--ca-file",
        os.path.join(d, "certs", "ca.pem"), "--resolve",
        "api.test:%d:127.0.0.1,::1" % ok, "https://api.test:%d/" % ok],
        env=env, capture_output=True, text=True, timeout=300)
    for want in ('apiprobe_family_up{target="api.test",family="ipv4"} 1',
                 'apiprobe_family_up{target="api.test",family="ipv6"} 0',
                 'apiprobe_address_info{target="api.test",connection="family",'
                 'family="ipv4",address="127.0.0.1"} 1',
                 'apiprobe_address_info{target="api.test",connection="family",'
                 'family="ipv6",address="::1"} 1',
                 'apiprobe_path_mtu_bytes{target="api.test"} 6553'):
        assert want in p.stdout, (want, p.stdout)
    c = subprocess.run(["promtool", "check", "metrics"], input=p.stdout,
                       capture_output=True, text=True)
    assert c.returncode == 0, ("promtool", c.stdout, c.stderr)
    # --retries applies to each of several URLs too
    fl = ports["flaky:3"]
    p = subprocess.run(opts.wrapper + [opts.apiprobe, "--json", "--ca-file",
                                       os.path.join(d, "certs", "ca.pem"),
                                       "--retries", "4", "--resolve",
                                       "api.test:%d:127.0.0.1" % fl,
                                       "--resolve",
                                       "api.test:%d:127.0.0.1" % ports["ok"],
                                       "https://api.test:%d/" % ports["ok"],
                                       "https://api.test:%d/" % fl],
                       env=env, capture_output=True, text=True, timeout=300)
    js = json.loads(p.stdout)
    assert [j["verdict"]["state"] for j in js] == ["ok", "ok"], js
    assert js[0]["attempts"] == 1 and js[1]["attempts"] == 4, \
        [j["attempts"] for j in js]
    assert js[1]["first_attempt"]["error"] == "overloaded", js[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiprobe", required=True)
    ap.add_argument("--fakeapi", required=True)
    ap.add_argument("--wrapper", default="")
    ap.add_argument("-k", dest="only", default="")
    ap.add_argument("--threads", default="",
                    help="also run this threads binary (threads.c)")
    opts = ap.parse_args()
    opts.wrapper = shlex.split(opts.wrapper)
    d = tempfile.mkdtemp(prefix="apiprobe-it-")
    subprocess.run([opts.fakeapi, "certs", os.path.join(d, "certs")],
                   check=True)
    cs = cases(d)
    if opts.only:
        cs = [c for c in cs if opts.only in c["id"]]
        if not cs:
            print("no case matches %r" % opts.only)
            return 2
    sps = {"statuspage:" + a[3:] for c in cs for a in c["args"]
           if a.startswith("SP:") and a != "SP:down"}
    scen = sorted({c["scen"] for c in cs if c["scen"]} | sps |
                  ({s for s, _, _ in MANY} | {"flaky:3"}
                   if not opts.only else set()) |
                  ({"ok", "rate_limited", "expired", "stall_headers",
                    "server_error"} if opts.threads and not opts.only
                   else set()))
    portfile = os.path.join(d, "ports")
    log = os.path.join(d, "requests.log")
    srv = subprocess.Popen([opts.fakeapi, "serve", "--dir",
                            os.path.join(d, "certs"), "--portfile", portfile,
                            "--log", log] + scen)
    failures = []
    leaks = []
    try:
        for _ in range(100):
            if os.path.exists(portfile) or srv.poll() is not None:
                break
            time.sleep(0.05)
        ports = {}
        with open(portfile) as f:
            for line in f:
                n, p = line.split()
                ports[n] = int(p)
        for c in cs:
            try:
                run_case(c, opts, d, ports, leaks)
                print("ok   %s" % c["id"])
            except Exception as e:  # report all, fail at the end
                failures.append(c["id"])
                print("FAIL %s: %s" % (c["id"], e))
        if not opts.only:
            try:
                proxies(opts, d, ports)
                print("ok   proxy: tinyproxy on loopback, 9 cases")
            except Exception as e:
                failures.append("proxy")
                print("FAIL proxy: %s" % e)
            try:
                many(opts, d, ports)
                print("ok   many: several URLs, table, JSON array, "
                      "--prometheus checked by promtool")
            except Exception as e:
                failures.append("many")
                print("FAIL many: %s" % e)
        if opts.threads and not opts.only:
            spec = ["ok=%d=none", "rate_limited=%d=rate_limited",
                    "expired=%d=cert_expired", "stall_headers=%d=timeout",
                    "server_error=%d=server_error", "ok=%d=none"]
            args = [s.split("=")[0] for s in spec]
            args = [spec[i] % ports[a] for i, a in enumerate(args)]
            env = dict(os.environ, ANTHROPIC_API_KEY=KEY)
            p = subprocess.run(opts.wrapper + [opts.threads, os.path.join(
                d, "certs", "ca.pem"), "4", "10" if opts.wrapper else "1"]
                + args, env=env,
                capture_output=True, text=True, timeout=300)
            if p.returncode != 0:
                failures.append("threads")
                print("FAIL threads (rc %d): %s %s" % (
                    p.returncode, p.stdout, p.stderr[-3000:]))
            else:
                print("ok   threads: " + p.stdout.strip())
        with open(log) as f:
            text = f.read()
        if KEY in text:
            failures.append("key in fake log")
        if ("ok" in scen and "key=valid version=2023-06-01" not in text):
            failures.append("the fake never saw the valid key and version")
    finally:
        srv.send_signal(signal.SIGTERM)
        try:
            srv.wait(timeout=10)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
        subprocess.run(["rm", "-rf", d])
    if leaks:
        print("FAIL the key appeared in the output of: %s" % ", ".join(leaks))
        failures += leaks
    print("%d cases, %d failed" % (len(cs), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
