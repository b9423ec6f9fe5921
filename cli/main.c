/* main.c -- apiprobe, the human face: parse argv through the core's option
 * table, probe once, print one line per layer (or --json), exit with the
 * verdict (0 ok, 1 warning, 2 critical, 3 unknown or bad usage).
 */
#include "apiprobe.h"
#include "apiprobe_conf.h"
#include "promfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


enum cli_opt {
  CLI_JSON = 1,
  CLI_PROM,
  CLI_PROM_FILE,
  CLI_CONFIG,
  CLI_HELP,
  CLI_VERSION
};

#define CLI_MAX_TARGETS 64

static const struct ap_argv_extra cli_opts[] = {
  {"json", 0, NULL, "print the result as JSON (docs/json.md); an array "
                    "for several URLs",
   CLI_JSON},
  {"prometheus", 0, NULL,
   "print the metrics in the Prometheus text format (for node_exporter's "
   "textfile collector)",
   CLI_PROM},
  {"prometheus-file", 0, "FILE",
   "write that text to FILE instead, atomically (temporary file in the "
   "same directory, then rename); nothing on stdout unless --json or "
   "--prometheus is given too",
   CLI_PROM_FILE},
  {"config", 0, "FILE",
   "probe the [target NAME] sections of FILE (the Zabbix module's "
   "format); options given here are every target's defaults",
   CLI_CONFIG},
  {"help", 'h', NULL, "show this help", CLI_HELP},
  {"version", 'V', NULL, "show the version", CLI_VERSION},
  {NULL, 0, NULL, NULL, 0},
};

static void usage(FILE *f)
{
  char buf[8192];
  ap_argv_help(cli_opts, buf, sizeof(buf));
  fprintf(f,
          "Usage: apiprobe [OPTIONS] [URL...]\n"
          "Tell whether this host can use the Anthropic API, and if not,\n"
          "which layer is broken: env, dns, tcp, proxy, tls, http, auth,\n"
          "and when asked, model and inference.\n"
          "The key is read from $ANTHROPIC_API_KEY (or --key-env/--key-file),"
          "\nnever from the command line, and is never printed.\n\n%s",
          buf);
  fprintf(f,
          "\nExit status: 0 ok, 1 warning, 2 critical, 3 unknown or bad "
          "usage.\n"
          "Several URLs are probed at once and compared in a table.\n"
          AP_COST_NOTE
          "Example: apiprobe --timeout 5\n"
          "         apiprobe --ca-file corp-ca.pem https://api.anthropic.com\n");
}

static void fmt_ms(char *out, size_t n, double s)
{
  if(isnan(s))
    snprintf(out, n, "%9s", "");
  else
    snprintf(out, n, "%7.1f ms", s * 1000.0);
}

static void print_layer(const char *name, const struct ap_layer_head *h,
                        const char *detail)
{
  char t[24];
  fmt_ms(t, sizeof(t), h->time_s);
  printf("  %-6s %-9s %s  %s%s%s\n", name, ap_state_name(h->state), t,
         detail, (*detail && h->reason[0]) ? " -- " : "", h->reason);
}

/* The lines of a layer, the others under it in the text column. */
static void print_line(const struct ap_line *l)
{
  if(l->kind == AP_LINE_INSECURE)
    printf("  !!!    %s\n", l->text);
  else if(l->kind == AP_LINE_LAYER)
    print_layer(ap_layer_name(l->layer), l->h, l->text);
  else
    printf("  %-6s %-9s %9s  %s\n", l->kind == AP_LINE_STATUS ? "status" : "",
           l->kind == AP_LINE_NOTE     ? "note"
           : l->kind == AP_LINE_ADVICE ? "advice"
           : l->kind == AP_LINE_ROUTE  ? ""
                                       : ap_state_name(l->state),
           "", l->text);
}

static void print_human(const struct ap_result *r)
{
  struct ap_line lines[AP_LINES_MAX];
  size_t i, n = ap_result_lines(r, AP_LINES_FULL, lines, AP_LINES_MAX);

  printf("apiprobe: %s (%s)\n", r->name, r->url);
  printf("  key    %s%s%s\n", r->key_source, r->key_fingerprint[0] ? " " : "",
         r->key_fingerprint);
  for(i = 0; i < n; i++)
    print_line(&lines[i]);
  printf("verdict: %s", ap_state_name(r->verdict.state));
  if(r->verdict.error != AP_ERR_NONE)
    printf(" at %s (%s)", ap_layer_name(r->verdict.layer),
           ap_error_name(r->verdict.error));
  printf(" -- %s (total %.3f s)\n", r->verdict.reason, r->total_s);
  if(r->verdict.hint[0])
    printf("hint: %s\n", r->verdict.hint);
  if(r->attempts > 1)
    printf("attempts: %d; the first was %s%s%s%s: %s\n", r->attempts,
           ap_state_name(r->first_attempt.state),
           r->first_attempt.error ? " at " : "",
           r->first_attempt.error ? ap_layer_name(r->first_attempt.layer) : "",
           r->first_attempt.error ? "" : "", r->first_attempt.reason);
}

static int bad_usage(const char *msg)
{
  fprintf(stderr, "apiprobe: %s\nTry 'apiprobe --help'.\n", msg);
  return 3;
}

struct cli {
  int json, prom;
  const char *prom_file; /* --prometheus-file */
  const char *config;    /* --config */
  const char *urls[CLI_MAX_TARGETS];
  int nurls;
  int quiet; /* re-parsing for the extra targets: no help, no URLs */
};

/* 1 = stop with exit 0 after --help/--version. */
static int on_opt(void *ud, int id, const char *value, char *err,
                  size_t errlen)
{
  struct cli *c = ud;
  switch(id) {
  case AP_ARGV_MORE_URL:
    if(c->quiet)
      return 0;
    if(c->nurls >= CLI_MAX_TARGETS - 1) {
      snprintf(err, errlen, "at most %d URLs", CLI_MAX_TARGETS);
      return -1;
    }
    c->urls[c->nurls++] = value;
    return 0;
  case CLI_JSON:
    c->json = 1;
    return 0;
  case CLI_PROM:
    c->prom = 1;
    return 0;
  case CLI_PROM_FILE:
    c->prom_file = value;
    return 0;
  case CLI_CONFIG:
    c->config = value;
    return 0;
  case CLI_HELP:
    if(!c->quiet)
      usage(stdout);
    return 1;
  case CLI_VERSION:
    if(!c->quiet)
      printf("apiprobe %s\n", AP_VERSION);
    return 1;
  }
  return 0;
}

static void fmt_cell(char *out, size_t n, double s)
{
  if(isnan(s))
    snprintf(out, n, "%8s", "-");
  else
    snprintf(out, n, "%8.1f", s * 1000.0);
}

/* Several targets: one row each, per-phase milliseconds (the metrics of
 * COLS). */
static void print_table(struct ap_result *rs, size_t n)
{
  static const char *const cols[5] = {"dns_time", "tcp_time", "tls_time",
                                      "ttfb", "total_time"};
  size_t i;
  printf("%-24s %-8s %-6s %-18s %8s %8s %8s %8s %8s\n", "TARGET", "STATE",
         "LAYER", "ERROR", "DNS ms", "TCP ms", "TLS ms", "TTFB ms",
         "TOTAL ms");
  for(i = 0; i < n; i++) {
    const struct ap_result *r = &rs[i];
    char c[5][16];
    size_t k;
    for(k = 0; k < 5; k++)
      fmt_cell(c[k], sizeof(c[k]),
               ap_metric_value(r, (size_t)ap_metric_find(cols[k])));
    printf("%-24.24s %-8s %-6s %-18.18s %s %s %s %s %s\n", r->name,
           ap_state_name(r->verdict.state),
           r->verdict.error ? ap_layer_name(r->verdict.layer) : "-",
           r->verdict.error ? ap_error_name(r->verdict.error) : "-", c[0],
           c[1], c[2], c[3], c[4]);
  }
  for(i = 0; i < n; i++) {
    if(rs[i].verdict.error)
      printf("%s: %s\n  hint: %s\n", rs[i].name, rs[i].verdict.reason,
             rs[i].verdict.hint);
  }
}

/* The command line's options parsed again into T (no help, no URLs): the
 * defaults of the other targets. 0 or -1 with ERR set. */
static int parse_again(int argc, char **argv, struct ap_target *t, char *err,
                       size_t errlen)
{
  struct cli quiet;
  memset(&quiet, 0, sizeof(quiet));
  quiet.quiet = 1;
  return ap_argv_parse(argc, argv, t, cli_opts, on_opt, &quiet, err, errlen)
             ? -1
             : 0;
}

/* Target K (> 0): the same options, parsed again, with URL K. */
static int extra_target(int argc, char **argv, struct ap_target *t,
                        const char *url, char *err, size_t errlen)
{
  ap_target_init(t);
  if(parse_again(argc, argv, t, err, errlen))
    return -1;
  return ap_target_set(t, "url", url, err, errlen) ? -1 : 0;
}

/* 0, -1 out of memory (ERR empty) or a file error (ERR set). */
static int emit(struct ap_result *rs, size_t n, const struct cli *c,
                char *err, size_t errlen)
{
  char *out = NULL;
  size_t i;
  err[0] = '\0';
  if(c->prom_file) {
    int rc;
    if(ap_render_prom(rs, n, &out))
      return -1;
    rc = cli_promfile_write(c->prom_file, out, err, errlen);
    free(out);
    out = NULL;
    if(rc)
      return -1;
    if(!c->prom && !c->json)
      return 0;
  }
  if(c->prom) {
    if(ap_render_prom(rs, n, &out))
      return -1;
    fputs(out, stdout);
  } else if(c->json) {
    if(n > 1)
      printf("[\n");
    for(i = 0; i < n; i++) {
      if(ap_render_json(&rs[i], 1, &out))
        return -1;
      printf("%s%s\n", out, n > 1 && i + 1 < n ? "," : "");
      free(out);
      out = NULL;
    }
    if(n > 1)
      printf("]\n");
  } else if(n == 1) {
    print_human(&rs[0]);
  } else {
    print_table(rs, n);
  }
  free(out);
  return 0;
}

/* --config: the command line, parsed again into each target of the file
 * before its section's options (so they are the defaults). */
struct cli_args {
  int argc;
  char **argv;
};

static int conf_init(void *ud, struct ap_target *t, char *err, size_t errlen)
{
  const struct cli_args *a = ud;
  return parse_again(a->argc, a->argv, t, err, errlen);
}

static void conf_log(void *ud, const char *msg)
{
  (void)ud;
  fprintf(stderr, "apiprobe: %s\n", msg);
}

/* Read the --config file into CONF; -1 (told on stderr) unless every
 * line was fine and at least one target is there. */
static int read_config(int argc, char **argv, const struct cli *c,
                       struct ap_conf *conf)
{
  struct cli_args a = {argc, argv};
  if(c->nurls) {
    fprintf(stderr, "apiprobe: --config takes its URLs from the file, not "
                    "from the command line\n");
    return -1;
  }
  if(ap_conf_read(c->config, CLI_MAX_TARGETS, conf_init, conf_log, &a,
                  conf))
    return -1;
  if(conf->nerrors) {
    fprintf(stderr, "apiprobe: %s: %d problem(s), nothing probed\n",
            c->config, conf->nerrors);
    return -1;
  }
  if(!conf->ntargets) {
    fprintf(stderr, "apiprobe: %s: no [target NAME] section\n", c->config);
    return -1;
  }
  return 0;
}

/* The targets to probe into TP[0..*PNT): the --config file's, else one per
 * URL in TS[0..*PN) (*PN counts what TS holds to free, set on every path).
 * 0, or the exit code (told on stderr). */
static int make_targets(int argc, char **argv, const struct cli *c,
                        struct ap_target *ts, size_t *pn, struct ap_conf *conf,
                        struct ap_target **tp, size_t *pnt)
{
  char err[512];
  size_t i, n = 1;
  int rc = 0;
  if(c->config) {
    if(read_config(argc, argv, c, conf))
      return 3;
    for(*pnt = 0; *pnt < (size_t)conf->ntargets; (*pnt)++)
      tp[*pnt] = &conf->targets[*pnt].t;
    return 0;
  }
  for(i = 0; i < (size_t)c->nurls && !rc; i++, n++) {
    if(extra_target(argc, argv, &ts[n], c->urls[i], err, sizeof(err)))
      rc = bad_usage(err);
  }
  *pn = n;
  for(i = 0; i < n && !rc; i++) {
    if(ap_target_finish(&ts[i], err, sizeof(err)))
      rc = bad_usage(err);
    tp[i] = &ts[i];
  }
  if(rc)
    return rc;
  ap_targets_label(ts, n);
  *pnt = n;
  return 0;
}

/* The worst verdict decides (critical > unknown > warning > ok). */
static int worst_exit(const struct ap_result *rs, size_t n)
{
  enum ap_state w = AP_STATE_OK;
  size_t i;
  for(i = 0; i < n; i++) {
    if(ap_state_rank(rs[i].verdict.state) > ap_state_rank(w))
      w = rs[i].verdict.state;
  }
  return ap_state_exit_code(w);
}

int main(int argc, char **argv)
{
  struct ap_target ts[CLI_MAX_TARGETS];
  struct ap_target *tp[CLI_MAX_TARGETS];
  struct ap_result *rs = NULL;
  struct ap_conf conf;
  struct cli c;
  char err[512];
  size_t n = 1, nt = 0, i;
  int rc;

  memset(&c, 0, sizeof(c));
  memset(&conf, 0, sizeof(conf));
  ap_target_init(&ts[0]);
  rc = ap_argv_parse(argc, argv, &ts[0], cli_opts, on_opt, &c, err,
                     sizeof(err));
  if(rc) {
    ap_target_free(&ts[0]);
    return rc < 0 ? bad_usage(err) : 0;
  }
  rc = make_targets(argc, argv, &c, ts, &n, &conf, tp, &nt);
  if(rc)
    goto done;
  for(i = 0; i < nt; i++) {
    if(tp[i]->key_file_mode_warning)
      fprintf(stderr, "apiprobe: warning: key file %s is readable by group "
                      "or others (chmod 600)\n",
              tp[i]->key_file);
  }
  rs = calloc(nt, sizeof(*rs));
  if(!rs || ap_global_init()) {
    fprintf(stderr, "apiprobe: cannot initialise libcurl with OpenSSL\n");
    rc = 3;
    goto done;
  }
  if(nt == 1)
    ap_probe_run(tp[0], &rs[0]);
  else
    ap_probe_many(tp, nt, rs);
  if(emit(rs, nt, &c, err, sizeof(err))) {
    fprintf(stderr, "apiprobe: %s\n", err[0] ? err : "out of memory");
    rc = 3;
  } else {
    rc = worst_exit(rs, nt);
  }
  ap_global_cleanup();
done:
  for(i = 0; i < n; i++)
    ap_target_free(&ts[i]);
  ap_conf_free(&conf);
  free(rs);
  return rc;
}
