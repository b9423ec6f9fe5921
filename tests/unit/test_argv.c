/* test_argv.c -- plugin/argv.c: the process faces' shared parser. Core
 * options reach the target (short and long forms), face options reach the
 * callback, one positional URL, and bad input is an error naming the
 * option; the help lists every option within 79 columns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

enum { X_JSON = 1, X_WARN, X_HELP };

static const struct ap_argv_extra extra[] = {
  {"json", 0, NULL, "JSON", X_JSON},
  {"warning", 'w', "RANGE", "warning range", X_WARN},
  {"help", 'h', NULL, "help", X_HELP},
  {NULL, 0, NULL, NULL, 0},
};

struct seen {
  int json;
  char warn[32];
};

static int cb(void *ud, int id, const char *value, char *err, size_t errlen)
{
  struct seen *s = ud;
  if(id == AP_ARGV_MORE_URL) {
    /* this face takes one URL, as check_apiprobe does */
    snprintf(err, errlen, "unexpected argument '%s'", value);
    return -1;
  }
  if(id == X_JSON)
    s->json = 1;
  else if(id == X_WARN) {
    if(!strcmp(value, "bad")) {
      snprintf(err, errlen, "-w: bad");
      return -1;
    }
    snprintf(s->warn, sizeof(s->warn), "%s", value);
  } else if(id == X_HELP)
    return 1;
  return 0;
}

static int run(struct ap_target *t, struct seen *s, char *err, size_t n,
               int argc, const char *const *argv)
{
  char *copy[16];
  int i;
  for(i = 0; i < argc; i++)
    copy[i] = (char *)(uintptr_t)argv[i];
  copy[argc] = NULL;
  memset(s, 0, sizeof(*s));
  ap_target_init(t);
  return ap_argv_parse(argc, copy, t, extra, cb, s, err, n);
}

static void test_good(void **state)
{
  const char *argv[] = {"x", "-t", "3", "--connect-timeout=1.5", "-4",
                        "--json", "-w", "1:2", "--min-tls", "1.3",
                        "https://api.example/"};
  struct ap_target t;
  struct seen s;
  char err[256];
  (void)state;
  assert_int_equal(run(&t, &s, err, sizeof(err), (int)N_ELEMS(argv), argv),
                   0);
  assert_true(t.timeout_s == 3);
  assert_true(t.connect_timeout_s == 1.5);
  assert_int_equal(t.ip_family, 4);
  assert_int_equal(t.min_tls, 13);
  assert_int_equal(s.json, 1);
  assert_string_equal(s.warn, "1:2");
  /* the provider's probe path is added by ap_target_finish */
  assert_string_equal(t.url, "https://api.example/");
  ap_target_free(&t);
}

struct bad_case {
  const char *argv[4];
  int argc;
  const char *needle;
};

static void test_bad(void **state)
{
  static const struct bad_case cases[] = {
    {{"x", "--bogus"}, 2, "--bogus"},
    {{"x", "-Z"}, 2, "-Z"},
    {{"x", "--timeout"}, 2, "--timeout"},
    {{"x", "--timeout", "soon"}, 3, "--timeout"},
    {{"x", "-w", "bad"}, 3, "-w"},
    {{"x", "https://a/", "https://b/"}, 3, "https://b/"},
    {{"x", "http://plain/"}, 2, "https"},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    struct ap_target t;
    struct seen s;
    char err[256] = "";
    int rc = run(&t, &s, err, sizeof(err), cases[i].argc, cases[i].argv);
    if(rc != -1 || !strstr(err, cases[i].needle))
      fail_msg("case %zu: rc %d err '%s'", i, rc, err);
    ap_target_free(&t);
  }
}

static void test_stop(void **state)
{
  const char *argv[] = {"x", "-h", "-t", "1"};
  struct ap_target t;
  struct seen s;
  char err[256];
  (void)state;
  assert_int_equal(run(&t, &s, err, sizeof(err), 4, argv), 1);
  ap_target_free(&t);
}

static void test_help(void **state)
{
  char buf[8192];
  size_t need = ap_argv_help(extra, buf, sizeof(buf));
  const char *line = buf;
  size_t i;
  const struct ap_option_info *o;
  (void)state;
  assert_true(need < sizeof(buf));
  for(i = 0; (o = ap_option_get(i)) != NULL; i++) {
    char want[64];
    snprintf(want, sizeof(want), "--%s", o->name);
    assert_non_null(strstr(buf, want));
  }
  assert_non_null(strstr(buf, "--json"));
  assert_non_null(strstr(buf, "-w, --warning RANGE"));
  while(*line) {
    size_t n = strcspn(line, "\n");
    if(n > 79)
      fail_msg("help line over 79 columns: %.*s", (int)n, line);
    line += n + (line[n] == '\n');
  }
  /* a small buffer is cut, NUL-terminated, and the need is reported */
  assert_int_equal(ap_argv_help(extra, buf, 10), need);
  assert_int_equal(strlen(buf), 9);
}

static int setup(void **state)
{
  (void)state;
  return curl_global_init(CURL_GLOBAL_DEFAULT) ? -1 : 0;
}

static int teardown(void **state)
{
  (void)state;
  curl_global_cleanup();
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_good),
    cmocka_unit_test(test_bad),
    cmocka_unit_test(test_stop),
    cmocka_unit_test(test_help),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
