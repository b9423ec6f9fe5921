#!/bin/bash
# cli_config.sh - apiprobe --config FILE and --prometheus-file FILE against
# the TLS fake API on loopback:
#  - two [target NAME] sections with different keys are probed in one call;
#    the command line's options are their defaults; the worst verdict is
#    the exit status
#  - the Prometheus text goes to FILE by rename (a new inode each run, mode
#    0644, no temporary file left), nothing on stdout unless --json asks
#  - a bad line stops apiprobe before any probe (exit 3, PATH:LINE named);
#    an unwritable FILE is exit 3; a key never reaches the file
# usage: cli_config.sh --apiprobe PATH --fakeapi PATH
set -u
AP= FAKE=
while [ $# -gt 0 ]; do
  case $1 in
    --apiprobe) AP=$2; shift 2 ;;
    --fakeapi) FAKE=$2; shift 2 ;;
    *) echo "usage: $0 --apiprobe PATH --fakeapi PATH" >&2; exit 2 ;;
  esac
done
[ -x "$AP" ] && [ -x "$FAKE" ] || { echo "cli_config.sh: FAIL: --apiprobe and --fakeapi are required" >&2; exit 1; }
VALID=sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000
WRONG=sk-ant-api03-clicfgtest-wrong-key-0000000000000000000000000
T=$(mktemp -d /tmp/apiprobe-cli-config.XXXXXX) || exit 1
FPID=
cleanup() { [ -z "$FPID" ] || { kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; }; rm -rf "$T"; }
trap cleanup EXIT
FAILS=0 N=0
ok() { N=$((N + 1)); echo "ok $N - $*"; }
notok() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $*"; }

"$FAKE" certs "$T/certs" >"$T/certs.log" 2>&1 || { echo "FAIL: fakeapi certs: $(cat "$T/certs.log")"; exit 1; }
"$FAKE" serve --dir "$T/certs" --portfile "$T/ports" --log "$T/requests.log" ok >"$T/fake.log" 2>&1 &
FPID=$!
for ((i = 0; i < 100; i++)); do [ -s "$T/ports" ] && break; sleep 0.05; done
P=$(awk '$1 == "ok" { print $2 }' "$T/ports")
[ -n "$P" ] || { echo "FAIL: the fake wrote no port: $(cat "$T/fake.log")"; exit 1; }

cat >"$T/targets.conf" <<EOF
# two keys, one file
[module]
cache = 5
[target production]
url = https://127.0.0.1:$P/
key-env = APIPROBE_TEST_PROD
[target staging]
url = https://127.0.0.1:$P/
key-env = APIPROBE_TEST_STAGING
timeout = 4
timeout = 4
EOF
mkdir "$T/textfile"
OUT=$T/textfile/apiprobe.prom
run() { env APIPROBE_TEST_PROD="$VALID" APIPROBE_TEST_STAGING="$WRONG" "$AP" "$@"; }

run --ca-file "$T/certs/ca.pem" --config "$T/targets.conf" --prometheus-file "$OUT" >"$T/out1" 2>"$T/err1"
rc=$?
if [ "$rc" = 2 ] && [ ! -s "$T/out1" ] &&
  grep -q '^apiprobe_up{target="production"} 1$' "$OUT" && grep -q '^apiprobe_up{target="staging"} 0$' "$OUT"; then
  ok "--config: two targets with two keys in one call (production up, staging's key refused), exit 2, nothing on stdout"
else
  notok "--config run: exit $rc, stdout $(head -c 200 "$T/out1"), stderr $(head -c 300 "$T/err1"), file: $(grep apiprobe_up "$OUT" 2>&1 | tr '\n' ' ')"
fi
if [ "$(stat -c %a "$OUT" 2>/dev/null)" = 644 ] && [ "$(ls -A "$T/textfile")" = apiprobe.prom ]; then
  ok "the file is mode 0644 and no temporary file is left beside it"
else
  notok "textfile dir: $(ls -lA "$T/textfile" | tr '\n' ' ')"
fi
ino1=$(stat -c %i "$OUT")
run --ca-file "$T/certs/ca.pem" --config "$T/targets.conf" --prometheus-file "$OUT" --json >"$T/out2" 2>"$T/err2"
ino2=$(stat -c %i "$OUT")
if [ "$ino1" != "$ino2" ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (len(d) == 2 and d[1]["target"]["name"] == "staging"))' "$T/out2"; then
  ok "written by rename (inode $ino1 -> $ino2); with --json the JSON array goes to stdout too"
else
  notok "second run: inode $ino1 -> $ino2, stdout $(head -c 200 "$T/out2")"
fi
if grep -q "$VALID\|$WRONG" "$OUT" "$T/out1" "$T/out2" "$T/err1" "$T/err2"; then
  notok "a key was printed"
else ok "no key in the file or on stdout/stderr"; fi
# the command line's options are every target's defaults (--ca-file here)
run --ca-file "$T/certs/ca.pem" --timeout 6 --config "$T/targets.conf" --json >"$T/out3" 2>&1
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (len(d) == 2 and d[0]["verdict"]["state"] == "ok"))' "$T/out3"; then
  ok "command-line options apply to every target of the file (--ca-file, --timeout)"
else notok "--timeout with --config: $(head -c 300 "$T/out3")"; fi

# a bad line: nothing probed
before=$(wc -l <"$T/requests.log")
printf '[target third]\nurl = https://127.0.0.1:%s/\nbogus-option = 1\n' "$P" >>"$T/targets.conf"
run --ca-file "$T/certs/ca.pem" --config "$T/targets.conf" --prometheus-file "$OUT" >"$T/out4" 2>"$T/err4"
rc=$?
if [ "$rc" = 3 ] && grep -q "targets.conf:14: target 'third': unknown option 'bogus-option'" "$T/err4" &&
  [ "$(wc -l <"$T/requests.log")" = "$before" ] && [ "$(stat -c %i "$OUT")" = "$ino2" ]; then
  ok "a bad line: exit 3 naming targets.conf:14, nothing probed, the file untouched"
else
  notok "bad config: exit $rc, stderr $(cat "$T/err4"), requests $before -> $(wc -l <"$T/requests.log")"
fi
printf '# nothing\n' >"$T/empty.conf"
run --config "$T/empty.conf" https://127.0.0.1:1/ https://127.0.0.1:2/ >/dev/null 2>"$T/err5"
rc=$?
if [ "$rc" = 3 ] && grep -q 'takes its URLs from the file' "$T/err5"; then ok "--config with URL arguments: exit 3"
else notok "--config with a URL: exit $rc $(cat "$T/err5")"; fi
run --config "$T/empty.conf" >/dev/null 2>"$T/err6"
rc=$?
if [ "$rc" = 3 ] && grep -q 'no \[target NAME\] section' "$T/err6"; then ok "a file with no target: exit 3"
else notok "empty config: exit $rc $(cat "$T/err6")"; fi
# an unwritable place
run --ca-file "$T/certs/ca.pem" --url "https://127.0.0.1:$P/" --key-env APIPROBE_TEST_PROD \
  --prometheus-file "$T/no/such/dir/x.prom" >/dev/null 2>"$T/err7"
rc=$?
if [ "$rc" = 3 ] && grep -q 'cannot create a temporary file beside' "$T/err7"; then ok "--prometheus-file in a missing directory: exit 3"
else notok "missing directory: exit $rc $(cat "$T/err7")"; fi
echo "# $N checks, $FAILS failed"
[ "$FAILS" = 0 ]
