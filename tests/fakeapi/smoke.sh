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
  reset_after_request garbage plain_http tls11_only tls12_only flaky:2
  stream_cut stream_stall stream_error:overloaded stream_malformed"
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

# Generation requests: POST /v1/messages with "stream": true.
gens=0
# gen SCENARIO "WANT" BODY [curl args...]: as check, for a generation
gen() {
  local s=$1 want=$2 body=$3 port got
  shift 3
  port=$(awk -v s="$s" '$1 == s { print $2; exit }' "$T/ports")
  got=$("$CURL" -sS -N -o "$T/body" -D "$T/head" -w '%{http_code}' \
    --cacert "$T/certs/ca.pem" --resolve "api.test:$port:127.0.0.1" \
    "${HDR[@]}" -H 'content-type: application/json' --data "$body" "$@" \
    "https://api.test:$port/v1/messages" 2>"$T/err")
  got="$got $?"
  gens=$((gens + 1))
  n=$((n + 1))
  if [[ "|$want|" == *"|$got|"* ]]; then
    echo "ok $n - POST /v1/messages $s $* -> $got"
  else
    echo "not ok $n - POST /v1/messages $s $* -> $got (want $want) $(head -c 200 "$T/err")"
    fails=$((fails + 1))
  fi
}
# events: the event names of the last stream, one line
events() { sed -n 's/^event: //p' "$T/body" | tr -d '\r' | tr '\n' ' '; }
STREAM='{"model":"claude-x","max_tokens":1,"stream":true,"messages":[{"role":"user","content":"ping"}]}'
gen ok "200 0" "$STREAM"
has head "content-type: text/event-stream"
n=$((n + 1))
want="message_start content_block_start ping content_block_delta content_block_stop message_delta message_stop "
if [ "$(events)" = "$want" ]; then echo "ok $n -   events in Anthropic's order"
else echo "not ok $n -   events: $(events)"; fails=$((fails + 1)); fi
has body '"usage":{"input_tokens":8'
has body '"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":1}'
gen ok "404 0" '{"model":"claude-gone","max_tokens":1,"stream":true}'
has body '"message":"model: claude-gone"'
gen ok "200 0" '{"model":"claude-x","max_tokens":1}'
has body '"type":"message"'
gen overloaded "529 0" "$STREAM"
gen stream_cut "200 18" "$STREAM"
has body 'content_block_delta'
gen stream_stall "200 28" "$STREAM" -m 1
has body 'content_block_delta'
gen stream_error:overloaded "200 0" "$STREAM"
has body '"error":{"type":"overloaded_error","message":"Overloaded"}'
gen stream_malformed "200 0" "$STREAM"
n=$((n + 1))
if grep -Eq '"delta":'$'\r''?$' "$T/body"; then echo "ok $n -   a data line cut inside its JSON"
else echo "not ok $n -   no malformed event"; fails=$((fails + 1)); fi
port=$(awk '$1 == "ok" { print $2; exit }' "$T/ports")
for m in claude-x:200 claude-sonnet-4-5:200 claude-gone:404; do
  n=$((n + 1))
  got=$("$CURL" -sS -o "$T/body" -w '%{http_code}' --cacert "$T/certs/ca.pem" \
    --resolve "api.test:$port:127.0.0.1" "${HDR[@]}" \
    "https://api.test:$port/v1/models/${m%%:*}")
  if [ "$got" = "${m##*:}" ]; then echo "ok $n - GET /v1/models/${m%%:*} -> $got"
  else echo "not ok $n - GET /v1/models/${m%%:*} -> $got"; fails=$((fails + 1)); fi
done
has body '"message":"model: claude-gone"'
n=$((n + 1))
stats=$("$CURL" -sS --cacert "$T/certs/ca.pem" --resolve "api.test:$port:127.0.0.1" \
  "https://api.test:$port/fake/stats")
if [[ "$stats" == *"\"generation_requests\":$gens}"* ]]; then
  echo "ok $n - /fake/stats counts the $gens generation requests"
else
  echo "not ok $n - /fake/stats: $stats (want $gens generation requests)"
  fails=$((fails + 1))
fi

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
