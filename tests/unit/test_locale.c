/* test_locale.c -- numbers parsed and printed by the core do not follow
 * the host's LC_NUMERIC (a daemon that called setlocale(LC_ALL, "") with
 * a decimal comma): option values, JSON and Prometheus text keep '.'.
 * The de_DE locale is compiled into a temp dir with localedef (LOCPATH).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "strutil.h"

static char tmpdir[64];

static int group_setup(void **state)
{
  char cmd[256];
  (void)state;
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/ap-unit-locale-XXXXXX");
  if(!mkdtemp(tmpdir))
    return -1;
  snprintf(cmd, sizeof(cmd),
           "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1",
           tmpdir);
  if(system(cmd)) {
    fprintf(stderr, "localedef de_DE failed: cannot test LC_NUMERIC\n");
    return -1;
  }
  setenv("LOCPATH", tmpdir, 1);
  if(!setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
    fprintf(stderr, "setlocale de_DE.UTF-8 failed\n");
    return -1;
  }
  return 0;
}

static int group_teardown(void **state)
{
  char cmd[128];
  (void)state;
  setlocale(LC_NUMERIC, "C");
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_parse(void **state)
{
  double v = 0;
  struct ap_target t;
  char err[256];
  char buf[32];
  (void)state;
  snprintf(buf, sizeof(buf), "%.1f", 1.5);
  assert_string_equal(buf, "1,5"); /* the locale is really active */
  assert_int_equal(ap_parse_double("1.5", 0, 10, &v), 0);
  assert_true(v == 1.5);
  assert_int_equal(ap_parse_double("1,5", 0, 10, &v), -1);
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "timeout", "2.5", err, sizeof(err)),
                   AP_OK);
  assert_true(t.timeout_s == 2.5);
  ap_target_free(&t);
}

static void test_print(void **state)
{
  struct ap_result r;
  char *json = NULL, *prom = NULL;
  (void)state;
  memset(&r, 0, sizeof(r));
  r.total_s = 0.25;
  r.dns.h.time_s = 0.125;
  assert_int_equal(ap_render_json(&r, 0, &json), AP_OK);
  assert_non_null(strstr(json, "0.25"));
  assert_null(strstr(json, "0,25"));
  assert_int_equal(ap_render_prom(&r, 1, &prom), AP_OK);
  assert_null(strstr(prom, "0,125"));
  assert_non_null(strstr(prom, "0.125"));
  free(json);
  free(prom);
}

/* What the faces write themselves (perfdata, option values from a
 * collectd config, a timeout fitted under the host's limit). */
static void test_face_numbers(void **state)
{
  struct ap_fit fit = {10, 0.1, 0.25, 0, 0};
  struct ap_target t;
  char buf[32], err[256];
  (void)state;
  ap_num_fixed(buf, sizeof(buf), 0.25, 6);
  assert_string_equal(buf, "0.25");
  ap_num_general(buf, sizeof(buf), 1.5, 15);
  assert_string_equal(buf, "1.5");
  ap_target_init(&t);
  assert_int_equal(ap_target_fit_timeout(&t, &fit, err, sizeof(err)), AP_OK);
  assert_true(t.timeout_s == 9.75);
  ap_target_free(&t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse),
    cmocka_unit_test(test_print),
    cmocka_unit_test(test_face_numbers),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
