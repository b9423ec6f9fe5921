#!/bin/sh
# soak.sh [PROBES] [REPORT.json] -- the full soak: apiprobe inside collectd
# (ReadThreads 5, 20 targets) and zabbix_agentd (StartAgents 3) against
# rotating faults, PROBES probes each (default 10000; ~17 minutes here),
# descriptors, threads, RSS and probe durations recorded (see
# tests/soak/soak.py). Builds build/ first when needed.
set -eu
cd "$(dirname "$0")/.."
probes=${1:-10000}
report=${2:-build/soak-report.json}
if [ ! -f build/collectd/apiprobe.so ]; then
  cmake -S . -B build -DAP_TESTS=ON >/dev/null
  cmake --build build -j"$(nproc)" >/dev/null
fi
exec python3 tests/soak/soak.py --collectd-plugin build/collectd/apiprobe.so \
  --zabbix-module build/zabbix/apiprobe.so \
  --fakeapi build/tests/fakeapi/fakeapi \
  --slowdns build/tests/integration/libslowdns.so --probes "$probes" --report "$report"
