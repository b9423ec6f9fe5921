/* render_json.c -- the result as JSON (json-c), with the stable snake_case
 * names of docs/json.md that every face maps from. A value that was not
 * measured is left out (never 0, never NaN).
 */
#include "internal.h"
#include "strutil.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_num(struct json_object *o, const char *k, double v, int prec)
{
  char buf[48];
  if(!ap_num_fixed(buf, sizeof(buf), v, prec))
    return; /* not measured */
  json_object_object_add(o, k, json_object_new_double_s(v, buf));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
  if(v && *v)
    json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, long v)
{
  json_object_object_add(o, k, json_object_new_int64(v));
}

static struct json_object *layer(const struct ap_layer_head *h)
{
  struct json_object *o = json_object_new_object();
  if(!o)
    return NULL;
  add_str(o, "state", ap_state_name(h->state));
  if(h->error != AP_ERR_NONE)
    add_str(o, "error", ap_error_name(h->error));
  add_str(o, "reason", h->reason);
  add_num(o, "time_s", h->time_s, 6);
  return o;
}

static int reached(const struct ap_layer_head *h)
{
  return h->state != AP_STATE_SKIPPED && h->state != AP_STATE_NA;
}

static struct json_object *env_json(const struct ap_result *r)
{
  struct json_object *o = layer(&r->env.h);
  if(!o)
    return NULL;
  add_str(o, "proxy", r->env.proxy);
  add_str(o, "proxy_source", r->env.proxy_source);
  if(r->env.noproxy_match) {
    json_object_object_add(o, "noproxy_match", json_object_new_boolean(1));
    add_str(o, "noproxy_source", r->env.noproxy_source);
  }
  add_str(o, "proxy_note", r->env.proxy_note);
  json_object_object_add(o, "insecure",
                         json_object_new_boolean(r->env.insecure));
  if(r->env.clock_synced >= 0)
    json_object_object_add(o, "clock_synced",
                           json_object_new_boolean(r->env.clock_synced));
  add_num(o, "clock_maxerror_s", r->env.clock_maxerror_s, 6);
  add_num(o, "clock_skew_s", r->env.clock_skew_s, 3);
  if(r->env.keepalive_time_s >= 0)
    add_int(o, "keepalive_time_s", r->env.keepalive_time_s);
  if(r->env.keepalive_intvl_s >= 0)
    add_int(o, "keepalive_intvl_s", r->env.keepalive_intvl_s);
  if(r->env.keepalive_probes >= 0)
    add_int(o, "keepalive_probes", r->env.keepalive_probes);
  add_str(o, "advice", r->env.advice);
  return o;
}

static struct json_object *dns_json(const struct ap_result *r)
{
  struct json_object *o = layer(&r->dns.h);
  struct json_object *a;
  int i;
  if(!o)
    return NULL;
  add_str(o, "host", r->dns.host);
  add_str(o, "source", r->dns.source);
  if(r->dns.address_count) {
    a = json_object_new_array();
    for(i = 0; a && i < r->dns.address_count; i++)
      json_object_array_add(a, json_object_new_string(r->dns.addresses[i]));
    json_object_object_add(o, "addresses", a);
    add_int(o, "a_count", r->dns.a_count);
    add_int(o, "aaaa_count", r->dns.aaaa_count);
  }
  add_str(o, "rcode", r->dns.rcode);
  add_str(o, "server", r->dns.server);
  return o;
}

/* route: hops in TTL order, a silent hop's address and rtt null */
static void route_json(struct json_object *o, const struct ap_tcp_result *t)
{
  struct json_object *a = json_object_new_array();
  int i;
  for(i = 0; a && i < t->route_count; i++) {
    const struct ap_route_hop *h = &t->route[i];
    struct json_object *ho = json_object_new_object();
    if(!ho)
      break;
    add_int(ho, "ttl", h->ttl);
    json_object_object_add(ho, "address",
                           h->address[0] ? json_object_new_string(h->address)
                                         : NULL);
    if(isnan(h->rtt_s))
      json_object_object_add(ho, "rtt_s", NULL);
    else
      add_num(ho, "rtt_s", h->rtt_s, 6);
    if(h->reached)
      json_object_object_add(ho, "reached", json_object_new_boolean(1));
    if(h->unreachable)
      json_object_object_add(ho, "unreachable", json_object_new_boolean(1));
    json_object_array_add(a, ho);
  }
  json_object_object_add(o, "route", a);
  json_object_object_add(o, "route_last_hop",
                         t->route_last_hop[0]
                           ? json_object_new_string(t->route_last_hop)
                           : NULL);
  add_str(o, "route_error", t->route_error);
}

static struct json_object *tcp_json(const struct ap_result *r)
{
  struct json_object *o = layer(&r->tcp.h);
  if(!o)
    return NULL;
  add_str(o, "address", r->tcp.address);
  if(r->tcp.address[0] || reached(&r->tcp.h))
    add_int(o, "port", r->tcp.port);
  if(r->tcp.family)
    add_str(o, "family", r->tcp.family == 6 ? "ipv6" : "ipv4");
  if(r->tcp.os_errno && r->tcp.h.error != AP_ERR_NONE &&
     r->tcp.h.error != AP_ERR_TCP_FAMILY)
    add_int(o, "errno", r->tcp.os_errno);
  if(r->tcp.path_mtu > 0)
    add_int(o, "path_mtu", r->tcp.path_mtu);
  if(r->tcp.mss > 0)
    add_int(o, "mss", r->tcp.mss);
  add_num(o, "rtt_s", r->tcp.rtt_s, 6);
  if(r->tcp.family_count) {
    struct json_object *a = json_object_new_array();
    int i;
    for(i = 0; a && i < r->tcp.family_count; i++) {
      const struct ap_family_result *f = &r->tcp.families[i];
      struct json_object *fo = json_object_new_object();
      if(!fo)
        break;
      add_str(fo, "family", f->family == 6 ? "ipv6" : "ipv4");
      add_str(fo, "address", f->address);
      add_str(fo, "state", ap_state_name(f->state));
      if(f->error != AP_ERR_NONE)
        add_str(fo, "error", ap_error_name(f->error));
      add_num(fo, "time_s", f->time_s, 6);
      add_str(fo, "reason", f->reason);
      json_object_array_add(a, fo);
    }
    json_object_object_add(o, "families", a);
  }
  if(r->tcp.syn_retransmits >= 0)
    add_int(o, "syn_retransmits", r->tcp.syn_retransmits);
  if(r->tcp.retransmits >= 0)
    add_int(o, "retransmits", r->tcp.retransmits);
  if(r->tcp.working_mss > 0)
    add_int(o, "working_mss", r->tcp.working_mss);
  if(r->tcp.route_traced)
    route_json(o, &r->tcp);
  return o;
}

static struct json_object *proxy_json(const struct ap_result *r)
{
  struct json_object *o = layer(&r->proxy.h);
  if(!o)
    return NULL;
  add_str(o, "url", r->proxy.url);
  if(r->proxy.connect_status)
    add_int(o, "connect_status", r->proxy.connect_status);
  add_str(o, "address", r->proxy.address);
  add_num(o, "resolve_s", r->proxy.resolve_s, 6);
  add_num(o, "connect_s", r->proxy.connect_s, 6);
  add_num(o, "tunnel_s", r->proxy.tunnel_s, 6);
  return o;
}

static struct json_object *tls_json(const struct ap_result *r)
{
  const struct ap_tls_result *t = &r->tls;
  struct json_object *o = layer(&t->h);
  if(!o)
    return NULL;
  add_str(o, "version", t->version);
  add_str(o, "cipher", t->cipher);
  add_str(o, "alpn", t->alpn);
  add_str(o, "cert_subject", t->cert_subject);
  add_str(o, "cert_issuer", t->cert_issuer);
  add_str(o, "cert_sans", t->cert_sans);
  add_num(o, "cert_days_left", t->cert_days_left, 2);
  add_num(o, "chain_min_days_left", t->chain_min_days_left, 2);
  if(!isnan(t->chain_min_days_left))
    add_str(o, "chain_min_subject", t->chain_min_subject);
  if(t->verify_code) {
    add_int(o, "verify_code", t->verify_code);
    add_str(o, "verify_detail", t->verify_detail);
  }
  if(t->insecure)
    json_object_object_add(o, "insecure", json_object_new_boolean(1));
  return o;
}

static struct json_object *http_json(const struct ap_result *r)
{
  const struct ap_http_result *h = &r->http;
  struct json_object *o = layer(&h->h);
  if(!o)
    return NULL;
  if(h->status) {
    add_int(o, "status", h->status);
    add_str(o, "http_version", h->http_version);
    add_num(o, "ttfb_s", h->ttfb_s, 6);
    add_num(o, "transfer_s", h->transfer_s, 6);
    add_str(o, "request_id", h->request_id);
    add_str(o, "content_type", h->content_type);
    add_str(o, "server", h->server);
    add_str(o, "location_host", h->location_host);
    add_num(o, "clock_skew_s", h->clock_skew_s, 3);
    add_int(o, "body_bytes", h->body_bytes);
  }
  return o;
}

static struct json_object *auth_json(const struct ap_result *r)
{
  const struct ap_auth_result *a = &r->auth;
  struct json_object *o = layer(&a->h);
  if(!o)
    return NULL;
  add_str(o, "error_type", a->error_type);
  add_str(o, "error_code", a->error_code);
  if(reached(&a->h))
    json_object_object_add(o, "key_sent", json_object_new_boolean(a->key_sent));
  add_num(o, "ratelimit_requests_limit", a->rl.requests_limit, 0);
  add_num(o, "ratelimit_requests_remaining", a->rl.requests_remaining, 0);
  add_num(o, "ratelimit_requests_reset_s", a->rl.requests_reset_s, 3);
  add_num(o, "ratelimit_tokens_limit", a->rl.tokens_limit, 0);
  add_num(o, "ratelimit_tokens_remaining", a->rl.tokens_remaining, 0);
  add_num(o, "ratelimit_tokens_reset_s", a->rl.tokens_reset_s, 3);
  add_num(o, "ratelimit_input_tokens_limit", a->rl.input_tokens_limit, 0);
  add_num(o, "ratelimit_input_tokens_remaining",
          a->rl.input_tokens_remaining, 0);
  add_num(o, "ratelimit_output_tokens_limit", a->rl.output_tokens_limit, 0);
  add_num(o, "ratelimit_output_tokens_remaining",
          a->rl.output_tokens_remaining, 0);
  add_num(o, "retry_after_s", a->retry_after_s, 3);
  if(a->should_retry >= 0)
    json_object_object_add(o, "should_retry",
                           json_object_new_boolean(a->should_retry));
  return o;
}

static struct json_object *model_json(const struct ap_result *r)
{
  const struct ap_model_result *m = &r->model;
  struct json_object *o = layer(&m->h);
  struct json_object *list;
  int i;
  if(!o || !m->count)
    return o;
  list = json_object_new_array();
  if(!list)
    return o;
  for(i = 0; i < m->count && i < AP_MAX_MODELS; i++) {
    const struct ap_model_entry *e = &m->models[i];
    struct json_object *one = json_object_new_object();
    if(!one)
      continue;
    add_str(one, "id", e->id);
    add_str(one, "state", ap_state_name(e->state));
    if(e->error != AP_ERR_NONE)
      add_str(one, "error", ap_error_name(e->error));
    add_str(one, "display_name", e->display_name);
    if(e->status)
      add_int(one, "status", e->status);
    add_str(one, "reason", e->reason);
    json_object_array_add(list, one);
  }
  json_object_object_add(o, "models", list);
  return o;
}

static struct json_object *inference_json(const struct ap_result *r)
{
  const struct ap_inference_result *in = &r->inference;
  struct json_object *o = layer(&in->h);
  if(!o || !reached(&in->h))
    return o;
  add_str(o, "model", in->model);
  if(in->status)
    add_int(o, "status", in->status);
  add_str(o, "request_id", in->request_id);
  add_num(o, "ttft_s", in->ttft_s, 6);
  add_num(o, "stream_s", in->stream_s, 6);
  add_num(o, "max_gap_s", in->max_gap_s, 6);
  add_str(o, "stop_reason", in->stop_reason);
  add_num(o, "input_tokens", in->input_tokens, 0);
  add_num(o, "output_tokens", in->output_tokens, 0);
  add_num(o, "cost_usd", in->cost_usd, 8);
  add_int(o, "events", in->events);
  add_str(o, "error_type", in->error_type);
  json_object_object_add(o, "reused", json_object_new_boolean(in->reused));
  add_num(o, "age_s", in->age_s, 3);
  return o;
}

static struct json_object *target_json(const struct ap_result *r)
{
  struct json_object *o = json_object_new_object();
  if(!o)
    return NULL;
  add_str(o, "name", r->name);
  add_str(o, "url", r->url);
  add_str(o, "provider", r->provider);
  add_str(o, "key_source", r->key_source);
  add_str(o, "key_fingerprint", r->key_fingerprint);
  /* bedrock/vertex only: where, and (vertex) who minted the token */
  if(r->region[0])
    add_str(o, "region", r->region);
  if(r->project[0])
    add_str(o, "project", r->project);
  if(r->token_host[0]) {
    add_str(o, "token_host", r->token_host);
    json_object_object_add(o, "token_cached",
                           json_object_new_boolean(r->token_cached));
  }
  return o;
}

static struct json_object *verdict_json(const struct ap_result *r)
{
  const struct ap_verdict *v = &r->verdict;
  struct json_object *o = json_object_new_object();
  if(!o)
    return NULL;
  add_str(o, "state", ap_state_name(v->state));
  add_str(o, "layer", ap_layer_name(v->layer));
  if(v->error != AP_ERR_NONE)
    add_str(o, "error", ap_error_name(v->error));
  add_str(o, "reason", v->reason);
  add_str(o, "hint", v->hint);
  return o;
}

static enum ap_code render_c(const struct ap_result *r, int pretty,
                         char **pout)
{
  struct json_object *root = json_object_new_object();
  struct json_object *layers = json_object_new_object();
  const char *s;
  enum ap_code rc = AP_E_NOMEM;

  *pout = NULL;
  if(!root || !layers) {
    json_object_put(root);
    json_object_put(layers);
    return AP_E_NOMEM;
  }
  json_object_object_add(root, "target", target_json(r));
  json_object_object_add(root, "verdict", verdict_json(r));
  json_object_object_add(layers, "env", env_json(r));
  json_object_object_add(layers, "dns", dns_json(r));
  json_object_object_add(layers, "tcp", tcp_json(r));
  json_object_object_add(layers, "proxy", proxy_json(r));
  json_object_object_add(layers, "tls", tls_json(r));
  json_object_object_add(layers, "http", http_json(r));
  json_object_object_add(layers, "auth", auth_json(r));
  json_object_object_add(layers, "model", model_json(r));
  json_object_object_add(layers, "inference", inference_json(r));
  json_object_object_add(root, "layers", layers);
  if(r->status_page.checked) {
    const struct ap_statuspage_result *sp = &r->status_page;
    struct json_object *o = json_object_new_object();
    if(o) {
      add_str(o, "state", ap_state_name(sp->state));
      add_str(o, "url", sp->url);
      add_str(o, "indicator", sp->indicator);
      add_str(o, "description", sp->description);
      add_str(o, "component_status", sp->component_status);
      add_int(o, "incidents", sp->incidents);
      add_str(o, "reason", sp->reason);
      json_object_object_add(root, "status_page", o);
    }
  }
  add_num(root, "total_s", r->total_s, 6);
  add_int(root, "attempts", r->attempts);
  if(r->attempts > 1) {
    struct json_object *f = json_object_new_object();
    if(f) {
      add_str(f, "state", ap_state_name(r->first_attempt.state));
      add_str(f, "layer", ap_layer_name(r->first_attempt.layer));
      if(r->first_attempt.error != AP_ERR_NONE)
        add_str(f, "error", ap_error_name(r->first_attempt.error));
      add_str(f, "reason", r->first_attempt.reason);
      json_object_object_add(root, "first_attempt", f);
    }
  }
  if(r->curl_code)
    add_int(root, "curl_code", r->curl_code);
  s = json_object_to_json_string_ext(
    root, (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
            JSON_C_TO_STRING_NOSLASHESCAPE);
  if(s) {
    *pout = strdup(s);
    if(*pout)
      rc = AP_OK;
  }
  json_object_put(root);
  return rc;
}

/* Numbers with '.' whatever the host's LC_NUMERIC (json-c and printf
 * follow the thread's locale). */
enum ap_code ap_render_json(const struct ap_result *r, int pretty,
                            char **pout)
{
  void *old = ap_locale_c_enter();
  enum ap_code rc = render_c(r, pretty, pout);
  ap_locale_leave(old);
  return rc;
}
