# shellcheck shell=bash
# tests/hosts/lib.sh - shared by nagios.sh and icinga2.sh (sourced, not run).
#
# Provides: argument parsing (--plugin PATH --fakeapi PATH), a private temp
# dir $T, the fake API with the five scenarios, a "stopped" loopback port,
# process bookkeeping (every process started is stopped by its PID at exit)
# and the assertions on state, output and perfdata.

HOSTS_NAME=${0##*/}
VALID_KEY=sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000
# A syntactically valid key that the fake rejects (401 invalid x-api-key).
BAD_KEY=sk-ant-api03-hoststest-wrong-key-00000000000000000000000000

# Every perfdata label the plugin must print on every outcome, with its unit
# ("" = none).  Order does not matter.
PERF_LABELS="dns_time:s tcp_time:s proxy_time:s tls_time:s ttfb:s
  total_time:s cert_days_left: chain_min_days_left: http_status:
  ratelimit_requests_remaining: ratelimit_tokens_remaining: retry_after:s
  clock_skew:s up: path_mtu:B tcp_retransmits: syn_retransmits:"
LAYERS="env dns tcp proxy tls http auth"

FAILS=0
CHECKS=0
T=
PIDS=()          # processes we started, stopped (with what they forked) in
                 # reverse order at exit

die() {
  echo "$HOSTS_NAME: FAIL: $*" >&2
  exit 1
}
note() { echo "# $*"; }
ok() {
  CHECKS=$((CHECKS + 1))
  echo "ok $CHECKS - $*"
}
notok() {
  CHECKS=$((CHECKS + 1))
  FAILS=$((FAILS + 1))
  echo "not ok $CHECKS - $*"
}

usage() {
  echo "usage: $HOSTS_NAME {--plugin PATH/check_apiprobe | --installed} --fakeapi PATH/fakeapi"
}

# --installed: test the files the Debian packages installed (the plugin in
# INSTALLED_PLUGIN, set by the script, and the installed configs) instead
# of the build tree's and dist/.
INSTALLED=0
parse_args() {
  PLUGIN=
  FAKEAPI=
  while [ $# -gt 0 ]; do
    case $1 in
      --plugin) [ $# -ge 2 ] || die "--plugin needs a value"; PLUGIN=$2; shift 2 ;;
      --installed) INSTALLED=1; shift ;;
      --fakeapi) [ $# -ge 2 ] || die "--fakeapi needs a value"; FAKEAPI=$2; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
  done
  if [ "$INSTALLED" = 1 ]; then
    [ -z "$PLUGIN" ] || die "--plugin and --installed exclude each other"
    PLUGIN=$INSTALLED_PLUGIN
    [ -e "$PLUGIN" ] || die "--installed: $PLUGIN is not installed"
  fi
  if [ -z "$PLUGIN" ] || [ -z "$FAKEAPI" ]; then
    usage >&2
    die "--plugin (or --installed) and --fakeapi are required"
  fi
  [ -f "$PLUGIN" ] || die "plugin not found: $PLUGIN"
  [ "${PLUGIN%.so}" != "$PLUGIN" ] || [ -x "$PLUGIN" ] || die "plugin not executable: $PLUGIN"
  [ -x "$FAKEAPI" ] || die "fakeapi not executable: $FAKEAPI"
  # The daemons run with / as cwd: make both paths absolute.
  PLUGIN=$(cd "$(dirname "$PLUGIN")" && pwd)/$(basename "$PLUGIN")
  FAKEAPI=$(cd "$(dirname "$FAKEAPI")" && pwd)/$(basename "$FAKEAPI")
}

# proc_start PID: the process' start time (field 22 of /proc/PID/stat), to
# tell it from a later process that reuses the PID; "" when it is gone.
proc_start() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
  # shellcheck disable=SC2086 # split into fields on purpose
  set -- $st
  echo "${20}"
}

# alive PID [START]: running (a zombie counts as gone), and the same
# process when START is given.
alive() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  # shellcheck disable=SC2086 # split into fields on purpose
  set -- "$1" "${2:-}" $st
  case $3 in Z|X|x) return 1 ;; esac
  [ -z "$2" ] || [ "$2" = "${22}" ]
}

# stop_pid PID [SECONDS] [START]: SIGTERM, wait up to SECONDS (default 5),
# SIGKILL.  START (from proc_start) guards against a reused PID.
stop_pid() {
  local pid=$1 max=${2:-5} start=${3:-} i
  if ! alive "$pid" "$start"; then
    wait "$pid" 2>/dev/null
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < max * 20; i++)); do
    alive "$pid" "$start" || break
    sleep 0.05
  done
  if alive "$pid" "$start"; then
    echo "$HOSTS_NAME: pid $pid ignored SIGTERM for ${max}s, killing" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  return 0
}

# descendants PID: "pid:start" of every process below PID, children first.
descendants() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do
    echo "$c:$(proc_start "$c")"
    descendants "$c"
  done
}

# dump_tree PID NAME: the processes under PID, for a test that timed out
dump_tree() {
  local d
  note "processes under $2:"
  for d in $(descendants "$1"); do
    ps -o pid=,ppid=,stat=,etime=,wchan:24=,args= -p "${d%%:*}" 2>/dev/null | sed 's/^/#   /' >&2
  done
}

# stop_tree PID [SECONDS]: stop a daemon we started, then whatever it had
# forked (workers, helpers) once they should have gone with it.  Their
# "pid:start" list is taken before the daemon is stopped.
stop_tree() {
  local main=$1 max=${2:-10} kids d
  kids=$(descendants "$main")
  stop_pid "$main" "$max"
  for d in $kids; do
    stop_pid "${d%%:*}" 3 "${d#*:}"
  done
}

cleanup() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    stop_tree "${PIDS[i]}" 10
  done
  PIDS=()
  if [ -n "$T" ] && [ -d "$T" ]; then
    if [ -n "${HOSTS_KEEP:-}" ]; then
      echo "# kept $T (HOSTS_KEEP set)"
    else
      rm -rf "$T"
    fi
  fi
}

setup_tmp() {
  T=$(mktemp -d "/tmp/hosts-$1.XXXXXX") || die "mktemp failed"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# start_fake: certs in $T/certs, scenarios ok rate_limited expiring, sets
# P_OK P_RATE P_EXPIRING and P_STOPPED (a loopback port nothing listens on).
start_fake() {
  "$FAKEAPI" certs "$T/certs" >"$T/fakeapi-certs.log" 2>&1 || die "fakeapi certs failed: $(cat "$T/fakeapi-certs.log")"
  # Stopped server: a port from a fake that we then stop.
  "$FAKEAPI" serve --dir "$T/certs" --portfile "$T/ports-stopped" ok >"$T/fakeapi-stopped.log" 2>&1 &
  local spid=$!
  wait_file "$T/ports-stopped" 5 || die "fakeapi wrote no portfile"
  P_STOPPED=$(awk '$1 == "ok" { print $2 }' "$T/ports-stopped")
  stop_pid "$spid"
  "$FAKEAPI" serve --dir "$T/certs" --portfile "$T/ports" --log "$T/fakeapi-requests.log" \
    ok rate_limited expiring >"$T/fakeapi.log" 2>&1 &
  PIDS+=($!)
  wait_file "$T/ports" 5 || die "fakeapi wrote no portfile: $(cat "$T/fakeapi.log")"
  P_OK=$(awk '$1 == "ok" { print $2 }' "$T/ports")
  P_RATE=$(awk '$1 == "rate_limited" { print $2 }' "$T/ports")
  P_EXPIRING=$(awk '$1 == "expiring" { print $2 }' "$T/ports")
  if [ -z "$P_OK" ] || [ -z "$P_RATE" ] || [ -z "$P_EXPIRING" ] || [ -z "$P_STOPPED" ]; then
    die "bad portfile: $(cat "$T/ports")"
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$P_STOPPED") 2>/dev/null; then
    die "port $P_STOPPED should be closed but accepts connections"
  fi
  note "fakeapi: ok=$P_OK rate_limited=$P_RATE expiring=$P_EXPIRING stopped=$P_STOPPED"
}

# target_args PORT: the core options that point the plugin at the fake.
target_args() {
  echo "-u https://api.test:$1/ -r api.test:$1:127.0.0.1 -C $T/certs/ca.pem"
}

# wait_file FILE SECONDS: until FILE is non-empty.
wait_file() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

# check_result SOURCE SERVICE WANT_STATE STATE OUTPUT PERFDATA LONG WANT_LAYER
#   SOURCE   where the data was read ("status.dat", "perfdata file", ...)
#   STATE    OK|WARNING|CRITICAL|UNKNOWN as recorded
#   OUTPUT   the first line of the plugin output as recorded
#   PERFDATA the perfdata string as recorded
#   LONG     the long output, newlines real or as \n
#   WANT_LAYER  a layer the first line must name ("" for none)
check_result() {
  local src=$1 svc=$2 want=$3 state=$4 out=$5 perf=$6 long=$7 layer=$8
  local what="$src $svc"
  if [ "$state" = "$want" ]; then ok "$what: state $state"; else notok "$what: state '$state', want $want"; fi
  if [[ "$out" == "APIPROBE $want - "* ]]; then
    ok "$what: output starts 'APIPROBE $want - '"
  else
    notok "$what: output '$out' does not start 'APIPROBE $want - '"
  fi
  if [[ "$out" == *"|"* ]]; then notok "$what: perfdata left in the output: '$out'"; fi
  if [ -n "$layer" ]; then
    if grep -Eqi "(^|[^a-z_])$layer([^a-z_]|\$)" <<<"${out#APIPROBE * - }"; then
      ok "$what: first line names layer $layer"
    else
      notok "$what: first line '$out' does not name layer $layer"
    fi
  fi
  local l missing=''
  for l in $LAYERS; do
    # a line starting "layer:" or "layer " (newlines real, or \n as Nagios
    # escapes them)
    grep -Eqi "(^|\\\\n)[[:space:]]*${l}[: ]" <<<"$long" || missing+=" $l"
  done
  if [ -z "$missing" ]; then ok "$what: long output has a line for every layer"
  else notok "$what: long output lacks layers:$missing ('$long')"; fi
  check_perfdata "$what" "$perf"
}

# perf_value PERFDATA LABEL: the value field (with unit) of LABEL, or "".
perf_value() {
  local tok
  local -a toks
  read -ra toks <<<"$1"
  for tok in "${toks[@]}"; do
    tok=${tok//\'/}
    if [[ "$tok" == "$2="* ]]; then
      tok=${tok#*=}
      echo "${tok%%;*}"
      return
    fi
  done
}

# check_perfdata WHAT PERFDATA: every label present exactly once, value U or
# a number with the right unit.
check_perfdata() {
  local what=$1 perf=$2 spec label unit tok n re bad='' missing='' dup=''
  local -a toks
  read -ra toks <<<"$perf"
  for spec in $PERF_LABELS; do
    label=${spec%%:*}
    unit=${spec#*:}
    re="^$label=(U|-?[0-9]+(\.[0-9]+)?$unit)(;[^ ]*)?\$"
    n=0
    for tok in "${toks[@]}"; do
      tok=${tok//\'/}
      [[ "$tok" == "$label="* ]] || continue
      n=$((n + 1))
      [[ "$tok" =~ $re ]] || bad+=" $tok"
    done
    [ "$n" -eq 0 ] && missing+=" $label"
    [ "$n" -gt 1 ] && dup+=" $label"
  done
  if [ -z "$missing$dup$bad" ]; then
    ok "$what: all $(wc -w <<<"$PERF_LABELS") perfdata labels, well formed"
  else
    notok "$what: perfdata missing:[$missing] duplicated:[$dup] malformed:[$bad] in '$perf'"
  fi
}

# expect_value WHAT PERFDATA LABEL REGEX: the value of LABEL matches REGEX.
expect_value() {
  local v
  v=$(perf_value "$2" "$3")
  if [[ "$v" =~ ^($4)$ ]]; then ok "$1: $3=$v"; else notok "$1: $3='$v', want $4"; fi
}

# check_values WHAT SERVICE PERFDATA: values the scenario determines.
check_values() {
  local what=$1 svc=$2 perf=$3
  case $svc in
    good)
      expect_value "$what" "$perf" http_status 200
      expect_value "$what" "$perf" up 1
      expect_value "$what" "$perf" total_time '[0-9.]+s'
      expect_value "$what" "$perf" cert_days_left '36[45](\.[0-9]+)?' ;;
    badkey)
      expect_value "$what" "$perf" http_status 401 ;;
    ratelimited)
      expect_value "$what" "$perf" http_status 429
      expect_value "$what" "$perf" retry_after '17(\.0*)?s'
      expect_value "$what" "$perf" ratelimit_requests_remaining 0 ;;
    stopped)
      expect_value "$what" "$perf" up 0
      expect_value "$what" "$perf" http_status U
      expect_value "$what" "$perf" tls_time U ;;
    expiring)
      expect_value "$what" "$perf" cert_days_left '(9|10)(\.[0-9]+)?' ;;
  esac
}

# no_key_in FILE...: the valid key must never appear in what a host recorded.
no_key_in() {
  local f hits=''
  for f in "$@"; do
    [ -e "$f" ] || continue
    grep -rqF -- "$VALID_KEY" "$f" && hits+=" $f"
    grep -rqF -- "$BAD_KEY" "$f" && hits+=" $f(bad key)"
  done
  if [ -z "$hits" ]; then ok "no key in the recorded files"; else notok "key found in:$hits"; fi
}

finish() {
  if [ "$FAILS" -eq 0 ]; then
    echo "# $HOSTS_NAME: all $CHECKS checks passed"
    exit 0
  fi
  echo "# $HOSTS_NAME: $FAILS of $CHECKS checks FAILED" >&2
  exit 1
}
