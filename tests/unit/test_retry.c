/* test_retry.c -- plugin/retry.c: which outcomes the SDKs would retry
 * (status 408/409/429/5xx, connection failures, x-should-retry wins) and
 * the delay (retry-after when 0 < s <= 60, else 0.5 s doubling to 8 s with
 * 75-100 % jitter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct case_row {
  enum ap_state state;
  enum ap_error error;
  long status;
  int should_retry;
  int want;
};

static void test_transient(void **state)
{
  static const struct case_row rows[] = {
    {AP_STATE_OK, AP_ERR_NONE, 200, -1, 0},
    {AP_STATE_WARNING, AP_ERR_AUTH_OVERLOADED, 529, -1, 1},
    {AP_STATE_WARNING, AP_ERR_AUTH_RATE_LIMITED, 429, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_AUTH_SERVER_ERROR, 500, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_HTTP_5XX, 503, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_AUTH_UNEXPECTED, 408, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_AUTH_UNEXPECTED, 409, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_AUTH_INVALID_KEY, 401, -1, 0},
    {AP_STATE_CRITICAL, AP_ERR_AUTH_FORBIDDEN, 403, -1, 0},
    {AP_STATE_CRITICAL, AP_ERR_AUTH_SPEND_LIMIT, 429, 0, 0},
    {AP_STATE_CRITICAL, AP_ERR_AUTH_INVALID_KEY, 401, 1, 1},
    {AP_STATE_CRITICAL, AP_ERR_TCP_REFUSED, 0, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_TCP_TIMEOUT, 0, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_TLS_RESET, 0, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_TLS_EXPIRED, 0, -1, 0},
    {AP_STATE_CRITICAL, AP_ERR_TLS_UNTRUSTED, 0, -1, 0},
    {AP_STATE_CRITICAL, AP_ERR_HTTP_TIMEOUT, 0, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_HTTP_RESET, 0, -1, 1},
    {AP_STATE_CRITICAL, AP_ERR_HTTP_REDIRECT, 302, -1, 0},
    {AP_STATE_CRITICAL, AP_ERR_DNS_NXDOMAIN, 0, -1, 0},
    {AP_STATE_CRITICAL, AP_ERR_DNS_TEMPORARY, 0, -1, 1},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(rows); i++) {
    struct ap_result r;
    /* the outcome as the layers hold it: the failing layer's head */
    ap_result_init(&r, NULL);
    ap_head_set(ap_result_layer_mut(&r, ap_error_layer(rows[i].error)),
                rows[i].state, rows[i].error, NULL);
    r.http.status = rows[i].status;
    r.auth.should_retry = rows[i].should_retry;
    if(ap_retry_transient(&r) != rows[i].want)
      fail_msg("row %zu (%s, %ld): want %d", i, ap_error_name(rows[i].error),
               rows[i].status, rows[i].want);
  }
}

static void test_delay(void **state)
{
  struct ap_result r;
  int n;
  (void)state;
  memset(&r, 0, sizeof(r));
  r.auth.retry_after_s = NAN;
  /* backoff: 0.5, 1, 2, 4, 8, 8 ... times (0.75, 1] */
  for(n = 0; n < 8; n++) {
    double base = n >= 4 ? 8 : 0.5 * (double)(1 << n);
    assert_true(fabs(ap_retry_delay(&r, n, 0.0) - base) < 1e-9);
    assert_true(fabs(ap_retry_delay(&r, n, 0.999999) - base * 0.75) < 1e-5);
  }
  r.auth.retry_after_s = 17;
  assert_true(ap_retry_delay(&r, 0, 0.5) == 17);
  r.auth.retry_after_s = 61; /* unusable hint: back to the backoff */
  assert_true(ap_retry_delay(&r, 0, 0.0) == 0.5);
  r.auth.retry_after_s = 0;
  assert_true(ap_retry_delay(&r, 1, 0.0) == 1.0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_transient),
    cmocka_unit_test(test_delay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
