#!/bin/sh
# deps.sh -- install the Debian 12 packages apiprobe needs, only if missing.
#   scripts/deps.sh build   compiler, CMake, libcurl (OpenSSL), json-c
#   scripts/deps.sh test    the above plus cmocka, python3, valgrind and the
#                           hosts and servers the tests run (nagios4, icinga2,
#                           collectd, zabbix, prometheus)
set -eu
BUILD="build-essential cmake pkg-config ca-certificates libcurl4-openssl-dev
libssl-dev libjson-c-dev"
# python3: the integration driver (tests/integration/scenarios.py);
# nagios4-core, icinga2-*, collectd-*: the real hosts of tests/hosts
# (libmicrohttpd12 and libprotobuf-c1 are what write_prometheus loads);
# prometheus: promtool checks the --prometheus output; zabbix-agent: the
# real zabbix_agentd the module test loads (python3-yaml reads the
# template); tinyproxy-bin: a real forward proxy for the proxy layer;
# curl: the fake's self-check and write_prometheus reads; procps: pgrep/ps
# in the host tests' cleanup; iproute2, iptables, dnsmasq-base: the
# network namespaces, firewall rules and DNS server of tests/net;
# postgresql, zabbix-server-pgsql, zabbix-frontend-php with php-cli,
# php-cgi (so that php does not pull in apache2) and php-pgsql, sqlite3:
# the Zabbix server, its API and the proxy's database in tests/servers;
# prometheus-node-exporter: its textfile collector in tests/servers;
# clang-14, libclang-rt-14-dev: the libFuzzer targets of tests/fuzz
# (libFuzzer, ASan, UBSan runtimes) and the ThreadSanitizer build;
# debhelper, dpkg-dev, lintian, git, man-db, binutils: the Debian packages
# built from a clean clone, checked and installed by tests/install (icinga2
# and collectd give the stock /etc/icinga2 and /etc/collectd/collectd.conf
# they are installed beside)
# locales: the de_DE source unit_locale compiles with localedef
TEST="$BUILD libcmocka-dev clang-14 libclang-rt-14-dev locales python3 valgrind nagios4-core icinga2-bin
icinga2-common collectd-core collectd-dev collectd-utils libmicrohttpd12
libprotobuf-c1 prometheus zabbix-agent tinyproxy-bin python3-yaml curl procps
iproute2 iptables dnsmasq-base postgresql zabbix-server-pgsql php-cli php-cgi
php-pgsql zabbix-frontend-php sqlite3 prometheus-node-exporter debhelper
dpkg-dev lintian git man-db binutils icinga2 collectd"
# zabbix-proxy-sqlite3 conflicts with zabbix-server-pgsql as a package (both
# ship zabbix_get and zabbix_js): tests/servers runs it from its unpacked
# .deb here.
PROXY_ROOT=/usr/local/lib/apiprobe-tests/zabbix-proxy-sqlite3

proxy_unpacked() {
  [ "$1" = test ] || return 0
  [ -x "$PROXY_ROOT/usr/sbin/zabbix_proxy" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: $PROXY_ROOT missing (run as root to unpack zabbix-proxy-sqlite3)" >&2
    return 1
  fi
  d=$(mktemp -d)
  (cd "$d" && { apt-get download zabbix-proxy-sqlite3 >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get download zabbix-proxy-sqlite3; }; })
  mkdir -p "$PROXY_ROOT"
  dpkg-deb -x "$d"/zabbix-proxy-sqlite3_*.deb "$PROXY_ROOT"
  rm -rf "$d"
}
case "${1:-build}" in
  build) PKGS=$BUILD ;;
  test) PKGS=$TEST ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done
if [ -z "$missing" ]; then
  proxy_unpacked "${1:-build}"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing packages:$missing (run as root to install)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The tests run private instances only: the packages' own services
# (postgresql, zabbix-server, prometheus, node_exporter, nagios4, icinga2,
# collectd, zabbix-agent) must not start and take their ports.  A policy-rc.d we add is removed again.
own_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  own_policy=1
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
  apt-get update >/dev/null
  apt-get install -y --no-install-recommends $missing
}
[ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d && trap - EXIT
proxy_unpacked "${1:-build}"
