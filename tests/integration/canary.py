#!/usr/bin/env python3
"""canary.py -- the model and inference layers against the TLS fake API
(tests/fakeapi): every inference error (stream_stalled at the idle timeout,
stream_truncated, overloaded before and inside the stream, rate_limited,
model_not_found, api_error, bad_response), the timings (a 1.5 s slow first
token is a ttft of 1.4-1.8 s), the model check for existing and unknown
ids (Anthropic and OpenAI), Nagios perfdata thresholds on ttft, and the
fake's count of generation requests: nothing reaches the generation
endpoint without --canary, and one canary run is one request. Standard
library only.

usage: canary.py --apiprobe BIN --nagios BIN --fakeapi BIN
"""
import argparse
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

KEY = "sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000"
SCENARIOS = ["ok", "stream_slow:1500", "stream_stall", "stream_cut",
             "stream_error:overloaded", "stream_error:api", "overloaded",
             "rate_limited", "stream_malformed", "stream_endless",
             "openai:ok"]


class Fake:
    def __init__(self, binary, d):
        self.d = d
        subprocess.run([binary, "certs", os.path.join(d, "certs")],
                       check=True, stdout=subprocess.DEVNULL)
        self.ca = os.path.join(d, "certs", "ca.pem")
        pf = os.path.join(d, "ports")
        self.proc = subprocess.Popen(
            [binary, "serve", "--dir", os.path.join(d, "certs"),
             "--portfile", pf, "--log", os.path.join(d, "log")] + SCENARIOS)
        for _ in range(200):
            if os.path.exists(pf) or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.ports = {}
        with open(pf) as f:
            for line in f:
                n, p = line.split()
                self.ports[n] = int(p)

    def generations(self):
        """The fake's count of generation requests (tokens spent)."""
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.check_hostname = False
        url = "https://127.0.0.1:%d/fake/stats" % self.ports["ok"]
        with urllib.request.urlopen(url, context=ctx, timeout=5) as r:
            return json.load(r)["generation_requests"]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run(fake, binary, scen, args, env=None, json_out=True):
    port = fake.ports[scen]
    e = dict(os.environ, ANTHROPIC_API_KEY=KEY)
    for k in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        e.pop(k, None)
    e.update(env or {})
    cmd = [binary] + (["--json"] if json_out else []) + [
        "--ca-file", fake.ca, "--resolve", "api.test:%d:127.0.0.1" % port
    ] + args + ["https://api.test:%d/" % port if json_out or
                binary.endswith("apiprobe") else ""]
    if not json_out and "check_apiprobe" in binary:
        cmd[-1:] = ["-u", "https://api.test:%d/" % port]
    p = subprocess.run(cmd, env=e, capture_output=True, text=True,
                       timeout=60)
    assert KEY not in p.stdout + p.stderr, "the key in the output"
    if not json_out:
        return p
    return p, json.loads(p.stdout)


def inf(j):
    return j["layers"]["inference"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiprobe", required=True)
    ap.add_argument("--nagios", required=True)
    ap.add_argument("--fakeapi", required=True)
    opts = ap.parse_args()
    d = tempfile.mkdtemp(prefix="apiprobe-canary-")
    fake = Fake(opts.fakeapi, d)
    failures = []
    spent = [0]  # canary runs made: the fake must count as many

    def case(name, fn):
        t0 = time.monotonic()
        try:
            fn()
            print("ok   %s (%.2f s)" % (name, time.monotonic() - t0))
        except Exception as e:  # report all, fail at the end
            failures.append(name)
            print("FAIL %s: %r" % (name, e))

    A = opts.apiprobe

    def canary(scen, *args, env=None):
        spent[0] += 1
        return run(fake, A, scen, ["--canary", args[0]] + list(args[1:]),
                   env=env)

    def free_by_default():
        for scen in ("ok", "stream_stall", "overloaded"):
            p, j = run(fake, A, scen, [])
            assert j["layers"]["model"]["state"] == "n/a", j["layers"]
            assert inf(j)["state"] == "n/a", inf(j)
        p, j = run(fake, A, "ok", ["--model", "claude-x"])
        assert inf(j)["state"] == "n/a"
        assert fake.generations() == 0, "a generation request without " \
            "--canary"

    def models():
        p, j = run(fake, A, "ok", ["--model", "claude-x", "--model",
                                   "claude-sonnet-4-5", "--model",
                                   "claude-retired-2"])
        m = j["layers"]["model"]
        assert m["state"] == "critical" and m["error"] == "model_not_found"
        ids = [(x["id"], x["state"], x.get("error"), x.get("display_name"))
               for x in m["models"]]
        assert ids == [("claude-x", "ok", None, "Claude X"),
                       ("claude-sonnet-4-5", "ok", None, "Claude Sonnet 4.5"),
                       ("claude-retired-2", "critical", "model_not_found",
                        None)], ids
        assert j["verdict"]["layer"] == "model", j["verdict"]
        assert p.returncode == 2
        p, j = run(fake, A, "ok", ["--model", "claude-x"])
        assert j["layers"]["model"]["state"] == "ok" and p.returncode == 0
        # another error class: the model check says what auth would
        p, j = run(fake, A, "rate_limited", ["--model", "claude-x"])
        assert j["layers"]["model"]["error"] == "rate_limited", j["layers"]

    def ok():
        p, j = canary("ok", "claude-x")
        i = inf(j)
        assert p.returncode == 0 and i["state"] == "ok", i
        assert 0 <= i["ttft_s"] <= i["stream_s"] < 1, i
        assert i["stop_reason"] == "max_tokens", i
        assert i["input_tokens"] == 8 and i["output_tokens"] == 1, i
        assert i["events"] == 7 and i["reused"] is False, i
        assert "cost_usd" not in i, "a cost without prices"
        assert i["request_id"].startswith("req_"), i
        p, j = canary("ok", "claude-x", "--price-input", "3",
                      "--price-output", "15")
        assert abs(inf(j)["cost_usd"] - (8 * 3 + 15) / 1e6) < 1e-12, inf(j)
        p = run(fake, A, "ok", ["--canary", "claude-x"], json_out=False)
        spent[0] += 1
        assert "inference ok" in p.stdout and "8+1 tokens" in p.stdout, \
            p.stdout

    def slow():
        p, j = canary("stream_slow:1500", "claude-x")
        i = inf(j)
        assert i["state"] == "ok", i
        assert 1.4 <= i["ttft_s"] <= 1.8, ("ttft", i["ttft_s"])
        assert 1.4 <= i["max_gap_s"] <= 1.8, i

    def stall():
        p, j = canary("stream_stall", "claude-x", "--stream-idle-timeout",
                      "1.5")
        i = inf(j)
        assert i["state"] == "critical" and i["error"] == "stream_stalled"
        # ends at the idle timeout, not at --timeout (10 s)
        assert 1.5 <= i["time_s"] <= 1.9, ("stall end", i["time_s"])
        assert j["verdict"]["error"] == "stream_stalled"

    def expect(scen, model, state, err, *args, check=None):
        def fn():
            p, j = canary(scen, model, *args)
            i = inf(j)
            assert (i["state"], i.get("error")) == (state, err), i
            if check:
                check(i, j)
        return fn

    def nagios():
        p = run(fake, opts.nagios, "stream_slow:1500",
                ["--canary", "claude-x", "--warn", "ttft=1", "--crit",
                 "ttft=3"], json_out=False)
        spent[0] += 1
        assert p.returncode == 1, (p.returncode, p.stdout)
        assert "ttft=1.5" in p.stdout and ";1;3;0;" in p.stdout, p.stdout
        for metric in ("stream_time=", "max_gap=", "input_tokens=8",
                       "output_tokens=1", "canary_age=0s"):
            assert metric in p.stdout, (metric, p.stdout)
        assert "canary: claude-x" in p.stdout, p.stdout

    def openai():
        env = {"OPENAI_API_KEY": KEY}
        p, j = run(fake, A, "openai:ok", ["--provider", "openai", "--model",
                                          "gpt-x", "--model", "gpt-nope",
                                          "--canary", "gpt-x"], env=env)
        spent[0] += 1
        ms = [(x["id"], x.get("error")) for x in j["layers"]["model"]["models"]]
        assert ms == [("gpt-x", None), ("gpt-nope", "model_not_found")], ms
        i = inf(j)
        assert i["state"] == "ok" and i["stop_reason"] == "length", i
        assert i["input_tokens"] == 8 and i["output_tokens"] == 1, i
        assert i["ttft_s"] >= 0, i

    def prometheus():
        port = fake.ports["ok"]
        e = dict(os.environ, ANTHROPIC_API_KEY=KEY)
        p = subprocess.run([A, "--prometheus", "--ca-file", fake.ca,
                            "--resolve", "api.test:%d:127.0.0.1" % port,
                            "--model", "claude-x", "--canary", "claude-x",
                            "https://api.test:%d/" % port], env=e,
                           capture_output=True, text=True, timeout=60)
        spent[0] += 1
        for want in ('apiprobe_layer_state{target="api.test",layer="model"} 0',
                     'apiprobe_layer_state{target="api.test",'
                     'layer="inference"} 0',
                     'apiprobe_input_tokens{target="api.test"} 8',
                     'apiprobe_output_tokens{target="api.test"} 1',
                     'apiprobe_canary_age_seconds{target="api.test"} 0',
                     'apiprobe_ttft_seconds{target="api.test"} 0.'):
            assert want in p.stdout, (want, p.stdout)
        c = subprocess.run(["promtool", "check", "metrics"], input=p.stdout,
                           capture_output=True, text=True)
        assert c.returncode == 0, ("promtool", c.stdout, c.stderr)

    def help_says_cost():
        for b in (A, opts.nagios):
            p = subprocess.run([b, "--help"], capture_output=True, text=True)
            assert "SPENDS TOKENS" in p.stdout and "free" in p.stdout, b

    def counted():
        assert fake.generations() == spent[0], (fake.generations(), spent[0])

    try:
        case("free: no generation request without --canary", free_by_default)
        case("model: existing and unknown ids", models)
        case("canary ok: timings, usage, cost only with prices", ok)
        case("slow first token 1.5 s: ttft 1.4-1.8 s", slow)
        case("stall ends at --stream-idle-timeout", stall)
        case("stall inside a short --timeout: stalled, by --timeout", expect(
            "stream_stall", "claude-x", "critical", "stream_stalled",
            "--timeout", "1.5",
            check=lambda i, j: i["time_s"] <= 1.6 or
            (_ for _ in ()).throw(AssertionError(i))))
        case("stream_truncated", expect("stream_cut", "claude-x", "critical",
                                        "stream_truncated"))
        case("overloaded_error event", expect(
            "stream_error:overloaded", "claude-x", "warning", "overloaded",
            check=lambda i, j: i["error_type"] == "overloaded_error"
            or (_ for _ in ()).throw(AssertionError(i))))
        case("api_error event", expect("stream_error:api", "claude-x",
                                       "critical", "api_error"))
        case("529 before the stream", expect("overloaded", "claude-x",
                                             "warning", "overloaded"))
        case("429 before the stream", expect("rate_limited", "claude-x",
                                             "warning", "rate_limited"))
        case("unknown canary model", expect("ok", "claude-nope", "critical",
                                            "model_not_found"))
        case("malformed event", expect("stream_malformed", "claude-x",
                                       "critical", "bad_response"))
        case("endless stream", expect(
            "stream_endless", "claude-x", "critical", "stream_truncated",
            "--timeout", "1.5",
            check=lambda i, j: i["events"] > 5 or
            (_ for _ in ()).throw(AssertionError(i))))
        case("nagios: --warn ttft=1 on a 1.5 s first token", nagios)
        case("openai: models and a streamed chat completion", openai)
        case("prometheus: the canary's metrics, promtool-checked",
             prometheus)
        case("--help says what spends tokens", help_says_cost)
        case("one generation request per canary run", counted)
    finally:
        fake.stop()
        with open(os.path.join(d, "log")) as f:
            if KEY in f.read():
                failures.append("key in the fake's log")
        subprocess.run(["rm", "-rf", d])
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
