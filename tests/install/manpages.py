#!/usr/bin/env python3
"""manpages.py -- the options of --help and of the man pages, both ways.

usage: manpages.py --apiprobe BIN --check BIN --man DIR

  apiprobe --help        <-> apiprobe.1 OPTIONS
  check_apiprobe --help  <-> check_apiprobe.1 OPTIONS
  apiprobe --help target options (less the CLI's own) plus Interval
                         <-> collectd-apiprobe.5 TARGET OPTIONS
                             (collectd keys ignore case, '-' and '_')
  dist/icinga2/check_apiprobe.conf custom variables
                         <-> the table of dist/icinga2/README.md
Each page must also render without a groff warning. Prints one ok/not ok
line per comparison; exit 1 on any difference.
"""
import argparse
import re
import subprocess
import sys

# options of the CLI alone: no meaning in a collectd <Target>
CLI_ONLY = {"name", "json", "prometheus", "prometheus-file", "config",
            "help", "version"}
COLLECTD_ONLY = {"interval"}

FAILS = 0


def report(ok, what):
    global FAILS
    print(("ok - " if ok else "not ok - ") + what)
    if not ok:
        FAILS += 1


def help_options(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True,
                         timeout=30).stdout
    opts = set(re.findall(r"^ {2,}(?:-\S, )?--([a-z0-9][a-z0-9-]*)", out,
                          re.M))
    if not opts:
        sys.exit(f"manpages.py: no option found in {binary} --help")
    return opts


def section(src, title):
    """The lines of section TITLE (.SH TITLE up to the next .SH)."""
    m = re.search(r'^\.SH "?' + re.escape(title) + r'"?\n(.*?)(?=^\.SH |\Z)',
                  src, re.M | re.S)
    if not m:
        sys.exit(f"manpages.py: no .SH {title}")
    return m.group(1).splitlines()


def tagged(lines):
    """The tag line of every .TP paragraph."""
    return [lines[i + 1] for i, l in enumerate(lines[:-1])
            if l.strip() == ".TP"]


def man_long_options(path, title="OPTIONS"):
    src = open(path, encoding="utf-8").read()
    opts = set()
    for tag in tagged(section(src, title)):
        first = re.search(r"\\-\\-([a-z0-9][a-z0-9\\-]*)", tag)
        if first:
            opts.add(first.group(1).replace("\\-", "-"))
    return opts


def man_collectd_keys(path):
    src = open(path, encoding="utf-8").read()
    keys = set()
    for tag in tagged(section(src, "TARGET OPTIONS")):
        m = re.match(r"\.B[IR]? +([A-Za-z0-9]+)", tag)
        if m:
            keys.add(m.group(1))
    return keys


def norm(k):
    return k.lower().replace("-", "").replace("_", "")


def both_ways(what, have, want):
    missing = sorted(want - have)
    extra = sorted(have - want)
    report(not missing and not extra,
           f"{what}: {len(want)} options"
           + (f"; not in the man page: {' '.join(missing)}" if missing else "")
           + (f"; in the man page only: {' '.join(extra)}" if extra else ""))


def renders(path):
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8",
                        "-Z", path], capture_output=True, text=True,
                       timeout=60, env={"LC_ALL": "C.UTF-8",
                                        "PATH": "/usr/bin:/bin",
                                        "MANWIDTH": "80"})
    report(r.returncode == 0 and not r.stderr.strip(),
           f"{path.rsplit('/', 1)[-1]} renders without warnings"
           + (f": {r.stderr.strip()[:300]}" if r.stderr.strip() else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiprobe", required=True)
    ap.add_argument("--check", required=True)
    ap.add_argument("--man", required=True)
    ap.add_argument("--icinga2", required=True, help="dist/icinga2")
    a = ap.parse_args()
    cli = help_options(a.apiprobe)
    both_ways("apiprobe --help vs apiprobe(1)",
              man_long_options(f"{a.man}/apiprobe.1"), cli)
    both_ways("check_apiprobe --help vs check_apiprobe(1)",
              man_long_options(f"{a.man}/check_apiprobe.1"),
              help_options(a.check))
    want = {norm(o) for o in cli - CLI_ONLY} | COLLECTD_ONLY
    have = {norm(k) for k in man_collectd_keys(f"{a.man}/collectd-apiprobe.5")}
    both_ways("apiprobe --help target options vs collectd-apiprobe(5)",
              have, want)
    conf = open(f"{a.icinga2}/check_apiprobe.conf", encoding="utf-8").read()
    conf = conf[conf.index("object CheckCommand"):]
    table = open(f"{a.icinga2}/README.md", encoding="utf-8").read()
    both_ways("Icinga 2 CheckCommand variables vs the table of README.md",
              set(re.findall(r"^(apiprobe_[a-z0-9_]+) \|", table, re.M)),
              set(re.findall(r"\$(apiprobe_[a-z0-9_]+)\$", conf)))
    for page in ("apiprobe.1", "check_apiprobe.1", "collectd-apiprobe.5"):
        renders(f"{a.man}/{page}")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
