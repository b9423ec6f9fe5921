/* layer.c -- a result's layers, their initial state (ap_result_init) and
 * the one way to set a layer's state:
 * ap_head_set() writes state, error and reason; ap_layer_set() derives
 * the state from the error; ap_layer_fail() also marks the later layers
 * skipped (never reached). The verdict over them is verdict.c's.
 */
#include "internal.h"
#include "strutil.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

struct ap_layer_head *ap_result_layer_mut(struct ap_result *r,
                                          enum ap_layer l)
{
  switch(l) {
  case AP_LAYER_ENV:
    return &r->env.h;
  case AP_LAYER_DNS:
    return &r->dns.h;
  case AP_LAYER_TCP:
    return &r->tcp.h;
  case AP_LAYER_PROXY:
    return &r->proxy.h;
  case AP_LAYER_TLS:
    return &r->tls.h;
  case AP_LAYER_HTTP:
    return &r->http.h;
  case AP_LAYER_MODEL:
    return &r->model.h;
  case AP_LAYER_INFERENCE:
    return &r->inference.h;
  case AP_LAYER_AUTH:
  case AP_LAYER_COUNT:
  case AP_LAYER_ANY:
    break;
  }
  return &r->auth.h;
}

const struct ap_layer_head *ap_result_layer(const struct ap_result *r,
                                            enum ap_layer l)
{
  return ap_result_layer_mut((struct ap_result *)(uintptr_t)r, l);
}

void ap_head_set(struct ap_layer_head *h, enum ap_state s, enum ap_error e,
                 const char *reason)
{
  h->state = s;
  h->error = e;
  if(reason)
    ap_strlcpy(h->reason, reason, sizeof(h->reason));
}

void ap_layer_set(struct ap_result *r, enum ap_layer l, enum ap_error e,
                  const char *reason)
{
  ap_head_set(ap_result_layer_mut(r, l), ap_error_state(e), e,
              reason ? reason : "");
}

void ap_layer_fail(struct ap_result *r, enum ap_layer l, enum ap_error e,
                   const char *reason)
{
  struct ap_layer_head *h = ap_result_layer_mut(r, l);
  int i;
  ap_layer_set(r, l, e, reason);
  if(h->state != AP_STATE_CRITICAL && h->state != AP_STATE_UNKNOWN)
    return;
  for(i = (int)l + 1; i < AP_LAYER_COUNT; i++) {
    struct ap_layer_head *n = ap_result_layer_mut(r, (enum ap_layer)i);
    if(n->state != AP_STATE_NA)
      ap_head_set(n, AP_STATE_SKIPPED, AP_ERR_NONE, "");
  }
}

void ap_result_init(struct ap_result *r, const struct ap_target *t)
{
  int i;
  memset(r, 0, sizeof(*r));
  for(i = 0; i < AP_LAYER_COUNT; i++) {
    struct ap_layer_head *h = ap_result_layer_mut(r, (enum ap_layer)i);
    ap_head_set(h, AP_STATE_SKIPPED, AP_ERR_NONE, NULL);
    h->time_s = NAN;
  }
  ap_head_set(&r->proxy.h, AP_STATE_NA, AP_ERR_NONE, NULL);
  r->tls.cert_days_left = r->tls.chain_min_days_left = NAN;
  r->tcp.rtt_s = NAN;
  r->tcp.syn_retransmits = r->tcp.retransmits = -1;
  r->proxy.resolve_s = r->proxy.connect_s = r->proxy.tunnel_s = NAN;
  r->env.clock_synced = -1;
  r->env.clock_maxerror_s = r->env.clock_skew_s = NAN;
  r->env.keepalive_time_s = r->env.keepalive_intvl_s = -1;
  r->env.keepalive_probes = -1;
  r->http.ttfb_s = r->http.transfer_s = r->http.clock_skew_s = NAN;
  ap_ratelimit_init(&r->auth.rl);
  r->auth.retry_after_s = NAN;
  r->auth.should_retry = -1;
  r->inference.ttft_s = r->inference.stream_s = NAN;
  r->inference.max_gap_s = r->inference.cost_usd = NAN;
  r->inference.input_tokens = r->inference.output_tokens = NAN;
  r->inference.age_s = NAN;
  r->attempts = 1;
  r->total_s = NAN;
  if(!t)
    return;
  ap_strlcpy(r->provider, ap_provider(t->provider)->name,
             sizeof(r->provider));
  if(t->name)
    ap_strlcpy(r->name, t->name, sizeof(r->name));
  ap_strlcpy(r->url, t->url_shown, sizeof(r->url));
  ap_strlcpy(r->key_source, t->key_source, sizeof(r->key_source));
  ap_strlcpy(r->key_fingerprint, t->key_fingerprint,
             sizeof(r->key_fingerprint));
}
