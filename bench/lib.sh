# lib.sh - what bench/run.sh and bench/plugin.sh share (sourced, not run):
# paths, logging, the CMake build, the shared target (start with retries,
# stop only what we started) and the sanity run of a command.
#
# Before sourcing, a script may set nothing; afterwards it has
#   HERE ROOT PB_BENCH PB_STATE BUILD   (bench/, the project, the yardstick,
#                                        its state dir, the CMake build dir)
#   die log q bench_preflight bench_build bench_target_start
#   bench_target_stop bench_sanity bench_revision
# PB_BENCH, PB_STATE and AP_BENCH_BUILD may come from the environment.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PB_BENCH=${PB_BENCH:-$(cd "$ROOT/.." && pwd)/shared/bench}
export PB_STATE=${PB_STATE:-/tmp/probe-bench}
BUILD=${AP_BENCH_BUILD:-/tmp/bench-build}
BENCH_PROG=$(basename "$0")

die() { echo "$BENCH_PROG: error: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $BENCH_PROG: $*" >&2; }
q() { printf '%q' "$1"; }

# bench_preflight: the yardstick is there, we are root (target.sh edits
# /etc/hosts), and no proxy from the environment gets near a loopback probe
bench_preflight() {
    [ -x "$PB_BENCH/target.sh" ] || die "yardstick not found at $PB_BENCH (set PB_BENCH)"
    [ "$(id -u)" = 0 ] || die "run as root (target.sh edits /etc/hosts)"
    unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
}

# bench_build LOGFILE TARGET... : Release build of the given CMake targets in
# $BUILD; sets BIN (the build dir the binaries are under). Once the top-level
# CMakeLists.txt has add_subdirectory(bench), the project itself is built;
# until then a throw-away wrapper project (outside the tree) adds the
# project and bench/ side by side (and BIN then holds the project under core/).
# With BENCH_SKIP_BUILD=1 only BIN is set.
bench_build() {
    local logf=$1 src; shift
    if grep -Eq '^[^#]*add_subdirectory[[:space:]]*\([[:space:]]*bench[[:space:]]*\)' "$ROOT/CMakeLists.txt"; then
        src=$ROOT BIN=$BUILD
    else
        src=$PB_STATE/ap-wrapper BIN=$BUILD-wrapper
        mkdir -p "$src"
        cat > "$src/CMakeLists.txt" <<EOF
# written by $HERE/lib.sh: builds apiprobe + bench/ while the
# top-level CMakeLists.txt does not add bench itself
cmake_minimum_required(VERSION 3.25)
project(apiprobe_bench_wrapper LANGUAGES C)
set(AP_TESTS OFF CACHE BOOL "" FORCE)
add_subdirectory("$ROOT" core)
if(NOT TARGET ap_resident)
  add_subdirectory("$ROOT/bench" bench)
endif()
EOF
    fi
    [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && return 0
    log "building $* (Release) in $BIN"
    cmake -S "$src" -B "$BIN" -DCMAKE_BUILD_TYPE=Release > "$logf" 2>&1 &&
        cmake --build "$BIN" -j2 --target "$@" >> "$logf" 2>&1 ||
        { tail -30 "$logf" >&2; die "build failed (log: $logf)"; }
}

# bench_target_start: start target.sh (retrying: its random port may be
# taken by TIME_WAIT sockets of earlier probes), or reuse a running one
# (left running: bench_target_stop only stops what we started); then load
# its env.sh (PORT URL CA KEY HOST ...) and export AP_BENCH_KEY=$KEY (the
# probes read the key by variable name, never from argv).
BENCH_TARGET_STARTED=0
bench_target_start() {
    if [ -f "$PB_STATE/env.sh" ]; then
        log "reusing the target already running ($PB_STATE/env.sh); it is left running"
    else
        BENCH_TARGET_STARTED=1
        local attempt
        for attempt in 1 2 3 4 5; do
            if "$PB_BENCH/target.sh" start "$@"; then break; fi
            [ "$attempt" -lt 5 ] || die "target.sh start failed 5 times"
            log "target.sh start failed, retrying"; sleep 1
        done
    fi
    # shellcheck disable=SC1091
    . "$PB_STATE/env.sh"
    export AP_BENCH_KEY=$KEY
}
bench_target_stop() {
    if [ "$BENCH_TARGET_STARTED" = 1 ]; then
        BENCH_TARGET_STARTED=0
        "$PB_BENCH/target.sh" stop || true
    fi
}

# bench_sanity NAME OUTFILE COMMAND : run COMMAND (a yardstick-style command
# string: bash words using $URL $HOST $PORT $CA $KEY, $NP the plugin dir)
# once, keep what it printed in OUTFILE, show its first line and exit code;
# returns the exit code (callers decide what is fatal)
bench_sanity() {
    local name=$1 out=$2 cmd=$3 rc=0 NP=${NAGIOS_PLUGINS:-/usr/lib/nagios/plugins}
    ( eval "a=($cmd)"; "${a[@]}" ) > "$out" 2>&1 || rc=$?
    printf '  %-24s exit %s: %s\n' "$name" "$rc" "$(head -1 "$out" | cut -c1-150)" >&2
    return $rc
}

# bench_revision [PATHS...] : short HEAD, flagged when PATHS have changes
bench_revision() {
    local rev
    rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [ $# -gt 0 ] && [ -n "$(git -C "$ROOT" status --porcelain -- "$@" 2>/dev/null)" ]; then
        rev="$rev + uncommitted changes in $(echo "$@" | tr ' ' '/')"
    fi
    echo "$rev"
}
