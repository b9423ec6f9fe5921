/* render_prom.c -- results as the Prometheus text exposition format (for
 * node_exporter's textfile collector), named the Prometheus way
 * (docs/prometheus.md): the phase times as one family with a "phase"
 * label, certificate expiry as timestamps, base units in the names, an
 * apiprobe_build_info, and no label whose value changes from probe to
 * probe except in _info series (addresses). Families are contiguous
 * across targets, each with HELP and TYPE; a metric that was not measured
 * has no sample; apiprobe_up, apiprobe_verdict_state and the verdict info
 * always have one, so alerts need no absent().
 */
#include "internal.h"
#include "strutil.h"

#include <curl/curl.h>
#include <math.h>
#include <stddef.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct prom_buf {
  char *s;
  size_t len, cap;
  int failed;
};

static void pb_put(struct prom_buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void pb_put(struct prom_buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;
  if(b->failed)
    return;
  for(;;) {
    va_start(ap, fmt);
    n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if(n < 0) {
      b->failed = 1;
      return;
    }
    if((size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    {
      size_t cap = b->cap * 2 + (size_t)n;
      char *s = realloc(b->s, cap);
      if(!s) {
        b->failed = 1;
        return;
      }
      b->s = s;
      b->cap = cap;
    }
  }
}

/* A label value with \\, " and newline escaped. */
static void label_value(char *out, size_t n, const char *v)
{
  size_t o = 0;
  for(; *v && o + 3 < n; v++) {
    if(*v == '\\' || *v == '"') {
      out[o++] = '\\';
      out[o++] = *v;
    } else if(*v == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else {
      out[o++] = *v;
    }
  }
  out[o] = '\0';
}

static void number(char *out, size_t n, double v)
{
  if(isnan(v))
    snprintf(out, n, "NaN");
  else if(isinf(v))
    snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
  else
    snprintf(out, n, "%.9g", v);
}

static void family(struct prom_buf *b, const char *name, const char *type,
                   const char *help)
{
  pb_put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gauge(struct prom_buf *b, const char *name, const char *help)
{
  family(b, name, "gauge", help);
}

/* target="NAME", and for the clouds where it runs: provider, region and
 * (vertex) project, so one host's Bedrock and Vertex series tell apart. */
static void target_label(const struct ap_result *r, char *out, size_t n)
{
  char name[AP_TEXT * 2], region[AP_TEXT], project[AP_TEXT];
  label_value(name, sizeof(name), r->name);
  if(!r->region[0]) {
    snprintf(out, n, "target=\"%s\"", name);
    return;
  }
  label_value(region, sizeof(region), r->region);
  label_value(project, sizeof(project), r->project);
  snprintf(out, n, "target=\"%s\",provider=\"%s\",region=\"%s\"%s%s%s", name,
           r->provider, region, project[0] ? ",project=\"" : "", project,
           project[0] ? "\"" : "");
}

/* ---- the metric rows: each names its family, phase and HELP ---------- */

/* The auth layer's numbers the metric table does not carry (the window's
 * limits, for the headroom), as rows of the same shape. */
static const struct ap_metric limit_rows[] = {
  {.name = "ratelimit_requests_limit",
   .json = "layers.auth.ratelimit_requests_limit", .uom = "",
   .layer = AP_LAYER_AUTH, .min = 0, .max = NAN,
   .help = "requests allowed in the rate-limit window",
   .offset = offsetof(struct ap_result, auth.rl.requests_limit),
   .prom_name = "apiprobe_ratelimit_requests_limit", .prom_type = "gauge"},
  {.name = "ratelimit_tokens_limit",
   .json = "layers.auth.ratelimit_tokens_limit", .uom = "",
   .layer = AP_LAYER_AUTH, .min = 0, .max = NAN,
   .help = "tokens allowed in the rate-limit window",
   .offset = offsetof(struct ap_result, auth.rl.tokens_limit),
   .prom_name = "apiprobe_ratelimit_tokens_limit", .prom_type = "gauge"},
};

/* ROW's sample for R (labels LAB), none when it was not measured. */
static void row_sample(struct prom_buf *b, const struct ap_metric *row,
                       const struct ap_result *r, const char *lab,
                       time_t now)
{
  char num[48];
  double v = ap_metric_read(row, r);
  if(isnan(v))
    return;
  if(row->prom_value == AP_PROM_EXPIRY)
    snprintf(num, sizeof(num), "%.0f", (double)now + v * 86400);
  else
    number(num, sizeof(num), v);
  if(row->prom_phase)
    pb_put(b, "%s{%s,phase=\"%s\"} %s\n", row->prom_name, lab,
           row->prom_phase, num);
  else
    pb_put(b, "%s{%s} %s\n", row->prom_name, lab, num);
}

/* Does a row before ROWS[I] name the same family? */
static int family_seen(const struct ap_metric *rows, size_t i)
{
  size_t k;
  for(k = 0; k < i; k++) {
    if(!strcmp(rows[k].prom_name, rows[i].prom_name))
      return 1;
  }
  return 0;
}

/* The N ROWS as families, each once where its first row stands: HELP and
 * TYPE, then for every target the samples of the family's rows. */
static void row_families(struct prom_buf *b, const struct ap_metric *rows,
                         size_t nrows, const struct ap_result *rs, size_t n,
                         time_t now)
{
  char lab[AP_TEXT * 3];
  size_t i, j, k;
  for(i = 0; i < nrows; i++) {
    const char *fam = rows[i].prom_name;
    if(family_seen(rows, i))
      continue;
    family(b, fam, rows[i].prom_type,
           rows[i].prom_help ? rows[i].prom_help : rows[i].help);
    for(j = 0; j < n; j++) {
      target_label(&rs[j], lab, sizeof(lab));
      for(k = i; k < nrows; k++) {
        if(!strcmp(rows[k].prom_name, fam))
          row_sample(b, &rows[k], &rs[j], lab, now);
      }
    }
  }
}

/* The metric table's rows (contiguous from row 0). */
static void metric_families(struct prom_buf *b, const struct ap_result *rs,
                            size_t n, time_t now)
{
  size_t count = 0;
  while(ap_metric_get(count))
    count++;
  row_families(b, ap_metric_get(0), count, rs, n, now);
  row_families(b, limit_rows, sizeof(limit_rows) / sizeof(limit_rows[0]),
               rs, n, now);
}

/* ---- the families beside the table: build, layers, addresses, verdict -- */

static void build_info(struct prom_buf *b)
{
  const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
  char curl[64], ssl[96];
  label_value(curl, sizeof(curl), vi && vi->version ? vi->version : "");
  label_value(ssl, sizeof(ssl), OpenSSL_version(OPENSSL_VERSION));
  gauge(b, "apiprobe_build_info",
        "always 1; the labels name the versions of apiprobe, libcurl and "
        "OpenSSL");
  pb_put(b, "apiprobe_build_info{version=\"%s\",libcurl=\"%s\",openssl=\"%s\"} 1\n",
         AP_VERSION, curl, ssl);
}

static void layer_states(struct prom_buf *b, const struct ap_result *rs,
                         size_t n)
{
  char lab[AP_TEXT * 3];
  size_t j;
  int l;
  gauge(b, "apiprobe_layer_state",
        "state of each layer: 0 ok, 1 warning, 2 critical, 3 unknown "
        "(no sample: skipped or n/a)");
  for(j = 0; j < n; j++) {
    target_label(&rs[j], lab, sizeof(lab));
    for(l = 0; l < AP_LAYER_COUNT; l++) {
      double v = ap_state_number(ap_result_layer(&rs[j], (enum ap_layer)l)->state);
      if(isnan(v))
        continue;
      pb_put(b, "apiprobe_layer_state{%s,layer=\"%s\"} %g\n", lab,
             ap_layer_name((enum ap_layer)l), v);
    }
  }
}

/* Has address family F's own connect an outcome (ok or critical)? */
static int family_tried(const struct ap_family_result *f)
{
  return f->state == AP_STATE_OK || f->state == AP_STATE_CRITICAL;
}

static void families_up(struct prom_buf *b, const struct ap_result *rs,
                        size_t n)
{
  char lab[AP_TEXT * 3];
  size_t j;
  int l;
  gauge(b, "apiprobe_family_up",
        "1 when this address family's own TCP connect succeeded, else 0 "
        "(names with A and AAAA only; no sample when this host has no "
        "route for the family)");
  for(j = 0; j < n; j++) {
    const struct ap_tcp_result *tcp = &rs[j].tcp;
    target_label(&rs[j], lab, sizeof(lab));
    for(l = 0; l < tcp->family_count; l++) {
      const struct ap_family_result *f = &tcp->families[l];
      if(!family_tried(f))
        continue;
      pb_put(b, "apiprobe_family_up{%s,family=\"ipv%d\"} %d\n", lab,
             f->family, f->state == AP_STATE_OK);
    }
  }
}

static void address_info(struct prom_buf *b, const struct ap_result *rs,
                         size_t n)
{
  char lab[AP_TEXT * 3], addr[64];
  size_t j;
  int l;
  gauge(b, "apiprobe_address_info",
        "always 1; the address the probe connected to (connection=\"probe\") "
        "and each family's own connect");
  for(j = 0; j < n; j++) {
    const struct ap_tcp_result *tcp = &rs[j].tcp;
    target_label(&rs[j], lab, sizeof(lab));
    if(tcp->address[0] && (tcp->family == 4 || tcp->family == 6)) {
      label_value(addr, sizeof(addr), tcp->address);
      pb_put(b, "apiprobe_address_info{%s,connection=\"probe\",family=\"ipv%d\",address=\"%s\"} 1\n",
             lab, tcp->family, addr);
    }
    for(l = 0; l < tcp->family_count; l++) {
      const struct ap_family_result *f = &tcp->families[l];
      if(!f->address[0] || !family_tried(f))
        continue;
      label_value(addr, sizeof(addr), f->address);
      pb_put(b, "apiprobe_address_info{%s,connection=\"family\",family=\"ipv%d\",address=\"%s\"} 1\n",
             lab, f->family, addr);
    }
  }
}

static void verdicts(struct prom_buf *b, const struct ap_result *rs,
                     size_t n)
{
  char lab[AP_TEXT * 3], err[64];
  size_t j;
  gauge(b, "apiprobe_verdict_state",
        "the verdict: 0 ok, 1 warning, 2 critical, 3 unknown");
  for(j = 0; j < n; j++) {
    target_label(&rs[j], lab, sizeof(lab));
    pb_put(b, "apiprobe_verdict_state{%s} %g\n", lab,
           ap_state_number(rs[j].verdict.state));
  }
  gauge(b, "apiprobe_verdict_info",
        "always 1; the labels name the failing layer and error");
  for(j = 0; j < n; j++) {
    target_label(&rs[j], lab, sizeof(lab));
    label_value(err, sizeof(err),
                rs[j].verdict.error ? ap_error_name(rs[j].verdict.error)
                                    : "none");
    pb_put(b, "apiprobe_verdict_info{%s,layer=\"%s\",error=\"%s\"} 1\n",
           lab, ap_layer_name(rs[j].verdict.layer), err);
  }
}

static enum ap_code render_c(const struct ap_result *rs, size_t n, char **pout)
{
  struct prom_buf b = {NULL, 0, 0, 0};

  *pout = NULL;
  b.cap = 4096;
  b.s = malloc(b.cap);
  if(!b.s)
    return AP_E_NOMEM;
  b.s[0] = '\0';
  build_info(&b);
  metric_families(&b, rs, n, time(NULL));
  layer_states(&b, rs, n);
  families_up(&b, rs, n);
  address_info(&b, rs, n);
  verdicts(&b, rs, n);
  if(b.failed) {
    free(b.s);
    return AP_E_NOMEM;
  }
  *pout = b.s; /* the caller frees */
  return AP_OK;
}

/* Numbers with '.' whatever the host's LC_NUMERIC (json-c and printf
 * follow the thread's locale). */
enum ap_code ap_render_prom(const struct ap_result *rs, size_t n, char **pout)
{
  void *old = ap_locale_c_enter();
  enum ap_code rc = render_c(rs, n, pout);
  ap_locale_leave(old);
  return rc;
}
