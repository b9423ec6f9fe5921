/* verdict.c -- from layer states to the verdict: the worst state wins
 * (critical > unknown > warning > ok) and names the first layer holding
 * it, with that layer's reason and the error's remedy hint. Layers after a
 * failure are "skipped": they were never reached.
 */
#include "internal.h"
#include "strutil.h"

#include <stdio.h>

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

int ap_verdict_line(const struct ap_result *r, int with_state, char *buf,
                    size_t n)
{
  const struct ap_verdict *v = &r->verdict;
  const char *st = with_state ? ap_state_name(v->state) : "";
  if(v->error == AP_ERR_NONE)
    return snprintf(buf, n, "%s%s%s", st, with_state ? ": " : "", v->reason);
  return snprintf(buf, n, "%s%s%s %s: %s", st, with_state ? " " : "",
                  ap_layer_name(v->layer), ap_error_name(v->error),
                  v->reason);
}

void ap_verdict_compute(struct ap_result *r)
{
  struct ap_verdict *v = &r->verdict;
  int i;
  int best = -1;
  v->state = AP_STATE_OK;
  v->layer = AP_LAYER_AUTH;
  v->error = AP_ERR_NONE;
  for(i = 0; i < AP_LAYER_COUNT; i++) {
    const struct ap_layer_head *h = ap_result_layer(r, (enum ap_layer)i);
    if(ap_state_rank(h->state) > ap_state_rank(v->state)) {
      v->state = h->state;
      best = i;
    }
  }
  if(best < 0) {
    snprintf(v->reason, sizeof(v->reason), "%s",
             r->auth.h.reason[0] ? r->auth.h.reason : "every layer is ok");
    v->hint[0] = '\0';
    ap_status_fold(r);
    return;
  }
  {
    const struct ap_layer_head *h = ap_result_layer(r, (enum ap_layer)best);
    v->layer = (enum ap_layer)best;
    v->error = h->error;
    ap_strlcpy(v->reason, h->reason[0] ? h->reason : ap_error_name(h->error),
               sizeof(v->reason));
    ap_strlcpy(v->hint, ap_error_hint(h->error), sizeof(v->hint));
  }
  ap_status_fold(r);
}
