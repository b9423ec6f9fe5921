/* test_fit.c -- plugin/fit.c: a probe fitted under its host's time limit
 * the way each face asks (Nagios -t, collectd's Interval, the Zabbix
 * agent's Timeout), through the option table only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The faces' rules, as they pass them (limit_s filled per row). */
#define NAGIOS 0.1, 0.25, 0, 0
#define COLLECTD 0.2, 0, 0, 0
#define COLLECTD_GIVEN 0.2, 0, 0, 1
#define ZABBIX 1, 0.5, 0.5, 0

static const struct {
  const char *timeout;  /* NULL: the default (10) */
  const char *connect;  /* NULL: the default (5) */
  struct ap_fit fit;
  enum ap_code rc;
  double want_timeout, want_connect;
} rows[] = {
  /* Nagios: -t 10 leaves 9.75, -t 1 leaves 0.9, -t 0.001 still 0.001 */
  {NULL, NULL, {10, NAGIOS}, AP_OK, 9.75, 5},
  {"1", NULL, {1, NAGIOS}, AP_OK, 0.9, 0.9},
  {"2.5", "1", {2.5, NAGIOS}, AP_OK, 2.25, 1},
  {"0.001", NULL, {0.001, NAGIOS}, AP_OK, 0.001, 0.001},
  {"0.0333", NULL, {0.0333, NAGIOS}, AP_OK, 0.03, 0.03},
  /* collectd: the default kept below the interval, a given one checked */
  {NULL, NULL, {60, COLLECTD}, AP_OK, 10, 5},
  {NULL, NULL, {10, COLLECTD}, AP_OK, 8, 5},
  {NULL, NULL, {2, COLLECTD}, AP_OK, 1.6, 1.6},
  {NULL, NULL, {0.0001, COLLECTD}, AP_E_ARG, 10, 5},
  {"9", NULL, {10, COLLECTD_GIVEN}, AP_OK, 9, 5},
  {"3", NULL, {2, COLLECTD_GIVEN}, AP_E_CONFIG, 3, 5},
  {"10", NULL, {10, COLLECTD_GIVEN}, AP_E_CONFIG, 10, 5},
  /* Zabbix: half a second below the agent's Timeout, at least 0.5 s */
  {NULL, NULL, {3, ZABBIX}, AP_OK, 2.5, 2.5},
  {NULL, NULL, {30, ZABBIX}, AP_OK, 10, 5},
  {"2", NULL, {3, ZABBIX}, AP_OK, 2, 2},
  {NULL, NULL, {1, ZABBIX}, AP_OK, 0.5, 0.5},
  {NULL, "0.2", {1, ZABBIX}, AP_OK, 0.5, 0.2},
};

static void test_rows(void **state)
{
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(rows); i++) {
    struct ap_target t;
    char err[256] = "";
    enum ap_code rc;
    ap_target_init(&t);
    if(rows[i].timeout)
      assert_int_equal(
        ap_target_set(&t, "timeout", rows[i].timeout, err, sizeof(err)),
        AP_OK);
    if(rows[i].connect)
      assert_int_equal(ap_target_set(&t, "connect-timeout", rows[i].connect,
                                     err, sizeof(err)),
                       AP_OK);
    rc = ap_target_fit_timeout(&t, &rows[i].fit, err, sizeof(err));
    if(rc != rows[i].rc || t.timeout_s != rows[i].want_timeout ||
       t.connect_timeout_s != rows[i].want_connect)
      print_error("row %zu: rc %d timeout %.17g connect %.17g (%s)\n", i,
                  rc, t.timeout_s, t.connect_timeout_s, err);
    assert_int_equal(rc, rows[i].rc);
    if(rc)
      assert_true(err[0] != '\0');
    assert_true(t.timeout_s == rows[i].want_timeout);
    assert_true(t.connect_timeout_s == rows[i].want_connect);
    ap_target_free(&t);
  }
}

/* A finished target refitted at every probe (the Zabbix module) stays. */
static void test_idempotent(void **state)
{
  struct ap_fit fit = {3, ZABBIX};
  struct ap_target t;
  char err[256];
  int k;
  (void)state;
  ap_target_init(&t);
  for(k = 0; k < 3; k++) {
    assert_int_equal(ap_target_fit_timeout(&t, &fit, err, sizeof(err)),
                     AP_OK);
    assert_true(t.timeout_s == 2.5);
    assert_true(t.connect_timeout_s == 2.5);
  }
  ap_target_free(&t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rows),
    cmocka_unit_test(test_idempotent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
