#!/bin/sh
# run.sh FUZZER SECONDS WORKDIR SEEDDIR -- a short libFuzzer run for the
# suite: the seeds (read only) plus a scratch corpus, SECONDS of fuzzing,
# one process. Fails when the fuzzer finds a crash, leak or UB (it writes
# the input to WORKDIR/crash-*), or when a seed directory is missing.
set -eu
fuzzer=$1 secs=$2 work=$3 seeds=$4
if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
  echo "run.sh: no seed corpus in $seeds" >&2
  exit 1
fi
rm -rf "$work"
mkdir -p "$work/corpus"
cd "$work"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
  -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$work/" \
  corpus "$seeds"
