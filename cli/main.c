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

static void print_human(const struct ap_result *r)
{
  char d[1024];
  size_t n = 0;
  int i;

  printf("apiprobe: %s (%s)\n", r->name, r->url);
  printf("  key    %s%s%s\n", r->key_source, r->key_fingerprint[0] ? " " : "",
         r->key_fingerprint);
  if(r->env.insecure)
    printf("  !!!    certificate verification is DISABLED (--insecure)\n");
  snprintf(d, sizeof(d), "proxy: %s%s%s; clock %s",
           r->env.proxy[0]         ? r->env.proxy
           : r->env.noproxy_match ? "none (NO_PROXY matches the host)"
                                  : "none",
           r->env.proxy_source[0] ? " from " : "", r->env.proxy_source,
           r->env.clock_synced == 1   ? "synchronised"
           : r->env.clock_synced == 0 ? "NOT synchronised"
                                      : "state unknown");
  print_layer("env", &r->env.h, d);
  if(r->env.proxy_note[0])
    printf("  %-6s %-9s %9s  %s\n", "", "note", "", r->env.proxy_note);
  if(r->env.advice[0])
    printf("  %-6s %-9s %9s  %s\n", "", "advice", "", r->env.advice);
  d[0] = '\0';
  for(i = 0; i < r->dns.address_count && n < sizeof(d) - 60; i++)
    n += (size_t)snprintf(d + n, sizeof(d) - n, "%s%s", i ? ", " : "",
                          r->dns.addresses[i]);
  if(r->dns.source[0] && strcmp(r->dns.source, "resolver"))
    n += (size_t)snprintf(d + n, sizeof(d) - n, " (%s)", r->dns.source);
  if(r->dns.rcode[0] && n < sizeof(d))
    snprintf(d + n, sizeof(d) - n, "%sserver answered %s", n ? "; " : "",
             r->dns.rcode);
  print_layer("dns", &r->dns.h, d);
  d[0] = '\0';
  n = 0;
  if(r->tcp.address[0])
    n = (size_t)snprintf(d, sizeof(d), "%s port %d (%s)", r->tcp.address,
                         r->tcp.port, r->tcp.family == 6 ? "ipv6" : "ipv4");
  if(r->tcp.path_mtu > 0 && n < sizeof(d))
    n += (size_t)snprintf(d + n, sizeof(d) - n, ", path MTU %d",
                          r->tcp.path_mtu);
  {
    char facts[160];
    if(ap_tcp_text(&r->tcp, facts, sizeof(facts)) && n < sizeof(d))
      snprintf(d + n, sizeof(d) - n, "%s%s", n ? ", " : "", facts);
  }
  print_layer("tcp", &r->tcp.h, d);
  if(ap_route_text(&r->tcp, d, sizeof(d)))
    printf("  %-6s %-9s %9s  %s\n", "", "", "", d);
  for(i = 0; i < r->tcp.family_count; i++) {
    const struct ap_family_result *f = &r->tcp.families[i];
    printf("  %-6s %-9s %9s  IPv%d %s: %s%s%s\n", "",
           ap_state_name(f->state), "", f->family, f->address,
           f->error != AP_ERR_NONE ? ap_error_name(f->error) : "",
           f->error != AP_ERR_NONE ? ", " : "", f->reason);
  }
  d[0] = '\0';
  if(r->proxy.url[0]) {
    n = (size_t)snprintf(d, sizeof(d), "%s", r->proxy.url);
    if(!isnan(r->proxy.connect_s) && n < sizeof(d))
      n += (size_t)snprintf(d + n, sizeof(d) - n,
                            " (resolve %.1f ms, connect %.1f ms",
                            r->proxy.resolve_s * 1000.0,
                            r->proxy.connect_s * 1000.0);
    if(!isnan(r->proxy.tunnel_s) && n < sizeof(d))
      n += (size_t)snprintf(d + n, sizeof(d) - n, ", CONNECT %.1f ms",
                            r->proxy.tunnel_s * 1000.0);
    if(!isnan(r->proxy.connect_s) && n < sizeof(d))
      snprintf(d + n, sizeof(d) - n, ")");
  }
  print_layer("proxy", &r->proxy.h, d);
  d[0] = '\0';
  if(r->tls.version[0] || r->tls.cert_subject[0]) {
    n = (size_t)snprintf(d, sizeof(d), "%s %s %s", r->tls.version,
                         r->tls.cipher, r->tls.alpn);
    if(r->tls.cert_subject[0] && n < sizeof(d))
      snprintf(d + n, sizeof(d) - n,
               "; %s issued by %s; expires in %.1f days", r->tls.cert_subject,
               r->tls.cert_issuer, r->tls.cert_days_left);
  }
  print_layer("tls", &r->tls.h, d);
  d[0] = '\0';
  if(r->http.status) {
    n = (size_t)snprintf(d, sizeof(d), "HTTP/%s %ld", r->http.http_version,
                         r->http.status);
    if(r->http.request_id[0])
      n += (size_t)snprintf(d + n, sizeof(d) - n, " request-id %s",
                            r->http.request_id);
    if(!isnan(r->http.clock_skew_s))
      snprintf(d + n, sizeof(d) - n, "; clock skew %+.1f s",
               r->http.clock_skew_s);
  }
  print_layer("http", &r->http.h, d);
  d[0] = '\0';
  if(!isnan(r->auth.rl.requests_remaining))
    n = (size_t)snprintf(d, sizeof(d), "requests left %.0f/%.0f",
                         r->auth.rl.requests_remaining,
                         r->auth.rl.requests_limit);
  else
    n = 0;
  if(!isnan(r->auth.retry_after_s))
    snprintf(d + n, sizeof(d) - n, "%sretry after %.0f s", n ? "; " : "",
             r->auth.retry_after_s);
  print_layer("auth", &r->auth.h, d);
  ap_model_summary(r, d, sizeof(d));
  print_layer("model", &r->model.h, d);
  ap_inference_summary(r, d, sizeof(d));
  print_layer("inference", &r->inference.h, d);
  if(r->status_page.checked)
    printf("  %-6s %-9s %9s  %s\n", "status", ap_state_name(r->status_page.state),
           "", r->status_page.reason);
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

/* Several targets: one row each, per-phase milliseconds. */
static void print_table(struct ap_result *rs, size_t n)
{
  size_t i;
  printf("%-24s %-8s %-6s %-18s %8s %8s %8s %8s %8s\n", "TARGET", "STATE",
         "LAYER", "ERROR", "DNS ms", "TCP ms", "TLS ms", "TTFB ms",
         "TOTAL ms");
  for(i = 0; i < n; i++) {
    const struct ap_result *r = &rs[i];
    char c[5][16];
    fmt_cell(c[0], sizeof(c[0]), r->dns.h.time_s);
    fmt_cell(c[1], sizeof(c[1]), r->tcp.h.time_s);
    fmt_cell(c[2], sizeof(c[2]), r->tls.h.time_s);
    fmt_cell(c[3], sizeof(c[3]), r->http.ttfb_s);
    fmt_cell(c[4], sizeof(c[4]), r->total_s);
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

/* Target K (> 0): the same options, parsed again, with URL K. */
static int extra_target(int argc, char **argv, struct ap_target *t,
                        const char *url, char *err, size_t errlen)
{
  struct cli quiet;
  memset(&quiet, 0, sizeof(quiet));
  quiet.quiet = 1;
  ap_target_init(t);
  if(ap_argv_parse(argc, argv, t, cli_opts, on_opt, &quiet, err, errlen))
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
  struct cli quiet;
  memset(&quiet, 0, sizeof(quiet));
  quiet.quiet = 1;
  return ap_argv_parse(a->argc, a->argv, t, cli_opts, on_opt, &quiet, err,
                       errlen)
             ? -1
             : 0;
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

int main(int argc, char **argv)
{
  struct ap_target ts[CLI_MAX_TARGETS];
  struct ap_target *tp[CLI_MAX_TARGETS];
  struct ap_result *rs = NULL;
  struct ap_conf conf;
  struct cli c;
  char err[512];
  size_t n = 1, nt = 0, i;
  int rc, worst = 0;

  memset(&c, 0, sizeof(c));
  memset(&conf, 0, sizeof(conf));
  ap_target_init(&ts[0]);
  rc = ap_argv_parse(argc, argv, &ts[0], cli_opts, on_opt, &c, err,
                     sizeof(err));
  if(rc) {
    ap_target_free(&ts[0]);
    return rc < 0 ? bad_usage(err) : 0;
  }
  if(c.config) {
    if(read_config(argc, argv, &c, &conf)) {
      rc = 3;
      goto done;
    }
    for(nt = 0; nt < (size_t)conf.ntargets; nt++)
      tp[nt] = &conf.targets[nt].t;
  } else {
    for(i = 0; i < (size_t)c.nurls; i++, n++) {
      if(extra_target(argc, argv, &ts[n], c.urls[i], err, sizeof(err))) {
        ap_target_free(&ts[n]);
        rc = bad_usage(err);
        goto done;
      }
    }
    for(i = 0; i < n; i++) {
      if(ap_target_finish(&ts[i], err, sizeof(err))) {
        rc = bad_usage(err);
        goto done;
      }
      tp[i] = &ts[i];
    }
    ap_targets_label(ts, n);
    nt = n;
  }
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
    /* the worst verdict decides (critical > unknown > warning > ok) */
    enum ap_state w = AP_STATE_OK;
    for(i = 0; i < nt; i++) {
      if(ap_state_rank(rs[i].verdict.state) > ap_state_rank(w))
        w = rs[i].verdict.state;
    }
    worst = ap_state_exit_code(w);
    rc = worst;
  }
  ap_global_cleanup();
done:
  for(i = 0; i < n; i++)
    ap_target_free(&ts[i]);
  ap_conf_free(&conf);
  free(rs);
  return rc;
}
