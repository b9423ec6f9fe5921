/* main.c -- apiprobe, the human face: parse argv through the core's option
 * table, probe once, print one line per layer (or --json), exit with the
 * verdict (0 ok, 1 warning, 2 critical, 3 unknown or bad usage).
 */
#include "apiprobe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


enum cli_opt { CLI_JSON = 1, CLI_HELP, CLI_VERSION };

static const struct ap_argv_extra cli_opts[] = {
  {"json", 0, NULL, "print the result as JSON (docs/json.md)", CLI_JSON},
  {"help", 'h', NULL, "show this help", CLI_HELP},
  {"version", 'V', NULL, "show the version", CLI_VERSION},
  {NULL, 0, NULL, NULL, 0},
};

static void usage(FILE *f)
{
  char buf[8192];
  ap_argv_help(cli_opts, buf, sizeof(buf));
  fprintf(f,
          "Usage: apiprobe [OPTIONS] [URL]\n"
          "Tell whether this host can use the Anthropic API, and if not,\n"
          "which layer is broken: env, dns, tcp, proxy, tls, http or auth.\n"
          "The key is read from $ANTHROPIC_API_KEY (or --key-env/--key-file),"
          "\nnever from the command line, and is never printed.\n\n%s",
          buf);
  fprintf(f,
          "\nExit status: 0 ok, 1 warning, 2 critical, 3 unknown or bad "
          "usage.\n"
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
  snprintf(d, sizeof(d), "proxy: %s%s%s",
           r->env.proxy[0] ? r->env.proxy : "none",
           r->env.proxy_source[0] ? " from " : "", r->env.proxy_source);
  print_layer("env", &r->env.h, d);
  d[0] = '\0';
  for(i = 0; i < r->dns.address_count && n < sizeof(d) - 60; i++)
    n += (size_t)snprintf(d + n, sizeof(d) - n, "%s%s", i ? ", " : "",
                          r->dns.addresses[i]);
  if(r->dns.source[0] && strcmp(r->dns.source, "resolver"))
    snprintf(d + n, sizeof(d) - n, " (%s)", r->dns.source);
  print_layer("dns", &r->dns.h, d);
  d[0] = '\0';
  if(r->tcp.address[0])
    snprintf(d, sizeof(d), "%s port %d (%s)", r->tcp.address, r->tcp.port,
             r->tcp.family == 6 ? "ipv6" : "ipv4");
  print_layer("tcp", &r->tcp.h, d);
  print_layer("proxy", &r->proxy.h, r->proxy.url);
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
  if(!isnan(r->auth.rl_requests_remaining))
    n = (size_t)snprintf(d, sizeof(d), "requests left %.0f/%.0f",
                         r->auth.rl_requests_remaining,
                         r->auth.rl_requests_limit);
  else
    n = 0;
  if(!isnan(r->auth.retry_after_s))
    snprintf(d + n, sizeof(d) - n, "%sretry after %.0f s", n ? "; " : "",
             r->auth.retry_after_s);
  print_layer("auth", &r->auth.h, d);
  printf("verdict: %s", ap_state_name(r->verdict.state));
  if(r->verdict.error != AP_ERR_NONE)
    printf(" at %s (%s)", ap_layer_name(r->verdict.layer),
           ap_error_name(r->verdict.error));
  printf(" -- %s (total %.3f s)\n", r->verdict.reason, r->total_s);
  if(r->verdict.hint[0])
    printf("hint: %s\n", r->verdict.hint);
}

static int bad_usage(const char *msg)
{
  fprintf(stderr, "apiprobe: %s\nTry 'apiprobe --help'.\n", msg);
  return 3;
}

/* 1 = stop with exit 0 after --help/--version. */
static int on_opt(void *ud, int id, const char *value, char *err,
                  size_t errlen)
{
  int *json = ud;
  (void)value;
  (void)err;
  (void)errlen;
  switch(id) {
  case CLI_JSON:
    *json = 1;
    return 0;
  case CLI_HELP:
    usage(stdout);
    return 1;
  case CLI_VERSION:
    printf("apiprobe %s\n", AP_VERSION);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  struct ap_target t;
  struct ap_result r;
  char err[512];
  int json = 0;
  int rc;
  char *out = NULL;

  ap_target_init(&t);
  rc = ap_argv_parse(argc, argv, &t, cli_opts, on_opt, &json, err,
                     sizeof(err));
  if(rc) {
    ap_target_free(&t);
    return rc < 0 ? bad_usage(err) : 0;
  }
  if(ap_target_finish(&t, err, sizeof(err))) {
    ap_target_free(&t);
    return bad_usage(err);
  }
  if(t.key_file_mode_warning)
    fprintf(stderr, "apiprobe: warning: key file %s is readable by group or "
                    "others (chmod 600)\n",
            t.key_file);
  if(ap_global_init()) {
    fprintf(stderr, "apiprobe: cannot initialise libcurl with OpenSSL\n");
    ap_target_free(&t);
    return 3;
  }
  ap_probe_run(&t, &r);
  if(json) {
    if(ap_render_json(&r, 1, &out)) {
      fprintf(stderr, "apiprobe: out of memory\n");
      rc = 3;
      goto done;
    }
    puts(out);
    free(out);
  } else {
    print_human(&r);
  }
  rc = ap_state_exit_code(r.verdict.state);
done:
  ap_target_free(&t);
  ap_global_cleanup();
  return rc;
}
