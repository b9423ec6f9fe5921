#!/bin/bash
# tests/hosts/zabbix.sh - the apiprobe module under a real zabbix_agentd 6.0.
#
# usage: zabbix.sh {--module PATH/apiprobe.so | --installed} --fakeapi PATH/fakeapi
#
# Starts the TLS fake API and writes a private module config
# (APIPROBE_ZABBIX_CONF) with these targets:
#
#   good           ok scenario, valid key (agent environment)  -> state 0
#   badkey         ok scenario, wrong key (key-env)             -> 2, auth invalid_key
#   ratelimited    rate_limited scenario                         -> 1, auth rate_limited
#   down           a closed loopback port                        -> 2, tcp refused
#   stalled        stall_headers, timeout = 20 (> agent Timeout) -> 2, http timeout, < 3 s
#   stalled_bg     the same, holds one listener while agent.ping is asked
#   expiring       cert expires in 10 days, key-file             -> 1, tls cert_expiring
#   expiring_crit  cert expires in 3 days                        -> 2, tls cert_expiring_soon
#   broken         a section with an unknown option              -> NOTSUPPORTED naming file:line
#
# and a private agent config (temp dir, nothing from /etc, loopback,
# StartAgents=2, Timeout=3). Then:
#  1. zabbix_agentd -t for every item kind (discovery, probe, state, layer,
#     metric, verdict) and the error answers;
#  2. the agent itself: it starts despite the broken section (and logs it),
#     answers passive checks over the ZBXD protocol (zabbix_get.py) with the
#     states/errors/metrics of each scenario, answers the stalled target
#     within its Timeout (measured), serves agent.ping on the other listener
#     while one is stalled, and is alive (agent.ping) after every fault;
#  3. dist/zabbix/template_apiprobe.yaml (zabbix_template.py): parses, is a
#     well-formed 6.0 export, covers every metric and state, every dependent
#     item's preprocessing runs on the real apiprobe.probe value of each
#     target (a JSONPath that does not resolve needs an error handler), the
#     dependent items agree with the module's own items, and the trigger
#     prototypes that fire are the expected ones for each scenario;
#  4. neither key appears in the agent's log or outputs; everything started
#     is stopped by PID.
# Exit 0 pass, 1 fail (also when zabbix_agentd or python3-yaml is missing:
# never skipped). HOSTS_KEEP=1 keeps the temp dir. ZABBIX_AGENTD=/path
# overrides the binary, PYTHON3=/path the interpreter.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
SRC=$(cd "$HERE/../.." && pwd)
TEMPLATE=$SRC/dist/zabbix/template_apiprobe.yaml
METRICS_C=$SRC/plugin/metrics.c

usage() {
  echo "usage: $HOSTS_NAME {--module PATH/apiprobe.so | --installed} --fakeapi PATH/fakeapi"
}
MODULE=
FAKEAPI=
# --installed: zabbix-module-apiprobe's module, template and shipped
# /etc/zabbix/apiprobe.conf (no active target) instead of the build's
INSTALLED=0
SHIPPED_EMPTY=0
while [ $# -gt 0 ]; do
  case $1 in
    --module) [ $# -ge 2 ] || die "--module needs a value"; MODULE=$2; shift 2 ;;
    --installed) INSTALLED=1; MODULE=/usr/lib/zabbix/modules/apiprobe.so
      TEMPLATE=/usr/share/zabbix-module-apiprobe/template_apiprobe.yaml; shift ;;
    --fakeapi) [ $# -ge 2 ] || die "--fakeapi needs a value"; FAKEAPI=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
if [ -z "$MODULE" ] || [ -z "$FAKEAPI" ]; then
  usage >&2
  die "--module and --fakeapi are required"
fi
[ -f "$MODULE" ] || die "module not found: $MODULE"
[ -x "$FAKEAPI" ] || die "fakeapi not executable: $FAKEAPI"
MODULE=$(cd "$(dirname "$MODULE")" && pwd)/$(basename "$MODULE")
FAKEAPI=$(cd "$(dirname "$FAKEAPI")" && pwd)/$(basename "$FAKEAPI")

AGENTD=${ZABBIX_AGENTD:-$(command -v zabbix_agentd || echo /usr/sbin/zabbix_agentd)}
[ -x "$AGENTD" ] || die "zabbix_agentd not found ($AGENTD); install zabbix-agent (scripts/deps.sh)"
# /usr/bin/python3 first: a pyenv shim costs ~0.8 s a call and would
# distort the timings.
PY=${PYTHON3:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || echo /usr/bin/python3)
[ -x "$PY" ] || die "python3 not found"
"$PY" -c 'import yaml' 2>/dev/null || die "$PY cannot import yaml; install python3-yaml"
[ -r "$TEMPLATE" ] || die "template missing: $TEMPLATE"
ZGET=$HERE/zabbix_get.py
START=$(date +%s.%N)
setup_tmp zabbix
note "$("$AGENTD" -V | head -1)"

# ---- the fake API ----------------------------------------------------------
"$FAKEAPI" certs "$T/certs" >"$T/fakeapi-certs.log" 2>&1 || die "fakeapi certs failed: $(cat "$T/fakeapi-certs.log")"
"$FAKEAPI" serve --dir "$T/certs" --portfile "$T/ports-stopped" ok >"$T/fakeapi-stopped.log" 2>&1 &
spid=$!
wait_file "$T/ports-stopped" 5 || die "fakeapi wrote no portfile"
P_STOPPED=$(awk '$1 == "ok" { print $2 }' "$T/ports-stopped")
stop_pid "$spid"
"$FAKEAPI" serve --dir "$T/certs" --portfile "$T/ports" --log "$T/fakeapi-requests.log" \
  ok rate_limited expiring expiring_crit stall_headers >"$T/fakeapi.log" 2>&1 &
PIDS+=($!)
wait_file "$T/ports" 5 || die "fakeapi wrote no portfile: $(cat "$T/fakeapi.log")"
port_of() { awk -v s="$1" '$1 == s { print $2 }' "$T/ports"; }
P_OK=$(port_of ok); P_RATE=$(port_of rate_limited); P_EXP=$(port_of expiring)
P_EXPC=$(port_of expiring_crit); P_STALL=$(port_of stall_headers)
for p in P_OK P_RATE P_EXP P_EXPC P_STALL P_STOPPED; do
  [ -n "${!p}" ] || die "bad portfile: $(cat "$T/ports")"
done
if (exec 3<>"/dev/tcp/127.0.0.1/$P_STOPPED") 2>/dev/null; then
  die "port $P_STOPPED should be closed but accepts connections"
fi
note "fakeapi: ok=$P_OK rate_limited=$P_RATE expiring=$P_EXP expiring_crit=$P_EXPC stall_headers=$P_STALL stopped=$P_STOPPED"

# ---- configs ---------------------------------------------------------------
(umask 077 && printf '%s\n' "$VALID_KEY" >"$T/anthropic.key")
target() { # NAME PORT [extra lines]; $ADDRS: the pinned addresses
  local name=$1 port=$2
  shift 2
  printf '\n[target %s]\nurl = https://api.test:%s/\nresolve = api.test:%s:%s\nca-file = %s\n' \
    "$name" "$port" "$port" "${ADDRS:-127.0.0.1}" "$T/certs/ca.pem"
  [ $# -gt 0 ] && printf '%s\n' "$@"
  return 0
}
{
  echo "# apiprobe module config written by $HOSTS_NAME"
  printf '[module]\ncache = 5\n'
  target good "$P_OK"
  target badkey "$P_OK" "key-env = APIPROBE_TEST_BAD_KEY"
  target ratelimited "$P_RATE"
  target down "$P_STOPPED" "connect-timeout = 2"
  # 20 s is far beyond the agent's Timeout=3: the module must cap it.
  target stalled "$P_STALL" "timeout = 20" "connect-timeout = 10"
  # the same, queried only once: holds one listener while agent.ping runs
  target stalled_bg "$P_STALL" "timeout = 20"
  target expiring "$P_EXP" "key-file = $T/anthropic.key" "cert-warn-days = 21"
  target expiring_crit "$P_EXPC" "cert-crit-days = 7"
  # both families pinned, the fake on 127.0.0.1 only: IPv6 is refused
  ADDRS=127.0.0.1,::1 target dual "$P_OK"
  # the canary (spends tokens at the fake) with a model check: one id gone
  target canary "$P_OK" "model = claude-x" "model = claude-gone" \
    "canary = claude-x" "canary-interval = 8"
  target broken "$P_OK" "bogus-option = 1"
} >"$T/module.conf"
BROKEN_LINE=$(grep -n '^bogus-option' "$T/module.conf" | cut -d: -f1)

AGENT_PORT=$("$PY" - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 32767)  # the agent rejects ports above 32767
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
)
[ -n "$AGENT_PORT" ] || die "no free port for the agent"
cat >"$T/agentd.conf" <<EOF
PidFile=$T/agentd.pid
LogType=file
LogFile=$T/agentd.log
# LogFileSize=0 (Debian's default) would leave stderr, and so the module's
# config messages, on the agent's own stderr (the journal under systemd):
# only a rotating log file gets stderr redirected into it.
LogFileSize=1
DebugLevel=3
Server=127.0.0.1
ListenIP=127.0.0.1
ListenPort=$AGENT_PORT
StartAgents=2
Hostname=probe-test
Timeout=3
AllowRoot=1
LoadModulePath=$(dirname "$MODULE")
LoadModule=$(basename "$MODULE")
EOF

# The agent's whole environment: nothing inherited (no proxies, no stray
# key), the module config and the keys as an admin would set them.
AGENT_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  APIPROBE_ZABBIX_CONF="$T/module.conf"
  ANTHROPIC_API_KEY="$VALID_KEY" APIPROBE_TEST_BAD_KEY="$BAD_KEY")

# expect WHAT TYPE VALUE WANT: WANT is an extended regex for the value, or
# !REGEX for a NOTSUPPORTED answer whose message matches REGEX.
expect() {
  local what=$1 ty=$2 val=$3 want=$4
  if [[ "$want" == '!'* ]]; then
    if [ "$ty" = m ] && [[ "$val" =~ ${want#!} ]]; then ok "$what: NOTSUPPORTED '$val'"
    else notok "$what: [$ty] '$val', want NOTSUPPORTED matching '${want#!}'"; fi
  elif [ "$ty" != m ] && [[ "$val" =~ $want ]]; then
    ok "$what: '${val:0:90}'"
  else
    notok "$what: [$ty] '$val', want '$want'"
  fi
}

# expect_typed WHAT TYPE WANT: after zt, the type letter too.
expect_typed() {
  if [ "$TY" = "$2" ]; then expect "$1 ($2)" "$TY" "$VAL" "$3"
  else notok "$1: [$TY] '$VAL', want type $2"; fi
}

# zt KEY: zabbix_agentd -t KEY; sets TY (u d s t m), VAL and SECS.
zt() {
  local out t0
  t0=$(date +%s.%N)
  out=$("${AGENT_ENV[@]}" "$AGENTD" -c "$T/agentd.conf" -t "$1" 2>>"$T/t-stderr.log")
  SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  out=${out%$'\n'}
  if [[ "$out" =~ \[m\|ZBX_NOTSUPPORTED\]\ \[(.*)\]$ ]]; then
    TY=m; VAL=${BASH_REMATCH[1]}
  elif [[ "$out" =~ \[([utds])\|(.*)\]$ ]]; then
    TY=${BASH_REMATCH[1]}; VAL=${BASH_REMATCH[2]}
  else
    TY='?'; VAL=$out
  fi
}

# zp KEY: a passive check against the running agent; sets TY (m or v), VAL
# and SECS (measured inside zabbix_get.py: connect to the answer's last byte).
zp() {
  local out rc
  out=$("$PY" "$ZGET" -s 127.0.0.1 -p "$AGENT_PORT" -t 10 -T -k "$1" 2>"$T/zget.err")
  rc=$?
  SECS=$(awk '$1 == "elapsed" { printf "%.2f", $2 }' "$T/zget.err")
  if [ $rc -ne 0 ]; then TY=x; VAL="no answer: $(cat "$T/zget.err")"
  elif [[ "$out" == "ZBX_NOTSUPPORTED: "* ]]; then TY=m; VAL=${out#ZBX_NOTSUPPORTED: }
  else TY=v; VAL=$out; fi
}

# Per target: "ITEM WANT" lines; ITEM is state, verdict, layer,L or metric,M.
declare -A CHECKS
CHECKS[good]="state ^0$
verdict ^ok: key accepted
layer,env ^0$
layer,dns ^0$
layer,tcp ^0$
layer,proxy ^5$
layer,tls ^0$
layer,http ^0$
layer,auth ^0$
metric,http_status ^200(\.0+)?$
metric,up ^1(\.0+)?$
metric,cert_days_left ^36[45](\.[0-9]+)?$
metric,total_time ^[0-9.e-]+$
metric,retry_after !^not measured
metric,proxy_time !^not measured"
CHECKS[badkey]="state ^2$
verdict ^critical auth invalid_key: 401
layer,auth ^2$
metric,http_status ^401(\.0+)?$
metric,up ^0(\.0+)?$"
CHECKS[ratelimited]="state ^1$
verdict ^warning auth rate_limited: 429
layer,auth ^1$
metric,http_status ^429(\.0+)?$
metric,retry_after ^17(\.0+)?$
metric,ratelimit_requests_remaining ^0(\.0+)?$
metric,up ^1(\.0+)?$"
CHECKS[down]="state ^2$
verdict ^critical tcp refused:
layer,tcp ^2$
layer,tls ^4$
layer,http ^4$
layer,auth ^4$
metric,up ^0(\.0+)?$
metric,tcp_time !^not measured
metric,http_status !^not measured"
CHECKS[expiring]="state ^1$
verdict ^warning tls cert_expiring:
layer,tls ^1$
metric,cert_days_left ^(9|10)(\.[0-9]+)?$
metric,up ^1(\.0+)?$"
CHECKS[expiring_crit]="state ^2$
verdict ^critical tls cert_expiring_soon:
layer,tls ^2$
metric,cert_days_left ^[23](\.[0-9]+)?$"
CHECKS[stalled]="verdict ^critical http timeout:
layer,http ^2$
metric,ttfb !^not measured"
SCENARIOS="good badkey ratelimited down expiring expiring_crit stalled"

item_key() { # TARGET ITEM -> the module's item key
  case $2 in
    state|verdict|probe) echo "apiprobe.$2[$1]" ;;
    *) echo "apiprobe.${2%%,*}[$1,${2#*,}]" ;;
  esac
}
TIMEOUT_CAP=3.0 # the agent's Timeout: a stalled item must answer before it

# ---- 1. zabbix_agentd -t ---------------------------------------------------
echo "# --- zabbix_agentd -t ---"
# The agent must load the module at all (an unresolved symbol, a wrong API
# version or a failing init stops it): say why, then give up.
if ! "${AGENT_ENV[@]}" "$AGENTD" -c "$T/agentd.conf" -t agent.ping >"$T/preflight.out" 2>&1 \
   || ! grep -q '\[u|1\]' "$T/preflight.out"; then
  sed 's/^/#   /' "$T/preflight.out" >&2
  die "zabbix_agentd -t agent.ping failed with the module loaded"
fi
zt apiprobe.discovery
if [ "$TY" = t ] && "$PY" - "$VAL" "$T" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
names = [e["{#TARGET}"] for e in d]
assert names == ["good", "badkey", "ratelimited", "down", "stalled", "stalled_bg",
                 "expiring", "expiring_crit", "dual", "canary"], names
assert all(e["{#URL}"].startswith("https://api.test:") for e in d), d
EOF
then ok "-t apiprobe.discovery: LLD JSON with the 10 good targets, {#TARGET} and {#URL}, 'broken' left out"
else notok "-t apiprobe.discovery: [$TY] '$VAL'"; fi
zt "apiprobe.probe[good]"
if [ "$TY" = t ] && "$PY" -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"]["state"] == "ok" and r["target"]["name"] == "good", r["verdict"]
assert set(r["layers"]) == {"env", "dns", "tcp", "proxy", "tls", "http", "auth", "model", "inference"}
assert r["target"]["key_source"] == "env:ANTHROPIC_API_KEY"
' "$VAL"; then ok "-t apiprobe.probe[good]: [t] the --json object, verdict ok, 9 layers, key from the agent env"
else notok "-t apiprobe.probe[good]: [$TY] '${VAL:0:200}'"; fi
zt "apiprobe.probe[expiring]"
if [[ "$TY" = t && "$VAL" == *'"key_source":"file:'* ]]; then ok "-t apiprobe.probe[expiring]: key from the key file"
else notok "-t apiprobe.probe[expiring]: key_source not file: '${VAL:0:300}'"; fi
zt "apiprobe.state[good]"; expect_typed "-t apiprobe.state[good]" u '^0$'
zt "apiprobe.state[badkey]"; expect "-t apiprobe.state[badkey]" "$TY" "$VAL" '^2$'
zt "apiprobe.state[ratelimited]"; expect "-t apiprobe.state[ratelimited]" "$TY" "$VAL" '^1$'
zt "apiprobe.layer[down,tcp]"; expect_typed "-t apiprobe.layer[down,tcp]" u '^2$'
zt "apiprobe.layer[down,tls]"; expect "-t apiprobe.layer[down,tls]" "$TY" "$VAL" '^4$'
zt "apiprobe.layer[good,proxy]"; expect "-t apiprobe.layer[good,proxy]" "$TY" "$VAL" '^5$'
zt "apiprobe.metric[good,http_status]"; expect_typed "-t apiprobe.metric[good,http_status]" d '^200(\.0+)?$'
zt "apiprobe.metric[ratelimited,retry_after]"; expect "-t apiprobe.metric[ratelimited,retry_after]" "$TY" "$VAL" '^17(\.0*)?$'
zt "apiprobe.metric[good,retry_after]"; expect "-t apiprobe.metric[good,retry_after]" "$TY" "$VAL" '!^not measured'
zt "apiprobe.metric[expiring,cert_days_left]"; expect "-t apiprobe.metric[expiring,cert_days_left]" "$TY" "$VAL" '^(9|10)(\.[0-9]+)?$'
zt "apiprobe.verdict[badkey]"; expect_typed "-t apiprobe.verdict[badkey]" t '^critical auth invalid_key: 401'
zt "apiprobe.verdict[down]"; expect "-t apiprobe.verdict[down]" "$TY" "$VAL" '^critical tcp refused: '
zt "apiprobe.verdict[stalled]"
expect "-t apiprobe.verdict[stalled] (timeout = 20)" "$TY" "$VAL" '^critical http timeout: '
if awk -v s="$SECS" -v c="$TIMEOUT_CAP" 'BEGIN { exit !(s < c) }'; then ok "-t stalled target answered in $SECS s (< agent Timeout 3)"
else notok "-t stalled target took $SECS s (agent Timeout 3)"; fi
STALL_T=$SECS
# error answers
zt "apiprobe.state[broken]"; expect "-t apiprobe.state[broken]" "$TY" "$VAL" "!$T/module.conf:$BROKEN_LINE: .*bogus-option"
zt "apiprobe.verdict[nosuch]"; expect "-t apiprobe.verdict[nosuch]" "$TY" "$VAL" "!unknown target 'nosuch'"
zt "apiprobe.state"; expect "-t apiprobe.state (no target)" "$TY" "$VAL" '!target name'
zt "apiprobe.layer[good]"; expect "-t apiprobe.layer[good] (no layer)" "$TY" "$VAL" '!layer'
zt "apiprobe.layer[good,nosuch]"; expect "-t apiprobe.layer[good,nosuch]" "$TY" "$VAL" '!layer'
zt "apiprobe.metric[good,nosuch]"; expect "-t apiprobe.metric[good,nosuch]" "$TY" "$VAL" '!metric'
if grep -q "apiprobe module: $T/module.conf:$BROKEN_LINE: .*bogus-option" "$T/t-stderr.log"; then
  ok "the module logs the bad line on stderr: $(grep -m1 bogus-option "$T/t-stderr.log")"
else
  notok "no stderr message naming $T/module.conf:$BROKEN_LINE: $(head -3 "$T/t-stderr.log")"
fi

# The shipped example config: loads without a complaint, as shipped and with
# its commented-out targets enabled (their files pointed at real ones).
EXAMPLE=$SRC/dist/zabbix/apiprobe.conf
[ "$INSTALLED" = 0 ] || { EXAMPLE=/etc/zabbix/apiprobe.conf; SHIPPED_EMPTY=1; }
sed -e 's/^#\(\[target \)/\1/' -e 's/^#\([a-z-]* = \)/\1/' \
  -e "s|^key-file = .*|key-file = $T/anthropic.key|" -e "s|^ca-file = .*|ca-file = $T/certs/ca.pem|" \
  "$EXAMPLE" >"$T/example-all.conf"
for conf in "$EXAMPLE" "$T/example-all.conf"; do
  out=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin APIPROBE_ZABBIX_CONF="$conf" \
    "$AGENTD" -c "$T/agentd.conf" -t apiprobe.discovery 2>"$T/example.err")
  names=$(grep -o '"{#TARGET}":"[^"]*"' <<<"$out" | cut -d'"' -f4 | tr '\n' ' ')
  if [ "$conf" = "$EXAMPLE" ] && [ "$SHIPPED_EMPTY" = 1 ]; then
    # the package's config: the agent starts with no target at all
    if grep -q "apiprobe module: $conf:" "$T/example.err" || [ -n "$names" ] ||
      ! grep -q '\[[st]|\[\]\]' <<<"$out"; then
      notok "installed $conf: expected an empty discovery: $out $(cat "$T/example.err")"
    else
      ok "installed $conf has no active target: apiprobe.discovery $(awk '{ print $2 }' <<<"$out")"
    fi
    continue
  fi
  if grep -q "apiprobe module: $conf:" "$T/example.err" || [ -z "$names" ]; then
    notok "example config $(basename "$conf"): $(grep -v 'target(s) from' "$T/example.err") targets: $names"
  else
    ok "example config $(basename "$conf") loads cleanly, targets: $names"
  fi
done

# ---- 2. the running agent --------------------------------------------------
echo "# --- zabbix_agentd running, passive checks on 127.0.0.1:$AGENT_PORT ---"
T0=$(date +%s.%N)
"${AGENT_ENV[@]}" "$AGENTD" -f -c "$T/agentd.conf" >"$T/agentd.out" 2>&1 &
APID=$!
PIDS+=("$APID")
up=
for ((i = 0; i < 200; i++)); do
  alive "$APID" || break
  zp agent.ping
  if [ "$TY" = v ] && [ "$VAL" = 1 ]; then up=1; break; fi
  sleep 0.05
done
if [ -z "$up" ]; then
  sed 's/^/#   /' "$T/agentd.log" "$T/agentd.out" 2>/dev/null | tail -30 >&2
  die "zabbix_agentd did not answer agent.ping within 10 s"
fi
ok "agent started despite the broken target, agent.ping=1 after $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
if grep -q "loaded modules: $(basename "$MODULE")" "$T/agentd.log"; then ok "agent log: loaded modules: $(basename "$MODULE")"
else notok "agent log does not say 'loaded modules: $(basename "$MODULE")'"; fi
if grep -q "apiprobe module: $T/module.conf:$BROKEN_LINE: .*bogus-option" "$T/agentd.log"; then
  ok "the bad line is in the agent's log: $(grep -m1 "apiprobe module: .*bogus" "$T/agentd.log")"
else
  notok "the agent's log does not name $T/module.conf:$BROKEN_LINE"
fi

ping_after() { # WHAT: the agent survived
  zp agent.ping
  if [ "$TY" = v ] && [ "$VAL" = 1 ] && alive "$APID"; then ok "agent alive after $1 (agent.ping=1)"
  else notok "agent not answering after $1: [$TY] '$VAL'"; fi
}

zp apiprobe.discovery
if [ "$TY" = v ] && [[ "$VAL" == '[{"{#TARGET}":"good"'* ]] && [[ "$VAL" != *broken* ]]; then
  ok "passive apiprobe.discovery: $(grep -o '"{#TARGET}":"[^"]*"' <<<"$VAL" | cut -d'"' -f4 | tr '\n' ' ')"
else
  notok "passive apiprobe.discovery: [$TY] '$VAL'"
fi

declare -A RESULT
for s in $SCENARIOS; do
  line=""
  while read -r item want; do
    [ -n "$item" ] || continue
    key=$(item_key "$s" "$item")
    zp "$key"
    expect "passive $key" "$TY" "$VAL" "$want"
    if [ "$s" = stalled ]; then
      if awk -v t="$SECS" -v c="$TIMEOUT_CAP" 'BEGIN { exit !(t < c) }'; then
        ok "passive $key answered in $SECS s (< agent Timeout 3)"
      else
        notok "passive $key took $SECS s (agent Timeout 3)"
      fi
      # the first one really waited for the server (later ones may be cached)
      if [ -z "${STALL_P:-}" ]; then
        if awk -v t="$SECS" 'BEGIN { exit !(t >= 2) }'; then ok "passive $key: the probe waited ($SECS s >= 2 s)"
        else notok "passive $key answered in $SECS s: the stalled server was not waited for"; fi
      fi
      STALL_P="${STALL_P:-}${STALL_P:+, }$SECS s"
    fi
    [ "$TY" = m ] && VAL="NOTSUPPORTED ($VAL)"
    line+="${item}=${VAL:0:70}; "
  done <<<"${CHECKS[$s]}"
  RESULT[$s]=$line
  ping_after "$s"
done
zp "apiprobe.state[broken]"
expect "passive apiprobe.state[broken]" "$TY" "$VAL" "!$T/module.conf:$BROKEN_LINE: .*bogus-option"
ping_after "broken"

# One listener held by the stalled target; the other still answers.
"$PY" "$ZGET" -s 127.0.0.1 -p "$AGENT_PORT" -t 10 -T -k "apiprobe.metric[stalled_bg,total_time]" \
  >"$T/bg.out" 2>"$T/bg.err" &
BG=$!
sleep 0.3
zp agent.ping
if [ "$TY" = v ] && [ "$VAL" = 1 ] && awk -v t="$SECS" 'BEGIN { exit !(t < 1) }'; then
  ok "agent.ping answered in $SECS s while the other listener probes the stalled target"
else
  notok "agent.ping while a listener is stalled: [$TY] '$VAL' after $SECS s"
fi
wait "$BG"
BGS=$(awk '$1 == "elapsed" { printf "%.2f", $2 }' "$T/bg.err")
if awk -v t="${BGS:-99}" -v c="$TIMEOUT_CAP" 'BEGIN { exit !(t >= 2 && t < c) }'; then
  ok "background apiprobe.metric[stalled_bg,total_time]=$(cat "$T/bg.out") answered in $BGS s (2 s <= t < 3 s)"
else
  notok "background stalled_bg item: '$(cat "$T/bg.out" "$T/bg.err")' in ${BGS:-?} s"
fi
STALL_P+=", stalled_bg $BGS s"
ping_after "stalled_bg"

# ---- 2b. the canary's cost guard across the listeners ----------------------
# canary-interval = 8 s, the module's cache 5 s, StartAgents=2: each
# listener probes on its own, the canary's last run is shared between them
# (memory mapped before the fork), so the fake counts at most one
# generation request per 8 s however the passive checks are spread.
gen_count() {
  curl -sS --max-time 5 --cacert "$T/certs/ca.pem" \
    --resolve "api.test:$P_OK:127.0.0.1" "https://api.test:$P_OK/fake/stats" |
    sed -n 's/.*"generation_requests":\([0-9]*\).*/\1/p'
}
g0=$(gen_count)
if [ "$g0" = 0 ]; then ok "no generation request from the targets without a canary"
else notok "generation requests before the canary target was asked: '$g0'"; fi
C0=$(date +%s.%N)
ages=""
while awk -v a="$C0" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a < 13) }'; do
  zp "apiprobe.metric[canary,canary_age]"
  ages+="${VAL} "
  sleep 0.4
done
gens=$(gen_count)
fresh=0 reused=0 bad=0
for a in $ages; do
  if [[ "$a" =~ ^0(\.0+)?$ ]]; then fresh=$((fresh + 1))
  elif [[ "$a" =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v v="$a" 'BEGIN { exit !(v > 0 && v < 8.5) }'; then reused=$((reused + 1))
  else bad=$((bad + 1)); fi
done
# 13 s of checks: runs at ~0 and ~8-10 s; never one per listener
if [ -n "$gens" ] && [ "$gens" -ge 1 ] && [ "$gens" -le 2 ] && [ "$reused" -gt 0 ] && [ "$bad" -eq 0 ]; then
  ok "cost guard: $gens generation requests in 13 s of passive checks on 2 listeners (canary-interval 8, cache 5), canary_age seen: $ages"
else
  notok "cost guard: '$gens' generation requests, canary_age answers: $ages (fresh $fresh, reused $reused, bad $bad)"
fi
zp "apiprobe.layer[canary,model]"; expect "passive apiprobe.layer[canary,model] (claude-gone)" "$TY" "$VAL" '^2$'
zp "apiprobe.layer[canary,inference]"; expect "passive apiprobe.layer[canary,inference]" "$TY" "$VAL" '^0$'
zp "apiprobe.metric[canary,ttft]"; expect "passive apiprobe.metric[canary,ttft]" "$TY" "$VAL" '^0(\.[0-9]+)?(e-?[0-9]+)?$'
zp "apiprobe.metric[good,ttft]"; expect "passive apiprobe.metric[good,ttft] (no canary)" "$TY" "$VAL" '!^not measured'
zp "apiprobe.layer[good,inference]"; expect "passive apiprobe.layer[good,inference] (n/a)" "$TY" "$VAL" '^5$'

# ---- 3. the template -------------------------------------------------------
echo "# --- dist/zabbix/template_apiprobe.yaml ---"
while IFS= read -r l; do
  case $l in
    "ok - "*) ok "${l#ok - }" ;;
    "not ok - "*) notok "${l#not ok - }" ;;
    *) echo "$l" ;;
  esac
done < <("$PY" "$HERE/zabbix_template.py" --template "$TEMPLATE" --metrics-c "$METRICS_C" \
  --agent "127.0.0.1:$AGENT_PORT" \
  --target "good=" --target "badkey=API rejected the request" \
  --target "ratelimited=rate limited" --target "down=TCP connect failed" \
  --target "expiring=certificate expires in less than {\$APIPROBE.CERT.WARN} days" \
  --target "expiring_crit=certificate expires in less than {\$APIPROBE.CERT.CRIT} days" \
  --target "stalled=HTTP failed" --target "dual=one IP family fails" \
  --target "canary=model not served" \
  --crosscheck good,badkey,ratelimited,down,expiring,expiring_crit,dual,canary 2>&1; echo "exit $?" >"$T/template.rc")
grep -qx 'exit 0' "$T/template.rc" || notok "zabbix_template.py exited $(cat "$T/template.rc")"
ping_after "the template checks"

# ---- 4. keys, shutdown -----------------------------------------------------
no_key_in "$T/agentd.log" "$T/agentd.out" "$T/t-stderr.log" "$T/fakeapi-requests.log"
echo "# --- what the module answered (passive checks) ---"
for s in $SCENARIOS; do echo "# $s: ${RESULT[$s]}"; done
note "stalled target (timeout = 20, agent Timeout=3): -t $STALL_T s; passive ${STALL_P:-?}"
T2=$(date +%s.%N)
stop_tree "$APID" 10
PIDS=("${PIDS[@]:0:1}") # only the fake is left
if [ -e "$T/agentd.pid" ]; then notok "agent left its PidFile behind"; else ok "agent stopped, PidFile removed"; fi
note "zabbix_agentd stopped in $(awk -v a="$T2" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
note "total $(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
finish
