/* test_label.c -- plugin/label.c (wrong answer 3): several URLs on one
 * host each get a label that names them, the first one too; --name labels
 * are kept; whatever still clashes is numbered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Finish targets for URLS (NAMES[i] non-NULL: --name), label them and
 * compare with WANT. */
static void check(const char *const *urls, const char *const *names,
                  const char *const *want, size_t n)
{
  struct ap_target ts[8];
  char err[256];
  size_t i;
  assert_true(n <= N_ELEMS(ts));
  for(i = 0; i < n; i++) {
    ap_target_init(&ts[i]);
    assert_int_equal(ap_target_set(&ts[i], "url", urls[i], err, sizeof(err)),
                     AP_OK);
    if(names && names[i])
      assert_int_equal(
        ap_target_set(&ts[i], "name", names[i], err, sizeof(err)), AP_OK);
    assert_int_equal(ap_target_finish(&ts[i], err, sizeof(err)), AP_OK);
  }
  assert_int_equal(ap_targets_label(ts, n), AP_OK);
  for(i = 0; i < n; i++) {
    if(strcmp(ts[i].name, want[i]))
      print_error("target %zu: '%s', want '%s'\n", i, ts[i].name, want[i]);
    assert_string_equal(ts[i].name, want[i]);
  }
  for(i = 0; i < n; i++)
    ap_target_free(&ts[i]);
}

static void test_ports(void **state)
{
  static const char *const urls[] = {"https://api.test/v1/models",
                                     "https://api.test:8443/v1/models",
                                     "https://other.test/v1/models"};
  static const char *const want[] = {"api.test:443", "api.test:8443",
                                     "other.test"};
  (void)state;
  check(urls, NULL, want, 3);
}

static void test_paths(void **state)
{
  static const char *const urls[] = {"https://api.test/v1/models?limit=1",
                                     "https://api.test/v1/other"};
  static const char *const want[] = {"api.test/v1/models?limit=1",
                                     "api.test/v1/other"};
  (void)state;
  check(urls, NULL, want, 2);
}

static void test_ports_and_paths(void **state)
{
  static const char *const urls[] = {
    "https://api.test/a", "https://api.test/b", "https://api.test:8443/a"};
  static const char *const want[] = {"api.test:443/a", "api.test:443/b",
                                     "api.test:8443/a"};
  (void)state;
  check(urls, NULL, want, 3);
}

static void test_names_kept(void **state)
{
  static const char *const urls[] = {"https://api.test/a",
                                     "https://api.test:8443/a",
                                     "https://api.test/a"};
  static const char *const names[] = {"prod", NULL, NULL};
  static const char *const want[] = {"prod", "api.test:8443", "api.test:443"};
  (void)state;
  check(urls, names, want, 3);
}

static void test_same_url_twice(void **state)
{
  static const char *const urls[] = {"https://[::1]:8443/a",
                                     "https://[::1]:8443/a"};
  static const char *const want[] = {"https://[::1]:8443/a",
                                     "https://[::1]:8443/a#2"};
  char out[128];
  struct ap_target t;
  char err[256];
  (void)state;
  check(urls, NULL, want, 2);
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "url", urls[0], err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  ap_label_form(&t, 0, out, sizeof(out));
  assert_string_equal(out, "[::1]:8443");
  ap_target_free(&t);
}

/* The names a host can carry in item keys and series (conffile.c's
 * sections and collectd's <Target> blocks both ask). */
static void test_name_ok(void **state)
{
  static const struct {
    const char *name;
    int ok;
  } rows[] = {
    {"api", 1},     {"api-1.prod_eu", 1}, {"", 0},        {"a b", 0},
    {"a/b", 0},     {"a\nb", 0},         {"caf\xc3\xa9", 0}, {"a:b", 0},
    {"x{#T}", 0},
  };
  char n63[64], n64[65];
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(rows); i++) {
    if(ap_target_name_ok(rows[i].name) != rows[i].ok)
      print_error("'%s': want %d\n", rows[i].name, rows[i].ok);
    assert_int_equal(ap_target_name_ok(rows[i].name), rows[i].ok);
  }
  memset(n63, 'a', 63);
  n63[63] = '\0';
  memset(n64, 'a', 64);
  n64[64] = '\0';
  assert_int_equal(ap_target_name_ok(n63), 1);
  assert_int_equal(ap_target_name_ok(n64), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ports),      cmocka_unit_test(test_paths),
    cmocka_unit_test(test_ports_and_paths),
    cmocka_unit_test(test_names_kept), cmocka_unit_test(test_same_url_twice),
    cmocka_unit_test(test_name_ok),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
