#!/bin/sh
# fuzz-campaign.sh [SECONDS] [TARGET...] -- the long libFuzzer campaign:
# every target (or the ones named) for SECONDS each (default 600), one
# process at a time under nice -n 19, its corpus kept in
# build-fuzz/campaign/NAME (seeded from tests/fuzz/corpus/NAME). Prints one
# line per target: executions, coverage (cov/ft), corpus size, findings.
# Crash inputs land in build-fuzz/campaign/NAME/crash-*: fix the code and
# copy the input to tests/fuzz/corpus/NAME/regress-*.
set -eu
cd "$(dirname "$0")/.."
b=${AP_FUZZ_BUILD:-build-fuzz}
secs=${1:-600}
[ $# -gt 0 ] && shift
if [ ! -x $b/tests/fuzz/fuzz_headers ]; then
  CC=clang-14 cmake -S . -B "$b" -DAP_FUZZ=ON -DAP_TESTS=OFF >/dev/null
  nice -n 19 cmake --build "$b" -j1 >/dev/null
fi
targets=${*:-$(ls "$b"/tests/fuzz | sed -n 's/^fuzz_//p')}
for t in $targets; do
  dir=$b/campaign/$t
  mkdir -p "$dir/corpus"
  log=$dir/log.txt
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
    nice -n 19 "$b"/tests/fuzz/fuzz_"$t" -max_total_time="$secs" \
    -timeout=10 -rss_limit_mb=1024 -close_fd_mask=3 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/corpus" "tests/fuzz/corpus/$t" \
    >"$log" 2>&1 && rc=0 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  found=$(ls "$dir" | grep -c -E '^(crash|leak|timeout|oom)-' || true)
  echo "$t: ${secs}s execs=${execs:-?} cov=${cov:-?} ft=${ft:-?}" \
    "corpus=$(ls "$dir/corpus" | wc -l) findings=$found rc=$rc"
done
