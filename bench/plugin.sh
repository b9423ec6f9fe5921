#!/usr/bin/env bash
# plugin.sh - check_apiprobe (the Monitoring Plugins face) against check_curl,
# one process per check, with the REAL system trust store in play: the
# shared target's throw-away CA is put into the system store for the run
# (/usr/local/share/ca-certificates + update-ca-certificates), so a check
# without a CA-file option has to find it there: check_curl through libcurl's
# default bundle (/etc/ssl/certs/ca-certificates.crt, every CA parsed), and
# check_apiprobe through the hashed directory /etc/ssl/certs (only the issuer
# it needs). Paired, interleaved runs through the yardstick's bench_single.sh
# (wall / CPU / peak RSS) and bench_callgrind.sh (Ir), with the CA-file
# variants of both as context; summary.md holds the goals as ratios.
# The rows run without SSL_CERT_FILE / SSL_CERT_DIR / CURL_CA_BUNDLE (as a
# monitoring daemon runs its checks); check_apiprobe_envfile shows the cost
# of an exported SSL_CERT_FILE=<the bundle>, which OpenSSL-style programs obey.
#
#   bench/plugin.sh [--quick] [-o OUTDIR] [--build-dir DIR]
#                   [--skip build,single,callgrind]
#
#   --quick      smoke test (~1 min): 2 rounds x 5 runs, callgrind once
#                (full: 10 rounds x 10 runs, callgrind 3 times, medians)
#   -o OUTDIR    results (default $PB_STATE/results/plugin-<time>)
#   --build-dir  CMake build dir (default $AP_BENCH_BUILD or /tmp/bench-build)
#
# The system store is restored on every exit (error and Ctrl-C included):
# the CA file is removed, update-ca-certificates --fresh rebuilds the bundle
# and the links, anything it still left different from the snapshot taken
# before is put back from that snapshot, and the result is checked (the
# bench CA absent from ca-certificates.crt, /etc/ssl/certs as before).
# update-ca-certificates runs without its hooks (no Java keystore update,
# no dpkg trigger processing). Environment and needs as for run.sh.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
QUICK=0 OUT="" SKIP=""

while [ $# -gt 0 ]; do
    case $1 in
        --quick) QUICK=1; shift;;
        -o) OUT=$2; shift 2;;
        --build-dir) BUILD=$2; shift 2;;
        --skip) SKIP=$2; shift 2;;
        -h|--help) sed -n '2,30p' "$0"; exit 0;;
        *) die "unknown option $1 (see --help)";;
    esac
done
skip() { [[ ",$SKIP," == *",$1,"* ]]; }
bench_preflight
command -v update-ca-certificates > /dev/null || die "update-ca-certificates not found (apt-get install ca-certificates)"
NP=${NAGIOS_PLUGINS:-/usr/lib/nagios/plugins}
[ -x "$NP/check_curl" ] || die "$NP/check_curl not found (monitoring-plugins-standard)"
OUT=${OUT:-$PB_STATE/results/plugin-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
# OpenSSL's (and the curl tool's) CA variables: a monitoring daemon runs its
# checks without them, but some images export SSL_CERT_FILE=<the bundle>,
# which makes OpenSSL-convention programs (check_apiprobe among them; not
# libcurl, so not check_curl) parse the whole bundle. The measured rows run
# without them; check_apiprobe_envfile shows what SSL_CERT_FILE costs.
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE

# ---- build -----------------------------------------------------------------
skip build && BENCH_SKIP_BUILD=1
bench_build "$OUT/build.log" check_apiprobe
REV=$(bench_revision nagios plugin common)   # what was built
CHECK=$(ls -t "$BIN"/nagios/check_apiprobe "$BIN"/core/nagios/check_apiprobe 2>/dev/null | head -1 || true)
[ -n "$CHECK" ] || die "check_apiprobe missing under $BIN (build first)"
log "check_apiprobe: $CHECK"

# ---- the system trust store ------------------------------------------------
CERTS=/etc/ssl/certs
BUNDLE=$CERTS/ca-certificates.crt
LOCAL_CRT=/usr/local/share/ca-certificates/apiprobe-bench.crt
SNAP=$PB_STATE/truststore          # snapshot of /etc/ssl/certs before the run
NO_HOOKS=$SNAP/no-hooks.d          # never created: update-ca-certificates skips hooks
STORE_TOUCHED=0 STORE_STATE="not touched"

update_store() { update-ca-certificates --hooksdir "$NO_HOOKS" "$@" >> "$OUT/truststore.log" 2>&1; }

# one line per entry under /etc/ssl/certs: path, type, mode, owner, link
# target or sha256 (no times: rehash and the bundle's mv renew those)
store_manifest() {
    python3 - "$CERTS" <<'EOF'
import hashlib, os, stat, sys
top = sys.argv[1]
for root, dirs, files in os.walk(top):
    dirs.sort()
    for n in sorted(dirs + files):
        p = os.path.join(root, n)
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            kind, what = "l", os.readlink(p)
        elif stat.S_ISREG(st.st_mode):
            kind, what = "f", hashlib.sha256(open(p, "rb").read()).hexdigest()
        else:
            kind, what = "d" if stat.S_ISDIR(st.st_mode) else "o", ""
        print(f"{os.path.relpath(p, top)}\t{kind}\t{stat.S_IMODE(st.st_mode):o}\t{st.st_uid}:{st.st_gid}\t{what}")
EOF
}
# ca_in_bundle PEM: is this certificate in the system bundle?
ca_in_bundle() {
    local body; body=$(sed '/^-----/d' "$1" | tr -d '\r\n')
    [ -n "$body" ] || die "no certificate in $1"
    tr -d '\r\n' < "$BUNDLE" | grep -qF -- "$body"
}
# ca_hash_link PEM: the hash link under /etc/ssl/certs that resolves to our file
ca_hash_link() {
    local h l; h=$(openssl x509 -hash -noout -in "$1")
    for l in "$CERTS/$h".[0-9]*; do
        [ "$(readlink -f "$l" 2>/dev/null)" = "$LOCAL_CRT" ] && { echo "$l"; return 0; }
    done
    return 1
}

store_install() {
    mkdir -p "$SNAP"
    tar -C "$(dirname "$CERTS")" -cpf "$SNAP/before.tar" "$(basename "$CERTS")"
    store_manifest > "$SNAP/before.manifest"
    STORE_BEFORE_N=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$BUNDLE" || true)
    STORE_TOUCHED=1 STORE_STATE="CA installed, not restored yet"
    install -m 644 "$CA" "$LOCAL_CRT"
    update_store || die "update-ca-certificates failed (log: $OUT/truststore.log)"
    STORE_DURING_N=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$BUNDLE" || true)
    ca_in_bundle "$CA" || die "the bench CA did not reach $BUNDLE"
    STORE_LINK=$(ca_hash_link "$CA") || die "no hash link under $CERTS for the bench CA"
    log "bench CA in the system store: $BUNDLE ($STORE_BEFORE_N -> $STORE_DURING_N certificates), $STORE_LINK"
}

# store_restore: idempotent, safe to call from the trap
store_restore() {
    [ "$STORE_TOUCHED" = 1 ] || return 0
    local ok=1 why=""
    log "restoring the system trust store"
    rm -f "$LOCAL_CRT" "$CERTS/apiprobe-bench.pem"
    update_store --fresh || { ok=0; why="update-ca-certificates --fresh failed; "; }
    # what update-ca-certificates itself changes stays different after
    # --fresh (e.g. a local CA kept as a plain file in /etc/ssl/certs comes
    # back as a symlink): put exactly those entries back from the snapshot
    store_manifest > "$SNAP/after.manifest"
    local extra=() back=() kind p
    while IFS=$'\t' read -r kind p; do
        case $kind in extra) extra+=("$CERTS/$p");; restore) back+=("$(basename "$CERTS")/$p");; esac
    done < <(awk -F'\t' 'NR == FNR { b[$1] = $0; next } { a[$1] = $0 }
        END { for (p in a) if (!(p in b)) print "extra\t" p
              for (p in b) if (a[p] != b[p]) print "restore\t" p }' \
        "$SNAP/before.manifest" "$SNAP/after.manifest" | sort -r)
    if [ ${#extra[@]} -gt 0 ]; then rm -rf -- "${extra[@]}"; fi
    if [ ${#back[@]} -gt 0 ]; then
        tar -C "$(dirname "$CERTS")" -xpf "$SNAP/before.tar" -- "${back[@]}" || { ok=0; why="${why}tar failed; "; }
    fi
    store_manifest > "$SNAP/after.manifest"
    local n_after; n_after=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$BUNDLE" || true)
    if ca_in_bundle "$CA"; then ok=0; why="${why}bench CA still in $BUNDLE; "; fi
    if ca_hash_link "$CA" > /dev/null; then ok=0; why="${why}hash link still there; "; fi
    if [ -e "$LOCAL_CRT" ]; then ok=0; why="${why}$LOCAL_CRT still there; "; fi
    if ! cmp -s "$SNAP/before.manifest" "$SNAP/after.manifest"; then
        ok=0; why="${why}$CERTS differs from the snapshot (diff $SNAP/before.manifest $SNAP/after.manifest); "
    fi
    STORE_TOUCHED=0
    if [ $ok = 1 ]; then
        STORE_STATE="restored: bench CA absent from $BUNDLE ($n_after certificates, as before), no hash link, $CERTS identical to the snapshot (${#extra[@]} extra entries removed, ${#back[@]} put back after update-ca-certificates --fresh)"
        rm -f "$SNAP/before.tar"
    else
        STORE_STATE="NOT RESTORED: $why(snapshot kept: $SNAP/before.tar)"
    fi
    echo "$STORE_STATE" > "$OUT/truststore.txt"
    log "trust store $STORE_STATE"
}

cleanup() {
    local rc=$?
    set +e
    trap '' INT TERM
    store_restore
    bench_target_stop
    [ "$rc" = 0 ] || log "aborted (exit $rc); trust store: $STORE_STATE"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# a CA file left by a run that could not clean up (kill -9): undo it first
if [ -e "$LOCAL_CRT" ]; then
    [ -f "$SNAP/before.tar" ] && [ -f "$SNAP/before.manifest" ] ||
        die "$LOCAL_CRT is left from an earlier run and there is no snapshot in $SNAP: remove it and run update-ca-certificates --fresh"
    log "$LOCAL_CRT left from an earlier run: restoring from $SNAP first"
    cp "$LOCAL_CRT" "$SNAP/leftover-ca.pem"
    CA=$SNAP/leftover-ca.pem STORE_TOUCHED=1 store_restore
    [[ $STORE_STATE == restored* ]] || die "could not restore the earlier run's trust store"
fi

# ---- target, then its CA into the system store ------------------------------
bench_target_start
# probes read the key by variable name (-E), never from argv
CURL_SYS='$NP/check_curl -H $HOST -p $PORT -S --sni -D -u /v1/models -k "x-api-key: $KEY" -e 200'
CURL_CA='$NP/check_curl -H $HOST -p $PORT -S --sni -D --ca-cert $CA -u /v1/models -k "x-api-key: $KEY" -e 200'
AP_SYS="$(q "$CHECK") -E AP_BENCH_KEY -u \"\$URL?limit=1\""
AP_CA="$(q "$CHECK") -E AP_BENCH_KEY -C \$CA -u \"\$URL?limit=1\""
AP_NOOP="$(q "$CHECK") -V"
AP_ENVFILE="env SSL_CERT_FILE=$(q "$BUNDLE") $AP_SYS"   # context row

# before: the system-store commands must fail (the CA is not trusted yet),
# else they are not using the system store, or it already trusts this CA
log "sanity, CA not yet in the system store (both must fail verification):"
! bench_sanity check_curl_sys "$OUT/sanity-before.check_curl_sys.txt" "$CURL_SYS" ||
    die "check_curl without --ca-cert accepted the target before its CA was in the system store"
! bench_sanity check_apiprobe_sys "$OUT/sanity-before.check_apiprobe_sys.txt" "$AP_SYS" ||
    die "check_apiprobe without -C accepted the target before its CA was in the system store"
store_install

log "sanity, every command once (must exit 0; the no-op runs exit 3):"
for row in "check_curl_sys|$CURL_SYS" "check_apiprobe_sys|$AP_SYS" \
           "check_curl|$CURL_CA" "check_apiprobe_cafile|$AP_CA" \
           "check_apiprobe_envfile|$AP_ENVFILE"; do
    bench_sanity "${row%%|*}" "$OUT/sanity.${row%%|*}.txt" "${row#*|}" ||
        { cat "$OUT/sanity.${row%%|*}.txt" >&2; die "${row%%|*} did not exit 0"; }
done
for row in "check_curl.noop|\$NP/check_curl -V" "check_apiprobe.noop|$AP_NOOP"; do
    bench_sanity "${row%%|*}" "$OUT/sanity.${row%%|*}.txt" "${row#*|}" || true
done

# ---- the yardstick, paired and interleaved ----------------------------------
ONLY=check_curl,check_curl_sys,check_apiprobe,check_apiprobe_sys,check_apiprobe_cafile,check_apiprobe_envfile,check_apiprobe.noop
if [ $QUICK = 1 ]; then ROUNDS=2 PER=5 CGX=1; else ROUNDS=10 PER=10 CGX=3; fi
if ! skip single; then
    log "bench_single.sh -r $ROUNDS -k $PER"
    "$PB_BENCH/bench_single.sh" -r "$ROUNDS" -k "$PER" --only "$ONLY" -o "$OUT/single" \
        --add "check_curl_sys|$CURL_SYS|" \
        --add "check_apiprobe_sys|$AP_SYS|" \
        --add "check_apiprobe_cafile|$AP_CA|" \
        --add "check_apiprobe_envfile|$AP_ENVFILE|" \
        --add "check_apiprobe.noop|$AP_NOOP|" > /dev/null
fi
if ! skip callgrind; then
    log "bench_callgrind.sh -x $CGX"
    "$PB_BENCH/bench_callgrind.sh" -x "$CGX" --only "$ONLY" -o "$OUT/callgrind" \
        --add "check_curl_sys|$CURL_SYS" \
        --add "check_apiprobe_sys|$AP_SYS" \
        --add "check_apiprobe_cafile|$AP_CA" \
        --add "check_apiprobe.noop|$AP_NOOP" > /dev/null
    # (valgrind does not follow env's exec: the variable is set for the run)
    log "bench_callgrind.sh -x $CGX, check_apiprobe with SSL_CERT_FILE=$BUNDLE"
    SSL_CERT_FILE=$BUNDLE "$PB_BENCH/bench_callgrind.sh" -x "$CGX" --only check_apiprobe_envfile \
        -o "$OUT/callgrind-envfile" --add "check_apiprobe_envfile|$AP_SYS" > /dev/null
fi

# ---- put everything back, then the summary ----------------------------------
store_restore
bench_target_stop
{
    echo "rev=$REV"
    echo "rounds=$ROUNDS per=$PER callgrind_runs=$CGX"
    echo "bundle_before=$STORE_BEFORE_N bundle_during=$STORE_DURING_N"
    echo "versions=$("$NP/check_curl" -V 2>&1 | head -1 | cut -d' ' -f1-2); $(curl --version | head -1 | cut -d' ' -f1-5); $(openssl version | cut -d' ' -f1-2)"
    echo "store=$STORE_STATE"
} > "$OUT/meta.txt"
PYTHONDONTWRITEBYTECODE=1 python3 "$HERE/plugin_summary.py" "$OUT" "$PB_BENCH" | tee "$OUT/summary.md"
log "reports: $OUT/summary.md, $OUT/single/report.md, $OUT/callgrind/report.md"
[[ $STORE_STATE == restored* ]] || die "the system trust store was not restored: $STORE_STATE"
