/* test_thresholds.c -- plugin/thresholds.c: Nagios range syntax (the
 * guideline's table, strictness on junk), alert semantics at the edges,
 * METRIC=RANGE specs, state names, and ap_thresholds_judge() then the verdict on a result
 * (metric ranges, rate-limited/overloaded states, the verdict).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct alert_case {
  const char *range;
  double v;
  int alert;
};

/* What a probe's end does (runner.c finish): the thresholds judge, then
 * the verdict. */
static void apply(const struct ap_thresholds *th, struct ap_result *r)
{
  ap_thresholds_judge(th, r);
  ap_verdict_compute(r);
}

static void test_range_table(void **state)
{
  /* the Monitoring Plugins guideline table, at and around the edges */
  static const struct alert_case cases[] = {
    {"10", -1, 1},     {"10", 0, 0},        {"10", 10, 0},
    {"10", 10.01, 1},  {"10:", 9.99, 1},    {"10:", 10, 0},
    {"10:", 1e9, 0},   {"~:10", -1e9, 0},   {"~:10", 10, 0},
    {"~:10", 11, 1},   {"10:20", 9, 1},     {"10:20", 10, 0},
    {"10:20", 20, 0},  {"10:20", 21, 1},    {"@10:20", 9, 0},
    {"@10:20", 10, 1}, {"@10:20", 20, 1},   {"@10:20", 21, 0},
    {"0.5", 0.6, 1},   {"0.5", 0.5, 0},     {"-5:-1", -3, 0},
    {"-5:-1", 0, 1},   {"@~:0", -1, 1},     {"@~:0", 1, 0},
    {"1e1", 11, 1},    {"21:", 20.9, 1},
  };
  size_t i;
  char err[256];
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    struct ap_range r;
    assert_int_equal(ap_range_parse(cases[i].range, &r, err, sizeof(err)),
                     AP_OK);
    assert_string_equal(r.text, cases[i].range);
    if(ap_range_alert(&r, cases[i].v) != cases[i].alert)
      fail_msg("range %s value %g: expected alert %d", cases[i].range,
               cases[i].v, cases[i].alert);
  }
}

static void test_range_bad(void **state)
{
  static const char *const bad[] = {"",      "abc",  "10x",   "1:2:3",
                                    "@",     "20:10", ":",    "~",
                                    "1:x",   " 1",   "0x10", "nan",
                                    "inf",   "@@1",  "10 "};
  size_t i;
  char err[256];
  (void)state;
  for(i = 0; i < N_ELEMS(bad); i++) {
    struct ap_range r;
    memset(&r, 0, sizeof(r));
    err[0] = '\0';
    if(ap_range_parse(bad[i], &r, err, sizeof(err)) != AP_E_ARG)
      fail_msg("range '%s' was accepted", bad[i]);
    assert_false(r.set);
    assert_true(err[0] != '\0');
  }
}

static void test_range_unset_and_nan(void **state)
{
  struct ap_range r;
  char err[128];
  (void)state;
  memset(&r, 0, sizeof(r));
  assert_int_equal(ap_range_alert(&r, 1e9), 0);
  assert_int_equal(ap_range_parse("1", &r, err, sizeof(err)), AP_OK);
  assert_int_equal(ap_range_alert(&r, NAN), 0);
}

static void test_state_parse(void **state)
{
  enum ap_state s;
  (void)state;
  assert_int_equal(ap_state_parse("ok", &s), 0);
  assert_int_equal(s, AP_STATE_OK);
  assert_int_equal(ap_state_parse("CRITICAL", &s), 0);
  assert_int_equal(s, AP_STATE_CRITICAL);
  assert_int_equal(ap_state_parse("Warning", &s), 0);
  assert_int_equal(s, AP_STATE_WARNING);
  assert_int_equal(ap_state_parse("unknown", &s), 0);
  assert_int_equal(s, AP_STATE_UNKNOWN);
  assert_int_not_equal(ap_state_parse("skipped", &s), 0);
  assert_int_not_equal(ap_state_parse("crit", &s), 0);
}

static void test_set_specs(void **state)
{
  struct ap_thresholds th;
  char err[256];
  int i = ap_metric_find("ttfb");
  (void)state;
  ap_thresholds_init(&th, NULL);
  assert_true(i >= 0);
  assert_int_equal(ap_thresholds_set(&th, 0, "ttfb=0.5", err, sizeof(err)),
                   AP_OK);
  assert_true(th.warn[i].set);
  assert_false(th.crit[i].set);
  assert_int_equal(ap_thresholds_set(&th, 1, "ttfb=1:", err, sizeof(err)),
                   AP_OK);
  assert_true(th.crit[i].set);
  assert_int_equal(ap_thresholds_set(&th, 0, "nosuch=1", err, sizeof(err)),
                   AP_E_ARG);
  assert_non_null(strstr(err, "nosuch"));
  assert_non_null(strstr(err, "--warn"));
  assert_int_equal(ap_thresholds_set(&th, 1, "ttfb", err, sizeof(err)),
                   AP_E_ARG);
  assert_non_null(strstr(err, "--crit"));
  assert_int_equal(ap_thresholds_set(&th, 1, "ttfb=1x", err, sizeof(err)),
                   AP_E_ARG);
  assert_non_null(strstr(err, "ttfb"));
}

static void ok_result(struct ap_result *r)
{
  int i;
  memset(r, 0, sizeof(*r));
  for(i = 0; i < AP_LAYER_COUNT; i++) {
    struct ap_layer_head *h = ap_result_layer_mut(r, (enum ap_layer)i);
    h->state = AP_STATE_OK;
    h->time_s = 0.001;
  }
  r->proxy.h.state = AP_STATE_NA;
  r->proxy.h.time_s = NAN;
  r->total_s = 0.8;
  r->http.ttfb_s = 0.3;
  r->http.status = 200;
  r->http.clock_skew_s = 0.1;
  r->tls.cert_days_left = r->tls.chain_min_days_left = 100;
  r->auth.rl.requests_remaining = 5;
  r->auth.rl.tokens_remaining = NAN;
  r->auth.retry_after_s = NAN;
  ap_verdict_compute(r);
}

static void test_apply(void **state)
{
  struct ap_thresholds th;
  struct ap_result r;
  struct ap_target t;
  char err[256];
  (void)state;
  ap_target_init(&t);
  ap_thresholds_init(&th, &t);
  ok_result(&r);
  apply(&th, &r);
  assert_int_equal(r.verdict.state, AP_STATE_OK);

  /* -w 0.5 on total_time (0.8 s): warning, on the http layer */
  assert_int_equal(
    ap_thresholds_set(&th, 0, "total_time=0.5", err, sizeof(err)), AP_OK);
  apply(&th, &r);
  assert_int_equal(r.verdict.state, AP_STATE_WARNING);
  assert_int_equal(r.verdict.layer, AP_LAYER_HTTP);
  assert_int_equal(r.verdict.error, AP_ERR_THRESHOLD);
  assert_non_null(strstr(r.verdict.reason, "total_time"));
  assert_non_null(strstr(r.verdict.reason, "0.5"));

  /* a critical on remaining requests wins, on the auth layer */
  ok_result(&r);
  assert_int_equal(ap_thresholds_set(&th, 1,
                                     "ratelimit_requests_remaining=10:",
                                     err, sizeof(err)),
                   AP_OK);
  apply(&th, &r);
  assert_int_equal(r.verdict.state, AP_STATE_CRITICAL);
  assert_int_equal(r.verdict.layer, AP_LAYER_AUTH);

  /* default certificate ranges: 15 days left is a warning (21:) */
  ap_thresholds_init(&th, &t);
  ok_result(&r);
  r.tls.chain_min_days_left = 15;
  apply(&th, &r);
  assert_int_equal(r.verdict.state, AP_STATE_WARNING);
  assert_int_equal(r.verdict.layer, AP_LAYER_TLS);
  ap_target_free(&t);
}

static void test_apply_auth_states(void **state)
{
  struct ap_thresholds th;
  struct ap_result r;
  char err[128];
  (void)state;
  ap_thresholds_init(&th, NULL);
  ok_result(&r);
  ap_layer_set(&r, AP_LAYER_AUTH, AP_ERR_AUTH_RATE_LIMITED, "429");
  th.rate_limited_state = AP_STATE_CRITICAL;
  apply(&th, &r);
  assert_int_equal(r.verdict.state, AP_STATE_CRITICAL);
  assert_int_equal(r.verdict.error, AP_ERR_AUTH_RATE_LIMITED);

  ok_result(&r);
  ap_layer_set(&r, AP_LAYER_AUTH, AP_ERR_AUTH_OVERLOADED, "529");
  th.overloaded_state = AP_STATE_OK;
  apply(&th, &r);
  assert_int_equal(r.verdict.state, AP_STATE_OK);

  /* a threshold never judges a layer that was not reached */
  ap_thresholds_init(&th, NULL);
  ok_result(&r);
  ap_layer_fail(&r, AP_LAYER_TCP, AP_ERR_TCP_REFUSED, "refused");
  r.http.ttfb_s = 99;
  assert_int_equal(ap_thresholds_set(&th, 1, "ttfb=1", err, sizeof(err)),
                   AP_OK);
  apply(&th, &r);
  assert_int_equal(r.verdict.layer, AP_LAYER_TCP);
  assert_int_equal(r.http.h.state, AP_STATE_SKIPPED);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_range_table),
    cmocka_unit_test(test_range_bad),
    cmocka_unit_test(test_range_unset_and_nan),
    cmocka_unit_test(test_state_parse),
    cmocka_unit_test(test_set_specs),
    cmocka_unit_test(test_apply),
    cmocka_unit_test(test_apply_auth_states),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
