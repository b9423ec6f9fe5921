#!/usr/bin/env bash
# run.sh - apiprobe's benchmark: builds the CLI and ap_resident (Release),
# starts the shared loopback target, runs the shared yardstick scripts with
# our commands slotted in next to curl, check_curl and probe_min, prints the
# goals as ratios, and checks resident memory over many probes.
#
#   bench/run.sh [--quick] [-o OUTDIR] [--build-dir DIR] [--probes N]
#                [--skip build,single,callgrind,memory]
#
#   --quick      smoke test (~3 min): 1 round x 5 runs, the main peers only,
#                callgrind once and without the x101 run, memcheck 10 vs 110
#   -o OUTDIR    results (default $PB_STATE/results/apiprobe-<time>)
#   --build-dir  CMake build dir (default $AP_BENCH_BUILD or /tmp/bench-build)
#   --probes N   probes for the memory check (default 10000)
#
# Environment: PB_STATE (default /tmp/probe-bench; the shared scripts keep
# their target, helpers and results there), PB_BENCH (the yardstick, default
# ../../shared/bench from this file, i.e. /work/shared/bench).
# Needs root (the target adds a line to /etc/hosts and removes it at stop)
# and the packages listed in the yardstick's README.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
QUICK=0 OUT="" PROBES="" SKIP=""

while [ $# -gt 0 ]; do
    case $1 in
        --quick) QUICK=1; shift;;
        -o) OUT=$2; shift 2;;
        --build-dir) BUILD=$2; shift 2;;
        --probes) PROBES=$2; shift 2;;
        --skip) SKIP=$2; shift 2;;
        -h|--help) sed -n '2,20p' "$0"; exit 0;;
        *) die "unknown option $1 (see --help)";;
    esac
done
skip() { [[ ",$SKIP," == *",$1,"* ]]; }
bench_preflight
PROBES=${PROBES:-10000}
OUT=${OUT:-$PB_STATE/results/apiprobe-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

# ---- (a) build ---------------------------------------------------------
skip build && BENCH_SKIP_BUILD=1
bench_build "$OUT/build.log" apiprobe-cli ap_resident
REV=$(bench_revision cli common plugin)   # what was built
# (the wrapper puts the project under core/; take the newest of each)
CLI=$(ls -t "$BIN"/cli/apiprobe "$BIN"/core/cli/apiprobe 2>/dev/null | head -1 || true)
RES=$(ls -t "$BIN"/bench/ap_resident "$BIN"/core/bench/ap_resident 2>/dev/null | head -1 || true)
[ -n "$CLI" ] && [ -n "$RES" ] || die "apiprobe or ap_resident missing under $BIN (build first)"
log "apiprobe: $CLI; ap_resident: $RES"

# ---- (b) target (stopped again on any exit) ----------------------------
cleanup() {
    local rc=$?
    bench_target_stop
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bench_target_start

# our commands; $HOST $PORT $CA $URL are expanded by the shared scripts
AP_ARGS='--key-env AP_BENCH_KEY --ca-file $CA --resolve $HOST:$PORT:127.0.0.1 "$URL?limit=1"'
RES_ARGS='key-env=AP_BENCH_KEY ca-file=$CA resolve=$HOST:$PORT:127.0.0.1 "url=$URL?limit=1"'
CMD_CLI="$(q "$CLI") $AP_ARGS"
CMD_CLI_LOOKUP="$(q "$CLI") --key-env AP_BENCH_KEY --ca-file \$CA \"\$URL?limit=1\""
CMD_NOOP="$(q "$CLI") --version"
res() { echo "$(q "$RES") -n $1 $RES_ARGS"; }

# sanity: one probe each way, before spending minutes on them
bench_sanity apiprobe "$OUT/sanity-cli.txt" "$CMD_CLI" ||
    { cat "$OUT/sanity-cli.txt" >&2; die "apiprobe CLI probe did not exit 0"; }
bench_sanity ap_resident.x3 "$OUT/sanity-resident.txt" "$(res 3)" ||
    { cat "$OUT/sanity-resident.txt" >&2; die "ap_resident probe did not exit 0"; }

# ---- (c) the yardstick, with our commands added ------------------------
if [ $QUICK = 1 ]; then
    S_OPTS=(-r 1 -k 5 --only curl_cli,check_curl,probe_min,apiprobe,ap_resident.x1,ap_resident.x11,ap_resident.x101)
    CG_OPTS=(-x 1 --only curl_cli,check_curl,probe_min,apiprobe,ap_resident)
    CG_X101=()
else
    S_OPTS=(-r 5 -k 10)
    CG_OPTS=(-x 2)
    CG_X101=(--add "ap_resident.x101|$(res 101)")
fi
if ! skip single; then
    log "bench_single.sh ${S_OPTS[*]}"
    "$PB_BENCH/bench_single.sh" "${S_OPTS[@]}" -o "$OUT/single" \
        --add "apiprobe|$CMD_CLI|$CMD_NOOP" \
        --add "apiprobe_lookup|$CMD_CLI_LOOKUP|" \
        --add "ap_resident.x1|$(res 1)|" \
        --add "ap_resident.x11|$(res 11)|" \
        --add "ap_resident.x101|$(res 101)|" > /dev/null
fi
if ! skip callgrind; then
    log "bench_callgrind.sh ${CG_OPTS[*]}"
    "$PB_BENCH/bench_callgrind.sh" "${CG_OPTS[@]}" -o "$OUT/callgrind" \
        --add "apiprobe|$CMD_CLI" \
        --add "apiprobe.noop|$CMD_NOOP" \
        --add "apiprobe_lookup|$CMD_CLI_LOOKUP" \
        --add "ap_resident|$(res 1)" \
        --add "ap_resident.x11|$(res 11)" \
        "${CG_X101[@]}" > /dev/null
fi

# ---- (e) memory: RSS over many resident probes -------------------------
# VmRSS (and malloc's count) along N probes, also with glibc's tcache off;
# then the live heap under
# valgrind memcheck after 10 and after LIVE_N probes (-x: no cleanup, so
# "in use at exit" is what the process holds): equal means nothing
# accumulates per probe.
if ! skip memory; then
    log "ap_resident -n $PROBES -m"
    ( eval "a=($(res "$PROBES"))"; "${a[0]}" -m "${a[@]:1}" ) > "$OUT/memory.txt" 2> "$OUT/memory.err" ||
        { cat "$OUT/memory.err" >&2; die "ap_resident -n $PROBES failed"; }
    # control: the same with glibc's per-thread malloc cache off, to tell
    # the allocator filling its cache from memory the probe keeps
    log "ap_resident -n $PROBES -m with GLIBC_TUNABLES=glibc.malloc.tcache_count=0"
    ( eval "a=($(res "$PROBES"))"; GLIBC_TUNABLES=glibc.malloc.tcache_count=0 "${a[0]}" -m "${a[@]:1}" ) \
        > "$OUT/memory-notcache.txt" 2> "$OUT/memory-notcache.err" ||
        { cat "$OUT/memory-notcache.err" >&2; die "ap_resident -n $PROBES (tcache off) failed"; }
    LIVE_N=$([ $QUICK = 1 ] && echo 110 || echo 1010)
    for n in 10 "$LIVE_N"; do
        log "valgrind memcheck: ap_resident -x -n $n"
        ( eval "a=($(res "$n"))"; valgrind --leak-check=summary --show-leak-kinds=all \
            "${a[0]}" -x "${a[@]:1}" ) > "$OUT/memcheck.$n.txt" 2>&1 ||
            { tail -20 "$OUT/memcheck.$n.txt" >&2; die "ap_resident -x -n $n under memcheck failed"; }
    done
fi

# ---- (d) summary: the goals as ratios ----------------------------------
PYTHONDONTWRITEBYTECODE=1 python3 "$HERE/summary.py" "$OUT" "$PB_BENCH" "$PROBES" "$REV" | tee "$OUT/summary.md"
log "reports: $OUT/summary.md, $OUT/single/report.md, $OUT/callgrind/report.md"
