#!/bin/bash
# tests/hosts/icinga2.sh - check_apiprobe under a real Icinga 2 daemon.
#
# usage: icinga2.sh {--plugin PATH/check_apiprobe | --installed} --fakeapi PATH/fakeapi
#
# Starts the TLS fake API and a private Icinga 2 (every path in a temp dir
# given by -D constants, nothing from /etc/icinga2, no API listener) whose
# config includes the shipped dist/icinga2/check_apiprobe.conf, with
# PluginDir pointing at the built plugin.  Checks the config with
# `icinga2 daemon -C`, then runs five services against the fake:
#
#   good         ok scenario, valid key             -> OK
#   badkey       ok scenario, wrong key             -> CRITICAL, names auth
#   ratelimited  rate_limited scenario, valid key   -> WARNING
#   stopped      nothing listens on the port        -> CRITICAL, names tcp
#   expiring     cert expires in 10 days, key file  -> WARNING, names tls
#
# The key reaches the plugin the three ways the shipped file documents: the
# CheckCommand's env (apiprobe_api_key, set from a constant kept in its own
# 0600 file) for good, badkey and stopped; the daemon's environment named by
# apiprobe_key_env for ratelimited; apiprobe_key_file for expiring (which
# also proves an empty ANTHROPIC_API_KEY, what Icinga sets when
# apiprobe_api_key is unset, does not hide the key file).  The daemon runs
# with nothing else in its environment.
# Asserts, from the PerfdataWriter spool files: the state, the output's first
# line naming the layer, every perfdata label as Icinga parsed and rewrote it.
# Exit 0 pass, 1 fail (also when icinga2 is missing: never skipped).
# HOSTS_KEEP=1 keeps the temp dir.  ICINGA2=/path overrides the binary.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
SHIPPED_CONF=$(cd "$HERE/../../dist/icinga2" 2>/dev/null && pwd)/check_apiprobe.conf
INSTALLED_PLUGIN=/usr/lib/nagios/plugins/check_apiprobe

parse_args "$@"
# the package's CheckCommand runs the installed plugin by its absolute path
[ "$INSTALLED" = 0 ] || SHIPPED_CONF=/usr/share/icinga2/include/plugins-contrib.d/apiprobe.conf
ICINGA2=${ICINGA2:-$(command -v icinga2 || echo /usr/sbin/icinga2)}
[ -x "$ICINGA2" ] || die "icinga2 not found ($ICINGA2); install icinga2-bin and icinga2-common (scripts/deps.sh)"
[ -r "$SHIPPED_CONF" ] || die "shipped config missing: $SHIPPED_CONF"
[ -d /usr/share/icinga2/include ] || die "the ITL (/usr/share/icinga2/include) is missing; install icinga2-common"
START=$(date +%s.%N)
setup_tmp icinga2
start_fake

mkdir -p "$T/plugins" "$T/data" "$T/log" "$T/cache" "$T/spool/perf" "$T/spool/tmp" "$T/run"
# The shipped CheckCommand runs PluginDir + "/check_apiprobe".
ln -s "$PLUGIN" "$T/plugins/check_apiprobe"
(umask 077 && printf '%s\n' "$VALID_KEY" >"$T/anthropic.key")
# The key as a constant in its own 0600 file, as the shipped comments advise.
(umask 077 && printf 'const AnthropicApiKey = "%s"\n' "$VALID_KEY" >"$T/apiprobe-keys.conf")

DEFINES=(-DDataDir="$T/data" -DLogDir="$T/log" -DCacheDir="$T/cache"
  -DSpoolDir="$T/spool" -DInitRunDir="$T/run" -DPidPath="$T/run/icinga2.pid"
  -DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)")

svc() { # NAME PORT then lines of vars
  local name=$1 port=$2
  shift 2
  cat <<EOF
object Service "$name" {
  host_name = "probe-test"
  check_command = "apiprobe"
  check_interval = 2s
  retry_interval = 2s
  max_check_attempts = 1
  vars.apiprobe_url = "https://api.test:$port/"
  vars.apiprobe_resolve = [ "api.test:$port:127.0.0.1" ]
  vars.apiprobe_ca_file = "$T/certs/ca.pem"
EOF
  printf '  %s\n' "$@"
  echo "}"
}

{
  cat <<EOF
const NodeName = "probe-test"
const ZoneName = "probe-test"
const PluginDir = "$T/plugins"
include <itl>
include "$SHIPPED_CONF"
include "$T/apiprobe-keys.conf"

object FileLogger "main-log" {
  severity = "notice"       // logs each plugin run and its exit code
  path = LogDir + "/icinga2.log"
}
object CheckerComponent "checker" { }
object PerfdataWriter "perfdata" {
  host_perfdata_path = SpoolDir + "/perf/host-perfdata"
  service_perfdata_path = SpoolDir + "/perf/service-perfdata"
  host_temp_path = SpoolDir + "/tmp/host-perfdata"
  service_temp_path = SpoolDir + "/tmp/service-perfdata"
  rotation_interval = 1s
  // The default template plus the exit status and the output.  The output
  // goes last: its long part spans several lines (Icinga writes it raw).
  service_format_template = "DATATYPE::SERVICEPERFDATA\tTIMET::\$service.last_check\$\tHOSTNAME::\$host.name\$\tSERVICEDESC::\$service.name\$\tSERVICEPERFDATA::\$service.perfdata\$\tSERVICECHECKCOMMAND::\$service.check_command\$\tHOSTSTATE::\$host.state\$\tHOSTSTATETYPE::\$host.state_type\$\tSERVICESTATE::\$service.state\$\tSERVICESTATETYPE::\$service.state_type\$\tSERVICEEXITSTATUS::\$service.last_check_result.exit_status\$\tSERVICESTATEID::\$service.state_id\$\tSERVICEOUTPUT::\$service.output\$"
}
object Host "probe-test" {
  address = "127.0.0.1"
  check_command = "dummy"
  enable_active_checks = false
}
EOF
  svc good "$P_OK" 'vars.apiprobe_api_key = AnthropicApiKey' \
    'vars.apiprobe_warning = 5' 'vars.apiprobe_critical = 9'
  svc badkey "$P_OK" "vars.apiprobe_api_key = \"$BAD_KEY\""
  svc ratelimited "$P_RATE" 'vars.apiprobe_key_env = "APIPROBE_TEST_DAEMON_KEY"' \
    'vars.apiprobe_rate_limited_state = "warning"'
  svc stopped "$P_STOPPED" 'vars.apiprobe_api_key = AnthropicApiKey' \
    'vars.apiprobe_connect_timeout = 2' 'vars.apiprobe_timeout = 5'
  svc expiring "$P_EXPIRING" "vars.apiprobe_key_file = \"$T/anthropic.key\""
} >"$T/icinga2.conf"

# The daemon's whole environment: no proxy, nothing from the caller, one key
# under a name of its own (not ANTHROPIC_API_KEY: the command's env sets that).
DAEMON_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  APIPROBE_TEST_DAEMON_KEY="$VALID_KEY")

if "${DAEMON_ENV[@]}" "$ICINGA2" daemon -C -c "$T/icinga2.conf" "${DEFINES[@]}" >"$T/validate.log" 2>&1; then
  ok "icinga2 daemon -C accepts the config including the shipped check_apiprobe.conf"
  if grep -E 'warning/|critical/' "$T/validate.log" | grep -qi apiprobe; then
    notok "config check warns about apiprobe: $(grep -Ei 'warning/|critical/' "$T/validate.log" | grep -i apiprobe)"
  fi
  note "$(grep -E 'CheckCommands?\.|Services?\.' "$T/validate.log" | sed 's/.*information\/ConfigItem: //' | tr '\n' ' ')"
else
  cat "$T/validate.log" >&2
  die "icinga2 daemon -C rejected the config"
fi

T0=$(date +%s.%N)
"${DAEMON_ENV[@]}" "$ICINGA2" daemon -c "$T/icinga2.conf" "${DEFINES[@]}" >"$T/icinga2.out" 2>&1 &
IPID=$!
PIDS+=("$IPID")

SERVICES="good badkey ratelimited stopped expiring"
# The rotated spool files, one record per line, fields separated by US
# (\037: not whitespace, so read keeps empty fields):
#   NAME STATE PERF EXIT STATEID FIRST_LINE LONG (\n-joined)
# A record starts with DATATYPE::; the lines after it, up to the next
# record, are the rest of SERVICEOUTPUT (the long output).
read_spool() {
  cat "$T"/spool/perf/service-perfdata.* 2>/dev/null | awk -F'\t' '
    function flush() {
      if (have)
        print v["SERVICEDESC"] "\037" v["SERVICESTATE"] "\037" v["SERVICEPERFDATA"] "\037" \
              v["SERVICEEXITSTATUS"] "\037" v["SERVICESTATEID"] "\037" v["SERVICEOUTPUT"] "\037" long
      have = 0
    }
    /^DATATYPE::SERVICEPERFDATA/ {
      flush()
      delete v; long = ""; have = 1
      for (i = 1; i <= NF; i++) {
        k = $i; sub(/::.*/, "", k)
        v[k] = substr($i, length(k) + 3)
      }
      next
    }
    have { long = (long == "" ? $0 : long "\\n" $0) }
    END { flush() }'
}

ALL=
DEADLINE=$((SECONDS + 30))
while [ "$SECONDS" -lt "$DEADLINE" ]; do
  alive "$IPID" || { cat "$T/icinga2.out" >&2; die "icinga2 exited early"; }
  if [ "$(read_spool | cut -d$'\037' -f1 | sort -u | wc -l)" -eq 5 ]; then ALL=1; break; fi
  sleep 0.1
done
T1=$(date +%s.%N)
if [ -z "$ALL" ]; then
  note "icinga2.log:"; sed 's/^/#   /' "$T/log/icinga2.log" >&2
  dump_tree "$IPID" icinga2
  die "not all 5 services were recorded by the PerfdataWriter within 30 s"
fi
note "all 5 results in the perfdata spool after $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", b - a }') s"

declare -A WANT=([good]=OK [badkey]=CRITICAL [ratelimited]=WARNING [stopped]=CRITICAL [expiring]=WARNING)
declare -A LAYER=([good]="" [badkey]=auth [ratelimited]="" [stopped]=tcp [expiring]=tls)
declare -A CODE=([OK]=0 [WARNING]=1 [CRITICAL]=2 [UNKNOWN]=3)

echo "# --- what Icinga recorded (PerfdataWriter) ---"
for name in $SERVICES; do
  line=$(read_spool | awk -F'\037' -v s="$name" '$1 == s { print; exit }')
  IFS=$'\037' read -r _ state perf rc stateid out long <<<"$line"
  echo "# $name: SERVICESTATE::$state SERVICEEXITSTATUS::$rc SERVICESTATEID::$stateid"
  echo "#   SERVICEOUTPUT (first line)::$out"
  echo "#   SERVICEPERFDATA::$perf"
  echo "#   long output::$long"
  check_result "icinga perfdata" "$name" "${WANT[$name]}" "$state" "$out" "$perf" "$long" "${LAYER[$name]}"
  if [ "$rc" = "${CODE[${WANT[$name]}]}" ]; then ok "icinga perfdata $name: exit status $rc"
  else notok "icinga perfdata $name: exit status '$rc', want ${CODE[${WANT[$name]}]}"; fi
  check_values "icinga perfdata $name" "$name" "$perf"
done

# Perfdata Icinga could not parse is logged as a warning.
if grep -Eiq 'perfdata|performance data' "$T/log/icinga2.log" && grep -Ei 'warning/.*(perfdata|performance)' "$T/log/icinga2.log" >/dev/null; then
  notok "icinga2.log has perfdata warnings: $(grep -Ei 'warning/.*(perfdata|performance)' "$T/log/icinga2.log" | head -3)"
else
  ok "no perfdata warnings in icinga2.log"
fi

no_key_in "$T/spool" "$T/log" "$T/icinga2.out"
if grep -rqF -- "$VALID_KEY" "$T/cache" "$T/data" 2>/dev/null; then
  note "as expected, the key constant is in Icinga's object cache: $(grep -rlF -- "$VALID_KEY" "$T/cache" "$T/data" | sed "s|$T/||" | tr '\n' ' ')"
fi

T2=$(date +%s.%N)
stop_tree "$IPID" 10 # umbrella, then its worker and the spawn helper
PIDS=("${PIDS[@]:0:1}") # only the fake is left
note "icinga2 stopped in $(awk -v a="$T2" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
note "total $(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
finish
