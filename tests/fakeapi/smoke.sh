#!/bin/bash
# smoke.sh - checks fakeapi itself with the system curl: every scenario's
# status or curl error code, the request-id rule and the request log.
# usage: smoke.sh [path/to/fakeapi]   (exit 0 pass, 1 fail or no curl)
set -u
BIN=${1:-fakeapi}
CURL=${CURL:-/usr/bin/curl}
KEY=sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000
[ -x "$CURL" ] || { echo "FAIL: no $CURL (scripts/deps.sh test installs it)"; exit 1; }

T=$(mktemp -d)
SRV=
cleanup() {
  [ -n "$SRV" ] && kill -TERM "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

"$BIN" certs "$T/certs" || { echo "not ok - fakeapi certs"; exit 1; }
SCN="ok expiring expiring_crit expired notyet wrongname selfsigned untrusted
  chain forbidden rate_limited spend_limit overloaded server_error api_timeout
  billing credit bad_version key_stripped not_found gateway_503 gateway_502
  cloudflare_520 edge_403 captive_portal redirect skew:-3600 slow:300
  huge_body endless_chunked stall_accept stall_handshake stall_headers
  stall_body close_handshake reset_handshake close_after_request
  reset_after_request garbage plain_http tls11_only tls12_only flaky:2"
# shellcheck disable=SC2086
"$BIN" serve --dir "$T/certs" --portfile "$T/ports" --log "$T/log" $SCN &
SRV=$!
for _ in $(seq 200); do [ -s "$T/ports" ] && break; sleep 0.05; done
[ -s "$T/ports" ] || { echo "not ok - no portfile"; exit 1; }

fails=0
n=0
DEF_HDR=(-H "x-api-key: $KEY" -H 'anthropic-version: 2023-06-01')
HDR=("${DEF_HDR[@]}")
# check SCENARIO "WANT" [curl args...]: WANT is "<http_code> <curl exit>",
# several alternatives may be separated by '|'.  Sends the headers in HDR.
check() {
  local s=$1 want=$2 port got
  shift 2
  port=$(awk -v s="$s" '$1 == s { print $2; exit }' "$T/ports")
  got=$("$CURL" -sS -o "$T/body" -D "$T/head" -w '%{http_code}' \
    --cacert "$T/certs/ca.pem" --resolve "api.test:$port:127.0.0.1" \
    "${HDR[@]}" "$@" \
    "https://api.test:$port/v1/models?limit=1" 2>"$T/err")
  got="$got $?"
  n=$((n + 1))
  if [[ "|$want|" == *"|$got|"* ]]; then
    echo "ok $n - $s $* -> $got"
  else
    echo "not ok $n - $s $* -> $got (want $want) $(head -c 200 "$T/err")"
    fails=$((fails + 1))
  fi
}
# has_rid yes|no: the last response carried a request-id header or not
has_rid() {
  local got=no
  grep -Eqi '^request-id: req_[1-9A-HJ-NP-Za-km-z]{24}'$'\r''?$' \
    "$T/head" && got=yes
  n=$((n + 1))
  if [ "$got" = "$1" ]; then
    echo "ok $n -   request-id: $got"
  else
    echo "not ok $n -   request-id: $got (want $1)"
    fails=$((fails + 1))
  fi
}
# has FILE TEXT: the last response's head or body contains TEXT
has() {
  n=$((n + 1))
  if grep -qiF -- "$2" "$T/$1"; then
    echo "ok $n -   $1 has $2"
  else
    echo "not ok $n -   $1 lacks $2"
    fails=$((fails + 1))
  fi
}

for s in ok expiring expiring_crit chain skew:-3600 tls12_only; do
  check "$s" "200 0"; has_rid yes
done
for s in expired notyet wrongname selfsigned untrusted; do
  check "$s" "000 60"
done
check untrusted "200 0" --cacert "$T/certs/otherca.pem"
for p in forbidden:403 rate_limited:429 spend_limit:429 overloaded:529 \
  server_error:500 api_timeout:504 billing:402 credit:400 bad_version:400 \
  key_stripped:401 not_found:404; do
  check "${p%%:*}" "${p##*:} 0"; has_rid yes
done
for p in gateway_503:503 gateway_502:502 cloudflare_520:520 edge_403:403 \
  captive_portal:200 redirect:302; do
  check "${p%%:*}" "${p##*:} 0"; has_rid no
done
check rate_limited "429 0"
has head "retry-after: 17"
check spend_limit "429 0"
has body '"details":{"error_code":"enforced_spend_limit_reached"}'
check server_error "500 0"
has body '"request_id":null}'
HDR=()
check ok "401 0"
has body '"message":"x-api-key header is required"'
HDR=(-H "Authorization: Bearer $KEY" -H 'anthropic-version: 2023-06-01')
check ok "401 0"
has body '"message":"Invalid bearer token"'
HDR=(-H 'x-api-key: sk-ant-api03-wrong' -H 'anthropic-version: 2023-06-01')
check ok "401 0"
has body '"message":"invalid x-api-key"'
HDR=(-H "x-api-key: $KEY")
check ok "400 0"
has body '"message":"anthropic-version: header is required"'
HDR=("${DEF_HDR[@]}")
check slow:300 "200 0"
check huge_body "200 63" --max-filesize 1048576
check endless_chunked "200 28" -m 1
check stall_accept "000 28" -m 1
check stall_handshake "000 28" -m 1
check stall_headers "000 28" -m 1
check stall_body "200 28" -m 1
check close_handshake "000 35"
check reset_handshake "000 35"
check close_after_request "000 52"
check reset_after_request "000 56"
check garbage "000 1|000 8"
check plain_http "000 35"
check tls11_only "000 35" --tlsv1.2
check tls12_only "000 35" --tlsv1.3
check flaky:2 "529 0"
check flaky:2 "529 0"
check flaky:2 "200 0"

n=$((n + 1))
L='ok GET /v1/models?limit=1'
if grep -q "sk-ant-" "$T/log" ||
  ! grep -qx "$L key=valid version=2023-06-01 auth_bearer=no" "$T/log" ||
  ! grep -qx "$L key=missing version=2023-06-01 auth_bearer=yes" "$T/log"
then
  echo "not ok $n - request log"
  fails=$((fails + 1))
else
  echo "ok $n - request log"
fi

kill -TERM "$SRV"
wait "$SRV"
rc=$?
SRV=
n=$((n + 1))
if [ "$rc" = 0 ]; then
  echo "ok $n - exit 0 on SIGTERM"
else
  echo "not ok $n - exit $rc on SIGTERM"
  fails=$((fails + 1))
fi
echo "1..$n"
[ "$fails" = 0 ]
