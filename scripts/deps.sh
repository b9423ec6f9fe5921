#!/bin/sh
# deps.sh -- install the Debian 12 packages apiprobe needs, only if missing.
#   scripts/deps.sh build   compiler, CMake, libcurl (OpenSSL), json-c
#   scripts/deps.sh test    the above plus cmocka, python3, valgrind and the
#                           schedulers the host tests run (nagios4, icinga2)
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
# clang-14, libclang-rt-14-dev: the libFuzzer targets of tests/fuzz
# (libFuzzer, ASan, UBSan runtimes) and the ThreadSanitizer build
TEST="$BUILD libcmocka-dev clang-14 libclang-rt-14-dev python3 valgrind nagios4-core icinga2-bin
icinga2-common collectd-core collectd-dev collectd-utils libmicrohttpd12
libprotobuf-c1 prometheus zabbix-agent tinyproxy-bin python3-yaml curl procps
iproute2 iptables dnsmasq-base"
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
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing packages:$missing (run as root to install)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
  apt-get update >/dev/null
  apt-get install -y --no-install-recommends $missing
}
