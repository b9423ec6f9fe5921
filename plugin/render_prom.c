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

static void family(struct prom_buf *b, const char *name, const char *help)
{
  pb_put(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
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

/* How a metric of the shared table is exposed: its family, the "phase"
 * label when it is one phase of a family, and whether days left become an
 * expiry timestamp. Metrics of the table not listed here get
 * apiprobe_NAME with their unit's suffix. */
struct prom_name {
  const char *metric;
  const char *family;
  const char *phase;
  int expiry;
  const char *help;
};

static const struct prom_name prom_names[] = {
  {"dns_time", "apiprobe_duration_seconds", "dns", 0,
   "time of each probe phase: dns lookup, tcp connect, proxy CONNECT, tls "
   "handshake, ttfb (request to first byte), total"},
  {"tcp_time", "apiprobe_duration_seconds", "tcp", 0, NULL},
  {"proxy_time", "apiprobe_duration_seconds", "proxy", 0, NULL},
  {"tls_time", "apiprobe_duration_seconds", "tls", 0, NULL},
  {"ttfb", "apiprobe_duration_seconds", "ttfb", 0, NULL},
  {"total_time", "apiprobe_duration_seconds", "total", 0, NULL},
  {"cert_days_left", "apiprobe_cert_expiry_timestamp_seconds", NULL, 1,
   "when the leaf certificate expires (Unix time)"},
  {"chain_min_days_left", "apiprobe_chain_earliest_expiry_timestamp_seconds",
   NULL, 1, "when the first certificate of the chain sent expires (Unix time)"},
  {"http_status", "apiprobe_http_status_code", NULL, 0,
   "HTTP status of the answer"},
};

#define PROM_NAMES (sizeof(prom_names) / sizeof(prom_names[0]))

static const struct prom_name *prom_name_of(const char *metric)
{
  size_t i;
  for(i = 0; i < PROM_NAMES; i++) {
    if(!strcmp(prom_names[i].metric, metric))
      return &prom_names[i];
  }
  return NULL;
}

/* The family of metric M in FAM (and its help in HELP). */
static void family_name(const struct ap_metric *m, char *fam, size_t nf,
                        const char **help)
{
  const struct prom_name *pn = prom_name_of(m->name);
  if(pn) {
    snprintf(fam, nf, "%s", pn->family);
    *help = pn->help ? pn->help : m->help;
    return;
  }
  snprintf(fam, nf, "apiprobe_%s%s", m->name,
           !strcmp(m->uom, "s")   ? "_seconds"
           : !strcmp(m->uom, "B") ? "_bytes"
                                  : "");
  *help = m->help;
}

/* The samples of every metric whose family is FAM, for every target. */
static void metric_family(struct prom_buf *b, const struct ap_result *rs,
                          size_t n, const char *fam, time_t now)
{
  const struct ap_metric *m;
  char lab[AP_TEXT * 3], num[48], f[96];
  const char *help;
  size_t i, j;
  for(j = 0; j < n; j++) {
    target_label(&rs[j], lab, sizeof(lab));
    for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
      const struct prom_name *pn = prom_name_of(m->name);
      double v = ap_metric_value(&rs[j], i);
      family_name(m, f, sizeof(f), &help);
      if(strcmp(f, fam) || isnan(v))
        continue;
      if(pn && pn->expiry) {
        snprintf(num, sizeof(num), "%.0f", (double)now + v * 86400);
      } else {
        number(num, sizeof(num), v);
      }
      if(pn && pn->phase)
        pb_put(b, "%s{%s,phase=\"%s\"} %s\n", fam, lab, pn->phase, num);
      else
        pb_put(b, "%s{%s} %s\n", fam, lab, num);
    }
  }
}

/* One family per auth-layer number the metric table does not carry (the
 * window's limits, for the headroom). */
static void auth_limit(struct prom_buf *b, const struct ap_result *rs,
                       size_t n, const char *fam, const char *help,
                       size_t offset)
{
  char lab[AP_TEXT * 3], num[48];
  size_t j;
  family(b, fam, help);
  for(j = 0; j < n; j++) {
    double v = *(const double *)((const char *)&rs[j].auth + offset);
    if(isnan(v))
      continue;
    target_label(&rs[j], lab, sizeof(lab));
    number(num, sizeof(num), v);
    pb_put(b, "%s{%s} %s\n", fam, lab, num);
  }
}

static void build_info(struct prom_buf *b)
{
  const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
  char curl[64], ssl[96];
  label_value(curl, sizeof(curl), vi && vi->version ? vi->version : "");
  label_value(ssl, sizeof(ssl), OpenSSL_version(OPENSSL_VERSION));
  family(b, "apiprobe_build_info",
         "always 1; the labels name the versions of apiprobe, libcurl and "
         "OpenSSL");
  pb_put(b, "apiprobe_build_info{version=\"%s\",libcurl=\"%s\",openssl=\"%s\"} 1\n",
         AP_VERSION, curl, ssl);
}

static enum ap_code render_c(const struct ap_result *rs, size_t n, char **pout)
{
  struct prom_buf b = {NULL, 0, 0, 0};
  const struct ap_metric *m;
  char lab[AP_TEXT * 3];
  time_t now = time(NULL);
  size_t i, j;
  int l;

  *pout = NULL;
  b.cap = 4096;
  b.s = malloc(b.cap);
  if(!b.s)
    return AP_E_NOMEM;
  b.s[0] = '\0';
  build_info(&b);
  /* each family once, where its first metric stands in the table */
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    char fam[96], prev[96];
    const char *help;
    const struct ap_metric *pm;
    int seen = 0;
    family_name(m, fam, sizeof(fam), &help);
    for(j = 0; j < i && (pm = ap_metric_get(j)) != NULL; j++) {
      const char *ph;
      family_name(pm, prev, sizeof(prev), &ph);
      if(!strcmp(prev, fam))
        seen = 1;
    }
    if(seen)
      continue;
    family(&b, fam, help);
    metric_family(&b, rs, n, fam, now);
  }
  auth_limit(&b, rs, n, "apiprobe_ratelimit_requests_limit",
             "requests allowed in the rate-limit window",
             offsetof(struct ap_auth_result, rl.requests_limit));
  auth_limit(&b, rs, n, "apiprobe_ratelimit_tokens_limit",
             "tokens allowed in the rate-limit window",
             offsetof(struct ap_auth_result, rl.tokens_limit));
  family(&b, "apiprobe_layer_state",
         "state of each layer: 0 ok, 1 warning, 2 critical, 3 unknown "
         "(no sample: skipped or n/a)");
  for(j = 0; j < n; j++) {
    target_label(&rs[j], lab, sizeof(lab));
    for(l = 0; l < AP_LAYER_COUNT; l++) {
      double v = ap_state_number(ap_result_layer(&rs[j], (enum ap_layer)l)->state);
      if(isnan(v))
        continue;
      pb_put(&b, "apiprobe_layer_state{%s,layer=\"%s\"} %g\n", lab,
             ap_layer_name((enum ap_layer)l), v);
    }
  }
  family(&b, "apiprobe_family_up",
         "1 when this address family's own TCP connect succeeded, else 0 "
         "(names with A and AAAA only; no sample when this host has no "
         "route for the family)");
  for(j = 0; j < n; j++) {
    const struct ap_tcp_result *tcp = &rs[j].tcp;
    target_label(&rs[j], lab, sizeof(lab));
    for(l = 0; l < tcp->family_count; l++) {
      const struct ap_family_result *f = &tcp->families[l];
      if(f->state != AP_STATE_OK && f->state != AP_STATE_CRITICAL)
        continue;
      pb_put(&b, "apiprobe_family_up{%s,family=\"ipv%d\"} %d\n", lab,
             f->family, f->state == AP_STATE_OK);
    }
  }
  family(&b, "apiprobe_address_info",
         "always 1; the address the probe connected to (connection=\"probe\") "
         "and each family's own connect");
  for(j = 0; j < n; j++) {
    const struct ap_tcp_result *tcp = &rs[j].tcp;
    char addr[64];
    target_label(&rs[j], lab, sizeof(lab));
    if(tcp->address[0] && (tcp->family == 4 || tcp->family == 6)) {
      label_value(addr, sizeof(addr), tcp->address);
      pb_put(&b, "apiprobe_address_info{%s,connection=\"probe\",family=\"ipv%d\",address=\"%s\"} 1\n",
             lab, tcp->family, addr);
    }
    for(l = 0; l < tcp->family_count; l++) {
      const struct ap_family_result *f = &tcp->families[l];
      if(!f->address[0] || (f->state != AP_STATE_OK && f->state != AP_STATE_CRITICAL))
        continue;
      label_value(addr, sizeof(addr), f->address);
      pb_put(&b, "apiprobe_address_info{%s,connection=\"family\",family=\"ipv%d\",address=\"%s\"} 1\n",
             lab, f->family, addr);
    }
  }
  family(&b, "apiprobe_verdict_state",
         "the verdict: 0 ok, 1 warning, 2 critical, 3 unknown");
  for(j = 0; j < n; j++) {
    target_label(&rs[j], lab, sizeof(lab));
    pb_put(&b, "apiprobe_verdict_state{%s} %g\n", lab,
           ap_state_number(rs[j].verdict.state));
  }
  family(&b, "apiprobe_verdict_info",
         "always 1; the labels name the failing layer and error");
  for(j = 0; j < n; j++) {
    char err[64];
    target_label(&rs[j], lab, sizeof(lab));
    label_value(err, sizeof(err),
                rs[j].verdict.error ? ap_error_name(rs[j].verdict.error)
                                    : "none");
    pb_put(&b, "apiprobe_verdict_info{%s,layer=\"%s\",error=\"%s\"} 1\n",
           lab, ap_layer_name(rs[j].verdict.layer), err);
  }
  if(b.failed) {
    free(b.s);
    return AP_E_NOMEM;
  }
  *pout = b.s;
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
