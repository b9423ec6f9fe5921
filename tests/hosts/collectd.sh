#!/bin/bash
# tests/hosts/collectd.sh - the apiprobe read plugin under a real collectd 5.12.
#
# usage: collectd.sh [--memory] {--plugin PATH/apiprobe.so | --installed} --fakeapi PATH/fakeapi
#
# Starts the TLS fake API and a private collectd (every path in a temp dir,
# nothing read from /etc, loopback only, ReadThreads 2) that loads the plugin
# (copied as a regular file into a private PluginDir) with these targets:
#
#   good         ok scenario, valid key (KeyFile, 0600)  Interval 1
#   badkey       ok scenario, wrong key (KeyEnv; option   Interval 1
#                keys in other cases: url, CAFILE, ...)
#   down         a closed loopback port, key from the     Interval 1
#                daemon's ANTHROPIC_API_KEY
#   ratelimited  rate_limited scenario                    Interval 2 (a second
#                                                         read callback)
#   bogus        unknown option Frobnicate  -> refused, logged by name
#   badvalue     MinTls "1.9"               -> refused, logged by name
#
# and asserts, for the four working targets, the values through the unixsock
# plugin (collectdctl listval/getval, and the raw GETVAL/LISTVAL protocol),
# the csv plugin (files, header, row spacing = Interval, last row) and
# write_prometheus on a free loopback port (metric names, labels, values);
# the log lines (refusals, one line per verdict change, nothing for good);
# that no key reaches anything collectd wrote; a clean SIGTERM shutdown.
# Then the shipped dist/collectd/apiprobe_collectd.conf: only its URL and paths
# replaced by sed (the diff is checked), `collectd -t`, then run against the
# fake with the fake's CA given the way the system store takes it
# (SSL_CERT_FILE); its commented example targets must be accepted too.
# Three former bugs (double free, reads after a failed init, a pasted key
# in the log) are checked in section 3.
#
# --memory: >= 200 probes under valgrind memcheck (ERROR SUMMARY 0, no
# definite or possible leak, valgrind's exit status), then a native run of
# >= 1000 probes with VmRSS sampled after ~50, ~250 and the last probe.
#
# Exit 0 pass, 1 fail (also when collectd is missing: never skipped).
# HOSTS_KEEP=1 keeps the temp dir.  COLLECTD=, COLLECTDCTL= override binaries.
# shellcheck disable=SC2317 # functions called through wait_until / check_values
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
DIST=$(cd "$HERE/../../dist/collectd" 2>/dev/null && pwd)
SHIPPED_CONF=$DIST/apiprobe.conf
SHIPPED_TYPES=$DIST/apiprobe-types.db
STOCK_TYPES=/usr/share/collectd/types.db
STOCK_PLUGINS=/usr/lib/collectd

usage() {
  echo "usage: $HOSTS_NAME [--memory] {--plugin PATH/apiprobe.so | --installed} --fakeapi PATH/fakeapi"
}
MEMORY=0
ARGS=()
for a in "$@"; do
  if [ "$a" = --memory ]; then MEMORY=1; else ARGS+=("$a"); fi
done
INSTALLED_PLUGIN=/usr/lib/collectd/apiprobe.so
parse_args "${ARGS[@]}"
if [ "$INSTALLED" = 1 ]; then # collectd-apiprobe's files
  SHIPPED_CONF=/usr/share/doc/collectd-apiprobe/examples/apiprobe.conf
  SHIPPED_TYPES=/usr/share/apiprobe/apiprobe-types.db
fi
COLLECTD=${COLLECTD:-$(command -v collectd || echo /usr/sbin/collectd)}
COLLECTDCTL=${COLLECTDCTL:-$(command -v collectdctl || echo /usr/bin/collectdctl)}
[ -x "$COLLECTD" ] || die "collectd not found ($COLLECTD); install collectd-core (scripts/deps.sh test)"
[ -r "$STOCK_TYPES" ] || die "$STOCK_TYPES missing; install collectd-core"
[ -r "$SHIPPED_TYPES" ] || die "shipped types missing: $SHIPPED_TYPES"
for p in logfile csv unixsock write_prometheus; do
  [ -r "$STOCK_PLUGINS/$p.so" ] || die "$STOCK_PLUGINS/$p.so missing; install collectd-core"
done
if [ "$MEMORY" = 0 ]; then
  [ -x "$COLLECTDCTL" ] || die "collectdctl not found ($COLLECTDCTL); install collectd-utils"
  [ -r "$SHIPPED_CONF" ] || die "shipped config missing: $SHIPPED_CONF"
  command -v curl >/dev/null || die "curl not found (reads write_prometheus)"
  command -v python3 >/dev/null || die "python3 not found (speaks the raw unixsock protocol)"
fi
# A sanitizer build (cmake -DAP_SANITIZE=ON): collectd is not built with
# ASan, so its runtime is preloaded ("ASan runtime does not come first"
# otherwise); --memory then runs under ASan+LSan instead of valgrind (the
# two do not mix) and skips the VmRSS part (shadow memory, quarantine).
ASAN_RT=
if readelf -d "$PLUGIN" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
  ASAN_RT=$(ldd "$PLUGIN" | awk '$1 ~ /^libasan/ { print $3; exit }')
  [ -r "$ASAN_RT" ] || die "the plugin needs libasan but ldd finds none"
fi
if [ "$MEMORY" = 1 ] && [ -z "$ASAN_RT" ]; then
  command -v valgrind >/dev/null || die "valgrind not found (scripts/deps.sh test)"
fi
START=$(date +%s.%N)
if [ "$MEMORY" = 1 ]; then setup_tmp collectd-memory; else setup_tmp collectd; fi
start_fake

HOST="probe-test"
TYPES_N=33 # values per target: 23 metrics + 9 layer states + verdict
ALL_VALUES="latency-dns latency-connect latency-proxy latency-tls latency-ttfb
  latency-total apiprobe_days-cert apiprobe_days-chain_min response_code-http
  apiprobe_remaining-requests apiprobe_remaining-tokens
  apiprobe_seconds-retry_after apiprobe_seconds-clock_skew bool-up
  bytes-path_mtu latency-inference_ttft latency-inference_stream
  latency-inference_max_gap apiprobe_tokens-input apiprobe_tokens-output
  apiprobe_seconds-canary_age count-tcp_retransmits count-syn_retransmits
  apiprobe_state-env apiprobe_state-dns
  apiprobe_state-tcp apiprobe_state-proxy apiprobe_state-tls
  apiprobe_state-http apiprobe_state-auth apiprobe_state-model
  apiprobe_state-inference apiprobe_state-verdict"

mkdir -p "$T/plugins" "$T/csv"
# collectd refuses a symlinked plugin ("is not a regular file"): copy it.
cp "$PLUGIN" "$T/plugins/apiprobe.so"
if [ ! -f "$T/plugins/apiprobe.so" ] || [ -L "$T/plugins/apiprobe.so" ]; then
  die "could not copy the plugin into $T/plugins"
fi
(umask 077 && printf '%s\n' "$VALID_KEY" >"$T/anthropic.key")

# The daemon's whole environment: nothing inherited from the caller (no
# proxies, no stray keys), the keys as an admin would set them.
SAN_ENV=()
if [ -n "$ASAN_RT" ]; then
  # Leaks are the --memory run's business (collectd's own config parser
  # leaks a few bytes per Include, which LSan would report everywhere).
  SAN_ENV=(LD_PRELOAD="$ASAN_RT" ASAN_OPTIONS="exitcode=99:detect_leaks=$MEMORY"
    UBSAN_OPTIONS=print_stacktrace=1)
  note "sanitizer build: collectd runs with LD_PRELOAD=$ASAN_RT"
fi
DAEMON_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  ANTHROPIC_API_KEY="$VALID_KEY" APIPROBE_TEST_BAD_KEY="$BAD_KEY" "${SAN_ENV[@]}")

# free_port: a loopback TCP port no socket uses now (from /proc/net/tcp*).
free_port() {
  local used p i
  used=" $(for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    tail -n +2 "$f" | while read -r _ l _; do echo $((16#${l##*:})); done
  done | tr '\n' ' ') "
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 30000))
    [[ "$used" == *" $p "* ]] || { echo "$p"; return 0; }
  done
  return 1
}

# global_conf LOGFILE: Hostname, paths, logfile; stock plugin dir.
global_conf() {
  cat <<EOF
Hostname    "$HOST"
FQDNLookup  false
BaseDir     "$T"
PIDFile     "$T/collectd.pid"
TypesDB     "$STOCK_TYPES" "$SHIPPED_TYPES"
Interval    1
ReadThreads 2
PluginDir   "$STOCK_PLUGINS"
LoadPlugin  logfile
<Plugin logfile>
  LogLevel  info
  File      "$1"
  Timestamp true
</Plugin>
EOF
}

# target NAME PORT INTERVAL LINE...: a <Target> pointing at the fake.
target() {
  local name=$1 port=$2 interval=$3
  shift 3
  echo "  <Target \"$name\">"
  echo "    URL \"https://api.test:$port/\""
  echo "    CaFile \"$T/certs/ca.pem\""
  echo "    Resolve \"api.test:$port:127.0.0.1\""
  [ -z "$interval" ] || echo "    Interval $interval"
  [ $# -eq 0 ] || printf '    %s\n' "$@"
  echo "  </Target>"
}

# csv_file TARGET VALUE: the csv file of one value (its name has the date).
csv_file() {
  local f
  for f in "$T/csv/$HOST/apiprobe-$1/$2"-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]; do
    [ -e "$f" ] && { echo "$f"; return; }
  done
}
# csv_rows TARGET VALUE: data rows written so far (0 when no file).
csv_rows() {
  local f
  f=$(csv_file "$1" "$2")
  [ -n "$f" ] || { echo 0; return; }
  awk 'NR > 1' "$f" | wc -l
}
# probes_done TARGET...: sum of bool-up rows (one per probe).
probes_done() {
  local t n=0
  for t in "$@"; do n=$((n + $(csv_rows "$t" bool-up))); done
  echo "$n"
}

# value_ok VALUE SPEC: SPEC is nan, =X or A..B (inclusive).
value_ok() {
  local v=$1 spec=$2
  case $spec in
    nan) [[ "${v,,}" =~ ^[-+]?nan$ ]] ;;
    =*) awk -v v="$v" -v w="${spec#=}" 'BEGIN { exit !(v ~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/ && v + 0 == w + 0) }' ;;
    *..*) awk -v v="$v" -v a="${spec%..*}" -v b="${spec#*..}" 'BEGIN { exit !(v ~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/ && v + 0 >= a + 0 && v + 0 <= b + 0) }' ;;
    *) return 1 ;;
  esac
}

# stop_collectd PID [SECONDS]: SIGTERM, wait, sets STOP_RC (the exit status;
# 137 if it had to be killed) and STOP_SECS.
stop_collectd() {
  local pid=$1 max=${2:-15} i t0
  t0=$(date +%s.%N)
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < max * 20; i++)); do
    alive "$pid" || break
    sleep 0.05
  done
  if alive "$pid"; then
    echo "$HOSTS_NAME: collectd $pid ignored SIGTERM for ${max}s, killing" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  STOP_RC=$?
  STOP_SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  local -a keep=()
  for i in "${PIDS[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
  PIDS=("${keep[@]}")
}

# wait_until SECONDS PID COMMAND...: poll COMMAND every 50 ms while PID runs.
wait_until() {
  local deadline=$((SECONDS + $1)) pid=$2
  shift 2
  while [ "$SECONDS" -lt "$deadline" ]; do
    "$@" && return 0
    alive "$pid" || return 2
    sleep 0.05
  done
  return 1
}

since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

###########################################################################
# --memory: valgrind, then VmRSS over >= 1000 probes
###########################################################################
if [ "$MEMORY" = 1 ]; then
  MEM_TARGETS="good good2 badkey down ratelimited"
  # mem_conf INTERVAL_A INTERVAL_B: five targets in two read callbacks.
  mem_conf() {
    global_conf "$T/collectd.log"
    cat <<EOF
LoadPlugin csv
<Plugin csv>
  DataDir "$T/csv"
</Plugin>
PluginDir "$T/plugins"
LoadPlugin apiprobe
<Plugin apiprobe>
EOF
    target good "$P_OK" "$1" "KeyFile \"$T/anthropic.key\""
    target badkey "$P_OK" "$1" 'KeyEnv "APIPROBE_TEST_BAD_KEY"'
    target down "$P_STOPPED" "$1"
    target ratelimited "$P_RATE" "$1"
    target good2 "$P_OK" "$2"
    echo "</Plugin>"
  }

  # 1. memcheck: >= 200 probes.  Interval 0.5 / 0.7 keeps the probes (slow
  # under valgrind) mostly inside their timeout, so the ok, refused, 401 and
  # 429 paths all run many times.
  mem_conf 0.5 0.7 >"$T/collectd.conf"
  T0=$(date +%s.%N)
  if [ -n "$ASAN_RT" ]; then
    note "ASan run: 5 targets, Interval 0.5 and 0.7, until >= 200 probes"
    "${DAEMON_ENV[@]}" "$COLLECTD" -f -C "$T/collectd.conf" >"$T/collectd.out" 2>&1 &
  else
    note "valgrind run: 5 targets, Interval 0.5 and 0.7, until >= 200 probes"
    "${DAEMON_ENV[@]}" valgrind --error-exitcode=99 --leak-check=full \
      --show-leak-kinds=definite,possible --errors-for-leak-kinds=definite,possible \
      --log-file="$T/valgrind.log" "$COLLECTD" -f -C "$T/collectd.conf" \
      >"$T/collectd.out" 2>&1 &
  fi
  VPID=$!
  PIDS+=("$VPID")
  # shellcheck disable=SC2086 # word list on purpose
  enough() { [ "$(probes_done $MEM_TARGETS)" -ge 200 ]; }
  wait_until 90 "$VPID" enough
  rc=$?
  # shellcheck disable=SC2086
  N_VG=$(probes_done $MEM_TARGETS)
  TOOL=valgrind
  [ -n "$ASAN_RT" ] && TOOL=ASan
  [ "$rc" -eq 2 ] && { cat "$T/collectd.out" "$T/valgrind.log" >&2; die "collectd under $TOOL exited early"; }
  [ "$rc" -eq 0 ] || die "only $N_VG probes under $TOOL in 90 s"
  note "$N_VG probes under $TOOL after $(since "$T0") s; SIGTERM"
  stop_collectd "$VPID" 60
  mv "$T/collectd.log" "$T/collectd-memcheck.log"
  if [ "$STOP_RC" -eq 0 ]; then ok "$TOOL + collectd exit status 0 after SIGTERM (not 99: no memory error) in $STOP_SECS s"
  else notok "$TOOL + collectd exit status $STOP_RC (99 = memory errors, see below)"; fi
  if [ -n "$ASAN_RT" ]; then
    if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/collectd.out"; then
      notok "ASan/LSan/UBSan reports:"; sed 's/^/#   /' "$T/collectd.out" | head -80
    else
      ok "no ASan, LSan or UBSan report"
    fi
  else
    summary=$(grep -E 'ERROR SUMMARY' "$T/valgrind.log" | tail -1)
    if [[ "$summary" == *"ERROR SUMMARY: 0 errors"* ]]; then ok "valgrind: ${summary#*== }"
    else notok "valgrind: '${summary#*== }'"; sed 's/^/#   /' "$T/valgrind.log" | head -80; fi
    leaks=$(grep -E 'definitely lost|indirectly lost|possibly lost|All heap blocks were freed' "$T/valgrind.log" | sed 's/^==[0-9]*== *//' | tr '\n' ';')
    if grep -q 'All heap blocks were freed' "$T/valgrind.log" ||
      { grep -q 'definitely lost: 0 bytes' "$T/valgrind.log" && grep -q 'possibly lost: 0 bytes' "$T/valgrind.log"; }; then
      ok "valgrind: no definite/possible leak ($leaks)"
    else
      notok "valgrind: leaks: $leaks"
    fi
    note "$(grep -E 'in use at exit|total heap usage' "$T/valgrind.log" | sed 's/^==[0-9]*== *//' | tr '\n' ';')"
  fi
  if grep -q 'Exiting normally' "$T/collectd-memcheck.log"; then ok "collectd under $TOOL: 'Exiting normally'"
  else notok "collectd under $TOOL did not log 'Exiting normally'"; fi
  # The paths under test really ran: an ok probe, a 401, a refused connect.
  for f in "good bool-up" "badkey apiprobe_state-auth" "down apiprobe_state-tcp"; do
    # shellcheck disable=SC2086
    [ -n "$(csv_file $f)" ] || die "no csv file for $f"
  done
  up_good=$(awk -F, 'NR > 1 && $2 + 0 == 1' "$(csv_file good bool-up)" | wc -l)
  auth_bad=$(awk -F, 'NR > 1 && $2 + 0 == 2' "$(csv_file badkey apiprobe_state-auth)" | wc -l)
  tcp_down=$(awk -F, 'NR > 1 && $2 + 0 == 2' "$(csv_file down apiprobe_state-tcp)" | wc -l)
  if [ "$up_good" -ge 10 ] && [ "$auth_bad" -ge 10 ] && [ "$tcp_down" -ge 10 ]; then
    ok "under $TOOL: good up=1 in $up_good probes, badkey auth=2 in $auth_bad, down tcp=2 in $tcp_down"
  else
    notok "under $TOOL too few successful paths: good up=1 $up_good, badkey auth=2 $auth_bad, down tcp=2 $tcp_down"
  fi

  if [ -n "$ASAN_RT" ]; then
    note "sanitizer build: the VmRSS part is skipped (ASan's shadow memory and quarantine)"
    note "total $(since "$START") s"
    finish
  fi
  # 2. VmRSS of a native collectd: 5 targets every 0.2 s (25 probes/s).
  rm -rf "$T/csv"
  mkdir -p "$T/csv"
  mem_conf 0.2 0.2 >"$T/collectd.conf"
  note "native run: 5 targets every 0.2 s until >= 1000 probes, VmRSS sampled"
  T0=$(date +%s.%N)
  "${DAEMON_ENV[@]}" "$COLLECTD" -f -C "$T/collectd.conf" >"$T/collectd.out" 2>&1 &
  CPID=$!
  PIDS+=("$CPID")
  rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }
  RSS50='' RSS250='' N50='' N250='' NEND=0 RSSEND=''
  : >"$T/rss.tsv"
  DEADLINE=$((SECONDS + 80))
  while [ "$SECONDS" -lt "$DEADLINE" ]; do
    alive "$CPID" || { cat "$T/collectd.out" "$T/collectd.log" >&2; die "collectd exited early"; }
    # shellcheck disable=SC2086
    n=$(probes_done $MEM_TARGETS)
    r=$(rss "$CPID")
    printf '%s\t%s\t%s\n' "$(since "$T0")" "$n" "$r" >>"$T/rss.tsv"
    if [ -z "$RSS50" ] && [ "$n" -ge 50 ]; then RSS50=$r N50=$n; fi
    if [ -z "$RSS250" ] && [ "$n" -ge 250 ]; then RSS250=$r N250=$n; fi
    if [ "$n" -ge 1000 ]; then RSSEND=$r NEND=$n; break; fi
    sleep 0.1
  done
  [ -n "$RSSEND" ] || die "only $NEND probes in 80 s (rss.tsv: $(tail -3 "$T/rss.tsv" | tr '\n' ' '))"
  note "VmRSS: $RSS50 kB after $N50 probes, $RSS250 kB after $N250, $RSSEND kB after $NEND ($(since "$T0") s)"
  d1=$((RSSEND - RSS50))
  d2=$((RSSEND - RSS250))
  if [ "$d1" -lt 1024 ]; then ok "VmRSS growth from probe $N50 to probe $NEND: $d1 kB (< 1024 kB)"
  else notok "VmRSS grew $d1 kB from probe $N50 to probe $NEND (>= 1024 kB)"; fi
  if [ "$d2" -lt 512 ]; then ok "VmRSS growth from probe $N250 to probe $NEND: $d2 kB (< 512 kB)"
  else notok "VmRSS grew $d2 kB from probe $N250 to probe $NEND (>= 512 kB)"; fi
  # The probes were real: the ok target stayed up at 0.2 s.
  up_good=$(awk -F, 'NR > 1 && $2 + 0 == 1' "$(csv_file good bool-up)" | wc -l)
  all_good=$(csv_rows good bool-up)
  if [ "$up_good" -ge $((all_good * 9 / 10)) ]; then ok "native run: good up=1 in $up_good of $all_good probes"
  else notok "native run: good up=1 in only $up_good of $all_good probes"; fi
  stop_collectd "$CPID" 15
  if [ "$STOP_RC" -eq 0 ]; then ok "collectd exit status 0 after SIGTERM ($STOP_SECS s)"
  else notok "collectd exit status $STOP_RC after SIGTERM"; fi
  bad=$(grep -E 'above its read interval|read-function .* failed|Dataset not found' "$T/collectd.log" | head -3)
  if [ -z "$bad" ]; then ok "native run: no late, failed or untyped reads in the log"
  else notok "native run log: $bad"; fi
  note "total $(since "$START") s"
  finish
fi

###########################################################################
# 1. four targets + two refused ones: unixsock, csv, write_prometheus, log
###########################################################################
PROM_PORT=$(free_port) || die "no free port for write_prometheus"
main_conf() { # LOGFILE
  global_conf "$1"
  cat <<EOF
LoadPlugin  csv
<Plugin csv>
  DataDir "$T/csv"
</Plugin>
LoadPlugin  unixsock
<Plugin unixsock>
  SocketFile   "$T/collectd.sock"
  SocketGroup  "$(id -gn)"
  SocketPerms  "0660"
  DeleteSocket true
</Plugin>
LoadPlugin  write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$PROM_PORT"
</Plugin>
PluginDir   "$T/plugins"
LoadPlugin  apiprobe
<Plugin apiprobe>
EOF
  target good "$P_OK" 1 "KeyFile \"$T/anthropic.key\""
  # option keys in other cases: matched ignoring case
  cat <<EOF
  <Target "badkey">
    url "https://api.test:$P_OK/"
    CAFILE "$T/certs/ca.pem"
    resolve "api.test:$P_OK:127.0.0.1"
    keyenv "APIPROBE_TEST_BAD_KEY"
    INTERVAL 1
  </Target>
EOF
  target down "$P_STOPPED" 1 "Timeout 0.9"
  target ratelimited "$P_RATE" 2
  target bogus "$P_OK" 1 "Frobnicate 3"
  target badvalue "$P_OK" 1 'MinTls "1.9"'
  echo "</Plugin>"
}
TARGETS="good badkey down ratelimited"

# collectd 5.12's -t checks nothing (it exits 0 without reading the file:
# collectd#3216, fixed upstream by #3793 after 5.12), so the config is
# checked with -T: parse, init, every read once in the main thread, exit.
if "$COLLECTD" -t -C "$T/does-not-exist.conf" >/dev/null 2>&1; then
  note "collectd -t -C <missing file> exits 0 here: -t is a no-op in this collectd, configs are checked with -T"
fi
main_conf "$T/check.log" >"$T/collectd.conf"
if "${DAEMON_ENV[@]}" "$COLLECTD" -T -C "$T/collectd.conf" >"$T/check.out" 2>&1; then
  ok "collectd -T (config, init, one read of each callback) exits 0"
else
  sed 's/^/#   /' "$T/check.out" "$T/check.log" >&2
  die "collectd -T failed with this config"
fi
if grep -q 'target "bogus": unknown option "Frobnicate"; target refused' "$T/check.log" &&
  grep -q 'apiprobe plugin: 3 target(s) every 1.000 s' "$T/check.log"; then
  ok "collectd -T: bogus refused, 3 + 1 targets registered"
else
  notok "collectd -T log: $(grep apiprobe "$T/check.log" | tr '\n' '|')"
fi
rm -rf "$T/csv"
mkdir -p "$T/csv"
main_conf "$T/collectd.log" >"$T/collectd.conf"

T0=$(date +%s.%N)
"${DAEMON_ENV[@]}" "$COLLECTD" -f -C "$T/collectd.conf" >"$T/collectd.out" 2>&1 &
CPID=$!
PIDS+=("$CPID")
# Enough reads to see the schedule: 4 of the 1 s targets, 3 of the 2 s one.
have_rows() {
  [ "$(csv_rows good bool-up)" -ge 4 ] && [ "$(csv_rows badkey bool-up)" -ge 4 ] &&
    [ "$(csv_rows down bool-up)" -ge 4 ] && [ "$(csv_rows ratelimited bool-up)" -ge 3 ] &&
    [ -S "$T/collectd.sock" ]
}
wait_until 25 "$CPID" have_rows
rc=$?
if [ "$rc" -ne 0 ]; then
  note "collectd.log:"; sed 's/^/#   /' "$T/collectd.log" >&2
  sed 's/^/#   /' "$T/collectd.out" >&2
  [ "$rc" -eq 2 ] && die "collectd exited early"
  die "no values in csv within 25 s"
fi
note "values of 4 reads after $(since "$T0") s"
# the first values' delay: first csv row against the daemon's start
first=$(awk -F, 'NR == 2 { print $1 }' "$(csv_file good bool-up)")
note "first good value $(awk -v a="$T0" -v b="$first" 'BEGIN { printf "%.2f", b - a }') s after collectd was started"

if grep -q "write_prometheus plugin: Listening on \[127.0.0.1\]:$PROM_PORT" "$T/collectd.log"; then
  ok "write_prometheus listens on 127.0.0.1:$PROM_PORT"
else
  die "write_prometheus is not listening on $PROM_PORT: $(grep write_prometheus "$T/collectd.log")"
fi

# What each target's values must be (every value of "good"; the ones the
# scenario fixes for the others).
declare -A EXPECT
EXPECT[good]="bool-up =1 response_code-http =200 apiprobe_state-env =0
  apiprobe_state-dns =0 apiprobe_state-tcp =0 apiprobe_state-proxy nan
  apiprobe_state-tls =0 apiprobe_state-http =0 apiprobe_state-auth =0
  apiprobe_state-verdict =0 latency-dns 0..0.8 latency-connect 0..0.8
  latency-proxy nan latency-tls 0.000001..0.8 latency-ttfb 0.000001..0.8
  latency-total 0.000001..0.8 apiprobe_days-cert 364..365.01
  apiprobe_days-chain_min 364..365.01 apiprobe_remaining-requests 0..1e9
  apiprobe_remaining-tokens 0..1e12 apiprobe_seconds-retry_after nan
  apiprobe_seconds-clock_skew -5..5 bytes-path_mtu 1280..65536
  count-syn_retransmits =0 count-tcp_retransmits 0..100"
EXPECT[badkey]="bool-up =0 response_code-http =401 apiprobe_state-tcp =0
  apiprobe_state-tls =0 apiprobe_state-auth =2 apiprobe_state-verdict =2
  latency-total 0.000001..0.8 apiprobe_days-cert 364..365.01"
EXPECT[down]="bool-up =0 apiprobe_state-tcp =2 apiprobe_state-verdict =2
  response_code-http nan latency-tls nan latency-ttfb nan apiprobe_days-cert nan
  apiprobe_state-tls nan apiprobe_state-auth nan"
EXPECT[ratelimited]="bool-up =1 response_code-http =429 apiprobe_state-auth =1
  apiprobe_state-verdict =1 apiprobe_seconds-retry_after =17
  apiprobe_remaining-requests =0"

# check_values SOURCE GETTER: GETTER TARGET VALUE prints the value as SOURCE
# has it; every expectation is checked, one TAP line per target.
check_values() {
  local src=$1 get=$2 t v spec got bad n
  local -a exp
  for t in $TARGETS; do
    # shellcheck disable=SC2206 # split the pairs on whitespace and newlines
    exp=(${EXPECT[$t]})
    bad='' n=0
    for ((i = 0; i < ${#exp[@]}; i += 2)); do
      v=${exp[i]} spec=${exp[i + 1]}
      got=$("$get" "$t" "$v")
      n=$((n + 1))
      value_ok "$got" "$spec" || bad+=" $v='$got'(want $spec)"
    done
    if [ -z "$bad" ]; then ok "$src $t: $n values as expected"
    else notok "$src $t:$bad"; fi
  done
}

# --- unixsock through collectdctl
"$COLLECTDCTL" -s "$T/collectd.sock" listval >"$T/listval.txt" 2>&1
missing=''
for t in $TARGETS; do
  for v in $ALL_VALUES; do
    grep -qx "$HOST/apiprobe-$t/$v" "$T/listval.txt" || missing+=" $t/$v"
  done
done
n=$(grep -c "^$HOST/apiprobe-" "$T/listval.txt")
if [ -z "$missing" ] && [ "$n" -eq $((4 * TYPES_N)) ]; then
  ok "collectdctl listval: all $TYPES_N values of each of the 4 targets, $n in all"
else
  notok "collectdctl listval: $n apiprobe identifiers, missing:$missing"
fi
if grep -Eq "apiprobe-(bogus|badvalue)/" "$T/listval.txt"; then notok "refused targets have values in listval"
else ok "collectdctl listval: nothing for the refused targets"; fi
ctl_get() {
  "$COLLECTDCTL" -s "$T/collectd.sock" getval "$HOST/apiprobe-$1/$2" 2>&1 |
    awk -F= '$1 == "value" { print $2 }'
}
check_values "unixsock getval" ctl_get
echo "# unixsock good: total=$(ctl_get good latency-total) s tls=$(ctl_get good latency-tls) s cert_days=$(ctl_get good apiprobe_days-cert) skew=$(ctl_get good apiprobe_seconds-clock_skew)"

# --- the raw unixsock protocol (what collectdctl speaks)
raw() { # COMMAND...: one line each, reply lines printed
  python3 - "$T/collectd.sock" "$@" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
f = s.makefile("rw", newline="\n")
for cmd in sys.argv[2:]:
    f.write(cmd + "\n"); f.flush()
    head = f.readline().rstrip("\n")
    print(head)
    n = int(head.split(" ", 1)[0])
    for _ in range(max(n, 0)):
        print(f.readline().rstrip("\n"))
EOF
}
raw "GETVAL \"$HOST/apiprobe-badkey/apiprobe_state-auth\"" \
  "GETVAL \"$HOST/apiprobe-down/apiprobe_state-tcp\"" \
  "GETVAL \"$HOST/apiprobe-good/bool-up\"" \
  "GETVAL \"$HOST/apiprobe-bogus/bool-up\"" "LISTVAL" >"$T/raw.txt" 2>&1
sed -n '1,11p' "$T/raw.txt" | sed 's/^/# raw: /'
mapfile -t R <"$T/raw.txt"
if [ "${R[0]:-}" = "1 Value found" ] && value_ok "${R[1]#value=}" =2 &&
  [ "${R[2]:-}" = "1 Value found" ] && value_ok "${R[3]#value=}" =2 &&
  [ "${R[4]:-}" = "1 Value found" ] && value_ok "${R[5]#value=}" =1; then
  ok "raw GETVAL: badkey auth=2, down tcp=2, good up=1"
else
  notok "raw GETVAL replies: $(head -6 "$T/raw.txt" | tr '\n' '|')"
fi
if [[ "${R[6]:-}" == -1* ]]; then ok "raw GETVAL of a refused target: '${R[6]}'"
else notok "raw GETVAL of a refused target: '${R[6]:-}'"; fi
nl=$(grep -c " $HOST/apiprobe-" "$T/raw.txt")
if [[ "${R[7]:-}" =~ ^[0-9]+\ Values?\ found$ ]] && [ "$nl" -eq $((4 * TYPES_N)) ]; then
  ok "raw LISTVAL: '${R[7]}', $nl apiprobe identifiers with their time"
else
  notok "raw LISTVAL: '${R[7]:-}', $nl apiprobe identifiers"
fi

# --- csv
bad=''
for t in $TARGETS; do
  for v in $ALL_VALUES; do
    f=$(csv_file "$t" "$v")
    if [ -z "$f" ]; then bad+=" $t/$v:missing"; continue; fi
    [ "$(head -1 "$f")" = "epoch,value" ] || bad+=" $t/$v:header"
    awk -F, 'NR > 1 && !($1 ~ /^[0-9]+\.[0-9]+$/ && NF == 2) { exit 1 }' "$f" || bad+=" $t/$v:row"
  done
done
if [ -z "$bad" ]; then ok "csv: $TYPES_N files per target, header epoch,value, rows epoch,number"
else notok "csv:$bad"; fi
if ls -d "$T/csv/$HOST"/apiprobe-bogus "$T/csv/$HOST"/apiprobe-badvalue >/dev/null 2>&1; then
  notok "csv: files for a refused target"
else
  ok "csv: nothing for the refused targets"
fi
csv_last() { awk -F, 'END { print $2 }' "$(csv_file "$1" "$2")"; }
check_values "csv last row" csv_last
# The schedule: rows of the 1 s targets 1 s apart, of the 2 s one 2 s apart.
spacing() { # TARGET: min and max gap between consecutive bool-up rows
  awk -F, 'NR > 2 { d = $1 - p; if (min == "" || d < min) min = d; if (d > max) max = d }
           NR > 1 { p = $1 } END { printf "%.3f %.3f", min, max }' "$(csv_file "$1" bool-up)"
}
for t in good badkey down ratelimited; do
  want=1
  [ "$t" = ratelimited ] && want=2
  read -r mn mx <<<"$(spacing "$t")"
  if awk -v a="$mn" -v b="$mx" -v w="$want" 'BEGIN { exit !(a >= w * 0.8 && b <= w * 1.25) }'; then
    ok "csv $t: rows every ${want} s (gaps $mn..$mx s)"
  else
    notok "csv $t: row gaps $mn..$mx s, want about $want s"
  fi
done

# --- write_prometheus
curl -sS --max-time 5 "http://127.0.0.1:$PROM_PORT/metrics" >"$T/metrics.txt" 2>&1 ||
  die "GET /metrics failed: $(cat "$T/metrics.txt")"
grep -E '^collectd_apiprobe_(latency|bool)\{apiprobe="good"' "$T/metrics.txt" | sed 's/^/# prom: /'
prom_get() { # TARGET VALUE: the sample's value
  local type=${2%%-*} inst=${2#*-}
  awk -v p="collectd_apiprobe_${type}{apiprobe=\"$1\",type=\"$inst\",instance=\"$HOST\"}" \
    '$1 == p { print $2; exit }' "$T/metrics.txt"
}
missing=''
for t in $TARGETS; do
  for v in $ALL_VALUES; do
    [ -n "$(prom_get "$t" "$v")" ] || missing+=" $t/$v"
  done
done
n=$(grep -c '^collectd_apiprobe_' "$T/metrics.txt")
if [ -z "$missing" ] && [ "$n" -eq $((4 * TYPES_N)) ]; then
  ok "write_prometheus: all $TYPES_N series of each of the 4 targets ($n), as collectd_apiprobe_<type>{apiprobe=\"<target>\",type=\"<instance>\",instance=\"$HOST\"}"
else
  notok "write_prometheus: $n apiprobe samples, missing:$missing"
fi
bad=''
for ty in latency bool bytes response_code apiprobe_days apiprobe_remaining apiprobe_seconds apiprobe_state; do
  grep -qx "# TYPE collectd_apiprobe_$ty gauge" "$T/metrics.txt" || bad+=" $ty"
done
if [ -z "$bad" ]; then ok "write_prometheus: every apiprobe metric is a gauge (# TYPE lines)"
else notok "write_prometheus: no '# TYPE ... gauge' for:$bad"; fi
if grep -Eq 'apiprobe="(bogus|badvalue)"' "$T/metrics.txt"; then notok "write_prometheus: series for a refused target"
else ok "write_prometheus: nothing for the refused targets"; fi
check_values "write_prometheus" prom_get
for probe in 'good latency-total 0.000001..0.8' 'good bool-up =1' 'badkey bool-up =0' \
  'down bool-up =0' 'badkey apiprobe_state-auth =2' 'down apiprobe_state-tcp =2'; do
  read -r t v spec <<<"$probe"
  got=$(prom_get "$t" "$v")
  if value_ok "$got" "$spec"; then ok "prometheus collectd_apiprobe_${v%%-*}{apiprobe=\"$t\",type=\"${v#*-}\"} $got"
  else notok "prometheus collectd_apiprobe_${v%%-*}{apiprobe=\"$t\",type=\"${v#*-}\"} '$got', want $spec"; fi
done

# --- the log
LOG=$T/collectd.log
logline() { # WHAT REGEX [COUNT]: lines matching REGEX (ERE), exactly COUNT (default >= 1)
  local n
  n=$(grep -Ec -- "$2" "$LOG")
  if { [ -z "${3:-}" ] && [ "$n" -ge 1 ]; } || [ "$n" = "${3:-x}" ]; then ok "log: $1 ($n line(s))"
  else notok "log: $1: $n line(s) match /$2/, want ${3:->= 1}"; fi
}
sed 's/^/# log: /' "$LOG" | grep -v 'plugin_load'
logline 'the unknown option of "bogus" is named, target refused' \
  'apiprobe plugin: target "bogus": unknown option "Frobnicate"; target refused' 1
logline 'the bad value of "badvalue" is named, target refused' \
  'apiprobe plugin: target "badvalue": MinTls: .*1\.9.*; target refused' 1
logline '3 targets in the 1 s callback' 'apiprobe plugin: 3 target\(s\) every 1\.000 s' 1
logline '1 target in the 2 s callback' 'apiprobe plugin: 1 target\(s\) every 2\.000 s' 1
logline 'badkey: one line (a verdict change), critical, names auth' \
  'apiprobe plugin: badkey: critical auth [a-z_]+: .*401' 1
logline 'down: one line, critical, names tcp' 'apiprobe plugin: down: critical tcp [a-z_]+: ' 1
logline 'ratelimited: one line, warning, names auth' \
  'apiprobe plugin: ratelimited: warning auth [a-z_]+: .*429' 1
logline 'good: no line (no change from ok)' 'apiprobe plugin: good:' 0
logline 'no read failed, ran late or dispatched an unknown type' \
  'read-function .* failed|above its read interval|Dataset not found|apiprobe plugin: type' 0
logline 'initialised' 'Initialization complete, entering read-loop' 1
no_key_in "$T/collectd.log" "$T/collectd.out" "$T/csv" "$T/metrics.txt" "$T/listval.txt" "$T/raw.txt"

stop_collectd "$CPID" 15
if [ "$STOP_RC" -eq 0 ]; then ok "collectd exits 0 on SIGTERM ($STOP_SECS s)"; else notok "collectd exit status $STOP_RC on SIGTERM"; fi
logline 'Exiting normally' 'Exiting normally' 1
if [ -e "$T/collectd.sock" ]; then notok "the unix socket is left behind"; else ok "the unix socket was removed at exit"; fi

###########################################################################
# 2. the shipped dist/collectd/apiprobe_collectd.conf
###########################################################################
mkdir -p "$T/dist" "$T/empty-certdir"
(umask 077 && printf '%s\n' "$VALID_KEY" >"$T/dist/anthropic.key")
# Only the URL and the paths change.
sed -e "/^ *URL /s|\"https://api.anthropic.com/\"|\"https://127.0.0.1:$P_OK/\"|" \
  -e "s|\"/usr/share/apiprobe/apiprobe-types.db\"|\"$SHIPPED_TYPES\"|" \
  -e "s|\"/etc/collectd/apiprobe/anthropic.key\"|\"$T/dist/anthropic.key\"|" \
  "$SHIPPED_CONF" >"$T/dist/apiprobe.conf"
diff "$SHIPPED_CONF" "$T/dist/apiprobe.conf" >"$T/dist/diff.txt"
changed=$(grep -c '^>' "$T/dist/diff.txt")
other=$(grep '^>' "$T/dist/diff.txt" | grep -Ev '^> *(URL "https://127\.0\.0\.1:[0-9]+/"|KeyFile "'"$T"'/dist/anthropic\.key"|TypesDB "/usr/share/collectd/types\.db" "'"$SHIPPED_TYPES"'")$')
# the installed example names the installed types already
want=3
[ "$SHIPPED_TYPES" != /usr/share/apiprobe/apiprobe-types.db ] || want=2
if [ "$changed" -eq "$want" ] && [ -z "$other" ]; then
  ok "shipped apiprobe.conf: only its active URL, KeyFile and TypesDB paths replaced ($changed lines)"
else
  notok "shipped apiprobe.conf: $changed lines changed, unexpected: $other"
fi
sed 's/^/# dist diff: /' "$T/dist/diff.txt"
{
  cat <<EOF
Hostname    "$HOST"
FQDNLookup  false
BaseDir     "$T/dist"
PIDFile     "$T/dist/collectd.pid"
PluginDir   "$STOCK_PLUGINS"
LoadPlugin  logfile
<Plugin logfile>
  LogLevel  info
  File      "$T/dist/collectd.log"
</Plugin>
LoadPlugin  csv
<Plugin csv>
  DataDir "$T/dist/csv"
</Plugin>
LoadPlugin  unixsock
<Plugin unixsock>
  SocketFile   "$T/dist/collectd.sock"
  SocketGroup  "$(id -gn)"
  DeleteSocket true
</Plugin>
# where the package would have put apiprobe.so
PluginDir   "$T/plugins"
Include     "$T/dist/apiprobe.conf"
EOF
} >"$T/dist/collectd.conf"
# The shipped target uses the system store: the fake's CA reaches it the
# way OpenSSL's default store takes extra CAs (SSL_CERT_FILE; the CA dir
# empty so nothing else is trusted).
DIST_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  SSL_CERT_FILE="$T/certs/ca.pem" SSL_CERT_DIR="$T/empty-certdir" "${SAN_ENV[@]}")
"${DIST_ENV[@]}" "$COLLECTD" -t -C "$T/dist/collectd.conf" >"$T/dist/test.out" 2>&1 ||
  notok "collectd -t rejects the shipped apiprobe.conf: $(cat "$T/dist/test.out")"
sed "s|$T/dist/collectd.log|$T/dist/check.log|" "$T/dist/collectd.conf" >"$T/dist/check.conf"
if "${DIST_ENV[@]}" "$COLLECTD" -T -C "$T/dist/check.conf" >"$T/dist/check.out" 2>&1 &&
  grep -q 'apiprobe plugin: 1 target(s) every 60.000 s' "$T/dist/check.log" &&
  ! grep -Eq 'refused|unknown option|failed|anthropic: ' "$T/dist/check.log"; then
  ok "collectd -t and -T accept the shipped apiprobe.conf (Include'd); its target probed ok once"
else
  notok "collectd -T with the shipped apiprobe.conf: $(cat "$T/dist/check.out" "$T/dist/check.log" | tr '\n' '|')"
fi
rm -rf "$T/dist/csv"
"${DIST_ENV[@]}" "$COLLECTD" -f -C "$T/dist/collectd.conf" >"$T/dist/collectd.out" 2>&1 &
DPID=$!
PIDS+=("$DPID")
dist_ready() {
  [ -S "$T/dist/collectd.sock" ] &&
    "$COLLECTDCTL" -s "$T/dist/collectd.sock" getval "$HOST/apiprobe-anthropic/bool-up" 2>/dev/null | grep -q '^value='
}
if wait_until 15 "$DPID" dist_ready; then
  dget() { "$COLLECTDCTL" -s "$T/dist/collectd.sock" getval "$HOST/apiprobe-anthropic/$1" | awk -F= '$1 == "value" { print $2 }'; }
  up=$(dget bool-up) code=$(dget response_code-http) verdict=$(dget apiprobe_state-verdict)
  if value_ok "$up" =1 && value_ok "$code" =200 && value_ok "$verdict" =0; then
    ok "shipped config against the fake: anthropic up=$up http=$code verdict=$verdict"
  else
    notok "shipped config against the fake: up=$up http=$code verdict=$verdict"
  fi
else
  notok "shipped config: no value for anthropic within 15 s"
fi
sed 's/^/# dist log: /' "$T/dist/collectd.log" | grep -v plugin_load
if grep -q 'apiprobe plugin: 1 target(s) every 60.000 s' "$T/dist/collectd.log" &&
  ! grep -Eq 'refused|unknown option|apiprobe plugin: type|failed' "$T/dist/collectd.log"; then
  ok "shipped config: its one target accepted (every 60 s), nothing refused or failed"
else
  notok "shipped config log: $(grep apiprobe "$T/dist/collectd.log" | tr '\n' '|')"
fi
stop_collectd "$DPID" 15
no_key_in "$T/dist/collectd.log" "$T/dist/collectd.out" "$T/dist/csv"

# Its commented example targets are valid too (uncommented, paths replaced).
cp "$T/certs/ca.pem" "$T/dist/gateway-ca.pem"
(umask 077 && printf '%s\n' "$VALID_KEY" >"$T/dist/gateway.key")
# Every name and address is pointed at the fake: nothing leaves loopback.
sed -e 's/^  #\(<\|  [A-Z]\)/  \1/' \
  -e "s|\"/etc/ssl/private/gateway-ca.pem\"|\"$T/dist/gateway-ca.pem\"|" \
  -e "s|\"/etc/collectd/apiprobe/gateway.key\"|\"$T/dist/gateway.key\"|" \
  -e "s|\"https://api.anthropic.com/\"|\"https://127.0.0.1:$P_OK/\"|" \
  -e "s|llm-gateway.example.internal:8443|api.test:$P_OK|g" \
  -e "s|:10\.0\.0\.7\"|:127.0.0.1\"|" \
  "$T/dist/apiprobe.conf" >"$T/dist/examples.conf"
if grep -v '^ *#' "$T/dist/examples.conf" | grep -Eq 'anthropic\.com|example\.internal|10\.0\.0\.7'; then
  die "examples.conf still names a non-loopback host"
fi
sed 's/^/# examples: /' "$T/dist/examples.conf" | grep -A12 '<Plugin apiprobe>' 
sed "s|$T/dist/apiprobe.conf|$T/dist/examples.conf|" "$T/dist/collectd.conf" >"$T/dist/examples-collectd.conf"
sed -i 's|collectd.log"|examples.log"|' "$T/dist/examples-collectd.conf"
"${DIST_ENV[@]}" APIPROBE_KEY_TEAM_B="$VALID_KEY" "$COLLECTD" -T -C "$T/dist/examples-collectd.conf" >"$T/dist/examples.out" 2>&1
ntargets=$(grep -c '^ *<Target "' "$T/dist/examples.conf")
if [ "$ntargets" -eq 3 ] && grep -q 'apiprobe plugin: 2 target(s) every 60.000 s' "$T/dist/examples.log" &&
  grep -q 'apiprobe plugin: 1 target(s) every 30.000 s' "$T/dist/examples.log" &&
  ! grep -Eq 'refused|unknown option|(anthropic|team-b|gateway): ' "$T/dist/examples.log"; then
  ok "shipped config: its 3 example targets (2 commented out) are accepted and probe the fake ok"
else
  notok "shipped config examples ($ntargets targets): $(grep apiprobe "$T/dist/examples.log" | tr '\n' '|')"
fi

###########################################################################
# 3. former bugs, now hard checks
###########################################################################
# (these were known bugs, reported as TODO; all three are fixed and are
# hard checks now)
todo() { # COND_OK WHAT [FILE]
  if [ "$1" = 1 ]; then ok "$2"
  else notok "$2 (regression in ${3:-collectd/apiprobe_collectd.c})"; fi
}
# (a) Two <Plugin apiprobe> blocks whose targets share an Interval: the
#     second read callback name is a duplicate; collectd frees its user data
#     and the plugin frees it again (double free, SIGSEGV at config time).
{
  global_conf "$T/dup.log"
  echo "PluginDir \"$T/plugins\""
  echo "LoadPlugin apiprobe"
  echo "<Plugin apiprobe>"
  target one "$P_OK" 1
  echo "</Plugin>"
  echo "<Plugin apiprobe>"
  target two "$P_OK" 1
  echo "</Plugin>"
} >"$T/dup.conf"
# (the braces keep bash's "Segmentation fault" job message out of the output)
{ "${DAEMON_ENV[@]}" "$COLLECTD" -T -C "$T/dup.conf" >"$T/dup.out" 2>&1; rc=$?; } 2>/dev/null
todo "$([ "$rc" -eq 0 ] && echo 1)" "two <Plugin apiprobe> blocks with the same Interval: collectd -T exit $rc (139 = SIGSEGV)"
# (b) Init fails (types missing): collectd unregisters the read named
#     "apiprobe", but the callbacks are named "1000ms" etc., so they still run.
{
  global_conf "$T/noinit.log" | sed "s|\"$SHIPPED_TYPES\"||"
  echo "PluginDir \"$T/plugins\""
  echo "LoadPlugin apiprobe"
  echo "<Plugin apiprobe>"
  # no key: its first read would log "orphan: unknown no_key ..."
  target orphan "$P_OK" 1 'KeyEnv "APIPROBE_TEST_UNSET"'
  echo "</Plugin>"
} >"$T/noinit.conf"
"${DAEMON_ENV[@]}" "$COLLECTD" -T -C "$T/noinit.conf" >"$T/noinit.out" 2>&1
if grep -q 'apiprobe plugin: type "apiprobe_days" is unknown' "$T/noinit.log" &&
  grep -q "Initialization of plugin \`apiprobe' failed" "$T/noinit.log"; then
  ok "without apiprobe-types.db the plugin's init fails, naming the type"
else
  notok "without apiprobe-types.db: $(grep apiprobe "$T/noinit.log" | tr '\n' '|')"
fi
ran=$(grep -c 'apiprobe plugin: orphan:' "$T/noinit.log")
todo "$([ "$ran" -eq 0 ] && echo 1)" "after a failed init no read runs ($ran log lines of reads that ran anyway)"

# (c) A key pasted into KeyEnv (which takes a variable's name) is refused,
#     and the refusal quotes the value, i.e. the key, into the log.
{
  global_conf "$T/pasted.log"
  echo "PluginDir \"$T/plugins\""
  echo "LoadPlugin apiprobe"
  echo "<Plugin apiprobe>"
  target pasted "$P_OK" 1 "KeyEnv \"$BAD_KEY\""
  echo "</Plugin>"
} >"$T/pasted.conf"
"${DAEMON_ENV[@]}" "$COLLECTD" -T -C "$T/pasted.conf" >"$T/pasted.out" 2>&1
if grep -q 'target "pasted": KeyEnv: .*target refused' "$T/pasted.log"; then
  ok "a key pasted into KeyEnv: the target is refused"
else
  notok "a key pasted into KeyEnv: $(grep apiprobe "$T/pasted.log" | tr '\n' '|')"
fi
leaked=$(grep -cF -- "$BAD_KEY" "$T/pasted.log")
todo "$([ "$leaked" -eq 0 ] && echo 1)" "a key pasted into KeyEnv stays out of the log ($leaked log line(s) quote it)" plugin/target.c

###########################################################################
# 4. the canary's cost guard: a Canary read every second, CanaryInterval 3
###########################################################################
# the fake counts generation requests (POST /v1/messages) on all listeners
gen_count() {
  curl -sS --max-time 5 --cacert "$T/certs/ca.pem" \
    --resolve "api.test:$P_OK:127.0.0.1" "https://api.test:$P_OK/fake/stats" |
    sed -n 's/.*"generation_requests":\([0-9]*\).*/\1/p'
}
g0=$(gen_count)
if [ "$g0" = 0 ]; then
  ok "sections 1-3 (no Canary configured) sent no generation request"
else
  notok "generation requests without any Canary: '$g0'"
fi
rm -rf "$T/csv"
mkdir -p "$T/csv"
{
  global_conf "$T/canary.log"
  cat <<EOF
LoadPlugin csv
<Plugin csv>
  DataDir "$T/csv"
</Plugin>
PluginDir "$T/plugins"
LoadPlugin apiprobe
<Plugin apiprobe>
EOF
  target canary "$P_OK" 1 'Model "claude-x"' 'Model "claude-gone"' \
    'Canary "claude-x"' 'CanaryInterval 3'
  target free "$P_OK" 1 'Model "claude-x"'
  echo "</Plugin>"
} >"$T/canary.conf"
T0=$(date +%s.%N)
"${DAEMON_ENV[@]}" "$COLLECTD" -f -C "$T/canary.conf" >"$T/canary.out" 2>&1 &
CPID=$!
PIDS+=("$CPID")
canary_reads() { [ "$(csv_rows canary bool-up)" -ge 10 ] && [ "$(csv_rows free bool-up)" -ge 10 ]; }
wait_until 30 "$CPID" canary_reads || note "canary reads: $(csv_rows canary bool-up) after $(since "$T0") s"
stop_collectd "$CPID"
reads=$(csv_rows canary bool-up)
gens=$(gen_count)
# one run per CanaryInterval: reads 1 s apart run it every 3rd or 4th read
if [ "$reads" -ge 10 ] && [ -n "$gens" ] && [ "$gens" -ge $(((reads + 3) / 4)) ] &&
  [ "$gens" -le $(((reads + 2) / 3)) ]; then
  ok "cost guard: $reads reads of a Canary target every 1 s, $gens generation requests (CanaryInterval 3)"
else
  notok "cost guard: $reads reads, '$gens' generation requests (want about one per 3 s)"
fi
ages=$(awk -F, 'NR > 1 { print $2 }' "$(csv_file canary apiprobe_seconds-canary_age)" | tr '\n' ' ')
fresh=0 reused=0 badage=0
for a in $ages; do
  if value_ok "$a" =0; then fresh=$((fresh + 1))
  elif value_ok "$a" 0.5..3.5; then reused=$((reused + 1))
  else badage=$((badage + 1)); fi
done
if [ "$fresh" -ge 2 ] && [ "$reused" -gt "$fresh" ] && [ "$badage" -eq 0 ] &&
  [ "$fresh" -eq "$gens" ]; then
  ok "canary_age: $fresh fresh runs (0 s) and $reused reuses aged 1-3 s"
else
  notok "canary_age values: $ages (fresh $fresh, reused $reused, bad $badage, runs $gens)"
fi
bad=
for v in latency-inference_ttft latency-inference_stream apiprobe_tokens-input; do
  vals=$(awk -F, 'NR > 1 { print $2 }' "$(csv_file canary "$v")")
  for x in $vals; do value_ok "$x" 0..100 || bad="$bad $v=$x"; done
done
last_state() { awk -F, 'END { print $2 }' "$(csv_file "$1" "apiprobe_state-$2")"; }
if [ -z "$bad" ] && value_ok "$(last_state canary inference)" =0 &&
  value_ok "$(last_state canary model)" =2 && value_ok "$(last_state free inference)" nan &&
  value_ok "$(last_state free model)" =0; then
  ok "every read has ttft, stream time and tokens (reused ones too); model critical (claude-gone), the free target's inference n/a"
else
  notok "canary values:$bad; states canary inference=$(last_state canary inference) model=$(last_state canary model), free inference=$(last_state free inference)"
fi
no_key_in "$T/csv" "$T/canary.log"

note "total $(since "$START") s"
finish
