#!/usr/bin/env python3
"""summary.py - apiprobe's goals as ratios, from what bench/run.sh collected.

  summary.py OUTDIR YARDSTICK_DIR PROBES [REVISION]

Reads OUTDIR/callgrind/ir.tsv and *.cg (bench_callgrind.sh),
OUTDIR/single/runs.csv (bench_single.sh), OUTDIR/memory.txt (ap_resident -m)
and OUTDIR/memcheck.*.txt (valgrind, ap_resident -x); prints markdown.
The yardstick's own summarize.py is imported for its parsers.
"""
import os
import re
import statistics
import subprocess
import sys

out, shared, probes = sys.argv[1], sys.argv[2], int(sys.argv[3])
rev = sys.argv[4] if len(sys.argv) > 4 else "unknown"
sys.dont_write_bytecode = True
sys.path.insert(0, shared)
import summarize  # noqa: E402  (runbench CSV and callgrind parsers)

GOAL_PROCESS = 0.95    # apiprobe Ir <= 0.95 x check_curl Ir
GOAL_RESIDENT = 1.25   # Ir per extra in-process probe <= 1.25 x probe_min's
REF_CHECK_CURL, REF_FLOOR = 37.2e6, 5.8e6  # the reference figures


def M(v):
    return f"{v / 1e6:.2f} M"


def verdict(ok):
    return "met" if ok else "**MISSED**"


def path(*p):
    return os.path.join(out, *p)


# ---- collect ---------------------------------------------------------------
ir, ir_runs, ir_bad = {}, {}, []
if os.path.exists(path("callgrind", "ir.tsv")):
    for line in open(path("callgrind", "ir.tsv")):
        f = line.rstrip("\n").split("\t")
        ir_runs.setdefault(f[0], []).append((int(f[3]), int(f[2])))
    ir = {k: statistics.median(x[0] for x in v) for k, v in ir_runs.items()}
    # (no-op runs may exit nonzero: check_curl -V and apiprobe --version do)
    ir_bad = [k for k, v in ir_runs.items()
              if k != "true" and not k.endswith(".noop") and any(x[1] for x in v)]

floor = None
if "probe_min.x11" in ir and "probe_min" in ir:
    floor = (ir["probe_min.x11"] - ir["probe_min"]) / 10
resident = {}  # n -> Ir per extra probe
for n in (11, 101):
    if f"ap_resident.x{n}" in ir and "ap_resident" in ir:
        resident[n] = (ir[f"ap_resident.x{n}"] - ir["ap_resident"]) / (n - 1)

def load_rss(name):
    rss, mal = {}, {}
    if os.path.exists(path(name)):
        for line in open(path(name)):
            if line.startswith("rss "):
                kv = dict(w.split("=", 1) for w in line.split()[1:])
                rss[int(kv["probe"])] = int(kv["vmrss_kb"])
                mal[int(kv["probe"])] = int(kv.get("malloc_kb", -1))
    return rss, mal


rss, mal = load_rss("memory.txt")
rss0, mal0 = load_rss("memory-notcache.txt")  # glibc tcache off
live = {}  # probes -> (bytes, blocks) in use at exit under memcheck
for f in sorted(os.listdir(out)):
    if f.startswith("memcheck.") and f.endswith(".txt"):
        for line in open(path(f)):
            if "in use at exit:" in line:
                w = line.split("in use at exit:")[1].split()
                live[int(f.split(".")[1])] = (int(w[0].replace(",", "")),
                                              int(w[3].replace(",", "")))

rows = {}
if os.path.exists(path("single", "runs.csv")):
    rows = summarize.load_runs(path("single", "runs.csv"))


def med(lab, col):
    return statistics.median(rows[lab][col])


# ---- goals -------------------------------------------------------------------
print("# apiprobe benchmark summary\n")
print(f"apiprobe revision: {rev}; results: {out}\n")
print("## Goals\n")
print("| goal | measured | ratio | target | verdict |")
print("|---|---|---|---|---|")
if "apiprobe" in ir and "check_curl" in ir:
    r = ir["apiprobe"] / ir["check_curl"]
    print(f"| one probe per process: apiprobe CLI Ir / check_curl Ir (this run) | "
          f"{M(ir['apiprobe'])} / {M(ir['check_curl'])} | {r:.3f} | <= {GOAL_PROCESS} | {verdict(r <= GOAL_PROCESS)} |")
    r = ir["apiprobe"] / REF_CHECK_CURL
    print(f"| same, against the reference check_curl | {M(ir['apiprobe'])} / 37.20 M | "
          f"{r:.3f} | <= {GOAL_PROCESS} | {verdict(r <= GOAL_PROCESS)} |")
for n, per in resident.items():
    if floor:
        r = per / floor
        print(f"| resident: Ir per extra probe, ap_resident (x{n}-x1)/{n - 1} / probe_min (x11-x1)/10 | "
              f"{M(per)} / {M(floor)} | {r:.3f} | <= {GOAL_RESIDENT} | {verdict(r <= GOAL_RESIDENT)} |")
    r = per / REF_FLOOR
    print(f"| same, against the reference floor | {M(per)} / 5.80 M | {r:.3f} | <= {GOAL_RESIDENT} | "
          f"{verdict(r <= GOAL_RESIDENT)} |")
DIAG = "(diagnostic)"
if 1 in rss and probes in rss:
    d = rss[probes] - rss[1]
    print(f"| memory: VmRSS after probe 1 -> after probe {probes} | {rss[1]} -> {rss[probes]} kB | "
          f"{d:+d} kB ({rss[probes] / rss[1]:.3f}) | no growth | {verdict(d <= 0)} |")
for title, r in (("", rss), (", glibc tcache off", rss0)):
    if 1 not in r or probes not in r:
        continue
    half = max(i for i in r if i <= max(1, probes // 2))
    if title:
        d = r[probes] - r[1]
        print(f"| memory{title}: VmRSS after probe 1 -> after probe {probes} | {r[1]} -> {r[probes]} kB | "
              f"{d:+d} kB ({r[probes] / r[1]:.3f}) | no growth | {DIAG} |")
    d = r[probes] - r[half]
    print(f"| memory{title}, second half: VmRSS after probe {half} -> after probe {probes} | "
          f"{r[half]} -> {r[probes]} kB | {d:+d} kB | no growth | {DIAG} |")
if len(live) >= 2:
    a, b = min(live), max(live)
    d = live[b][0] - live[a][0]
    print(f"| memory, live heap (valgrind memcheck, in use at exit with -x): after {a} -> after {b} probes | "
          f"{live[a][0]} B in {live[a][1]} blocks -> {live[b][0]} B in {live[b][1]} blocks | "
          f"{d:+d} B | no growth | {verdict(d <= 0)} |")
print()
for title, r, m in (("", rss, mal), (" (glibc tcache off)", rss0, mal0)):
    if r:
        print(f"VmRSS / malloc in-use (kB) after probe I{title}: " +
              ", ".join(f"{i}: {r[i]}/{m[i]}" for i in sorted(r)) + "\n")

# ---- instructions ------------------------------------------------------------
if ir:
    print("## Instructions (callgrind Ir, whole process, median of runs)\n")
    print("| command | Ir | runs |")
    print("|---|---|---|")
    order = ["apiprobe", "apiprobe_lookup", "apiprobe.noop", "check_curl", "check_curl.noop",
             "check_http", "curl_cli", "curl_cli.noop", "probe_curl", "probe_curl.x11",
             "probe_min", "probe_min.noop", "probe_min.x11", "probe_min_ctx.x11",
             "ap_resident", "ap_resident.x11", "ap_resident.x101"]
    for k in order:
        if k in ir_runs:
            print(f"| {k} | {M(ir[k])} | {', '.join(str(x[0]) for x in ir_runs[k])} |")
    print("\n| in-process, Ir per extra probe | Ir | / probe_min's |")
    print("|---|---|---|")
    per_probe = [("probe_min (x11-x1)/10, one SSL_CTX", "probe_min.x11", "probe_min", 10),
                 ("probe_min -c (x11-x1)/10, SSL_CTX per probe", "probe_min_ctx.x11", "probe_min", 10),
                 ("probe_curl (x11-x1)/10, easy handle per probe", "probe_curl.x11", "probe_curl", 10),
                 ("ap_resident (x11-x1)/10", "ap_resident.x11", "ap_resident", 10),
                 ("ap_resident (x101-x1)/100", "ap_resident.x101", "ap_resident", 100)]
    for label, xn, x1, n in per_probe:
        if xn in ir and x1 in ir:
            v = (ir[xn] - ir[x1]) / n
            print(f"| {label} | {M(v)} | {v / floor:.3f} |" if floor else f"| {label} | {M(v)} | |")
    if "apiprobe.noop" in ir and "check_curl.noop" in ir:
        print(f"\nminus the no-op run of the same binary: apiprobe {M(ir['apiprobe'] - ir['apiprobe.noop'])}, "
              f"check_curl {M(ir['check_curl'] - ir['check_curl.noop'])}")
    if ir_bad:
        print(f"\nWARNING: nonzero exit under callgrind: {', '.join(ir_bad)}")
    print()

# ---- wall / cpu / rss ----------------------------------------------------------
if rows:
    print("## One probe per process, medians (bench_single.sh)\n")
    print("| command | n | wall ms | cpu ms | peak RSS MiB | cpu / check_curl's | exit≠0 |")
    print("|---|---|---|---|---|---|---|")
    for lab in ["apiprobe", "apiprobe_lookup", "check_curl", "curl_cli", "probe_curl", "probe_min",
                "apiprobe.noop", "check_curl.noop", "curl_cli.noop", "probe_min.noop"]:
        if lab not in rows:
            continue
        rel = f"{med(lab, 'cpu') / med('check_curl', 'cpu'):.2f}" if "check_curl" in rows else ""
        bad = sum(1 for e in rows[lab]["exit"] if e)
        print(f"| {lab} | {len(rows[lab]['wall'])} | {med(lab, 'wall'):.2f} | {med(lab, 'cpu'):.2f} | "
              f"{med(lab, 'rss'):.1f} | {rel} | {bad} |")
    print("\n## In-process cost of one more probe, medians (bench_single.sh)\n")
    print("| what | cpu ms/probe | wall ms/probe | cpu / probe_min's |")
    print("|---|---|---|---|")
    pm = None
    if "probe_min.x101" in rows and "probe_min.x1" in rows:
        pm = (med("probe_min.x101", "cpu") - med("probe_min.x1", "cpu")) / 100
        pmw = (med("probe_min.x101", "wall") - med("probe_min.x1", "wall")) / 100
        print(f"| probe_min (x101-x1)/100 | {pm:.3f} | {pmw:.3f} | 1.00 |")
    for n in (11, 101):
        k = f"ap_resident.x{n}"
        if k in rows and "ap_resident.x1" in rows:
            c = (med(k, "cpu") - med("ap_resident.x1", "cpu")) / (n - 1)
            w = (med(k, "wall") - med("ap_resident.x1", "wall")) / (n - 1)
            rel = f"{c / pm:.2f}" if pm else ""
            print(f"| ap_resident (x{n}-x1)/{n - 1} | {c:.3f} | {w:.3f} | {rel} |")
    print()


# ---- where the instructions go -------------------------------------------------
def objects(name):
    f = path("callgrind", f"{name}.1.cg")
    return summarize.cg_parse(f)[1] if os.path.exists(f) else None


def delta(x, y, n):
    if not x or not y:
        return None
    return {o: (x.get(o, 0) - y.get(o, 0)) / n for o in set(x) | set(y)}


def table(title, cols, top=10):
    cols = [(h, d) for h, d in cols if d]
    if not cols:
        return
    first = cols[0][1]
    keys = sorted(set().union(*[d for _, d in cols]), key=lambda o: -first.get(o, 0))
    print(f"## {title}\n")
    print("| object | " + " | ".join(h for h, _ in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for o in keys[:top]:
        print(f"| {o.rsplit('/', 1)[-1]} | " + " | ".join(M(d.get(o, 0)) for _, d in cols) + " |")
    print("| **total** | " + " | ".join(M(sum(d.values())) for _, d in cols) + " |")
    print()


table("Self Ir by object, one probe per process (callgrind run 1)",
      [("apiprobe", objects("apiprobe")), ("check_curl", objects("check_curl")),
       ("probe_min", objects("probe_min"))])
table("Self Ir by object, per extra in-process probe (callgrind run 1)",
      [("ap_resident (x11-x1)/10", delta(objects("ap_resident.x11"), objects("ap_resident"), 10)),
       ("ap_resident (x101-x1)/100", delta(objects("ap_resident.x101"), objects("ap_resident"), 100)),
       ("probe_min (x11-x1)/10", delta(objects("probe_min.x11"), objects("probe_min"), 10))])


# ---- by function: where the resident probe spends more than the floor ----------
def functions(name):
    """Inclusive Ir per named function (callgrind_annotate; stripped
    libraries show only their exported entry points)."""
    f = path("callgrind", f"{name}.1.cg")
    if not os.path.exists(f):
        return None
    try:
        text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", f],
                              capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    d = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*?)(?: \[.*\])?$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        fn = m.group(2).split(":", 1)[-1]
        if fn.startswith("0x") or fn in ("(below main)", "main") or fn.startswith("__libc_start_main"):
            continue
        d[fn] = d.get(fn, 0) + int(m.group(1).replace(",", ""))
    return d


ax, a1 = functions("ap_resident.x11"), functions("ap_resident")
px, p1 = functions("probe_min.x11"), functions("probe_min")
if ax and a1 and px and p1:
    ap = {k: (ax.get(k, 0) - a1.get(k, 0)) / 10 for k in ax}
    pm = {k: (px.get(k, 0) - p1.get(k, 0)) / 10 for k in px}
    top = sorted(ap, key=lambda k: -(ap[k] - pm.get(k, 0)))[:15]
    print("## Inclusive Ir per extra in-process probe by function, largest excess over probe_min first\n")
    print("| function | ap_resident (x11-x1)/10 | probe_min (x11-x1)/10 | excess |")
    print("|---|---|---|---|")
    for k in top:
        print(f"| {k} | {M(ap[k])} | {M(pm.get(k, 0))} | {M(ap[k] - pm.get(k, 0))} |")
    print()
