#!/bin/bash
# manifest.sh - `DESTDIR=... cmake --install BUILD --component C` for each
# component lays out exactly the files of tests/install/files.txt (both
# ways), the two apiprobe.so are the right modules (collectd's exports
# module_register, Zabbix's zbx_module_init: the build outputs did not
# overwrite each other), and the installed configs name installed paths.
# usage: manifest.sh --build DIR --prefix P --sysconfdir S
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD= PREFIX= SYSCONF=
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --prefix) PREFIX=$2; shift 2 ;;
    --sysconfdir) SYSCONF=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR --prefix P --sysconfdir S" >&2; exit 2 ;;
  esac
done
[ -d "$BUILD" ] && [ -n "$PREFIX" ] && [ -n "$SYSCONF" ] || {
  echo "manifest.sh: FAIL: --build, --prefix and --sysconfdir are required" >&2; exit 1; }
command -v nm >/dev/null || { echo "manifest.sh: FAIL: nm missing (binutils)" >&2; exit 1; }
T=$(mktemp -d /tmp/apiprobe-manifest.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
FAILS=0 N=0
ok() { N=$((N + 1)); echo "ok $N - $*"; }
notok() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $*"; }

grep -v '^#' "$HERE/files.txt" | sed -e "s|@PREFIX@|$PREFIX|" -e "s|@SYSCONFDIR@|$SYSCONF|" |
  sort >"$T/want"
for c in $(awk '{ print $1 }' "$T/want" | sort -u); do
  if ! DESTDIR="$T/root-$c" cmake --install "$BUILD" --component "$c" >"$T/$c.log" 2>&1; then
    notok "cmake --install --component $c: $(tail -3 "$T/$c.log")"
    continue
  fi
  (cd "$T/root-$c" && find . \( -type f -o -type l \) | sed "s|^\.|$c |") >>"$T/have.unsorted"
done
# nothing outside a component
DESTDIR="$T/root-all" cmake --install "$BUILD" >"$T/all.log" 2>&1 || notok "cmake --install: $(tail -3 "$T/all.log")"
(cd "$T/root-all" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort) >"$T/all"
sort "$T/have.unsorted" >"$T/have"
if diff "$T/want" "$T/have" >"$T/diff"; then
  ok "each component installs exactly its files of files.txt ($(wc -l <"$T/want") files)"
else
  notok "installed files differ from files.txt (< expected, > installed):"
  sed 's/^/#   /' "$T/diff"
fi
if awk '{ print $2 }' "$T/want" | sort | diff - "$T/all" >/dev/null; then
  ok "a plain cmake --install installs the same files (none outside a component)"
else
  notok "cmake --install without a component differs: $(awk '{ print $2 }' "$T/want" | sort | diff - "$T/all" | tr '\n' ' ')"
fi
# the two modules called apiprobe.so
cso=$T/root-collectd$PREFIX/lib/collectd/apiprobe.so
zso=$T/root-zabbix$PREFIX/lib/zabbix/modules/apiprobe.so
if nm -D --defined-only "$cso" 2>/dev/null | grep -qw module_register &&
  ! nm -D --defined-only "$cso" | grep -qw zbx_module_init; then
  ok "collectd's apiprobe.so is the collectd plugin"
else notok "$cso is not the collectd plugin"; fi
if nm -D --defined-only "$zso" 2>/dev/null | grep -qw zbx_module_init &&
  ! nm -D --defined-only "$zso" | grep -qw module_register; then
  ok "Zabbix's apiprobe.so is the Zabbix module"
else notok "$zso is not the Zabbix module"; fi
# configs name the installed files
check_line() { # FILE REGEX WHAT
  if grep -Eq "$2" "$1"; then ok "$3"; else notok "$3: no line /$2/ in $1"; fi
}
R=$T/root-nagios
check_line "$R$SYSCONF/nagios-plugins/config/apiprobe.cfg" "command_line +$PREFIX/lib/nagios/plugins/check_apiprobe " \
  "the Nagios commands run $PREFIX/lib/nagios/plugins/check_apiprobe"
if grep -v '^#' "$R$SYSCONF/nagios-plugins/config/apiprobe.cfg" | grep -q 'USER1'; then
  notok "a Nagios command still uses \$USER1\$"; fi
check_line "$R$PREFIX/share/icinga2/include/plugins-contrib.d/apiprobe.conf" \
  "command = \\[ \"$PREFIX/lib/nagios/plugins/check_apiprobe\" \\]" "the Icinga 2 CheckCommand runs the installed plugin"
R=$T/root-zabbix
check_line "$R$SYSCONF/zabbix/zabbix_agentd.conf.d/apiprobe.conf" "^LoadModule=$PREFIX/lib/zabbix/modules/apiprobe.so\$" \
  "the agent drop-in loads the installed module"
if grep -q '^\[target' "$R$SYSCONF/zabbix/apiprobe.conf"; then
  notok "/etc/zabbix/apiprobe.conf has an active target"
else ok "$SYSCONF/zabbix/apiprobe.conf has no active target"; fi
R=$T/root-collectd
if grep -v '^#' "$R$SYSCONF/collectd/collectd.conf.d/apiprobe.conf" | grep -q '[^[:space:]]'; then
  notok "the collectd drop-in has an active line: $(grep -v '^#' "$R$SYSCONF/collectd/collectd.conf.d/apiprobe.conf" | head -2)"
else ok "the collectd drop-in is fully commented out"; fi
check_line "$R$SYSCONF/collectd/collectd.conf.d/apiprobe.conf" "^#TypesDB .*\"$PREFIX/share/apiprobe/apiprobe-types.db\"" \
  "the collectd drop-in names the installed types"
R=$T/root-cli
check_line "$R$PREFIX/lib/systemd/system/apiprobe-textfile.service" \
  "^ExecStart=$PREFIX/bin/apiprobe --config $SYSCONF/apiprobe/apiprobe.conf --prometheus-file " \
  "the textfile service runs the installed apiprobe"
echo "# $N checks, $FAILS failed"
[ "$FAILS" = 0 ]
