/* test_numtext.c -- plugin/numtext.c: the numbers every face and renderer
 * writes (perfdata, JSON, option values), fixed decimals trimmed or
 * %g-style; the decimal comma of a host's locale is in test_locale.c.
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

static void test_fixed(void **state)
{
  static const struct {
    double v;
    int decimals;
    const char *want;
  } rows[] = {
    {0.25, 6, "0.25"},        {10, 6, "10"},         {100, 0, "100"},
    {-1.5, 6, "-1.5"},        {-0.0000001, 6, "0"},  {0, 3, "0"},
    {1234.5678, 2, "1234.57"}, {0.0005, 3, "0.001"}, {9.75, 3, "9.75"},
    {2.0001, 3, "2"},         {1e-7, 6, "0"},        {-3, 0, "-3"},
    {0.1, 17, "0.10000000000000001"},
  };
  char out[64];
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(rows); i++) {
    size_t n = ap_num_fixed(out, sizeof(out), rows[i].v, rows[i].decimals);
    if(strcmp(out, rows[i].want))
      print_error("row %zu: '%s', want '%s'\n", i, out, rows[i].want);
    assert_string_equal(out, rows[i].want);
    assert_int_equal(n, strlen(rows[i].want));
  }
}

static void test_fixed_unmeasured(void **state)
{
  char out[16] = "x";
  (void)state;
  assert_int_equal(ap_num_fixed(out, sizeof(out), NAN, 6), 0);
  assert_string_equal(out, "");
  assert_int_equal(ap_num_fixed(out, sizeof(out), INFINITY, 6), 0);
  assert_string_equal(out, "");
  assert_int_equal(ap_num_fixed(out, sizeof(out), -INFINITY, 6), 0);
  assert_int_equal(ap_num_fixed(out, 0, 1, 6), 0);
}

static void test_fixed_cut(void **state)
{
  char out[4];
  (void)state;
  ap_num_fixed(out, sizeof(out), 12345.5, 1);
  assert_string_equal(out, "123");
}

static void test_general(void **state)
{
  static const struct {
    double v;
    int digits;
    const char *want;
  } rows[] = {
    {0.5, 15, "0.5"},  {1e-5, 15, "1e-05"},  {3, 15, "3"},
    {0.1, 17, "0.10000000000000001"}, {86400, 6, "86400"},
    {2.5, 0, "2"},
  };
  char out[64];
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(rows); i++) {
    ap_num_general(out, sizeof(out), rows[i].v, rows[i].digits);
    if(strcmp(out, rows[i].want))
      print_error("row %zu: '%s', want '%s'\n", i, out, rows[i].want);
    assert_string_equal(out, rows[i].want);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fixed),
    cmocka_unit_test(test_fixed_unmeasured),
    cmocka_unit_test(test_fixed_cut),
    cmocka_unit_test(test_general),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
