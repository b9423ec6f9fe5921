/* detail.c -- what each layer saw, as lines for the human faces: apiprobe's
 * terminal view (AP_LINES_FULL: every fact) and a plugin's long output
 * (AP_LINES_BRIEF: the main facts, each line under 512 bytes). The faces
 * only frame the lines (columns, their own state words, cleaning for their
 * host); what a layer's line says is written here once. Numbers are
 * written with '.' whatever the locale.
 */
#include "internal.h"
#include "strutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A line's text: DST of N bytes with USED already written (N may be past
 * it: nothing more is added). */
struct dl_text {
  char *d;
  size_t n, used;
};

static void dl_put(struct dl_text *t, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void dl_put(struct dl_text *t, const char *fmt, ...)
{
  va_list ap;
  int w;
  if(t->used >= t->n)
    return;
  va_start(ap, fmt);
  w = vsnprintf(t->d + t->used, t->n - t->used, fmt, ap);
  va_end(ap);
  if(w > 0)
    t->used += (size_t)w;
}

static void env_full(const struct ap_env_result *e, struct dl_text *t)
{
  dl_put(t, "proxy: %s%s%s; clock %s",
         e->proxy[0]           ? e->proxy
         : e->noproxy_match    ? "none (NO_PROXY matches the host)"
                               : "none",
         e->proxy_source[0] ? " from " : "", e->proxy_source,
         e->clock_synced == 1   ? "synchronised"
         : e->clock_synced == 0 ? "NOT synchronised"
                                : "state unknown");
}

static void dns_full(const struct ap_dns_result *dns, struct dl_text *t)
{
  int i;
  for(i = 0; i < dns->address_count && t->used < t->n - 60; i++)
    dl_put(t, "%s%s", i ? ", " : "", dns->addresses[i]);
  if(dns->source[0] && strcmp(dns->source, "resolver"))
    dl_put(t, " (%s)", dns->source);
  if(dns->rcode[0])
    dl_put(t, "%sserver answered %s", t->used ? "; " : "", dns->rcode);
}

static void tcp_full(const struct ap_tcp_result *tcp, struct dl_text *t)
{
  char facts[160];
  if(tcp->address[0])
    dl_put(t, "%s port %d (%s)", tcp->address, tcp->port,
           tcp->family == 6 ? "ipv6" : "ipv4");
  if(tcp->path_mtu > 0)
    dl_put(t, ", path MTU %d", tcp->path_mtu);
  if(ap_tcp_text(tcp, facts, sizeof(facts)))
    dl_put(t, "%s%s", t->used ? ", " : "", facts);
}

static void proxy_full(const struct ap_proxy_result *p, struct dl_text *t)
{
  if(!p->url[0])
    return;
  dl_put(t, "%s", p->url);
  if(!isnan(p->connect_s))
    dl_put(t, " (resolve %.1f ms, connect %.1f ms", p->resolve_s * 1000.0,
           p->connect_s * 1000.0);
  if(!isnan(p->tunnel_s))
    dl_put(t, ", CONNECT %.1f ms", p->tunnel_s * 1000.0);
  if(!isnan(p->connect_s))
    dl_put(t, ")");
}

static void tls_full(const struct ap_tls_result *tls, struct dl_text *t)
{
  if(!tls->version[0] && !tls->cert_subject[0])
    return;
  dl_put(t, "%s %s %s", tls->version, tls->cipher, tls->alpn);
  if(tls->cert_subject[0])
    dl_put(t, "; %s issued by %s; expires in %.1f days", tls->cert_subject,
           tls->cert_issuer, tls->cert_days_left);
}

static void http_full(const struct ap_http_result *h, struct dl_text *t)
{
  if(!h->status)
    return;
  dl_put(t, "HTTP/%s %ld", h->http_version, h->status);
  if(h->request_id[0])
    dl_put(t, " request-id %s", h->request_id);
  if(!isnan(h->clock_skew_s))
    dl_put(t, "; clock skew %+.1f s", h->clock_skew_s);
}

static void auth_full(const struct ap_auth_result *a, struct dl_text *t)
{
  if(!isnan(a->rl.requests_remaining))
    dl_put(t, "requests left %.0f/%.0f", a->rl.requests_remaining,
           a->rl.requests_limit);
  if(!isnan(a->retry_after_s))
    dl_put(t, "%sretry after %.0f s", t->used ? "; " : "",
           a->retry_after_s);
}

static void layer_full(const struct ap_result *r, enum ap_layer l,
                       struct dl_text *t)
{
  switch(l) {
  case AP_LAYER_ENV: env_full(&r->env, t); break;
  case AP_LAYER_DNS: dns_full(&r->dns, t); break;
  case AP_LAYER_TCP: tcp_full(&r->tcp, t); break;
  case AP_LAYER_PROXY: proxy_full(&r->proxy, t); break;
  case AP_LAYER_TLS: tls_full(&r->tls, t); break;
  case AP_LAYER_HTTP: http_full(&r->http, t); break;
  case AP_LAYER_AUTH: auth_full(&r->auth, t); break;
  case AP_LAYER_MODEL: ap_model_summary(r, t->d, t->n); break;
  case AP_LAYER_INFERENCE: ap_inference_summary(r, t->d, t->n); break;
  case AP_LAYER_COUNT:
  case AP_LAYER_ANY: break;
  }
}

static void tcp_brief(const struct ap_tcp_result *tcp, struct dl_text *t)
{
  char facts[160];
  ap_tcp_text(tcp, facts, sizeof(facts));
  dl_put(t, "%s", tcp->address);
  if(tcp->path_mtu > 0)
    dl_put(t, " path MTU %d", tcp->path_mtu);
  if(facts[0])
    dl_put(t, ", %s", facts);
}

static void layer_brief(const struct ap_result *r, enum ap_layer l,
                        struct dl_text *t)
{
  switch(l) {
  case AP_LAYER_ENV: dl_put(t, "%s", r->env.proxy); break;
  case AP_LAYER_DNS:
    if(r->dns.address_count)
      dl_put(t, "%s%s", r->dns.addresses[0],
             r->dns.address_count > 1 ? " ..." : "");
    break;
  case AP_LAYER_TCP: tcp_brief(&r->tcp, t); break;
  case AP_LAYER_PROXY: dl_put(t, "%s", r->proxy.url); break;
  case AP_LAYER_TLS:
    if(r->tls.version[0])
      dl_put(t, "%s %s, cert %s expires in %.1f days", r->tls.version,
             r->tls.cipher, r->tls.cert_subject, r->tls.cert_days_left);
    break;
  case AP_LAYER_HTTP:
    if(r->http.status)
      dl_put(t, "HTTP %ld%s%s", r->http.status,
             r->http.request_id[0] ? " request-id " : "",
             r->http.request_id);
    break;
  case AP_LAYER_AUTH: break;
  case AP_LAYER_MODEL: ap_model_summary(r, t->d, t->n); break;
  case AP_LAYER_INFERENCE: ap_inference_summary(r, t->d, t->n); break;
  case AP_LAYER_COUNT:
  case AP_LAYER_ANY: break;
  }
}

/* The lines being made: LINES[0..MAX), COUNT used, in STYLE. */
struct dl_out {
  struct ap_line *lines;
  size_t max, count;
  enum ap_line_style style;
};

/* A new line of KIND for LAYER with its text empty; NULL when full. The
 * text's capacity is T's. */
static struct ap_line *dl_new(struct dl_out *o, enum ap_line_kind kind,
                              enum ap_layer layer, struct dl_text *t)
{
  struct ap_line *l;
  if(o->count >= o->max)
    return NULL;
  l = &o->lines[o->count++];
  memset(l, 0, sizeof(*l));
  l->kind = kind;
  l->layer = layer;
  l->state = AP_STATE_OK;
  t->d = l->text;
  /* a plugin's long output line stays under 512 bytes */
  t->n = o->style == AP_LINES_BRIEF ? AP_LINE_BRIEF_MAX : sizeof(l->text);
  t->used = 0;
  return l;
}

static void dl_layer(struct dl_out *o, const struct ap_result *r,
                     enum ap_layer layer)
{
  struct dl_text t;
  struct ap_line *l = dl_new(o, AP_LINE_LAYER, layer, &t);
  if(!l)
    return;
  l->h = ap_result_layer(r, layer);
  l->state = l->h->state;
  if(o->style == AP_LINES_FULL)
    layer_full(r, layer, &t);
  else
    layer_brief(r, layer, &t);
}

/* A line of KIND for LAYER saying TEXT (nothing when TEXT is empty). */
static struct ap_line *dl_text_line(struct dl_out *o, enum ap_line_kind kind,
                                    enum ap_layer layer, const char *text)
{
  struct dl_text t;
  struct ap_line *l;
  if(!text[0])
    return NULL;
  l = dl_new(o, kind, layer, &t);
  if(l)
    dl_put(&t, "%s", text);
  return l;
}

/* tcp: the route traced and each address family tried. */
static void dl_tcp_extra(struct dl_out *o, const struct ap_tcp_result *tcp)
{
  struct dl_text t;
  struct ap_line *l;
  int i;
  l = dl_new(o, AP_LINE_ROUTE, AP_LAYER_TCP, &t);
  if(l && !ap_route_text(tcp, t.d, t.n))
    o->count--; /* none traced */
  for(i = 0; i < tcp->family_count; i++) {
    const struct ap_family_result *f = &tcp->families[i];
    int err = f->error != AP_ERR_NONE;
    if(!(l = dl_new(o, AP_LINE_FAMILY, AP_LAYER_TCP, &t)))
      return;
    l->state = f->state;
    l->family = f->family;
    if(o->style == AP_LINES_FULL)
      dl_put(&t, "IPv%d %s: %s%s%s", f->family, f->address,
             err ? ap_error_name(f->error) : "", err ? ", " : "", f->reason);
    else
      dl_put(&t, "%s%s%s - %s", f->address, err ? " " : "",
             err ? ap_error_name(f->error) : "", f->reason);
  }
}

/* BRIEF: the model ids again when the layer is not ok, the canary's run
 * when it ran (the layer's own line shows its reason then). */
static void dl_brief_extra(struct dl_out *o, const struct ap_result *r,
                           enum ap_layer layer)
{
  const struct ap_line *last;
  if(!o->count)
    return;
  last = &o->lines[o->count - 1];
  if(last->kind != AP_LINE_LAYER || last->layer != layer)
    return;
  if(layer == AP_LAYER_MODEL && r->model.h.state != AP_STATE_OK)
    dl_text_line(o, AP_LINE_MODELS, layer, last->text);
  if(layer == AP_LAYER_INFERENCE && r->inference.h.state != AP_STATE_NA &&
     r->inference.h.state != AP_STATE_SKIPPED)
    dl_text_line(o, AP_LINE_CANARY, layer, last->text);
}

static void dl_env_notes(struct dl_out *o, const struct ap_env_result *e)
{
  dl_text_line(o, AP_LINE_NOTE, AP_LAYER_ENV, e->proxy_note);
  dl_text_line(o, AP_LINE_ADVICE, AP_LAYER_ENV, e->advice);
}

static void dl_status(struct dl_out *o, const struct ap_result *r)
{
  struct dl_text t;
  struct ap_line *l;
  if(!r->status_page.checked)
    return;
  l = dl_new(o, AP_LINE_STATUS, AP_LAYER_HTTP, &t);
  if(!l)
    return;
  l->state = r->status_page.state;
  dl_put(&t, "%s", r->status_page.reason);
}

size_t ap_result_lines(const struct ap_result *r, enum ap_line_style style,
                       struct ap_line *lines, size_t max)
{
  struct dl_out o = {lines, max, 0, style};
  void *loc = ap_locale_c_enter(); /* '.' in the numbers */
  int l;
  if(style == AP_LINES_FULL && r->env.insecure)
    dl_text_line(&o, AP_LINE_INSECURE, AP_LAYER_ENV,
                 "certificate verification is DISABLED (--insecure)");
  for(l = 0; l < AP_LAYER_COUNT; l++) {
    dl_layer(&o, r, (enum ap_layer)l);
    if(l == AP_LAYER_ENV && style == AP_LINES_FULL)
      dl_env_notes(&o, &r->env);
    if(l == AP_LAYER_TCP)
      dl_tcp_extra(&o, &r->tcp);
    if(style == AP_LINES_BRIEF)
      dl_brief_extra(&o, r, (enum ap_layer)l);
  }
  if(style == AP_LINES_BRIEF)
    dl_env_notes(&o, &r->env);
  dl_status(&o, r);
  ap_locale_leave(loc);
  return o.count;
}
