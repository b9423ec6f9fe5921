#!/usr/bin/env python3
"""plugin_summary.py - check_apiprobe against check_curl as goal ratios, from
what bench/plugin.sh collected.

  plugin_summary.py OUTDIR YARDSTICK_DIR

Reads OUTDIR/callgrind/ir.tsv (bench_callgrind.sh), OUTDIR/single/runs.csv
(bench_single.sh) and OUTDIR/meta.txt (plugin.sh); prints markdown.
"""
import os
import statistics
import sys

out, shared = sys.argv[1], sys.argv[2]
sys.dont_write_bytecode = True
sys.path.insert(0, shared)
import summarize  # noqa: E402  (the yardstick's runbench CSV parser)

GOAL_RATIO = 0.95   # check_apiprobe Ir and CPU <= 0.95 x check_curl's
GOAL_RSS = 12.0     # MiB, check_apiprobe's peak RSS
# (check_apiprobe row, check_curl row, what)
PAIRS = [("check_apiprobe_sys", "check_curl_sys", "system store (no CA-file option)"),
         ("check_apiprobe_cafile", "check_curl", "CA file (-C / --ca-cert), context"),
         ("check_apiprobe_envfile", "check_curl_sys",
          "system store, check_apiprobe with SSL_CERT_FILE=<bundle> set, context")]


def path(*p):
    return os.path.join(out, *p)


meta = {}
if os.path.exists(path("meta.txt")):
    for line in open(path("meta.txt")):
        for w in ([line.strip()] if line.startswith(("versions=", "store=")) else line.split()):
            k, _, v = w.partition("=")
            meta[k] = v

ir_runs = {}
for tsv in (path("callgrind", "ir.tsv"), path("callgrind-envfile", "ir.tsv")):
    if not os.path.exists(tsv):
        continue
    for line in open(tsv):
        f = line.rstrip("\n").split("\t")
        ir_runs.setdefault(f[0], []).append((int(f[3]), int(f[2])))
ir = {k: statistics.median(x[0] for x in v) for k, v in ir_runs.items()}
rows = summarize.load_runs(path("single", "runs.csv")) if os.path.exists(path("single", "runs.csv")) else {}
rounds = int(meta.get("rounds", 1))


def med(lab, col):
    return statistics.median(rows[lab][col])


def per_round(lab, col):
    v = rows[lab][col]
    k = len(v) // rounds
    return [statistics.median(v[i * k:(i + 1) * k]) for i in range(rounds)] if k else []


def M(v):
    return f"{v / 1e6:.2f} M"


def verdict(ok):
    return "met" if ok else "**MISSED**"


print("# check_apiprobe vs check_curl, one process per check, system trust store\n")
print(f"revision {meta.get('rev', '?')}; {meta.get('versions', '')}; "
      f"system bundle {meta.get('bundle_before', '?')} certificates (+ the bench CA during the run: "
      f"{meta.get('bundle_during', '?')}); {meta.get('rounds', '?')} rounds x {meta.get('per', '?')} runs, "
      f"callgrind x{meta.get('callgrind_runs', '?')}; results: {out}\n")

print("## Goals\n")
print("| goal | check_apiprobe | check_curl | ratio / value | target | verdict |")
print("|---|---|---|---|---|---|")
for i, (ap, cc, what) in enumerate(PAIRS):
    ctx = "" if i == 0 else " (context)"
    if ap in ir and cc in ir:
        r = ir[ap] / ir[cc]
        print(f"| Ir, {what} | {M(ir[ap])} | {M(ir[cc])} | {r:.3f} | <= {GOAL_RATIO} | "
              f"{verdict(r <= GOAL_RATIO)}{ctx} |")
    if ap in rows and cc in rows:
        r = med(ap, "cpu") / med(cc, "cpu")
        pr = [a / c for a, c in zip(per_round(ap, "cpu"), per_round(cc, "cpu"))]
        spread = f" (per round {min(pr):.2f}–{max(pr):.2f})" if len(pr) > 1 else ""
        print(f"| CPU median, {what} | {med(ap, 'cpu'):.2f} ms | {med(cc, 'cpu'):.2f} ms | {r:.3f}{spread} | "
              f"<= {GOAL_RATIO} | {verdict(r <= GOAL_RATIO)}{ctx} |")
    if ap in rows:
        rss = med(ap, "rss")
        cc_rss = f"{med(cc, 'rss'):.2f} MiB" if cc in rows else ""
        print(f"| peak RSS median, {what} | {rss:.2f} MiB (max {max(rows[ap]['rss']):.2f}) | {cc_rss} | "
              f"{rss:.2f} MiB | <= {GOAL_RSS:.0f} MiB | {verdict(rss <= GOAL_RSS)}{ctx} |")
print()
print(f"System trust store: {meta.get('store', '?')}\n")

bad = [k for k, v in ir_runs.items() if not k.endswith(".noop") and any(x[1] for x in v)]
bad += [k for k in rows if not k.endswith(".noop") and any(rows[k]["exit"])]
if bad:
    print(f"**WARNING: nonzero exits in measured runs: {', '.join(sorted(set(bad)))}**\n")

ORDER = ["check_apiprobe_sys", "check_curl_sys", "check_apiprobe_cafile", "check_curl",
         "check_apiprobe_envfile", "check_apiprobe.noop", "check_curl.noop"]
LABEL = {"check_apiprobe_sys": "check_apiprobe (system store)",
         "check_curl_sys": "check_curl (system store: default bundle)",
         "check_apiprobe_cafile": "check_apiprobe -C $CA",
         "check_curl": "check_curl --ca-cert $CA (the yardstick's row)",
         "check_apiprobe_envfile": "check_apiprobe, SSL_CERT_FILE=<bundle> (env exec included in wall/CPU)",
         "check_apiprobe.noop": "check_apiprobe -V (no-op, exits 3)",
         "check_curl.noop": "check_curl -V (no-op, exits 3)"}
NOOP = {"check_apiprobe_sys": "check_apiprobe.noop", "check_apiprobe_cafile": "check_apiprobe.noop",
        "check_apiprobe_envfile": "check_apiprobe.noop",
        "check_curl_sys": "check_curl.noop", "check_curl": "check_curl.noop"}
if ir:
    print("## Instructions (callgrind Ir, whole process)\n")
    print("| command | Ir median | runs | minus its no-op |")
    print("|---|---|---|---|")
    for k in ORDER:
        if k not in ir:
            continue
        noop = ir.get(NOOP.get(k, ""))
        d = M(ir[k] - noop) if noop else ""
        print(f"| {LABEL[k]} | {M(ir[k])} | {', '.join(str(x[0]) for x in ir_runs[k])} | {d} |")
    if all(k in ir for k in ORDER[:4]):
        print(f"\nWhat the system store adds over a CA file: check_apiprobe "
              f"{M(ir['check_apiprobe_sys'] - ir['check_apiprobe_cafile'])}, "
              f"check_curl {M(ir['check_curl_sys'] - ir['check_curl'])}")
    print()
if rows:
    print("## Wall / CPU / peak RSS medians (bench_single.sh, interleaved rounds)\n")
    print("| command | n | wall ms | CPU ms (user+sys) | peak RSS MiB | CPU / check_curl's (same store) | exit≠0 |")
    print("|---|---|---|---|---|---|---|")
    for k in ORDER:
        if k not in rows:
            continue
        ref = {"check_apiprobe_sys": "check_curl_sys", "check_curl_sys": "check_curl_sys",
               "check_apiprobe_cafile": "check_curl", "check_curl": "check_curl",
               "check_apiprobe_envfile": "check_curl_sys"}.get(k)
        rel = f"{med(k, 'cpu') / med(ref, 'cpu'):.3f}" if ref in rows else ""
        print(f"| {LABEL[k]} | {len(rows[k]['cpu'])} | {med(k, 'wall'):.2f} | {med(k, 'cpu'):.2f} | "
              f"{med(k, 'rss'):.2f} | {rel} | {sum(1 for e in rows[k]['exit'] if e)} |")
    print()
