/* test_timeutil.c -- common/timeutil.c: RFC 3339 (rate-limit resets: Z,
 * fractions, offsets, bad fields, trailing junk), RFC 1123 HTTP dates, and
 * that the two clocks move forward.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "timeutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define T_2025 1755780059.0 /* 2025-08-21T12:40:59Z */
#define T_1994 784111777.0  /* Sun, 06 Nov 1994 08:49:37 GMT */

struct date_case {
  const char *in;
  int rc;
  double want;
};

static void run_cases(const struct date_case *cases, size_t n,
                      int (*parse)(const char *, double *))
{
  size_t i;
  for(i = 0; i < n; i++) {
    double out = -1;
    int rc = parse(cases[i].in, &out);
    if(rc != cases[i].rc || (rc == 0 && fabs(out - cases[i].want) > 1e-6))
      print_error("case %zu '%s': rc %d out %.6f\n", i, cases[i].in, rc,
                  out);
    assert_int_equal(rc, cases[i].rc);
    if(rc == 0)
      assert_true(fabs(out - cases[i].want) < 1e-6);
  }
}

static void test_rfc3339(void **state)
{
  static const struct date_case cases[] = {
    {"2025-08-21T12:40:59Z", 0, T_2025},
    {"2025-08-21t12:40:59z", 0, T_2025},
    {"2025-08-21 12:40:59Z", 0, T_2025},
    {"2025-08-21T12:40:59.5Z", 0, T_2025 + 0.5},
    {"2025-08-21T12:40:59.123456Z", 0, T_2025 + 0.123456},
    {"2025-08-21T14:40:59+02:00", 0, T_2025},
    {"2025-08-21T14:40:59.25+02:00", 0, T_2025 + 0.25},
    {"2025-08-21T07:10:59-05:30", 0, T_2025},
    {"2025-08-21T12:40:59+00:00", 0, T_2025},
    {"1970-01-01T00:00:00Z", 0, 0},
    {"2024-02-29T00:00:00Z", 0, 1709164800},
    {"2016-12-31T23:59:60Z", 0, 1483228800}, /* leap second */
    /* bad */
    {"2025-13-01T00:00:00Z", -1, 0},
    {"2025-00-01T00:00:00Z", -1, 0},
    {"2025-08-00T00:00:00Z", -1, 0},
    {"2025-08-32T00:00:00Z", -1, 0},
    {"2025-08-21T24:00:00Z", -1, 0},
    {"2025-08-21T12:60:00Z", -1, 0},
    {"2025-08-21T12:40:61Z", -1, 0},
    {"2025-08-21T12:40:59", -1, 0},
    {"2025-08-21T12:40:59Zjunk", -1, 0},
    {"2025-08-21T12:40:59Z ", -1, 0},
    {"2025-08-21T12:40:59+02", -1, 0},
    {"2025-08-21T12:40:59+0200", -1, 0},
    {"2025-08-21T12:40:59.Z", -1, 0},
    {"2025-08-21", -1, 0},
    {"2025-8-21T12:40:59Z", -1, 0},
    {"25-08-21T12:40:59Z", -1, 0},
    {"2025/08/21T12:40:59Z", -1, 0},
    {" 2025-08-21T12:40:59Z", -1, 0},
    {"", -1, 0},
    {"soon", -1, 0},
  };
  (void)state;
  run_cases(cases, N_ELEMS(cases), ap_parse_rfc3339);
  {
    double out = 42;
    assert_int_equal(ap_parse_rfc3339(NULL, &out), -1);
    assert_true(out == 42);
  }
}

/* A day that does not exist in its month is not a date. */
static void test_rfc3339_day_of_month(void **state)
{
  static const struct date_case cases[] = {
    {"2025-02-29T00:00:00Z", -1, 0},
    {"2025-02-31T00:00:00Z", -1, 0},
    {"2025-04-31T00:00:00Z", -1, 0},
  };
  (void)state;
  run_cases(cases, N_ELEMS(cases), ap_parse_rfc3339);
}

static void test_http_date(void **state)
{
  static const struct date_case cases[] = {
    {"Sun, 06 Nov 1994 08:49:37 GMT", 0, T_1994},
    {"Thu, 21 Aug 2025 12:40:59 GMT", 0, T_2025},
    {"Thu, 01 Jan 1970 00:00:00 GMT", 0, 0},
    {"Sun, 06 Foo 1994 08:49:37 GMT", -1, 0},
    {"Sun, 06 nov 1994 08:49:37 GMT", -1, 0},
    {"Sun, 06 Nov 1994 08:49:37", -1, 0},
    {"Sun, 06 Nov 1994 08:49:37 UTC", -1, 0},
    {"Sun, 06 Nov 1994 08:49:37 GMT ", -1, 0},
    {"Sun, 06 Nov 1994 08:49:37 GMTx", -1, 0},
    {"Sun, 6 Nov 1994 08:49:37 GMT", -1, 0},
    {"Sun, 06 Nov 94 08:49:37 GMT", -1, 0},
    {"Sunday, 06-Nov-94 08:49:37 GMT", -1, 0},
    {"Sun Nov  6 08:49:37 1994", -1, 0},
    {"Sun, 06 Nov 1994 25:49:37 GMT", -1, 0},
    {"Sun, 32 Nov 1994 08:49:37 GMT", -1, 0},
    {"Sun, 06 Nov 1994 08:49 GMT", -1, 0},
    {"", -1, 0},
  };
  (void)state;
  run_cases(cases, N_ELEMS(cases), ap_parse_http_date);
  {
    double out = 42;
    assert_int_equal(ap_parse_http_date(NULL, &out), -1);
    assert_true(out == 42);
  }
}

static void test_clocks(void **state)
{
  double m1, m2, w;
  struct timespec ts = {0, 2000000};
  (void)state;
  m1 = ap_mono_s();
  nanosleep(&ts, NULL);
  m2 = ap_mono_s();
  assert_true(m2 > m1);
  assert_true(m2 - m1 < 5.0);
  w = ap_wall_s();
  assert_true(fabs(w - (double)time(NULL)) < 2.0);
  assert_true(w > T_2025 - 86400 * 365.0); /* the clock is not in 1970 */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rfc3339),
    cmocka_unit_test(test_rfc3339_day_of_month),
    cmocka_unit_test(test_http_date),
    cmocka_unit_test(test_clocks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
