/* render_prom.c -- results as the Prometheus text exposition format (for
 * node_exporter's textfile collector): one family per metric of the
 * shared table, plus layer states and an info series naming the verdict.
 * Families are contiguous across targets, each with HELP and TYPE; a
 * metric that was not measured has no sample (only "up" always has one).
 */
#include "internal.h"
#include "strutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void target_label(const struct ap_result *r, char *out, size_t n)
{
  char name[AP_TEXT * 2];
  label_value(name, sizeof(name), r->name);
  snprintf(out, n, "target=\"%s\"", name);
}

static enum ap_code render_c(const struct ap_result *rs, size_t n, char **pout)
{
  struct prom_buf b = {NULL, 0, 0, 0};
  const struct ap_metric *m;
  char lab[AP_TEXT * 3], num[48];
  size_t i, j;
  int l;

  *pout = NULL;
  b.cap = 4096;
  b.s = malloc(b.cap);
  if(!b.s)
    return AP_E_NOMEM;
  b.s[0] = '\0';
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    char fam[96], help[160];
    const char *days = strstr(m->name, "_days_left");
    double scale = 1;
    /* base units, as Prometheus asks: seconds, also for days left */
    if(days) {
      snprintf(fam, sizeof(fam), "apiprobe_%.*s_seconds_left",
               (int)(days - m->name), m->name);
      snprintf(help, sizeof(help), "%s, in seconds", m->help);
      scale = 86400;
    } else {
      snprintf(fam, sizeof(fam), "apiprobe_%s%s", m->name,
               !strcmp(m->uom, "s")   ? "_seconds"
               : !strcmp(m->uom, "B") ? "_bytes"
                                      : "");
      snprintf(help, sizeof(help), "%s", m->help);
    }
    family(&b, fam, help);
    for(j = 0; j < n; j++) {
      double v = ap_metric_value(&rs[j], i) * scale;
      if(isnan(v))
        continue;
      target_label(&rs[j], lab, sizeof(lab));
      number(num, sizeof(num), v);
      pb_put(&b, "%s{%s} %s\n", fam, lab, num);
    }
  }
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
      char addr[64];
      if(f->state != AP_STATE_OK && f->state != AP_STATE_CRITICAL)
        continue;
      label_value(addr, sizeof(addr), f->address);
      pb_put(&b, "apiprobe_family_up{%s,family=\"ipv%d\",address=\"%s\"} %d\n",
             lab, f->family, addr, f->state == AP_STATE_OK);
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
