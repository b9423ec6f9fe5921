#!/bin/bash
# tests/hosts/nagios.sh - check_apiprobe under a real Nagios Core 4 daemon.
#
# usage: nagios.sh {--plugin PATH/check_apiprobe | --installed} --fakeapi PATH/fakeapi
#
# Starts the TLS fake API and a private Nagios (every path in a temp dir,
# nothing read from /etc, loopback only) that loads the shipped
# dist/nagios/check_apiprobe.cfg and runs five services against the fake:
#
#   good         ok scenario, valid key             -> OK
#   badkey       ok scenario, wrong key             -> CRITICAL, names auth
#   ratelimited  rate_limited scenario, valid key   -> WARNING
#   stopped      nothing listens on the port        -> CRITICAL, names tcp
#   expiring     cert expires in 10 days, valid key -> WARNING, names tls
#
# The key reaches the plugin the way it would in production: through the
# daemon's own environment (ANTHROPIC_API_KEY, and --key-env for the wrong
# key), and for "expiring" through --key-file with a 0600 file.  Asserts,
# from status.dat (read while Nagios runs) and from the service perfdata
# file: the state, the first line naming the layer, every perfdata label.
# Exit 0 pass, 1 fail (also when nagios4 is missing: never skipped).
# HOSTS_KEEP=1 keeps the temp dir.  NAGIOS4=/path overrides the binary.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
SHIPPED_CFG=$HERE/../../dist/nagios/check_apiprobe.cfg
INSTALLED_PLUGIN=/usr/lib/nagios/plugins/check_apiprobe

parse_args "$@"
# the package's commands run the installed plugin by its absolute path
[ "$INSTALLED" = 0 ] || SHIPPED_CFG=/etc/nagios-plugins/config/apiprobe.cfg
NAGIOS=${NAGIOS4:-$(command -v nagios4 || echo /usr/sbin/nagios4)}
[ -x "$NAGIOS" ] || die "nagios4 not found ($NAGIOS); install nagios4-core (scripts/deps.sh)"
[ -r "$SHIPPED_CFG" ] || die "shipped config missing: $SHIPPED_CFG"
START=$(date +%s.%N)
setup_tmp nagios
start_fake

# The plugin under the name the shipped commands use, in a private $USER1$.
mkdir -p "$T/plugins" "$T/spool" "$T/rw"
ln -s "$PLUGIN" "$T/plugins/check_apiprobe"
echo "\$USER1\$=$T/plugins" >"$T/resource.cfg"
cp "$SHIPPED_CFG" "$T/check_apiprobe.cfg"
# A key file as an admin would make it.
(umask 077 && printf '%s\n' "$VALID_KEY" >"$T/anthropic.key")

cat >"$T/nagios.cfg" <<EOF
log_file=$T/nagios.log
cfg_file=$T/objects.cfg
cfg_file=$T/check_apiprobe.cfg
resource_file=$T/resource.cfg
object_cache_file=$T/objects.cache
precached_object_file=$T/objects.precache
status_file=$T/status.dat
state_retention_file=$T/retention.dat
retain_state_information=0
lock_file=$T/nagios.pid
temp_file=$T/nagios.tmp
temp_path=$T
check_result_path=$T/spool
query_socket=$T/rw/nagios.qh
command_file=$T/rw/nagios.cmd
check_external_commands=0
nagios_user=$(id -un)
nagios_group=$(id -gn)
use_syslog=0
illegal_macro_output_chars=\`~\$&|'"<>
enable_notifications=0
enable_event_handlers=0
enable_flap_detection=0
enable_environment_macros=0
execute_host_checks=0
interval_length=1
service_inter_check_delay_method=n
max_service_check_spread=1
check_result_reaper_frequency=1
status_update_interval=1
service_check_timeout=30
service_check_timeout_state=u
process_performance_data=1
service_perfdata_file=$T/service-perfdata.txt
service_perfdata_file_template=\$TIMET\$\t\$SERVICEDESC\$\t\$SERVICESTATE\$\t\$SERVICEOUTPUT\$\t\$SERVICEPERFDATA\$\t\$LONGSERVICEOUTPUT\$
service_perfdata_file_mode=a
service_perfdata_file_processing_interval=0
EOF

svc() { # NAME CHECK_COMMAND
  cat <<EOF
define service {
    host_name               probe-test
    service_description     $1
    check_command           $2
    max_check_attempts      1
    check_interval          30
    retry_interval          30
    check_period            always
    notification_period     always
    notifications_enabled   0
    contacts                nobody
}
EOF
}
{
  cat <<EOF
define timeperiod {
    timeperiod_name always
    alias           always
    sunday 00:00-24:00
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
}
define command {
    command_name    noop
    command_line    /bin/true
}
define contact {
    contact_name                    nobody
    host_notifications_enabled      0
    service_notifications_enabled   0
    host_notification_period        always
    service_notification_period     always
    host_notification_options       n
    service_notification_options    n
    host_notification_commands      noop
    service_notification_commands   noop
}
define host {
    host_name               probe-test
    address                 127.0.0.1
    check_command           noop
    max_check_attempts      1
    check_period            always
    active_checks_enabled   0
    contacts                nobody
}
EOF
  # good: the shipped "common arguments" command, key from the daemon's env.
  svc good "check_apiprobe_url!https://api.test:$P_OK/!5!9!-r api.test:$P_OK:127.0.0.1 -C $T/certs/ca.pem"
  # badkey: the key in another variable of the daemon's env (--key-env).
  svc badkey "check_apiprobe!$(target_args "$P_OK") --key-env APIPROBE_TEST_BAD_KEY"
  svc ratelimited "check_apiprobe!$(target_args "$P_RATE")"
  svc stopped "check_apiprobe!$(target_args "$P_STOPPED") -T 2 -t 5"
  # expiring: the key from a 0600 key file.
  svc expiring "check_apiprobe!$(target_args "$P_EXPIRING") --key-file $T/anthropic.key"
} >"$T/objects.cfg"

# The daemon's whole environment: nothing inherited from the caller (no
# proxies, no stray ANTHROPIC_API_KEY), the keys as an admin would set them.
DAEMON_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  ANTHROPIC_API_KEY="$VALID_KEY" APIPROBE_TEST_BAD_KEY="$BAD_KEY")

if "${DAEMON_ENV[@]}" "$NAGIOS" -v "$T/nagios.cfg" >"$T/verify.log" 2>&1; then
  ok "nagios4 -v accepts the config with the shipped check_apiprobe.cfg"
  note "$(grep -E '^Total (Warnings|Errors)' "$T/verify.log" | tr '\n' ' ')"
else
  cat "$T/verify.log" >&2
  die "nagios4 -v rejected the config"
fi

T0=$(date +%s.%N)
"${DAEMON_ENV[@]}" "$NAGIOS" "$T/nagios.cfg" >"$T/nagios.out" 2>&1 &
NPID=$!
PIDS+=("$NPID")

SERVICES="good badkey ratelimited stopped expiring"
# status.dat -> one line per service, fields separated by US (\037: not
# whitespace, so read keeps empty fields): name state output long perf checked
read_status() {
  awk -F'\n' '
    /^servicestatus \{/ { in_s = 1; delete v; next }
    in_s && /^\t\}/ {
      print v["service_description"] "\037" v["current_state"] "\037" v["plugin_output"] "\037" \
            v["long_plugin_output"] "\037" v["performance_data"] "\037" v["has_been_checked"]
      in_s = 0; next
    }
    in_s {
      line = $0; sub(/^\t/, "", line)
      k = line; sub(/=.*/, "", k)
      val = substr(line, length(k) + 2)
      v[k] = val
    }' "$T/status.dat" 2>/dev/null
}

ALL=
DEADLINE=$((SECONDS + 20))
while [ "$SECONDS" -lt "$DEADLINE" ]; do
  alive "$NPID" || { cat "$T/nagios.out" >&2; die "nagios4 exited early"; }
  if [ -s "$T/status.dat" ] && [ -s "$T/service-perfdata.txt" ]; then
    n_status=$(read_status | awk -F'\037' '$6 == 1' | wc -l)
    n_perf=$(cut -f2 "$T/service-perfdata.txt" | sort -u | wc -l)
    if [ "$n_status" -eq 5 ] && [ "$n_perf" -eq 5 ]; then ALL=1; break; fi
  fi
  sleep 0.05
done
T1=$(date +%s.%N)
if [ -z "$ALL" ]; then
  note "nagios.log:"; sed 's/^/#   /' "$T/nagios.log" >&2
  dump_tree "$NPID" nagios4
  die "not all 5 services were checked within 20 s"
fi
note "all 5 results after $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", b - a }') s"
cp "$T/status.dat" "$T/status.snapshot" # status.dat is deleted at shutdown

# Nagios passes its environment to the checks? good/ratelimited got their key
# only from there: a 401 "no key" would make them CRITICAL.
STATENAMES=(OK WARNING CRITICAL UNKNOWN)
declare -A WANT=([good]=OK [badkey]=CRITICAL [ratelimited]=WARNING [stopped]=CRITICAL [expiring]=WARNING)
declare -A LAYER=([good]="" [badkey]=auth [ratelimited]="" [stopped]=tcp [expiring]=tls)

echo "# --- what Nagios recorded ---"
while IFS=$'\037' read -r name st out long perf _; do
  [ -n "${WANT[$name]:-}" ] || continue
  state=${STATENAMES[$st]:-?$st}
  echo "# status.dat $name: current_state=$st ($state)"
  echo "#   plugin_output=$out"
  echo "#   performance_data=$perf"
  echo "#   long_plugin_output=$long"
  check_result status.dat "$name" "${WANT[$name]}" "$state" "$out" "$perf" "$long" "${LAYER[$name]}"
  check_values "status.dat $name" "$name" "$perf"
done < <(read_status <"$T/status.snapshot")

for name in $SERVICES; do
  line=$(awk -F'\t' -v s="$name" '$2 == s { print; exit }' "$T/service-perfdata.txt")
  if [ -z "$line" ]; then notok "perfdata file: no line for $name"; continue; fi
  IFS=$'\037' read -r _ _ state out perf long <<<"${line//$'\t'/$'\037'}"
  echo "# perfdata file $name: $state | $perf"
  check_result "perfdata file" "$name" "${WANT[$name]}" "$state" "$out" "$perf" "$long" "${LAYER[$name]}"
  check_values "perfdata file $name" "$name" "$perf"
done

no_key_in "$T/status.snapshot" "$T/service-perfdata.txt" "$T/nagios.log" "$T/objects.cache" "$T/nagios.out"

T2=$(date +%s.%N)
stop_tree "$NPID" 10 # main process, then its workers
PIDS=("${PIDS[@]:0:1}") # only the fake is left
note "nagios4 stopped in $(awk -v a="$T2" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
note "total $(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
finish
