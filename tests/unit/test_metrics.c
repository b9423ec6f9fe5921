/* test_metrics.c -- plugin/metrics.c: the table every face maps from has
 * unique names that are valid perfdata labels and Prometheus suffixes, a
 * unit of "s" or none, a JSON path, and a value for each row that is NAN
 * exactly when the result did not measure it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "internal.h"

static void test_table_shape(void **state)
{
  size_t i, j;
  const struct ap_metric *m;
  (void)state;
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    assert_true(i < AP_METRIC_MAX);
    assert_true(strlen(m->name) > 1);
    assert_int_equal(strspn(m->name, "abcdefghijklmnopqrstuvwxyz_"),
                     strlen(m->name));
    /* Nagios UOMs: seconds, bytes or none */
    assert_true(!strcmp(m->uom, "s") || !strcmp(m->uom, "B") ||
                !strcmp(m->uom, ""));
    assert_true(m->json && *m->json && m->help && *m->help);
    assert_true(m->layer < AP_LAYER_COUNT);
    assert_int_equal(ap_metric_find(m->name), (int)i);
    for(j = 0; j < i; j++)
      assert_string_not_equal(ap_metric_get(j)->name, m->name);
  }
  assert_true(i >= 14);
  assert_int_equal(ap_metric_find("nosuch"), -1);
}

static double value_of(const struct ap_result *r, const char *name)
{
  int i = ap_metric_find(name);
  assert_true(i >= 0);
  return ap_metric_value(r, (size_t)i);
}

static void test_values(void **state)
{
  struct ap_result r;
  size_t i;
  (void)state;
  memset(&r, 0, sizeof(r));
  r.dns.h.time_s = r.tcp.h.time_s = r.proxy.h.time_s = NAN;
  r.tls.h.time_s = r.http.ttfb_s = r.total_s = NAN;
  r.tls.cert_days_left = r.tls.chain_min_days_left = NAN;
  r.auth.rl.requests_remaining = r.auth.rl.tokens_remaining = NAN;
  r.auth.retry_after_s = r.http.clock_skew_s = NAN;
  r.auth.h.state = AP_STATE_SKIPPED;
  r.inference.ttft_s = r.inference.stream_s = r.inference.max_gap_s = NAN;
  r.inference.input_tokens = r.inference.output_tokens = NAN;
  r.inference.h.state = AP_STATE_NA;
  r.inference.age_s = 0; /* n/a: no age whatever the field says */
  r.tcp.retransmits = r.tcp.syn_retransmits = -1; /* no connection */
  /* nothing measured: every metric is NAN except up, which is 0 */
  for(i = 0; ap_metric_get(i); i++) {
    if(!strcmp(ap_metric_get(i)->name, "up"))
      assert_true(ap_metric_value(&r, i) == 0);
    else if(!isnan(ap_metric_value(&r, i)))
      fail_msg("%s is not NAN", ap_metric_get(i)->name);
  }
  r.dns.h.time_s = 0.01;
  r.tcp.h.time_s = 0.02;
  r.tls.h.time_s = 0.03;
  r.http.ttfb_s = 0.04;
  r.total_s = 0.1;
  r.http.status = 429;
  r.tls.cert_days_left = 40;
  r.tls.chain_min_days_left = 5;
  r.auth.rl.requests_remaining = 0;
  r.auth.retry_after_s = 17;
  r.http.clock_skew_s = -2;
  r.auth.h.state = AP_STATE_WARNING;
  assert_true(value_of(&r, "dns_time") == 0.01);
  assert_true(value_of(&r, "tcp_time") == 0.02);
  assert_true(value_of(&r, "tls_time") == 0.03);
  assert_true(value_of(&r, "ttfb") == 0.04);
  assert_true(value_of(&r, "total_time") == 0.1);
  assert_true(value_of(&r, "http_status") == 429);
  assert_true(value_of(&r, "cert_days_left") == 40);
  assert_true(value_of(&r, "chain_min_days_left") == 5);
  assert_true(value_of(&r, "ratelimit_requests_remaining") == 0);
  assert_true(value_of(&r, "retry_after") == 17);
  assert_true(value_of(&r, "clock_skew") == -2);
  assert_true(value_of(&r, "up") == 1);
  r.inference.h.state = AP_STATE_OK;
  r.inference.ttft_s = 1.5;
  r.inference.stream_s = 1.6;
  r.inference.max_gap_s = 1.4;
  r.inference.input_tokens = 8;
  r.inference.output_tokens = 1;
  r.inference.age_s = 42;
  assert_true(value_of(&r, "ttft") == 1.5);
  assert_true(value_of(&r, "stream_time") == 1.6);
  assert_true(value_of(&r, "max_gap") == 1.4);
  assert_true(value_of(&r, "input_tokens") == 8);
  assert_true(value_of(&r, "output_tokens") == 1);
  assert_true(value_of(&r, "canary_age") == 42);
  r.tcp.retransmits = 3;
  r.tcp.syn_retransmits = 1;
  assert_true(value_of(&r, "tcp_retransmits") == 3);
  assert_true(value_of(&r, "syn_retransmits") == 1);
  r.auth.h.state = AP_STATE_CRITICAL;
  assert_true(value_of(&r, "up") == 0);
  assert_true(isnan(ap_metric_value(&r, 999)));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_table_shape),
    cmocka_unit_test(test_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
