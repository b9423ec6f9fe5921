/* test_outcome.c -- plugin/outcome.c: the stable names generated from the
 * X-macro lists (every error named, unique per layer, with a hint), state
 * ranks and the exit codes of process-per-check faces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "apiprobe.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static int is_snake(const char *s)
{
  if(!*s)
    return 0;
  for(; *s; s++) {
    if(!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return 0;
  }
  return 1;
}

static void test_error_names(void **state)
{
  int e, f;
  (void)state;
  assert_string_equal(ap_error_name(AP_ERR_NONE), "none");
  for(e = 0; e < AP_ERR_COUNT; e++) {
    const char *n = ap_error_name((enum ap_error)e);
    assert_non_null(n);
    if(!strcmp(n, "unknown") || !is_snake(n))
      print_error("error %d has name '%s'\n", e, n);
    assert_string_not_equal(n, "unknown");
    assert_true(is_snake(n));
    /* a layer of its own, or any layer's (threshold) */
    assert_true((int)ap_error_layer((enum ap_error)e) < AP_LAYER_COUNT ||
                ap_error_layer((enum ap_error)e) == AP_LAYER_ANY);
  }
  /* (layer, name) is unique */
  for(e = 0; e < AP_ERR_COUNT; e++) {
    for(f = e + 1; f < AP_ERR_COUNT; f++) {
      if(ap_error_layer((enum ap_error)e) ==
           ap_error_layer((enum ap_error)f) &&
         !strcmp(ap_error_name((enum ap_error)e),
                 ap_error_name((enum ap_error)f))) {
        print_error("errors %d and %d are both %s/%s\n", e, f,
                    ap_layer_name(ap_error_layer((enum ap_error)e)),
                    ap_error_name((enum ap_error)e));
        fail();
      }
    }
  }
  assert_string_equal(ap_error_name(AP_ERR_COUNT), "unknown");
}

static void test_error_hints_and_states(void **state)
{
  int e;
  (void)state;
  assert_string_equal(ap_error_hint(AP_ERR_NONE), "");
  assert_int_equal(ap_error_state(AP_ERR_NONE), AP_STATE_OK);
  for(e = 1; e < AP_ERR_COUNT; e++) {
    const char *h = ap_error_hint((enum ap_error)e);
    enum ap_state s = ap_error_state((enum ap_error)e);
    assert_non_null(h);
    if(!h[0])
      print_error("error %s has no hint\n", ap_error_name((enum ap_error)e));
    assert_true(h[0] != '\0');
    assert_null(strchr(h, '\n'));
    /* a failure is never "ok", "skipped" or "n/a" */
    assert_true(s == AP_STATE_WARNING || s == AP_STATE_CRITICAL ||
                s == AP_STATE_UNKNOWN);
  }
}

struct err_case {
  enum ap_error e;
  enum ap_layer layer;
  const char *name;
  enum ap_state state;
};

/* Spot checks of the table against docs: a renumbering or a moved row
 * shows up here. */
static void test_error_rows(void **state)
{
  static const struct err_case cases[] = {
    {AP_ERR_ENV_KEY_FILE_MODE, AP_LAYER_ENV, "key_file_readable",
     AP_STATE_WARNING},
    {AP_ERR_DNS_NXDOMAIN, AP_LAYER_DNS, "nxdomain", AP_STATE_CRITICAL},
    {AP_ERR_DNS_TIMEOUT, AP_LAYER_DNS, "timeout", AP_STATE_CRITICAL},
    {AP_ERR_TCP_TIMEOUT, AP_LAYER_TCP, "timeout", AP_STATE_CRITICAL},
    {AP_ERR_PROXY_AUTH, AP_LAYER_PROXY, "auth_required", AP_STATE_CRITICAL},
    {AP_ERR_PROXY_REJECTED, AP_LAYER_PROXY, "connect_rejected",
     AP_STATE_CRITICAL},
    {AP_ERR_TLS_NOT_TLS, AP_LAYER_TLS, "not_tls", AP_STATE_CRITICAL},
    {AP_ERR_TLS_EXPIRING, AP_LAYER_TLS, "cert_expiring", AP_STATE_WARNING},
    {AP_ERR_TLS_INSECURE, AP_LAYER_TLS, "verify_disabled", AP_STATE_WARNING},
    {AP_ERR_HTTP_TOO_LARGE, AP_LAYER_HTTP, "body_too_large",
     AP_STATE_CRITICAL},
    {AP_ERR_HTTP_5XX, AP_LAYER_HTTP, "status_5xx", AP_STATE_CRITICAL},
    {AP_ERR_AUTH_NO_KEY, AP_LAYER_AUTH, "no_key", AP_STATE_UNKNOWN},
    {AP_ERR_AUTH_RATE_LIMITED, AP_LAYER_AUTH, "rate_limited",
     AP_STATE_WARNING},
    {AP_ERR_AUTH_OVERLOADED, AP_LAYER_AUTH, "overloaded", AP_STATE_WARNING},
    {AP_ERR_AUTH_SPEND_LIMIT, AP_LAYER_AUTH, "spend_limit",
     AP_STATE_CRITICAL},
    {AP_ERR_AUTH_UNEXPECTED, AP_LAYER_AUTH, "unexpected", AP_STATE_UNKNOWN},
    /* set on whichever layer's measurement crossed it */
    {AP_ERR_THRESHOLD, AP_LAYER_ANY, "threshold", AP_STATE_WARNING},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    assert_int_equal(ap_error_layer(cases[i].e), cases[i].layer);
    assert_string_equal(ap_error_name(cases[i].e), cases[i].name);
    assert_int_equal(ap_error_state(cases[i].e), cases[i].state);
  }
  assert_int_equal(AP_ERR_NONE, 0);
}

/* Errors of one layer are contiguous and layers come in walk order. */
static void test_error_layer_order(void **state)
{
  int e;
  (void)state;
  for(e = 1; e < AP_ERR_COUNT; e++)
    assert_true(ap_error_layer((enum ap_error)e) >=
                ap_error_layer((enum ap_error)(e - 1)));
}

static void test_state_and_layer_names(void **state)
{
  static const char *const states[] = {"ok",      "warning", "critical",
                                       "unknown", "skipped", "n/a"};
  static const char *const layers[] = {"env", "dns",  "tcp", "proxy",
                                       "tls", "http", "auth", "model",
                                       "inference"};
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(states); i++)
    assert_string_equal(ap_state_name((enum ap_state)i), states[i]);
  assert_int_equal(N_ELEMS(layers), AP_LAYER_COUNT);
  for(i = 0; i < N_ELEMS(layers); i++)
    assert_string_equal(ap_layer_name((enum ap_layer)i), layers[i]);
  assert_string_equal(ap_layer_name(AP_LAYER_COUNT), "unknown");
  assert_string_equal(ap_state_name((enum ap_state)99), "unknown");
}

static void test_code_names(void **state)
{
  (void)state;
  assert_string_equal(ap_code_name(AP_OK), "ok");
  assert_string_equal(ap_code_name(AP_E_NOMEM), "nomem");
  assert_string_equal(ap_code_name(AP_E_ARG), "bad_argument");
  assert_string_equal(ap_code_name(AP_E_CONFIG), "bad_config");
  assert_string_equal(ap_code_name(AP_E_INTERNAL), "internal");
  assert_string_equal(ap_code_name(AP_E_IO), "io");
  assert_string_equal(ap_code_name((enum ap_code)42), "unknown");
}

struct rank_case {
  enum ap_state s;
  int exit_code;
};

static void test_ranks_and_exit_codes(void **state)
{
  static const struct rank_case cases[] = {
    {AP_STATE_OK, 0},       {AP_STATE_WARNING, 1}, {AP_STATE_CRITICAL, 2},
    {AP_STATE_UNKNOWN, 3},  {AP_STATE_SKIPPED, 0}, {AP_STATE_NA, 0},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++)
    assert_int_equal(ap_state_exit_code(cases[i].s), cases[i].exit_code);
  /* ok < warning < unknown < critical; skipped, n/a below ok */
  assert_true(ap_state_rank(AP_STATE_SKIPPED) < ap_state_rank(AP_STATE_OK));
  assert_true(ap_state_rank(AP_STATE_NA) < ap_state_rank(AP_STATE_OK));
  assert_true(ap_state_rank(AP_STATE_OK) < ap_state_rank(AP_STATE_WARNING));
  assert_true(ap_state_rank(AP_STATE_WARNING) <
              ap_state_rank(AP_STATE_UNKNOWN));
  assert_true(ap_state_rank(AP_STATE_UNKNOWN) <
              ap_state_rank(AP_STATE_CRITICAL));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_error_names),
    cmocka_unit_test(test_error_hints_and_states),
    cmocka_unit_test(test_error_rows),
    cmocka_unit_test(test_error_layer_order),
    cmocka_unit_test(test_state_and_layer_names),
    cmocka_unit_test(test_code_names),
    cmocka_unit_test(test_ranks_and_exit_codes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
