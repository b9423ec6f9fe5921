/* metric_values.h -- a result in which every metric of plugin/metrics.c
 * reads its own value, for the tests that check each face shows row I's
 * value under row I's names (a row that reads another row's field, or a
 * face that maps a row to the wrong name, shows a wrong number).
 *
 * The fields are set by hand here, keyed by the JSON path docs/json.md
 * gives them, never through the table's getters: the table is what is
 * under test. mv_fill() sets them; mv_value(PATH) is the value the row
 * with JSON path PATH must show (1 for "up": the key was accepted).
 */
#ifndef AP_METRIC_VALUES_H
#define AP_METRIC_VALUES_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct mv_entry {
  const char *json;
  double value;
};

/* whole numbers: every face shows them without rounding */
static const struct mv_entry mv_list[] = {
  {"layers.dns.time_s", 1001},
  {"layers.tcp.time_s", 1002},
  {"layers.proxy.time_s", 1003},
  {"layers.tls.time_s", 1004},
  {"layers.http.ttfb_s", 1005},
  {"total_s", 1006},
  {"layers.tls.cert_days_left", 1007},
  {"layers.tls.chain_min_days_left", 1008},
  {"layers.http.status", 1009},
  {"layers.auth.ratelimit_requests_remaining", 1010},
  {"layers.auth.ratelimit_tokens_remaining", 1011},
  {"layers.auth.retry_after_s", 1012},
  {"layers.http.clock_skew_s", 1013},
  {"verdict.state", 1},
  {"layers.tcp.path_mtu", 1014},
  {"layers.inference.ttft_s", 1015},
  {"layers.inference.stream_s", 1016},
  {"layers.inference.max_gap_s", 1017},
  {"layers.inference.input_tokens", 1018},
  {"layers.inference.output_tokens", 1019},
  {"layers.inference.age_s", 1020},
  {"layers.tcp.retransmits", 1021},
  {"layers.tcp.syn_retransmits", 1022},
};

/* The value the row with JSON path PATH shows; NAN when the list does not
 * have it (a new row needs a line above and a field set below). */
static double mv_value(const char *path)
{
  size_t i;
  for(i = 0; i < sizeof(mv_list) / sizeof(mv_list[0]); i++) {
    if(!strcmp(mv_list[i].json, path))
      return mv_list[i].value;
  }
  return NAN;
}

/* R as a probe that measured everything, each field from mv_list. */
static void mv_fill(struct ap_result *r, const char *name)
{
  ap_result_init(r, NULL);
  snprintf(r->name, sizeof(r->name), "%s", name);
  r->dns.h.state = r->tcp.h.state = r->tls.h.state = AP_STATE_OK;
  r->http.h.state = r->auth.h.state = AP_STATE_OK;
  r->inference.h.state = AP_STATE_OK;
  r->proxy.h.state = AP_STATE_OK;
  r->verdict.state = AP_STATE_OK;
  r->dns.h.time_s = mv_value("layers.dns.time_s");
  r->tcp.h.time_s = mv_value("layers.tcp.time_s");
  r->proxy.h.time_s = mv_value("layers.proxy.time_s");
  r->tls.h.time_s = mv_value("layers.tls.time_s");
  r->http.ttfb_s = mv_value("layers.http.ttfb_s");
  r->total_s = mv_value("total_s");
  r->tls.cert_days_left = mv_value("layers.tls.cert_days_left");
  r->tls.chain_min_days_left = mv_value("layers.tls.chain_min_days_left");
  r->http.status = (long)mv_value("layers.http.status");
  r->auth.rl.requests_remaining =
    mv_value("layers.auth.ratelimit_requests_remaining");
  r->auth.rl.tokens_remaining =
    mv_value("layers.auth.ratelimit_tokens_remaining");
  r->auth.retry_after_s = mv_value("layers.auth.retry_after_s");
  r->http.clock_skew_s = mv_value("layers.http.clock_skew_s");
  r->tcp.path_mtu = (int)mv_value("layers.tcp.path_mtu");
  r->inference.ttft_s = mv_value("layers.inference.ttft_s");
  r->inference.stream_s = mv_value("layers.inference.stream_s");
  r->inference.max_gap_s = mv_value("layers.inference.max_gap_s");
  r->inference.input_tokens = mv_value("layers.inference.input_tokens");
  r->inference.output_tokens = mv_value("layers.inference.output_tokens");
  r->inference.age_s = mv_value("layers.inference.age_s");
  r->tcp.retransmits = (int)mv_value("layers.tcp.retransmits");
  r->tcp.syn_retransmits = (int)mv_value("layers.tcp.syn_retransmits");
}

/* Every row's value, by its JSON path: known to the list, and distinct
 * from every other row's (else a swap of the two would not show). */
static void mv_check_list(void)
{
  const struct ap_metric *m, *o;
  size_t i, j;
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    if(isnan(mv_value(m->json)))
      fail_msg("metric %s: no value for %s in metric_values.h", m->name,
               m->json);
    for(j = 0; j < i && (o = ap_metric_get(j)) != NULL; j++)
      assert_true(mv_value(o->json) != mv_value(m->json));
  }
}

#endif
