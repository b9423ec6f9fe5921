#!/usr/bin/env python3
"""zabbix_template.py - check dist/zabbix/template_apiprobe.yaml against a
running zabbix_agentd that has the apiprobe module loaded.

usage: zabbix_template.py --template YAML --metrics-c plugin/metrics.c
         --agent HOST:PORT --target NAME[=EXPECTED] ... [--crosscheck NAME,...]

1. The YAML parses (PyYAML) and is a Zabbix 6.0 export as the importer
   wants it: version '6.0', every scalar a string, v4-shaped 32-hex uuids,
   all unique; one template; the LLD rule on apiprobe.discovery with the
   master item prototype apiprobe.probe[{#TARGET}] (TEXT) and dependent
   prototypes on it; value maps, user macros, trigger items and trigger
   dependencies all defined; only the preprocessing steps evaluated below.
2. Coverage: a dependent item for the verdict state, the seven layer states
   and errors, verdict layer/error/reason/hint, and every metric of the
   module; each metric's JSONPath is the one plugin/metrics.c gives.
3. For each --target, apiprobe.probe[NAME] is read from the agent and every
   dependent item's preprocessing is run on it as the server would
   (JSONPath subset: $.a.b / $['a']; JavaScript through node when present,
   else the Python equivalent of the known scripts; error handlers). A path
   that does not resolve fails unless the step has an error handler
   (DISCARD_VALUE / CUSTOM_VALUE); state and text items must always yield a
   value; the value must fit the item's type.
4. For the --crosscheck targets, each state/layer/metric dependent item is
   compared with the module's own item (apiprobe.state/layer/metric):
   same state numbers, same "measured or not", same deterministic values.
5. The trigger prototypes are evaluated on the values of each target (with
   the template's macro defaults and trigger dependencies); the set that
   fires must be exactly EXPECTED ('|'-separated fragments of trigger
   names; empty: none).

Prints "ok - ...", "not ok - ..." and "# ..." lines (the caller numbers
them); exits 0 when nothing failed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zabbix_get  # noqa: E402

try:
    import yaml
except ImportError:
    print("not ok - PyYAML is missing: install python3-yaml")
    sys.exit(1)

FAILS = 0
LAYERS = ["env", "dns", "tcp", "proxy", "tls", "http", "auth", "model",
          "inference"]
STATES = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3, "skipped": 4, "n/a": 5}
MASTER = "apiprobe.probe[{#TARGET}]"
UUID_RE = re.compile(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$")


def ok(msg):
    print("ok - " + msg)


def notok(msg):
    global FAILS
    FAILS += 1
    print("not ok - " + msg)


def check(cond, msg, why=""):
    if cond:
        ok(msg)
    else:
        notok(msg + (": " + why if why else ""))
    return cond


def note(msg):
    print("# " + msg)


# ---------------------------------------------------------------- metrics.c
def metric_table(path):
    """{name: json path} from plugin/metrics.c's rows, ROW("name", "json.path", ...)."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    return dict(re.findall(r'ROW\(\s*"([a-z_]+)"\s*,\s*"([a-z_.]+)"', src))


# ---------------------------------------------------------------- JSONPath
class Unresolved(Exception):
    pass


def jsonpath_segments(path):
    """The subset the template may use: $ then .name or ['name'] segments."""
    if not path.startswith("$"):
        return None
    segs, i = [], 1
    while i < len(path):
        m = re.match(r"\.([A-Za-z_][A-Za-z0-9_]*)", path[i:]) or \
            re.match(r"\['([^']+)'\]", path[i:])
        if not m:
            return None
        segs.append(m.group(1))
        i += m.end()
    return segs


def jsonpath(doc, path):
    """Zabbix JSONPath result as text: strings unquoted, the rest as JSON."""
    segs = jsonpath_segments(path)
    if segs is None:
        raise ValueError("JSONPath outside the tested subset: " + path)
    cur = doc
    for s in segs:
        if not isinstance(cur, dict) or s not in cur:
            raise Unresolved("no data matches the path " + path)
        cur = cur[s]
    if isinstance(cur, str):
        return cur
    return json.dumps(cur, separators=(",", ":"))


# ---------------------------------------------------------------- JavaScript
def _js_state(value):
    if value not in STATES:
        raise Unresolved("unexpected state: " + value)
    return str(STATES[value])


def _js_up(value):
    a = json.loads(value)
    st = a.get("state")
    return "1" if (st in ("ok", "warning") or
                   (st == "critical" and a.get("error") == "threshold")) else "0"


def _js_expiry(value):
    return str(round(time.time() + float(value) * 86400))


# JavaScript whose result depends on the clock: node and Python may run a
# second apart
CLOCK_JS = {"return Math.round(Date.now() / 1000 + Number(value) * 86400);"}

KNOWN_JS = {  # script text -> Python equivalent (used when node is absent)
    "return Math.round(Date.now() / 1000 + Number(value) * 86400);": _js_expiry,
    "var states = {'ok': 0, 'warning': 1, 'critical': 2, 'unknown': 3, 'skipped': 4, 'n/a': 5};\n"
    "if (!states.hasOwnProperty(value)) {\n"
    "    throw 'unexpected state: ' + value;\n"
    "}\n"
    "return states[value];": _js_state,
    "var auth = JSON.parse(value);\n"
    "return (auth.state === 'ok' || auth.state === 'warning' ||\n"
    "        (auth.state === 'critical' && auth.error === 'threshold')) ? 1 : 0;": _js_up,
}

NODE = shutil.which("node") or shutil.which("nodejs")
NODE_PROG = r"""
let input = '';
process.stdin.on('data', d => input += d);
process.stdin.on('end', () => {
  const out = JSON.parse(input).map(([script, value]) => {
    try {
      const r = new Function('value', script)(value);
      return {value: r === undefined || r === null ? null : String(r)};
    } catch (e) {
      return {error: String(e)};
    }
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def run_node(pairs):
    if not NODE or not pairs:
        return None
    p = subprocess.run([NODE, "-e", NODE_PROG], input=json.dumps(pairs),
                       capture_output=True, text=True, timeout=20)
    if p.returncode != 0:
        notok("node failed: " + p.stderr.strip()[:300])
        return None
    return json.loads(p.stdout)


# ---------------------------------------------------------------- template
def all_scalars(node, path="$"):
    """(path, value) for every non-string scalar (the importer wants strings)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from all_scalars(v, path + "." + str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from all_scalars(v, "%s[%d]" % (path, i))
    elif not isinstance(node, str):
        yield path, node


def all_uuids(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "uuid":
                yield v
            else:
                yield from all_uuids(v)
    elif isinstance(node, list):
        for v in node:
            yield from all_uuids(v)


def load_template(path, metrics):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        notok("template is not valid YAML: %s" % e)
        return None
    ok("template parses as YAML (%d lines)" % text.count("\n"))
    ex = doc.get("zabbix_export") if isinstance(doc, dict) else None
    if not check(isinstance(ex, dict), "top level is zabbix_export"):
        return None
    check(ex.get("version") == "6.0", "zabbix_export.version is '6.0'", repr(ex.get("version")))
    bad = list(all_scalars(doc))
    check(not bad, "every scalar is a string (as Zabbix exports it)",
          ", ".join("%s=%r" % b for b in bad[:5]))
    uuids = list(all_uuids(doc))
    badu = [u for u in uuids if not isinstance(u, str) or not UUID_RE.match(u)]
    check(not badu, "all %d uuids are 32 hex digits, UUIDv4-shaped" % len(uuids), str(badu[:3]))
    dup = sorted({u for u in uuids if uuids.count(u) > 1})
    check(not dup, "uuids are unique", str(dup[:3]))
    groups = {g.get("name") for g in ex.get("groups") or []}
    check(bool(groups) and all(g.get("uuid") for g in ex.get("groups")), "groups have names and uuids")
    tpls = ex.get("templates") or []
    if not check(len(tpls) == 1, "exactly one template", str(len(tpls))):
        return None
    t = tpls[0]
    check(bool(t.get("uuid")) and t.get("template") and t.get("name"), "template has uuid, template, name")
    check({g.get("name") for g in t.get("groups") or []} <= groups and t.get("groups"),
          "template groups are defined in zabbix_export.groups")
    rules = t.get("discovery_rules") or []
    rule = next((r for r in rules if r.get("key") == "apiprobe.discovery"), None)
    if not check(rule is not None, "an LLD rule on apiprobe.discovery"):
        return None
    protos = rule.get("item_prototypes") or []
    by_key = {p.get("key"): p for p in protos}
    check(len(by_key) == len(protos), "item prototype keys are unique")
    # The file is Zabbix's own export (tests/servers/zabbix.py checks the
    # round trip through a real server): a hand edit that puts an item or
    # a tag elsewhere fails there; say so here already, cheaply.
    keys = [p.get("key") for p in protos]
    unsorted = [p.get("key") for p in protos
                if [(x.get("tag"), x.get("value")) for x in p.get("tags") or []] !=
                sorted((x.get("tag"), x.get("value")) for x in p.get("tags") or [])]
    check(keys == sorted(keys) and not unsorted,
          "item prototypes by key and their tags by name, as Zabbix exports them",
          "after editing the template, run tests/servers/zabbix.py with "
          "ZABBIX_WRITE_EXPORT=1 (it writes the export over the file); "
          "unsorted tags: %s" % unsorted[:3])
    master = by_key.get(MASTER)
    check(master is not None and master.get("type", "ZABBIX_PASSIVE") == "ZABBIX_PASSIVE"
          and master.get("value_type") == "TEXT",
          "master item prototype %s: agent item, TEXT" % MASTER)
    deps = [p for p in protos if p.get("key") != MASTER]
    bad = [p.get("key") for p in deps
           if p.get("type") != "DEPENDENT" or (p.get("master_item") or {}).get("key") != MASTER
           or p.get("delay", "0") != "0"]
    check(not bad, "all %d other prototypes are DEPENDENT on the master" % len(deps), str(bad))
    vmaps = {v.get("name") for v in t.get("valuemaps") or []}
    bad = [p["key"] for p in protos if p.get("valuemap") and p["valuemap"].get("name") not in vmaps]
    check(not bad, "value maps used by items exist", str(bad))
    for v in t.get("valuemaps") or []:
        if v.get("name") == "apiprobe state":
            got = {m.get("value"): m.get("newvalue") for m in v.get("mappings") or []}
            check(got == {str(n): s for s, n in STATES.items()},
                  "value map 'apiprobe state' maps 0..5 to the six states", str(got))
    macros = {m.get("macro"): m.get("value") for m in t.get("macros") or []}
    used = set(re.findall(r"\{\$[A-Z0-9_.]+\}", yaml.safe_dump(rule)))
    check(used <= set(macros), "every user macro used is defined in the template",
          str(sorted(used - set(macros))))
    for m in ("{$APIPROBE.CERT.WARN}", "{$APIPROBE.CERT.CRIT}"):
        check(m in macros and re.match(r"^\d+$", macros[m] or ""), "macro %s has a number default" % m)
    steps_ok = {"JSONPATH", "JAVASCRIPT", "DISCARD_UNCHANGED_HEARTBEAT"}
    bad = []
    for p in deps:
        st = p.get("preprocessing") or []
        if not st or st[0].get("type") != "JSONPATH":
            bad.append(p["key"] + " (first step not JSONPATH)")
        for s in st:
            if s.get("type") not in steps_ok:
                bad.append("%s (step %s)" % (p["key"], s.get("type")))
            eh = s.get("error_handler")
            if eh not in (None, "ORIGINAL_ERROR", "DISCARD_VALUE", "CUSTOM_VALUE", "CUSTOM_ERROR"):
                bad.append("%s (error_handler %s)" % (p["key"], eh))
            if eh in ("CUSTOM_VALUE", "CUSTOM_ERROR") and "error_handler_params" not in s:
                bad.append("%s (%s without error_handler_params)" % (p["key"], eh))
            if s.get("type") == "JSONPATH" and jsonpath_segments(s["parameters"][0]) is None:
                bad.append("%s (JSONPath %s)" % (p["key"], s["parameters"][0]))
    check(not bad, "preprocessing: JSONPATH first, known steps and error handlers, paths in the tested subset",
          "; ".join(bad))

    # coverage
    want = ["apiprobe.state.json[{#TARGET}]"]
    want += ["apiprobe.layer.json[{#TARGET},%s]" % l for l in LAYERS]
    want += ["apiprobe.error.json[{#TARGET},%s]" % l for l in LAYERS]
    want += ["apiprobe.verdict.json[{#TARGET},%s]" % f for f in ("layer", "error", "reason", "hint")]
    want += ["apiprobe.metric.json[{#TARGET},%s]" % m for m in metrics]
    missing = [k for k in want if k not in by_key]
    check(not missing, "a dependent item for the verdict, every layer state/error and all %d metrics"
          % len(metrics), ", ".join(missing))
    for k, vt in [(k, "UNSIGNED") for k in want[:1 + len(LAYERS)]]:
        if k in by_key:
            check(by_key[k].get("value_type", "UNSIGNED") == vt and by_key[k].get("valuemap", {}).get("name") == "apiprobe state",
                  "%s: UNSIGNED with value map 'apiprobe state'" % k)
    bad = []
    for m, jp in metrics.items():
        p = by_key.get("apiprobe.metric.json[{#TARGET},%s]" % m)
        if not p:
            continue
        first = p["preprocessing"][0]["parameters"][0]
        want_path = "$.layers.auth" if m == "up" else "$." + jp
        if first != want_path:
            bad.append("%s: %s, metrics.c says %s" % (m, first, want_path))
        if p.get("value_type", "UNSIGNED") not in ("FLOAT", "UNSIGNED"):
            bad.append("%s: value_type %s" % (m, p.get("value_type")))
    check(not bad, "each metric's JSONPath is metrics.c's JSON path", "; ".join(bad))

    # triggers
    # Zabbix exports a trigger on one item under that item, the others on
    # the rule
    trigs = list(rule.get("trigger_prototypes") or [])
    for p in protos:
        trigs += p.get("trigger_prototypes") or []
    tpl = t.get("template")
    bad = []
    for tr in trigs:
        for host, key in re.findall(r"\w+\(/([^/]*)/([^,)\[]*(?:\[[^\]]*\])?)", tr.get("expression", "")):
            if host != tpl:
                bad.append("%s: host '%s'" % (tr.get("name"), host))
            if key not in by_key:
                bad.append("%s: unknown item %s" % (tr.get("name"), key))
        for d in tr.get("dependencies") or []:
            if not any(x.get("name") == d.get("name") and x.get("expression") == d.get("expression")
                       for x in trigs):
                bad.append("%s: dependency '%s' not found" % (tr.get("name"), d.get("name")))
        if tr.get("priority") not in ("INFO", "WARNING", "AVERAGE", "HIGH", "DISASTER"):
            bad.append("%s: priority %s" % (tr.get("name"), tr.get("priority")))
    check(trigs and not bad, "%d trigger prototypes: items, host and dependencies resolve" % len(trigs),
          "; ".join(bad))
    for what in ("DNS", "TCP", "TLS", "API rejected", "rate limited", "certificate expires",
                 "model not served", "inference failed", "slow first token"):
        check(any(what in tr.get("name", "") for tr in trigs), "a trigger prototype for '%s'" % what)
    return {"template": t, "rule": rule, "by_key": by_key, "deps": deps, "triggers": trigs,
            "macros": macros}


# ---------------------------------------------------------------- evaluation
def evaluate(tm, samples):
    """{target: {key: value or None}}: each dependent item's preprocessing."""
    values, pending = {}, []
    for name, doc in samples.items():
        vals = values.setdefault(name, {})
        for p in tm["deps"]:
            key = p["key"]
            handled = None
            text = None
            for s in p["preprocessing"]:
                typ = s["type"]
                if typ == "JSONPATH":
                    try:
                        text = jsonpath(doc, s["parameters"][0])
                    except Unresolved as e:
                        eh = s.get("error_handler")
                        if eh == "DISCARD_VALUE":
                            handled = "discarded"
                        elif eh == "CUSTOM_VALUE":
                            text = s.get("error_handler_params", "")
                            handled = "custom"
                            continue
                        else:
                            notok("%s %s: %s and no error handler" % (name, key, e))
                            handled = "failed"
                        break
                elif typ == "JAVASCRIPT":
                    script = s["parameters"][0]
                    py = KNOWN_JS.get(script)
                    pyv = None
                    if py:
                        try:
                            pyv = py(text)
                        except (Unresolved, ValueError) as e:
                            pyv = "ERROR: %s" % e
                    elif not NODE:
                        notok("%s: unknown JavaScript and no node to run it" % key)
                    pending.append((name, key, script, text, pyv))
                    text = ("__js__", len(pending) - 1)
                    break  # JS is the last value-changing step in this template
                elif typ == "DISCARD_UNCHANGED_HEARTBEAT":
                    pass
            vals[key] = None if handled in ("discarded", "failed") else text
            if handled:
                vals.setdefault("__handled__", {})[key] = handled
    node = run_node([[s, v] for (_, _, s, v, _) in pending])
    if node is not None:
        note("JavaScript steps run by %s (%d runs), checked against the Python equivalents"
             % (NODE, len(pending)))
    else:
        note("JavaScript steps: Python equivalents (node not found)")
    for i, (name, key, script, text, pyv) in enumerate(pending):
        res = None
        if node is not None:
            r = node[i]
            res = r.get("value") if "error" not in r else "ERROR: " + r["error"]
            if script in CLOCK_JS and pyv is not None and res is not None and \
                    re.match(r"^\d+$", res) and abs(int(res) - int(pyv)) <= 2:
                pass
            elif pyv is not None and res != pyv:
                notok("%s %s: node says %r, the Python equivalent %r" % (name, key, res, pyv))
        else:
            res = pyv
        if res is None or str(res).startswith("ERROR"):
            notok("%s %s: JavaScript failed on %r: %s" % (name, key, text, res))
            res = None
        values[name][key] = res
    return values


def check_types(tm, values):
    by_key = tm["by_key"]
    for name, vals in values.items():
        bad, missing = [], []
        for key, v in vals.items():
            if key.startswith("__"):
                continue
            p = by_key[key]
            vt = p.get("value_type", "UNSIGNED")
            has_handler = any(s.get("error_handler") for s in p["preprocessing"])
            if v is None:
                if not has_handler:
                    missing.append(key)
                continue
            try:
                if vt == "UNSIGNED":
                    if not re.match(r"^\d+$", v):
                        raise ValueError
                elif vt == "FLOAT":
                    float(v)
                elif vt == "CHAR" and len(v) > 255:
                    raise ValueError
            except ValueError:
                bad.append("%s=%r (%s)" % (key, v, vt))
        check(not bad, "%s: every value fits its item's type" % name, "; ".join(bad))
        check(not missing, "%s: every item without an error handler got a value" % name,
              ", ".join(missing))
        for key in ["apiprobe.state.json[{#TARGET}]"] + \
                   ["apiprobe.layer.json[{#TARGET},%s]" % l for l in LAYERS] + \
                   ["apiprobe.verdict.json[{#TARGET},%s]" % f for f in ("layer", "error", "reason", "hint")]:
            if key in vals and vals[key] is None:
                notok("%s %s: no value (state and verdict items must always have one)" % (name, key))


def never_resolved(tm, samples):
    """Paths guarded by an error handler that no sample resolved: noted."""
    out = []
    for p in tm["deps"]:
        path = p["preprocessing"][0]["parameters"][0]
        hit = False
        for doc in samples.values():
            try:
                jsonpath(doc, path)
                hit = True
                break
            except Unresolved:
                pass
        if not hit:
            out.append(path)
    return out


# ---------------------------------------------------------------- cross-check
DETERMINISTIC = {"http_status": 0, "retry_after": 0, "up": 0, "ratelimit_requests_remaining": 0,
                 "ratelimit_tokens_remaining": 0, "cert_days_left": 0.01,
                 "chain_min_days_left": 0.01, "clock_skew": 1.5}


def crosscheck(tm, host, port, name, vals, doc):
    bad, n = [], 0
    for key, v in vals.items():
        m = re.match(r"^apiprobe\.(state|layer|metric)\.json\[\{#TARGET\}(?:,(\w+))?\]$", key)
        if not m:
            continue
        kind, arg = m.groups()
        mkey = "apiprobe.%s[%s%s]" % (kind, name, "," + arg if arg else "")
        supported, text = zabbix_get.get(host, port, mkey, 10)
        n += 1
        if kind in ("state", "layer"):
            if not supported or text != v:
                bad.append("%s: module %s, template %s" % (mkey, text if supported else "NOTSUPPORTED " + text, v))
            continue
        if v is None:
            if supported or not text.startswith("not measured"):
                bad.append("%s: template discards it, module says %r" % (mkey, text))
            continue
        if not supported:
            bad.append("%s: template %s, module NOTSUPPORTED %s" % (mkey, v, text))
            continue
        tol = DETERMINISTIC.get(arg)
        if tol is not None and abs(float(text) - float(v)) > tol:
            bad.append("%s: template %s, module %s" % (mkey, v, text))
        elif tol is None and float(text) < 0:
            bad.append("%s: negative time %s" % (mkey, text))
    check(not bad, "%s: %d module items agree with the dependent items" % (name, n), "; ".join(bad))
    supported, line = zabbix_get.get(host, port, "apiprobe.verdict[%s]" % name, 10)
    vd = doc["verdict"]
    head = vd["state"] + ("" if not vd.get("error") else " %s %s" % (vd["layer"], vd["error"]))
    check(supported and line.split(":")[0] == head,
          "%s: apiprobe.verdict starts '%s:' like the JSON verdict" % (name, head), repr(line))


# ---------------------------------------------------------------- triggers
TOKEN = re.compile(r'\s+|"(?:[^"\\]|\\.)*"|\{\$[A-Z0-9_.]+\}|(?:last|nodata)\(/[^/]*/[^)]*\)'
                   r'|<>|<=|>=|=|<|>|\(|\)|-?\d+(?:\.\d+)?|and\b|or\b|not\b')


class NoData(Exception):
    pass


def eval_trigger(expr, vals, tm):
    out, pos = [], 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError("cannot parse trigger expression at %r" % expr[pos:pos + 30])
        tok = m.group(0)
        pos = m.end()
        if tok.isspace():
            continue
        if tok.startswith("last("):
            key = re.match(r"last\(/[^/]*/(.*)\)$", tok).group(1)
            v = vals.get(key)
            if v is None:
                raise NoData(key)
            vt = tm["by_key"][key].get("value_type", "UNSIGNED")
            out.append(repr(v) if vt in ("CHAR", "TEXT") else repr(float(v)))
        elif tok.startswith("nodata("):
            out.append("0")  # the master item just got a value
        elif tok.startswith("{$"):
            out.append(repr(float(tm["macros"][tok])))
        elif tok == "=":
            out.append("==")
        elif tok == "<>":
            out.append("!=")
        else:
            out.append(tok)
    return bool(eval(" ".join(out), {"__builtins__": {}}, {}))  # noqa: S307 - own tokens only


def check_triggers(tm, name, vals, expected):
    fired = {}
    for tr in tm["triggers"]:
        try:
            fired[tr["name"]] = eval_trigger(tr["expression"], vals, tm)
        except NoData:
            fired[tr["name"]] = False
        except (ValueError, TypeError, SyntaxError, KeyError) as e:
            notok("%s: trigger '%s' cannot be evaluated: %s" % (name, tr["name"], e))
            fired[tr["name"]] = False
    shown = set()
    for tr in tm["triggers"]:
        if not fired[tr["name"]]:
            continue
        if any(fired.get(d["name"]) for d in tr.get("dependencies") or []):
            continue  # suppressed by a dependency that is a problem
        shown.add(tr["name"])
    want = [f for f in expected.split("|") if f]
    missing = [f for f in want if not any(f in n for n in shown)]
    extra = [n for n in shown if not any(f in n for f in want)]
    check(not missing and not extra,
          "%s: trigger prototypes firing: %s" % (name, ", ".join(sorted(shown)) or "none"),
          "want [%s], missing %s, unexpected %s" % (expected, missing, extra))


# ---------------------------------------------------------------- main
def main(argv):
    args = {"--target": [], "--crosscheck": ""}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--template", "--metrics-c", "--agent", "--crosscheck", "--target") and i + 1 < len(argv):
            if a == "--target":
                args[a].append(argv[i + 1])
            else:
                args[a] = argv[i + 1]
            i += 2
        else:
            print("usage: see the header of %s" % sys.argv[0], file=sys.stderr)
            return 2
    metrics = metric_table(args["--metrics-c"])
    if not check(len(metrics) >= 14, "plugin/metrics.c lists %d metrics" % len(metrics)):
        return 1
    tm = load_template(args["--template"], metrics)
    if tm is None:
        return 1
    host, port = args["--agent"].rsplit(":", 1)
    targets = []
    for t in args["--target"]:
        name, _, exp = t.partition("=")
        targets.append((name, exp))
    samples = {}
    for name, _ in targets:
        supported, text = zabbix_get.get(host, port, "apiprobe.probe[%s]" % name, 10)
        if not check(supported, "%s: apiprobe.probe over the agent protocol" % name, text):
            continue
        try:
            samples[name] = json.loads(text)
        except ValueError as e:
            notok("%s: apiprobe.probe is not JSON: %s" % (name, e))
    values = evaluate(tm, samples)
    check_types(tm, values)
    for name, vals in values.items():
        shown = []
        for k in ["apiprobe.state.json[{#TARGET}]"] + ["apiprobe.layer.json[{#TARGET},%s]" % l for l in LAYERS]:
            shown.append(str(vals.get(k)))
        mets = ["%s=%s" % (m, vals.get("apiprobe.metric.json[{#TARGET},%s]" % m))
                for m in ("http_status", "cert_days_left", "retry_after", "up")]
        note("template values %-14s state/layers(env..auth) %s; %s; error(auth)=%s"
             % (name, "/".join(shown), " ".join(mets), vals.get("apiprobe.error.json[{#TARGET},auth]")))
    nr = never_resolved(tm, samples)
    note("paths no sample resolved (all guarded by an error handler): %s" % (", ".join(nr) or "none"))
    cross = [c for c in args["--crosscheck"].split(",") if c]
    for name in cross:
        if name in values:
            crosscheck(tm, host, port, name, values[name], samples[name])
    for name, exp in targets:
        if name in values:
            check_triggers(tm, name, values[name], exp)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
