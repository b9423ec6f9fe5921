#!/bin/bash
# debian.sh - the four Debian packages, built from a clean clone and
# installed on this machine beside Debian's own nagios4, icinga2, collectd
# and zabbix-agent in their stock configs (root, Debian 12).
#
# usage: debian.sh --src REPO --fakeapi PATH/fakeapi
#
#  1. git clone REPO (its committed HEAD) into a temp dir, dpkg-buildpackage
#     -b -us -uc there; lintian on the .changes: no error, no warning, and
#     every override in debian/ has a comment saying why
#  2. before installing: the stock checks pass (nagios4 -v, icinga2 daemon
#     -C, collectd -T, zabbix_agentd -t agent.ping), and a service with
#     check_command = "apiprobe" is refused (the package must add it)
#  3. dpkg -i the four packages: no daemon started or enabled; nagios4 -v
#     knows two more commands, running the installed plugin; icinga2 daemon
#     -C accepts that service with nothing else added; collectd -T passes
#     as installed and after the drop-in's documented edit (probing the fake
#     API on loopback); zabbix_agentd -t apiprobe.discovery answers [];
#     man apiprobe / check_apiprobe / 5 collectd-apiprobe work; the host
#     tests (tests/hosts --installed) pass against the installed files
#  4. dpkg -i again (the upgrade path) keeps the edited conffile
#  5. dpkg --purge: none of the packages' files is left, nor /etc/apiprobe
#     nor systemd state; the stock checks pass as before
# Whatever happens, the packages are purged, the files of the hosts'
# directories that the checks touched are restored (compared before and
# after) and every process started is stopped by its PID.
#
# Exit 0 pass, 1 fail: also when not root, not Debian 12, or a tool or host
# is missing (never a skip). Holds /tmp/apiprobe-system.lock throughout (do
# not wrap it in flock). DEBIAN_KEEP=1 keeps the temp dir.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=${0##*/}
PKGS="apiprobe monitoring-plugins-apiprobe collectd-apiprobe zabbix-module-apiprobe"
# what the stock checks may write, restored at the end
WATCH="/etc/nagios4 /etc/nagios-plugins /etc/icinga2 /etc/collectd /etc/zabbix
/var/cache/icinga2 /var/lib/icinga2 /var/log/icinga2 /var/lib/collectd
/var/cache/nagios4 /var/lib/nagios4 /var/log/nagios4 /var/log/zabbix /etc/apiprobe
/usr/share/icinga2/include/plugins-contrib.d"
DAEMONS="nagios4 icinga2 collectd zabbix_agentd"
VALID_KEY=sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000

FAILS=0 N=0 T= FPID= INSTALLED_BY_US=0 OUR_POLICY=0 SNAP=0
die() { echo "$NAME: FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }
ok() { N=$((N + 1)); echo "ok $N - $*"; }
notok() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $*"; }
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

SRC= FAKEAPI=
while [ $# -gt 0 ]; do
  case $1 in
    --src) [ $# -ge 2 ] || die "--src needs a value"; SRC=$2; shift 2 ;;
    --fakeapi) [ $# -ge 2 ] || die "--fakeapi needs a value"; FAKEAPI=$2; shift 2 ;;
    *) die "usage: $NAME --src REPO --fakeapi PATH/fakeapi" ;;
  esac
done
[ -d "$SRC" ] && [ -x "$FAKEAPI" ] || die "usage: $NAME --src REPO --fakeapi PATH/fakeapi"
[ "$(id -u)" = 0 ] || die "must run as root (installs packages)"
grep -q '^12\.' /etc/debian_version 2>/dev/null || die "needs Debian 12 (this is $(cat /etc/debian_version 2>/dev/null))"
for t in git dpkg-buildpackage dh lintian dpkg-deb man nagios4 icinga2 collectd zabbix_agentd flock sha256sum; do
  command -v "$t" >/dev/null || die "$t not found: run scripts/deps.sh test"
done
[ -r /etc/collectd/collectd.conf ] || die "/etc/collectd/collectd.conf missing: install collectd (scripts/deps.sh test)"
[ -r /etc/nagios4/nagios.cfg ] || die "/etc/nagios4/nagios.cfg missing: install nagios4-core"
[ -r /etc/icinga2/icinga2.conf ] || die "/etc/icinga2/icinga2.conf missing: install icinga2"

exec 9>/tmp/apiprobe-system.lock
flock 9 || die "cannot lock /tmp/apiprobe-system.lock"
START=$(date +%s.%N)

private() { # PID: started by a test (it or a parent names a temp dir;
  # a daemon's children retitle themselves)
  local p=$1 i
  for ((i = 0; i < 6; i++)); do
    [ -n "$p" ] && [ "$p" -gt 1 ] || return 1
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '/tmp/' && return 0
    p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $2 }')
  done
  return 1
}
running() { # the stock daemons (not the tests' private ones), "NAME PID"
  local d p
  for d in $DAEMONS; do
    for p in $(pgrep -x "$d" 2>/dev/null); do
      private "$p" || echo "$d $p"
    done
  done
}
snapshot() { # FILE: path, type, mode, owner and sha256 of everything in WATCH
  local d
  for d in $WATCH; do
    [ -e "$d" ] || { echo "absent $d"; continue; }
    find "$d" -printf '%y %m %u:%g %p\n' | sort -k4 | while read -r y m o p; do
      if [ "$y" = f ]; then echo "$y $m $o $p $(sha256sum <"$p" | cut -c1-16)"; else echo "$y $m $o $p"; fi
    done
  done >"$1"
}

cleanup() {
  local rc=$?
  set +e
  [ -z "$FPID" ] || { kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; }
  if [ "$INSTALLED_BY_US" = 1 ]; then
    # shellcheck disable=SC2086
    dpkg --purge $PKGS >"$T/cleanup-purge.log" 2>&1 || echo "$NAME: cleanup purge failed: $(tail -3 "$T/cleanup-purge.log")" >&2
  fi
  if [ "$SNAP" = 1 ]; then
    # restore what the checks changed: remove what is new, put back what
    # changed or went away
    snapshot "$T/after"
    if ! diff -q "$T/before" "$T/after" >/dev/null; then
      diff "$T/before" "$T/after" | awk '/^>/ && $2 != "absent" { print $5 }' | sort -r | while read -r p; do
        awk -v p="$p" '$4 == p { f = 1 } END { exit !f }' "$T/before" || rm -rf "$p"
      done
      (cd / && tar -xpf "$T/watch.tar" 2>/dev/null)
      snapshot "$T/restored"
      if diff "$T/before" "$T/restored" >"$T/restore.diff"; then
        echo "# restored the files the checks touched: $(diff "$T/before" "$T/after" | grep -c '^[<>]') entries"
      else
        echo "$NAME: could not restore: $(head -5 "$T/restore.diff")" >&2
        rc=1
      fi
    fi
  fi
  [ "$OUR_POLICY" = 0 ] || rm -f /usr/sbin/policy-rc.d
  if [ -n "$(running)" ] && [ "$(running)" != "$(cat "$T/daemons-before" 2>/dev/null)" ]; then
    echo "$NAME: a stock daemon is running that was not: $(running | tr '\n' ' ')" >&2
    rc=1
  fi
  if [ "${DEBIAN_KEEP:-0}" = 1 ]; then echo "# kept $T"; else rm -rf "$T"; fi
  exit "$rc"
}

T=$(mktemp -d /tmp/apiprobe-debian.XXXXXX) || die "mktemp"
# nagios4 and icinga2 drop to their user: they read (and nagios4 -p
# writes) files here
chmod 755 "$T"
install -d -m 0777 "$T/nagios"
trap cleanup EXIT
trap 'exit 1' INT TERM
for p in $PKGS; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
    die "$p is installed already: purge it first (the test restores the machine as it found it)"
  fi
done
running >"$T/daemons-before"
[ ! -s "$T/daemons-before" ] || note "daemons running before: $(tr '\n' ' ' <"$T/daemons-before")"
# no maintainer script may start a daemon
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# apiprobe tests/install/debian.sh: no daemon starts\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  OUR_POLICY=1
fi
# shellcheck disable=SC2086
tar -cpf "$T/watch.tar" -C / $(for d in $WATCH; do [ -e "$d" ] && echo "${d#/}"; done) 2>/dev/null
snapshot "$T/before"
SNAP=1

# ---- 1. build from a clean clone, lintian --------------------------------
T0=$(date +%s.%N)
git clone -q "$SRC" "$T/src/apiprobe" 2>"$T/clone.log" || die "git clone $SRC: $(cat "$T/clone.log")"
note "building $(git -C "$T/src/apiprobe" log -1 --format='%h %s' | cut -c1-70)"
# noddebs: the -dbgsym packages are not installed here (half the lintian time)
if (cd "$T/src/apiprobe" && DEB_BUILD_OPTIONS=noddebs dpkg-buildpackage -b -us -uc) >"$T/build.log" 2>&1; then
  ok "dpkg-buildpackage -b -us -uc from a clean clone ($(secs "$T0") s)"
else
  tail -30 "$T/build.log" | sed 's/^/#   /'
  die "dpkg-buildpackage failed"
fi
grep -E '^[0-9]+% tests passed' "$T/build.log" | sed 's/^/# package build: /'
DEBS=()
for p in $PKGS; do
  f=$(ls "$T/src/${p}_"*.deb 2>/dev/null | head -1)
  [ -n "$f" ] || die "no $p .deb built"
  DEBS+=("$f")
done
T0=$(date +%s.%N)
lintian --fail-on error,warning "$T/src/"*.changes >"$T/lintian.log" 2>"$T/lintian.err"
lrc=$?
sed 's/^/# lintian: /' "$T/lintian.log"
if [ "$lrc" = 0 ] && ! grep -q '^[EW]: ' "$T/lintian.log"; then
  ok "lintian: no error, no warning ($(grep -c '^[IPXO]: ' "$T/lintian.log") info/pedantic tags; $(secs "$T0") s)"
else
  notok "lintian (exit $lrc): $(grep '^[EW]: ' "$T/lintian.log" | head -5 | tr '\n' '|') $(grep -v 'root privileges' "$T/lintian.err" | head -3)"
fi
bad_override=
for f in "$SRC"/debian/*lintian-overrides "$SRC"/debian/source/lintian-overrides; do
  [ -e "$f" ] || continue
  prev=
  while IFS= read -r l; do
    case $l in
      '#'*|'') ;;
      *) case $prev in '#'*) ;; *) bad_override+="$f: $l; " ;; esac ;;
    esac
    prev=$l
  done <"$f"
done
if [ -z "$bad_override" ]; then ok "every lintian override has a comment saying why"
else notok "lintian overrides without a comment: $bad_override"; fi

# ---- 2. the stock hosts before ---------------------------------------------
nagios_commands() { nagios4 -v /etc/nagios4/nagios.cfg 2>&1 | awk '/Checked [0-9]+ commands/ { print $2 }'; }
stock_checks() { # WHEN
  local n
  if nagios4 -v /etc/nagios4/nagios.cfg >"$T/nagios-$1.log" 2>&1; then ok "$1: nagios4 -v accepts the stock config"
  else notok "$1: nagios4 -v: $(grep -E 'Error' "$T/nagios-$1.log" | head -3)"; fi
  if icinga2 daemon -C >"$T/icinga2-$1.log" 2>&1; then ok "$1: icinga2 daemon -C accepts the stock config"
  else notok "$1: icinga2 daemon -C: $(grep -E 'critical' "$T/icinga2-$1.log" | head -3)"; fi
  if collectd -T -C /etc/collectd/collectd.conf >"$T/collectd-$1.log" 2>&1; then ok "$1: collectd -T passes with the stock config"
  else notok "$1: collectd -T: $(head -3 "$T/collectd-$1.log")"; fi
  n=$(zabbix_agentd -t agent.ping 2>&1)
  if grep -q '\[u|1\]' <<<"$n"; then ok "$1: zabbix_agentd -t agent.ping with the stock config"
  else notok "$1: zabbix_agentd -t agent.ping: $n"; fi
}
stock_checks before
CMDS_BEFORE=$(nagios_commands)
# a service using the CheckCommand, and nothing else, beside the stock config
cat >"$T/icinga2-service.conf" <<'EOF'
include "/etc/icinga2/icinga2.conf"
object Service "apiprobe-install-test" {
  host_name = NodeName
  check_command = "apiprobe"
}
EOF
if icinga2 daemon -C -c "$T/icinga2-service.conf" >"$T/icinga2-svc-before.log" 2>&1; then
  notok "before: icinga2 accepts check_command = \"apiprobe\" without the package (the test proves nothing)"
elif grep -q "Object 'apiprobe' of type 'CheckCommand' does not exist" "$T/icinga2-svc-before.log"; then
  ok "before: icinga2 refuses check_command = \"apiprobe\" (CheckCommand 'apiprobe' does not exist)"
else
  notok "before: icinga2 refused the service for another reason: $(grep critical "$T/icinga2-svc-before.log" | head -3)"
fi

# ---- 3. installed ------------------------------------------------------------
T0=$(date +%s.%N)
INSTALLED_BY_US=1
if dpkg -i "${DEBS[@]}" >"$T/install.log" 2>&1; then ok "dpkg -i the four packages ($(secs "$T0") s)"
else sed 's/^/#   /' "$T/install.log"; die "dpkg -i failed"; fi
if [ "$(running)" = "$(cat "$T/daemons-before")" ]; then ok "no stock daemon started by the installation"
else notok "daemons running after the installation: $(running | tr '\n' ' ')"; fi
en=$(find /etc/systemd/system -name 'apiprobe-textfile*' 2>/dev/null)
if [ -z "$en" ] && [ -f /lib/systemd/system/apiprobe-textfile.timer ] && [ -f /lib/systemd/system/apiprobe-textfile.service ]; then
  ok "apiprobe-textfile.service and .timer shipped, not enabled"
else notok "textfile units: enabled: '$en'; shipped: $(ls /lib/systemd/system/apiprobe-textfile* 2>&1 | tr '\n' ' ')"; fi
for p in $PKGS; do
  dpkg-query -W -f='${Conffiles}\n' "$p" | awk 'NF { print $1 }' >"$T/conffiles-$p"
done
if grep -qx /etc/zabbix/apiprobe.conf "$T/conffiles-zabbix-module-apiprobe" &&
  grep -qx /etc/zabbix/zabbix_agentd.conf.d/apiprobe.conf "$T/conffiles-zabbix-module-apiprobe" &&
  grep -qx /etc/collectd/collectd.conf.d/apiprobe.conf "$T/conffiles-collectd-apiprobe" &&
  grep -qx /etc/nagios-plugins/config/apiprobe.cfg "$T/conffiles-monitoring-plugins-apiprobe" &&
  grep -qx /etc/apiprobe/apiprobe.conf "$T/conffiles-apiprobe"; then
  ok "every file in /etc is a conffile ($(cat "$T"/conffiles-* | wc -l))"
else notok "conffiles: $(cat "$T"/conffiles-* | tr '\n' ' ')"; fi

stock_checks installed
CMDS_AFTER=$(nagios_commands)
# the objects nagios4 read, from a copy of the stock nagios.cfg that only
# writes its precache elsewhere
sed '/^precached_object_file=/d' /etc/nagios4/nagios.cfg >"$T/nagios-precache.cfg"
echo "precached_object_file=$T/nagios/objects.precache" >>"$T/nagios-precache.cfg"
nagios4 -vp "$T/nagios-precache.cfg" >"$T/nagios-precache.log" 2>&1
cl=$(awk '/command_name[ \t]+check_apiprobe_url$/ { f = 1 } f && /command_line/ { print; exit }' "$T/nagios/objects.precache" 2>/dev/null)
if [ "$CMDS_AFTER" = "$((CMDS_BEFORE + 2))" ] && [[ "$cl" == *"/usr/lib/nagios/plugins/check_apiprobe --url"* ]]; then
  ok "nagios4 -v with the stock config: $CMDS_BEFORE -> $CMDS_AFTER commands; check_apiprobe_url runs$(sed 's/command_line//' <<<"$cl" | cut -c1-50)"
else
  notok "nagios4 commands $CMDS_BEFORE -> $CMDS_AFTER, command_line: '$cl'"
fi
if icinga2 daemon -C -c "$T/icinga2-service.conf" >"$T/icinga2-svc.log" 2>&1 &&
  grep -q 'Instantiated .* Services\?' "$T/icinga2-svc.log"; then
  ok "icinga2 daemon -C accepts a service with check_command = \"apiprobe\" and nothing else added"
else
  notok "icinga2 with check_command = \"apiprobe\": $(grep -E 'critical|Error' "$T/icinga2-svc.log" | head -3)"
fi
# object list reads the objects that daemon -C just wrote
ver=$(icinga2 object list --type CheckCommand --name apiprobe 2>/dev/null | grep -o '"/usr/lib/nagios/plugins/check_apiprobe"' | head -1)
if [ -n "$ver" ]; then ok "icinga2 object list: CheckCommand apiprobe runs $ver"
else notok "icinga2 object list shows no CheckCommand apiprobe running the installed plugin"; fi

out=$(zabbix_agentd -t apiprobe.discovery 2>"$T/zabbix-t.err")
if grep -Eq '^apiprobe\.discovery +\[[st]\|\[\]\]$' <<<"$out"; then
  ok "stock zabbix_agentd -t apiprobe.discovery answers a JSON list: $(awk '{ print $2 }' <<<"$out")"
else
  notok "zabbix_agentd -t apiprobe.discovery: '$out' $(head -3 "$T/zabbix-t.err")"
fi

for page in "apiprobe:APIPROBE" "check_apiprobe:CHECK_APIPROBE" "5 collectd-apiprobe:COLLECTD-APIPROBE"; do
  args=${page%%:*}
  # shellcheck disable=SC2086
  if MANPAGER=cat MANWIDTH=80 man $args 2>"$T/man.err" | head -3 | grep -q "${page#*:}"; then ok "man $args"
  else notok "man $args: $(cat "$T/man.err")"; fi
done

# collectd: the documented edit of the drop-in, against the fake on loopback
"$FAKEAPI" certs "$T/certs" >"$T/fakeapi-certs.log" 2>&1 || die "fakeapi certs: $(cat "$T/fakeapi-certs.log")"
"$FAKEAPI" serve --dir "$T/certs" --portfile "$T/ports" --log "$T/fake-requests.log" ok >"$T/fakeapi.log" 2>&1 &
FPID=$!
for ((i = 0; i < 100; i++)); do [ -s "$T/ports" ] && break; sleep 0.05; done
PORT=$(awk '$1 == "ok" { print $2 }' "$T/ports")
[ -n "$PORT" ] || die "the fake API wrote no port: $(cat "$T/fakeapi.log")"
DROPIN=/etc/collectd/collectd.conf.d/apiprobe.conf
SHIPPED_SUM=$(sha256sum <"$DROPIN")
install -d -m 0700 /etc/collectd/apiprobe
(umask 077 && printf '%s\n' "$VALID_KEY" >/etc/collectd/apiprobe/anthropic.key)
# 1. uncomment (the command the drop-in gives), 2. point URL at the API
sed -i '/^#TypesDB/,/^#<\/Plugin>/s/^#//' "$DROPIN"
sed -i "s|URL \"https://api.anthropic.com/\"|URL \"https://127.0.0.1:$PORT/\"|" "$DROPIN"
EDITED_SUM=$(sha256sum <"$DROPIN")
# the fake's CA reaches the system store the way OpenSSL takes extra CAs
# from the daemon's environment; the config stays as documented
# collectd -T reads once and shuts down; values still in its write queue
# at shutdown are dropped (stop_write_threads), so on a loaded machine a
# run can exit 0 with nothing written: up to three one-shot runs.
for try in 1 2 3; do
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE="$T/certs/ca.pem" \
    collectd -T -C /etc/collectd/collectd.conf >"$T/collectd-edit.log" 2>&1
  crc=$?
  rrd=$(ls -d /var/lib/collectd/rrd/*/apiprobe-anthropic 2>/dev/null | head -1)
  [ "$crc" = 0 ] && [ -n "$rrd" ] && [ -f "$rrd/latency-total.rrd" ] && break
  [ "$crc" = 0 ] || break
done
kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; FPID=
if [ "$crc" = 0 ] && [ -n "$rrd" ] && [ -f "$rrd/latency-total.rrd" ] && grep -q ' key=valid' "$T/fake-requests.log"; then
  ok "collectd -T passes with the plugin enabled by the documented edit (run $try; one read: $(ls "$rrd" | wc -l) rrd files, the fake saw $(grep -c 'GET' "$T/fake-requests.log") GET)"
else
  notok "collectd -T after the documented edit: exit $crc $(head -5 "$T/collectd-edit.log" | tr '\n' '|') rrd: $(ls "$rrd" 2>&1 | tr '\n' ' ') fake: $(head -3 "$T/fake-requests.log")"
fi

# the host tests against the installed files (the two quick ones at once;
# collectd and zabbix alone: zabbix.sh times the module against the agent's
# Timeout)
T0=$(date +%s.%N)
HOSTS=$HERE/../hosts
for pair in "nagios icinga2" collectd zabbix; do
  for h in $pair; do
    ("$HOSTS/$h.sh" --installed --fakeapi "$FAKEAPI" >"$T/hosts-$h.log" 2>&1; echo $? >"$T/hosts-$h.rc") &
  done
  wait
done
for h in nagios icinga2 collectd zabbix; do
  rc=$(cat "$T/hosts-$h.rc" 2>/dev/null || echo lost)
  if [ "$rc" = 0 ] && ! grep -q '^not ok' "$T/hosts-$h.log"; then
    ok "tests/hosts/$h.sh --installed: $(grep -c '^ok' "$T/hosts-$h.log") checks pass"
  else
    grep -E '^not ok|FAIL' "$T/hosts-$h.log" | head -10 | sed 's/^/#   /'
    notok "tests/hosts/$h.sh --installed exited $rc"
  fi
done
note "host tests against the installed files: $(secs "$T0") s"

# ---- 4. the upgrade path: installed again, the edited conffile kept --------
if dpkg -i "${DEBS[@]}" >"$T/reinstall.log" 2>&1 && [ "$(sha256sum <"$DROPIN")" = "$EDITED_SUM" ] &&
  [ "$EDITED_SUM" != "$SHIPPED_SUM" ]; then
  ok "installed twice in a row: works, the edited $DROPIN is kept"
else
  notok "second dpkg -i: $(tail -3 "$T/reinstall.log" | tr '\n' '|'); drop-in kept: $([ "$(sha256sum <"$DROPIN")" = "$EDITED_SUM" ] && echo yes || echo no)"
fi
rm -rf /etc/collectd/apiprobe

# ---- 5. purge ------------------------------------------------------------------
for d in "${DEBS[@]}"; do dpkg-deb -c "$d"; done | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' >"$T/files"
# shellcheck disable=SC2086
if dpkg --purge $PKGS >"$T/purge.log" 2>&1; then ok "dpkg --purge the four packages"
else notok "dpkg --purge: $(tail -3 "$T/purge.log")"; fi
INSTALLED_BY_US=0
left=$(while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done <"$T/files")
left+=$(ls -d /etc/apiprobe /usr/share/apiprobe /usr/share/zabbix-module-apiprobe /var/lib/systemd/deb-systemd-helper-*/apiprobe* \
  /var/lib/systemd/deb-systemd-helper-enabled/*/apiprobe* 2>/dev/null)
for p in $PKGS; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
  [ -z "$st" ] || [ "$st" = not-installed ] || left+=" dpkg:$p($st)"
done
if [ -z "$left" ]; then ok "purged: none of the $(wc -l <"$T/files") files of the packages is left"
else notok "left after purge: $(tr '\n' ' ' <<<"$left")"; fi
stock_checks purged
if [ "$(nagios_commands)" = "$CMDS_BEFORE" ]; then ok "nagios4 is back to $CMDS_BEFORE commands"
else notok "nagios4 has $(nagios_commands) commands after the purge, $CMDS_BEFORE before"; fi

note "$N checks, $FAILS failed, $(secs "$START") s"
[ "$FAILS" = 0 ]
