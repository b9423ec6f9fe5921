/* verdict.c -- from layer states to the verdict: the worst state wins
 * (critical > unknown > warning > ok) and names the first layer holding
 * it, with that layer's reason and the error's remedy hint. Layers after a
 * failure are "skipped": they were never reached.
 */
#include "internal.h"
#include "strutil.h"

#include <stdio.h>

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

void ap_verdict_of(const struct ap_result *r, struct ap_verdict *v)
{
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
}

void ap_verdict_compute(struct ap_result *r)
{
  ap_verdict_of(r, &r->verdict);
  ap_statuspage_fold(r);
}
