#!/bin/sh
# run.sh --fakeapi F --threads T --cd-threads C -- the ThreadSanitizer
# run of the threaded paths: the fake API on a dual-stack loopback socket,
# threads.c (4 targets on 4 threads x 2 rounds, then ap_probe_many) and
# cd_threads.c (5 collectd read threads x 4 targets each: resolver job,
# IPv4+IPv6 family connects, status page thread). Any data race fails
# (TSan exit code 66). Kills what it started by PID.
set -eu
while [ $# -gt 0 ]; do
  case $1 in
    --fakeapi) fake=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --cd-threads) cdt=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
. "$(dirname "$0")/../fakeapi/serve.sh"
fake_dir tsan
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
export ANTHROPIC_API_KEY=sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000
fake_serve "$fake" --bind :: ok rate_limited expired stall_headers \
  statuspage:minor
port() { fake_port "$1"; }
ok=$(port ok)
[ -n "$ok" ] || { echo "run.sh: the fake API did not start" >&2; exit 1; }
"$threads" "$d/certs/ca.pem" 2 2 "ok=$ok=none" \
  "rate_limited=$(port rate_limited)=rate_limited" \
  "expired=$(port expired)=cert_expired" \
  "stall_headers=$(port stall_headers)=timeout"
"$cdt" "$d/certs/ca.pem" "$ok" "$(port statuspage:minor)" 2
echo "tsan: no data race in the threaded paths"
