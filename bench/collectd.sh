#!/usr/bin/env bash
# bench/collectd.sh - the apiprobe collectd plugin with 200 distinct targets
# in one unmodified collectd 5.12, against the shared yardstick's nginx
# target (target.sh --vhosts 200: 200 TLS server blocks on 200 ports,
# loopback, throw-away CA).  A benchmark, not a test; the figures and the
# goals are in bench/collectd.md.
#
#   bench/collectd.sh [--quick] [-t TARGETS] [-r RUNS] [-c CYCLES]
#                     [--cg-targets N] [--skip cold,steady,callgrind,massif,floor]
#                     [-o OUTDIR]
#
# What it measures (every target: URL https://api.test:PORT/v1/models?limit=1,
# Resolve api.test:PORT:127.0.0.1, CaFile = the target's CA, the key from the
# daemon's environment via KeyEnv; all targets in one read callback):
#
#  cold  `collectd -T -C conf` (config, init, every read callback once in the
#        main thread, exit), RUNS times after one warm-up, timed by the
#        yardstick's runbench (wall, user+sys CPU, peak RSS), with 200, 1 and
#        0 targets; the 200-target cycle is (200) - (0).  The LD_PRELOAD shim
#        collectd_cycle.c also times the plugin's probe phase from inside.
#  steady collectd -f with the shim, 200 targets every 1 s (Timeout 0.95 s),
#        CYCLES (50) read cycles = 10 000 probes: per cycle, the read
#        thread's wall and CPU
#        for the probe phase and for the whole callback (dispatch of the
#        200 x 22 values included); the whole process's CPU per cycle
#        (/proc/PID/task/*/schedstat, write threads included); VmRSS after
#        cycles 1 2 5 10 25 50; VmRSS of the same collectd with 0 targets.
#        Every probe must stay ok: the plugin logs each verdict change, so
#        the log must hold no verdict line.
#  callgrind  instructions (Ir, all threads): `collectd -T` with 200 and
#        with 1 target ((Ir200 - Ir1) / 199 per probe, cold: includes each
#        target's config and first-use setup), and a running collectd with
#        --cg-targets (10) targets where the shim zeroes the counters when
#        read cycle 2 starts and dumps them when cycle 4 ends (steady state:
#        the resident cost of a probe, dispatch included), against the floor
#        probe_min (one SSL_CTX, (Ir of 11 probes - Ir of 1) / 10).
#  massif valgrind --tool=massif of `collectd -T` with 200 targets: the heap
#        at its peak (during the read) and after the read, by allocation site.
#  floor probe_min -a (one thread, all 200 targets at once, non-blocking
#        OpenSSL: the yardstick's floor for 200 probes) through runbench.
#
# Every collectd here has its values dropped after the cache (PostCacheChain
# with Target "stop"): the figures are the plugin plus collectd's dispatch,
# without any writer's own cost.  Nothing in the plugin is changed.
#
# Needs root (target.sh), collectd-core, valgrind, python3, a C compiler and
# the yardstick's packages (nginx, libssl-dev, libcurl4-openssl-dev, ...).
# State: PB_STATE (default /tmp/probe-bench-collectd, its own, so a target
# started by bench/run.sh is never reused), build: AP_BENCH_BUILD (default
# /tmp/bench-build-collectd).  The target is started with --no-hosts: every
# probe pins its address with Resolve, /etc/hosts is not touched.
set -euo pipefail
export PB_STATE=${PB_STATE:-/tmp/probe-bench-collectd}
export AP_BENCH_BUILD=${AP_BENCH_BUILD:-/tmp/bench-build-collectd}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=200 RUNS=7 CYCLES=50 CG_N=10 SKIP="" OUT=""
while [ $# -gt 0 ]; do
    case $1 in
        --quick) RUNS=3 CYCLES=12; shift;;
        -t) N=$2; shift 2;;
        -r) RUNS=$2; shift 2;;
        -c) CYCLES=$2; shift 2;;
        --cg-targets) CG_N=$2; shift 2;;
        --skip) SKIP=$2; shift 2;;
        -o) OUT=$2; shift 2;;
        -h|--help) sed -n '2,51p' "$0"; exit 0;;
        *) die "unknown option $1 (see --help)";;
    esac
done
skipped() { [[ ",$SKIP," == *",$1,"* ]]; }
[ "$CYCLES" -ge 6 ] || die "-c must be at least 6"
[ "$N" -ge 2 ] || die "-t must be at least 2"

COLLECTD=${COLLECTD:-$(command -v collectd || echo /usr/sbin/collectd)}
[ -x "$COLLECTD" ] || die "collectd not found; apt-get install collectd-core"
[ -r /usr/share/collectd/types.db ] || die "/usr/share/collectd/types.db missing (collectd-core)"
command -v python3 >/dev/null || die "python3 not found"
skipped callgrind || command -v valgrind >/dev/null || die "valgrind not found"
command -v cc >/dev/null || die "no C compiler (cc)"
bench_preflight

OUT=${OUT:-$PB_STATE/results/collectd-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/plugins"
TYPES=$ROOT/dist/collectd/apiprobe-types.db
CPIDS=()
cleanup() {
    local p
    for p in "${CPIDS[@]}"; do
        if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
    done
    bench_target_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build: the plugin (Release, as shipped), the shim, the yardstick's helpers
bench_build "$OUT/build.log" collectd_apiprobe
[ -f "$BIN/collectd/apiprobe.so" ] || die "no $BIN/collectd/apiprobe.so (is collectd-dev installed?)"
cp "$BIN/collectd/apiprobe.so" "$OUT/plugins/apiprobe.so"   # a regular file
cc -O2 -Wall -Wextra -shared -fPIC -o "$OUT/collectd_cycle.so" "$HERE/collectd_cycle.c" -ldl ||
    die "cannot build the shim"
make -s -C "$PB_BENCH" BINDIR="$PB_STATE/bin" all >&2 || die "cannot build the yardstick's helpers"
B=$PB_STATE/bin

# --- the target: 200 distinct TLS servers
# Ports below the ephemeral range: the probes leave thousands of client
# sockets in TIME-WAIT on ephemeral ports, where nginx then cannot bind.
low_free_range() { # COUNT: first of COUNT free consecutive ports below the ephemeral range
    local lo top used base p ok tries
    read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
    top=$((lo - $1 - 1))
    [ "$top" -gt 10000 ] || return 1
    used=" $(ss -Htan | awk '{print $4}' | sed 's/.*://' | sort -un | tr '\n' ' ') "
    for ((tries = 0; tries < 200; tries++)); do
        base=$((10000 + RANDOM % (top - 10000)))
        ok=1
        for ((p = base; p <= base + $1; p++)); do
            [[ "$used" == *" $p "* ]] && { ok=0; break; }
        done
        [ "$ok" = 1 ] && { echo "$base"; return 0; }
    done
    return 1
}
if [ -f "$PB_STATE/env.sh" ]; then
    bench_target_start
else
    BASE_PORT=$(low_free_range $((N + 1))) || die "no $((N + 1)) free ports below the ephemeral range"
    bench_target_start --vhosts "$N" --no-hosts --port "$BASE_PORT"
fi
[ "${VHOSTS:-0}" -ge "$N" ] || die "the running target has ${VHOSTS:-0} vhosts, need $N (stop it: PB_STATE=$PB_STATE $PB_BENCH/target.sh stop)"
NGW=${NGINX_WORKERS% }
log "target: $N vhosts from port $VHOST_BASE, CA $CA"

# conf FILE NTARGETS INTERVAL [TIMEOUT]: a private collectd config.
conf() {
    local f=$1 n=$2 interval=$3 timeout=${4:-} i p
    {
        cat <<EOF
Hostname    "bench"
FQDNLookup  false
BaseDir     "$OUT"
PIDFile     "$OUT/collectd.pid"
TypesDB     "/usr/share/collectd/types.db" "$TYPES"
Interval    $interval
PluginDir   "/usr/lib/collectd"
LoadPlugin  logfile
<Plugin logfile>
  LogLevel  info
  File      stderr
</Plugin>
# values are dropped after the cache: no writer's cost in the figures
PostCacheChain "apiprobe_bench_drop"
<Chain "apiprobe_bench_drop">
  Target "stop"
</Chain>
PluginDir   "$OUT/plugins"
LoadPlugin  apiprobe
<Plugin apiprobe>
EOF
        for ((i = 0; i < n; i++)); do
            p=$((VHOST_BASE + i))
            echo "  <Target \"t$i\">"
            echo "    URL \"https://$HOST:$p/v1/models?limit=1\""
            echo "    Resolve \"$HOST:$p:127.0.0.1\""
            echo "    CaFile \"$CA\""
            echo "    KeyEnv \"AP_BENCH_KEY\""
            [ -z "$timeout" ] || printf '    Timeout %s\n    ConnectTimeout %s\n' "$timeout" "$timeout"
            echo "  </Target>"
        done
        echo "</Plugin>"
    } >"$f"
}
# The daemon's environment: the key by name, the shim, nothing else.  An
# array, not a function: env execs collectd, so $! is collectd's PID.
DENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin AP_BENCH_KEY="$KEY"
    LD_PRELOAD="$OUT/collectd_cycle.so")
# verdicts LOG: the plugin's verdict-change lines (0 = every probe stayed ok)
verdicts() { grep -c 'apiprobe plugin: t[0-9]*: ' "$1" || true; }
# (%.0f: mawk's %d stops at 2^31 ns)
threads_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }
ngx_ticks() { local s=0 p; for p in $NGW; do s=$((s + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'))); done; echo $s; }
REV=$(bench_revision collectd plugin)
{
    echo "# bench/collectd.sh, $(date '+%F %T'), apiprobe $REV"
    echo "collectd $("$COLLECTD" -h 2>&1 | awk '/^collectd /{sub(/,$/, "", $2); print $2; exit}'), $(nproc) CPUs, $N targets, runs=$RUNS cycles=$CYCLES"
    echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine moves wall and CPU)"
} >"$OUT/meta.txt"

# --- cold: collectd -T with N, 1 and 0 targets
if ! skipped cold; then
    # Interval 2 (so Timeout 1.6 s): a loaded machine must not turn a slow
    # probe into a timeout here; the figures only count finished probes.
    conf "$OUT/c$N.conf" "$N" 2
    conf "$OUT/c1.conf" 1 2
    conf "$OUT/c0.conf" 0 2
    : >"$OUT/cold.csv"
    : >"$OUT/cold-nginx.txt"
    for c in c0 c1 "c$N"; do
        log "cold: collectd -T with ${c#c} targets, $RUNS runs"
        rm -f "$OUT/$c.out"
        n0=$(ngx_ticks)
        "$B/runbench" -n "$RUNS" -w 1 -l "$c" -o "$OUT/cold.csv" -O "$OUT/$c.out" -- \
            env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin AP_BENCH_KEY="$KEY" \
            LD_PRELOAD="$OUT/collectd_cycle.so" APB_CYCLE_LOG="$OUT/cold-cycles-$c.txt" \
            "$COLLECTD" -T -C "$OUT/$c.conf" >"$OUT/$c.runbench" 2>&1 ||
            die "runbench failed: $(cat "$OUT/$c.runbench")"
        echo "$c $(( $(ngx_ticks) - n0 ))" >>"$OUT/cold-nginx.txt"
        bad=$(awk -F, '$8 != 0' "$OUT/cold.csv" | grep -c "^$c," || true)
        [ "$bad" -eq 0 ] || die "collectd -T exited non-zero ($c): $(tail -5 "$OUT/$c.out")"
        [ "$(verdicts "$OUT/$c.out")" -eq 0 ] || die "probes failed in collectd -T ($c): $(grep 'apiprobe plugin: t' "$OUT/$c.out" | head -3)"
    done
fi

# --- steady: collectd -f, N targets every 1 s, CYCLES read cycles
if ! skipped steady; then
    conf "$OUT/s$N.conf" "$N" 1 0.95
    conf "$OUT/s0.conf" 0 1
    log "steady: collectd -f with 0 targets (baseline), 5 s"
    "${DENV[@]}" "$COLLECTD" -f -C "$OUT/s0.conf" >"$OUT/s0.log" 2>&1 &
    P0=$!
    CPIDS+=("$P0")
    is_collectd() { sleep 0.3; [ "$(cat "/proc/$1/comm" 2>/dev/null)" = collectd ] || die "pid $1 is not collectd"; }
    is_collectd "$P0"
    sleep 2
    c0=$(threads_ns "$P0")
    sleep 3
    c1=$(threads_ns "$P0")
    echo "rss0_kb $(rss_kb "$P0")" >"$OUT/steady.txt"
    echo "idle_ns_per_s $(( (c1 - c0) / 3 ))" >>"$OUT/steady.txt"
    kill -TERM "$P0"; wait "$P0" || true

    log "steady: collectd -f with $N targets every 1 s, $CYCLES read cycles"
    rm -f "$OUT/steady-cycles.txt"
    "${DENV[@]}" APB_CYCLE_LOG="$OUT/steady-cycles.txt" "$COLLECTD" -f -C "$OUT/s$N.conf" >"$OUT/s$N.log" 2>&1 &
    PN=$!
    CPIDS+=("$PN")
    is_collectd "$PN"
    ncyc() { grep -c '^C' "$OUT/steady-cycles.txt" 2>/dev/null || echo 0; }
    : >"$OUT/steady-rss.txt"
    declare -A SEEN=()
    deadline=$((SECONDS + CYCLES * 2 + 30))
    while [ "$SECONDS" -lt "$deadline" ]; do
        kill -0 "$PN" 2>/dev/null || die "collectd exited: $(tail -5 "$OUT/s$N.log")"
        k=$(ncyc)
        for m in 1 2 5 10 25 "$CYCLES"; do
            if [ "$k" -ge "$m" ] && [ -z "${SEEN[$m]:-}" ]; then
                SEEN[$m]=1
                echo "$m $k $(rss_kb "$PN") $(threads_ns "$PN") $(ngx_ticks)" >>"$OUT/steady-rss.txt"
            fi
        done
        [ "$k" -ge "$CYCLES" ] && break
        sleep 0.05
    done
    [ "$(ncyc)" -ge "$CYCLES" ] || die "only $(ncyc) cycles in time"
    kill -TERM "$PN"; wait "$PN" || true
    echo "verdict_lines $(verdicts "$OUT/s$N.log")" >>"$OUT/steady.txt"
    echo "late_reads $(grep -c 'above its read interval' "$OUT/s$N.log" || true)" >>"$OUT/steady.txt"
fi

# --- callgrind
if ! skipped callgrind; then
    # Under callgrind a probe is ~50x slower: long timeouts, so none expires.
    conf "$OUT/g$N.conf" "$N" 600 300
    conf "$OUT/g1.conf" 1 600 300
    for c in g1 "g$N"; do
        log "callgrind: collectd -T with ${c#g} target(s)"
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin AP_BENCH_KEY="$KEY" \
            valgrind --tool=callgrind --callgrind-out-file="$OUT/$c.cg" \
            "$COLLECTD" -T -C "$OUT/$c.conf" >"$OUT/$c.out" 2>&1 || true
        [ "$(verdicts "$OUT/$c.out")" -eq 0 ] || die "probes failed under callgrind ($c): $(grep 'apiprobe plugin: t' "$OUT/$c.out" | head -3)"
    done
    log "callgrind: collectd -f with $CG_N targets, counters of read cycles 2..4"
    conf "$OUT/gs.conf" "$CG_N" 15 14
    rm -f "$OUT/gs-cycles.txt" "$OUT"/gs.cg*
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin AP_BENCH_KEY="$KEY" \
        LD_PRELOAD="$OUT/collectd_cycle.so" APB_CYCLE_LOG="$OUT/gs-cycles.txt" \
        APB_CG_ZERO=2 APB_CG_DUMP=4 \
        valgrind --tool=callgrind --callgrind-out-file="$OUT/gs.cg" \
        "$COLLECTD" -f -C "$OUT/gs.conf" >"$OUT/gs.out" 2>&1 &
    PG=$!
    CPIDS+=("$PG")
    deadline=$((SECONDS + 240))
    until [ "$(grep -c '^C' "$OUT/gs-cycles.txt" 2>/dev/null || echo 0)" -ge 4 ]; do
        [ "$SECONDS" -lt "$deadline" ] || die "callgrind steady run: no 4 cycles in 240 s"
        kill -0 "$PG" 2>/dev/null || die "collectd under callgrind exited: $(tail -5 "$OUT/gs.out")"
        sleep 0.5
    done
    sleep 1
    kill -TERM "$PG"; wait "$PG" || true
    [ "$(verdicts "$OUT/gs.out")" -eq 0 ] || die "probes failed under callgrind (steady): $(grep 'apiprobe plugin: t' "$OUT/gs.out" | head -3)"
    ls "$OUT"/gs.cg.* >/dev/null 2>&1 || die "no callgrind dump of cycles 2..4"
    log "callgrind: probe_min floor (-n 11 and -n 1)"
    for n in 1 11; do
        valgrind --tool=callgrind --callgrind-out-file="$OUT/probe_min.x$n.cg" \
            "$B/probe_min" -n "$n" -C "$CA" -k "$KEY" "127.0.0.1:$PORT" >"$OUT/probe_min.x$n.out" 2>&1 ||
            die "probe_min -n $n failed: $(tail -3 "$OUT/probe_min.x$n.out")"
    done
fi

# --- heap: where the memory of N targets goes (massif, collectd -T)
if ! skipped massif; then
    log "massif: collectd -T with $N targets"
    [ -f "$OUT/g$N.conf" ] || conf "$OUT/g$N.conf" "$N" 600 300
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin AP_BENCH_KEY="$KEY" \
        valgrind --tool=massif --threshold=0.5 --massif-out-file="$OUT/massif.out" \
        "$COLLECTD" -T -C "$OUT/g$N.conf" >"$OUT/massif.log" 2>&1 || true
    [ "$(verdicts "$OUT/massif.log")" -eq 0 ] || die "probes failed under massif"
    ms_print "$OUT/massif.out" >"$OUT/massif.txt"
fi

# --- floor: probe_min -a, all N targets at once from one thread
if ! skipped floor; then
    log "floor: probe_min -a with $N targets, $RUNS runs"
    mapfile -t HPS < <(for ((i = 0; i < N; i++)); do echo "127.0.0.1:$((VHOST_BASE + i))"; done)
    : >"$OUT/floor.csv"
    "$B/runbench" -n "$RUNS" -w 1 -l probe_min_async -o "$OUT/floor.csv" -- \
        "$B/probe_min" -a -C "$CA" -k "$KEY" "${HPS[@]}" >"$OUT/floor.runbench" 2>&1 ||
        die "runbench probe_min failed: $(cat "$OUT/floor.runbench")"
fi

# --- report
python3 - "$OUT" "$N" "$CYCLES" "$CG_N" "$PB_BENCH/summarize.py" <<'EOF' | tee "$OUT/report.md"
import glob, os, statistics, subprocess, sys
out, N, CYC, CGN, summ = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
med = statistics.median
print(open(os.path.join(out, "meta.txt")).read())

def runs(path):
    rows = {}
    if not os.path.exists(path):
        return rows
    for line in open(path):
        f = line.strip().split(",")
        if len(f) < 8:
            continue
        rows.setdefault(f[0], []).append([float(x) for x in f[2:7]])
    return {k: [med(c) for c in zip(*v)] for k, v in rows.items()}

def cycles(path):
    """P/C lines of the shim: (cycle, wall ms, cpu ms, tid, heap kB)"""
    p, c = [], []
    if os.path.exists(path):
        for line in open(path):
            f = line.split()
            (p if f[0] == "P" else c).append((int(f[1]), float(f[2]), float(f[3]), int(f[4]), int(f[5])))
    return p, c

def ir(path):
    r = subprocess.run([sys.executable, summ, "cg", path, "6"], capture_output=True, text=True)
    return int(r.stdout.split("\t")[0])

cold = runs(os.path.join(out, "cold.csv"))
if cold:
    print("## cold: `collectd -T` (one read cycle in the main thread, process start to exit)\n")
    print("| targets | wall ms | CPU ms | peak RSS MiB |")
    print("|---|---|---|---|")
    for k in ("c0", "c1", "c%d" % N):
        w, u, s, cpu, rss = cold[k]
        print("| %s | %.1f | %.1f | %.1f |" % (k[1:], w / 1e3, cpu / 1e3, rss / 1024))
    d = [a - b for a, b in zip(cold["c%d" % N], cold["c0"])]
    print("| **%d minus 0** | **%.1f** | **%.1f** | %+.1f |" % (N, d[0] / 1e3, d[3] / 1e3, d[4] / 1024))
    ng = dict(l.split() for l in open(os.path.join(out, "cold-nginx.txt")))
    runs_n = sum(1 for l in open(os.path.join(out, "cold.csv")) if l.startswith("c%d," % N)) + 1
    print("\nnginx CPU per %d-target run (server side, same 2 cores): %.1f ms"
          % (N, int(ng["c%d" % N]) * 1000 / os.sysconf("SC_CLK_TCK") / runs_n))
    p, _ = cycles(os.path.join(out, "cold-cycles-c%d.txt" % N))
    if p:
        print("\nprobe phase of the %d-target read (shim, multi init -> cleanup), median of %d runs: "
              "wall %.1f ms, read-thread CPU %.1f ms" % (N, len(p), med(x[1] for x in p), med(x[2] for x in p)))
    print()

st = os.path.join(out, "steady.txt")
if os.path.exists(st):
    kv = dict(l.split() for l in open(st))
    p, c = cycles(os.path.join(out, "steady-cycles.txt"))
    rs = [l.split() for l in open(os.path.join(out, "steady-rss.txt"))]
    print("## steady: collectd -f, %d targets every 1 s, %d read cycles (%d probes)\n" % (N, len(c), len(c) * N))
    warm_p = [x for x in p if x[0] >= 2]
    warm_c = [x for x in c if x[0] >= 2]
    def q(v, f):
        v = sorted(v); return v[min(len(v) - 1, int(f * (len(v) - 1) + 0.5))]
    print("| per read cycle (cycles 2..%d) | median | p90 | max | cycle 1 |" % len(c))
    print("|---|---|---|---|---|")
    for name, rows, i in (("probe phase wall ms", warm_p, 1), ("probe phase read-thread CPU ms", warm_p, 2),
                          ("whole callback wall ms (dispatch incl.)", warm_c, 1),
                          ("whole callback read-thread CPU ms", warm_c, 2)):
        v = [x[i] for x in rows]
        first = [x[i] for x in (p if "probe" in name else c) if x[0] == 1]
        print("| %s | %.1f | %.1f | %.1f | %.1f |" % (name, med(v), q(v, 0.9), max(v), first[0] if first else float("nan")))
    r = {int(x[0]): x for x in rs}
    a, b = r[2], r[CYC]
    ncyc = int(b[1]) - int(a[1])
    cpu = (int(b[3]) - int(a[3])) / 1e6 / ncyc
    idle = int(kv["idle_ns_per_s"]) / 1e6
    print("\nwhole process CPU per cycle (all threads, schedstat, cycles %s..%s): **%.1f ms** "
          "(the 0-target daemon idles at %.2f ms/s)" % (a[1], b[1], cpu, idle))
    clk = os.sysconf("SC_CLK_TCK")
    print("nginx CPU per cycle (server side, same machine): %.1f ms" % ((int(b[4]) - int(a[4])) * 1000 / clk / ncyc))
    rss0 = int(kv["rss0_kb"])
    heap = {x[0]: x[4] for x in c}
    print("\n| after cycle | probes | VmRSS kB | minus 0-target daemon | malloc in use kB (shim, end of that cycle) |")
    print("|---|---|---|---|---|")
    for m in sorted(r):
        k = int(r[m][1])
        print("| %d | %d | %s | %+d kB (%.1f MiB) | %s |" % (k, k * N, r[m][2], int(r[m][2]) - rss0, (int(r[m][2]) - rss0) / 1024, heap.get(k, "?")))
    hv = [x[4] for x in c if x[0] >= 5]
    print("\nmalloc in use at the end of cycles 5..%d: min %d, median %d, max %d kB; cycles ran on %d read thread(s)"
          % (len(c), min(hv), med(hv), max(hv), len(set(x[3] for x in c))))
    print("\n0-target daemon VmRSS: %d kB.  Growth from cycle %s (%d probes) to cycle %s (%d probes): **%+d kB**; from cycle %s: %+d kB."
          % (rss0, r[5][1], int(r[5][1]) * N, b[1], int(b[1]) * N, int(b[2]) - int(r[5][2]), r[1][1], int(b[2]) - int(r[1][2])))
    print("verdict changes logged: %s (0 = all %d probes ok); reads late for their interval: %s\n"
          % (kv["verdict_lines"], len(c) * N, kv["late_reads"]))

g1 = os.path.join(out, "g1.cg")
if os.path.exists(g1):
    i1, iN = ir(g1), ir(os.path.join(out, "g%d.cg" % N))
    pm1, pm11 = ir(os.path.join(out, "probe_min.x1.cg")), ir(os.path.join(out, "probe_min.x11.cg"))
    floor = (pm11 - pm1) / 10
    cold_pp = (iN - i1) / (N - 1)
    dumps = sorted(glob.glob(os.path.join(out, "gs.cg.*")))
    steady = ir(dumps[0]) / (3 * CGN) if dumps else float("nan")
    print("## instructions (callgrind Ir, all threads)\n")
    print("| what | Ir | per probe | / probe_min floor |")
    print("|---|---|---|---|")
    print("| collectd -T, 1 target | %.2f M | | |" % (i1 / 1e6))
    print("| collectd -T, %d targets | %.2f M | | |" % (N, iN / 1e6))
    print("| cold: (Ir%d - Ir1) / %d | | %.2f M | %.3f |" % (N, N - 1, cold_pp / 1e6, cold_pp / floor))
    print("| **steady: read cycles 2..4 of %d targets / %d probes** | %.2f M | **%.2f M** | **%.3f** |" % (CGN, 3 * CGN, ir(dumps[0]) / 1e6 if dumps else 0, steady / 1e6, steady / floor))
    print("| probe_min (11 - 1) / 10: the floor | | %.2f M | 1.000 |" % (floor / 1e6))
    print()

ms = os.path.join(out, "massif.txt")
if os.path.exists(ms):
    lines = open(ms).read().split("\n")
    det = [l for l in lines if l.startswith(" Detailed snapshots:")][0]
    peak = int(det.split("(peak)")[0].split(",")[-1].strip(" [")) if "(peak)" in det else None
    def snap(n):
        # the row " n time total useful extra stacks", then its tree
        for i, l in enumerate(lines):
            f = l.split()
            if len(f) == 6 and f[0] == str(n) and f[1].replace(",", "").isdigit():
                tot = int(f[2].replace(",", ""))
                tree = []
                for l2 in lines[i + 1:]:
                    if l2.startswith("->"):
                        tree.append(l2[2:])
                    elif l2.startswith("----") or (tree and not l2.strip()):
                        if tree:
                            break
                return tot, tree
        return None, []
    last = int(det.split(",")[-1].strip(" ]"))
    print("## heap of `collectd -T` with %d targets (massif, top-level allocation sites)\n" % N)
    for title, n in (("peak (during the read)", peak), ("after the read (last snapshot)", last)):
        tot, tree = snap(n)
        if tot is None:
            continue
        print("%s: %.1f MiB heap\n" % (title, tot / 1048576))
        for t in tree[:8]:
            print("- " + t.split(" (in ")[0])
        print()

fl = runs(os.path.join(out, "floor.csv"))
if fl:
    w, u, s, cpu, rss = fl["probe_min_async"]
    print("## floor: probe_min -a, %d targets at once in one thread (whole process)\n" % N)
    print("wall %.1f ms, CPU %.1f ms, peak RSS %.1f MiB\n" % (w / 1e3, cpu / 1e3, rss / 1024))
EOF
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/report.md"
log "report: $OUT/report.md"
