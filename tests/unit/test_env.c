/* test_env.c -- plugin/env.c: ap_noproxy_match() (NO_PROXY-style lists)
 * and ap_env_eval() deciding the proxy from --proxy/--noproxy or the
 * environment (https_proxy, HTTPS_PROXY, ALL_PROXY, NO_PROXY) as curl does;
 * the clock state, skew thresholds and keepalive advice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <sys/timex.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const proxy_vars[] = {
  "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
  "NO_PROXY",    "http_proxy",  "HTTP_PROXY"};

static void clear_env(void)
{
  size_t i;
  for(i = 0; i < N_ELEMS(proxy_vars); i++)
    unsetenv(proxy_vars[i]);
}

static int group_setup(void **state)
{
  (void)state;
  clear_env();
  return curl_global_init(CURL_GLOBAL_DEFAULT) ? -1 : 0;
}

static int group_teardown(void **state)
{
  (void)state;
  clear_env();
  curl_global_cleanup();
  return 0;
}

static int each_setup(void **state)
{
  (void)state;
  clear_env();
  return 0;
}

struct np_case {
  const char *host;
  const char *list;
  int want;
};

static void test_noproxy_match(void **state)
{
  static const struct np_case cases[] = {
    {"api.anthropic.com", "*", 1},
    {"api.anthropic.com", "api.anthropic.com", 1},
    {"API.Anthropic.COM", "api.anthropic.com", 1},
    {"api.anthropic.com", "anthropic.com", 1},
    {"api.anthropic.com", ".anthropic.com", 1},
    {"anthropic.com", ".anthropic.com", 1},
    {"anthropic.com", "anthropic.com", 1},
    {"badanthropic.com", "anthropic.com", 0},
    {"badanthropic.com", ".anthropic.com", 0},
    {"api.anthropic.com", "api.anthropic", 0},
    {"api.anthropic.com", "com.api", 0},
    {"api.anthropic.com", "other.com", 0},
    {"api.anthropic.com", "localhost,127.0.0.1,.anthropic.com", 1},
    {"api.anthropic.com", "localhost, anthropic.com", 1},
    {"api.anthropic.com", " localhost ,\tanthropic.com ", 1},
    {"api.anthropic.com", "localhost,,other", 0},
    {"api.anthropic.com", "", 0},
    {"api.anthropic.com", ",", 0},
    {"api.anthropic.com", ".", 0},
    {"api.anthropic.com", "*.anthropic.com", 0},
    {"api.anthropic.com", "a*", 0},
    {"127.0.0.1", "127.0.0.1", 1},
    {"::1", "[::1]", 1},
    {"::1", "::1", 1},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    int got = ap_noproxy_match(cases[i].host, cases[i].list);
    if(!!got != cases[i].want)
      print_error("case %zu: '%s' in '%s' -> %d\n", i, cases[i].host,
                  cases[i].list, got);
    assert_int_equal(!!got, cases[i].want);
  }
  assert_int_equal(ap_noproxy_match("api.anthropic.com", NULL), 0);
}

struct env_case {
  const char *what;
  const char *env[4][2];  /* name, value; NULL name ends */
  const char *opt_proxy;   /* --proxy, NULL unset */
  const char *opt_noproxy; /* --noproxy, NULL unset */
  const char *want_proxy;  /* URL handed to curl */
  const char *want_source;
  int want_match;
};

static void test_env_eval(void **state)
{
  static const struct env_case cases[] = {
    {"nothing set", {{NULL, NULL}}, NULL, NULL, "", "", 0},
    {"HTTPS_PROXY", {{"HTTPS_PROXY", "http://p:3128"}}, NULL, NULL,
     "http://p:3128", "env:HTTPS_PROXY", 0},
    {"https_proxy beats HTTPS_PROXY",
     {{"https_proxy", "http://lower:1"}, {"HTTPS_PROXY", "http://upper:2"}},
     NULL, NULL, "http://lower:1", "env:https_proxy", 0},
    {"HTTPS_PROXY beats ALL_PROXY",
     {{"ALL_PROXY", "http://all:1"}, {"HTTPS_PROXY", "http://https:2"}},
     NULL, NULL, "http://https:2", "env:HTTPS_PROXY", 0},
    {"all_proxy", {{"all_proxy", "http://all:1"}}, NULL, NULL,
     "http://all:1", "env:all_proxy", 0},
    {"ALL_PROXY", {{"ALL_PROXY", "http://all:1"}}, NULL, NULL,
     "http://all:1", "env:ALL_PROXY", 0},
    {"empty https_proxy falls through",
     {{"https_proxy", ""}, {"HTTPS_PROXY", "http://p:3128"}}, NULL, NULL,
     "http://p:3128", "env:HTTPS_PROXY", 0},
    {"http_proxy is not for https", {{"http_proxy", "http://p:1"},
                                     {"HTTP_PROXY", "http://p:2"}},
     NULL, NULL, "", "", 0},
    {"option wins over env", {{"HTTPS_PROXY", "http://env:1"}},
     "http://opt:2", NULL, "http://opt:2", "option", 0},
    {"--proxy \"\" disables the env proxy",
     {{"HTTPS_PROXY", "http://env:1"}, {"ALL_PROXY", "http://all:1"}}, "",
     NULL, "", "", 0},
    {"NO_PROXY matches", {{"HTTPS_PROXY", "http://p:1"},
                          {"NO_PROXY", "localhost,.anthropic.com"}},
     NULL, NULL, "", "", 1},
    {"no_proxy beats NO_PROXY",
     {{"HTTPS_PROXY", "http://p:1"}, {"no_proxy", "other.com"},
      {"NO_PROXY", "anthropic.com"}},
     NULL, NULL, "http://p:1", "env:HTTPS_PROXY", 0},
    {"NO_PROXY not matching", {{"HTTPS_PROXY", "http://p:1"},
                               {"NO_PROXY", "badanthropic.com"}},
     NULL, NULL, "http://p:1", "env:HTTPS_PROXY", 0},
    {"NO_PROXY * ", {{"HTTPS_PROXY", "http://p:1"}, {"NO_PROXY", "*"}}, NULL,
     NULL, "", "", 1},
    {"--noproxy overrides NO_PROXY",
     {{"HTTPS_PROXY", "http://p:1"}, {"NO_PROXY", "*"}}, NULL, "", "http://p:1",
     "env:HTTPS_PROXY", 0},
    {"--noproxy matches the option proxy", {{NULL, NULL}}, "http://opt:2",
     "anthropic.com", "", "", 1},
    {"NO_PROXY without a proxy", {{"NO_PROXY", "*"}}, NULL, NULL, "", "", 0},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    const struct env_case *c = &cases[i];
    struct ap_target t;
    struct ap_env_result env;
    char proxy[AP_TEXT * 2];
    char err[256];
    int k;
    clear_env();
    for(k = 0; k < 4 && c->env[k][0]; k++)
      assert_int_equal(setenv(c->env[k][0], c->env[k][1], 1), 0);
    ap_target_init(&t);
    if(c->opt_proxy)
      assert_int_equal(
        ap_target_set(&t, "proxy", c->opt_proxy, err, sizeof(err)), AP_OK);
    if(c->opt_noproxy)
      assert_int_equal(
        ap_target_set(&t, "noproxy", c->opt_noproxy, err, sizeof(err)),
        AP_OK);
    memset(&env, 0, sizeof(env));
    memset(proxy, 'Z', sizeof(proxy));
    ap_env_eval(&t, "api.anthropic.com", &env, proxy, sizeof(proxy));
    if(strncmp(proxy, c->want_proxy, strlen(c->want_proxy) + 1) ||
       strcmp(env.proxy_source, c->want_source) ||
       env.noproxy_match != c->want_match)
      print_error("case '%s': proxy '%s' source '%s' match %d\n", c->what,
                  proxy, env.proxy_source, env.noproxy_match);
    assert_string_equal(proxy, c->want_proxy);
    assert_string_equal(env.proxy_source, c->want_source);
    assert_int_equal(env.noproxy_match, c->want_match);
    assert_int_equal(env.h.state, AP_STATE_OK);
    if(!c->want_proxy[0])
      assert_string_equal(env.proxy, "");
    else
      assert_int_equal(strncmp(env.proxy, c->want_proxy,
                               strlen(c->want_proxy)),
                       0);
    ap_target_free(&t);
  }
}

/* A proxy URL with credentials: curl gets them, the report does not. */
static void test_env_proxy_password_hidden(void **state)
{
  static const char *const urls[] = {
    "http://alice:s3cr3tpw@proxy.corp:3128",
    "http://alice:s3cr3tpw@proxy.corp:3128/",
    "https://alice:s3cr3tpw@proxy.corp",
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(urls); i++) {
    int from_env;
    for(from_env = 0; from_env < 2; from_env++) {
      struct ap_target t;
      struct ap_env_result env;
      char proxy[AP_TEXT * 2];
      char err[256];
      clear_env();
      ap_target_init(&t);
      if(from_env)
        setenv("HTTPS_PROXY", urls[i], 1);
      else
        assert_int_equal(ap_target_set(&t, "proxy", urls[i], err,
                                       sizeof(err)),
                         AP_OK);
      memset(&env, 0, sizeof(env));
      ap_env_eval(&t, "api.anthropic.com", &env, proxy, sizeof(proxy));
      assert_string_equal(proxy, urls[i]);
      if(strstr(env.proxy, "s3cr3tpw"))
        print_error("password shown: '%s'\n", env.proxy);
      assert_null(strstr(env.proxy, "s3cr3tpw"));
      assert_non_null(strstr(env.proxy, "proxy.corp"));
      assert_string_equal(env.proxy_source,
                          from_env ? "env:HTTPS_PROXY" : "option");
      ap_target_free(&t);
    }
  }
  clear_env();
}

static void test_env_insecure(void **state)
{
  struct ap_target t;
  struct ap_env_result env;
  char proxy[64];
  char err[256];
  (void)state;
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "insecure", "", err, sizeof(err)),
                   AP_OK);
  memset(&env, 0, sizeof(env));
  ap_env_eval(&t, "h", &env, proxy, sizeof(proxy));
  assert_int_equal(env.insecure, 1);
  assert_string_equal(proxy, "");
  ap_target_free(&t);
}

/* http_proxy alone does not apply to https://: said, not silently ignored;
 * a NO_PROXY match names where it came from */
static void test_env_proxy_notes(void **state)
{
  struct ap_target t;
  struct ap_env_result env;
  char proxy[64];
  (void)state;
  ap_target_init(&t);
  setenv("http_proxy", "http://only-http:3128", 1);
  memset(&env, 0, sizeof(env));
  ap_env_eval(&t, "api.anthropic.com", &env, proxy, sizeof(proxy));
  assert_string_equal(proxy, "");
  assert_non_null(strstr(env.proxy_note, "http_proxy is set"));
  /* once https_proxy applies, no note */
  setenv("HTTPS_PROXY", "http://p:3128", 1);
  memset(&env, 0, sizeof(env));
  ap_env_eval(&t, "api.anthropic.com", &env, proxy, sizeof(proxy));
  assert_string_equal(proxy, "http://p:3128");
  assert_string_equal(env.proxy_note, "");
  /* NO_PROXY excludes the host: reported with its source, no note */
  setenv("NO_PROXY", ".anthropic.com", 1);
  memset(&env, 0, sizeof(env));
  ap_env_eval(&t, "api.anthropic.com", &env, proxy, sizeof(proxy));
  assert_string_equal(proxy, "");
  assert_int_equal(env.noproxy_match, 1);
  assert_string_equal(env.noproxy_source, "env:NO_PROXY");
  assert_string_equal(env.proxy_note, "");
  ap_target_free(&t);
}

static void test_clock_synced(void **state)
{
  (void)state;
  assert_int_equal(ap_clock_synced(TIME_OK, 0), 1);
  assert_int_equal(ap_clock_synced(TIME_INS, STA_PLL), 1);
  assert_int_equal(ap_clock_synced(TIME_ERROR, 0), 0);
  assert_int_equal(ap_clock_synced(TIME_OK, STA_UNSYNC), 0);
  assert_int_equal(ap_clock_synced(-1, 0), -1);
}

static void test_skew_error(void **state)
{
  (void)state;
  assert_int_equal(ap_skew_error(NAN, 60, 120), AP_ERR_NONE);
  assert_int_equal(ap_skew_error(0.4, 60, 120), AP_ERR_NONE);
  assert_int_equal(ap_skew_error(60, 60, 120), AP_ERR_NONE);
  assert_int_equal(ap_skew_error(60.5, 60, 120), AP_ERR_ENV_CLOCK_SKEW);
  assert_int_equal(ap_skew_error(-61, 60, 120), AP_ERR_ENV_CLOCK_SKEW);
  assert_int_equal(ap_skew_error(121, 60, 120), AP_ERR_ENV_CLOCK_SKEW_CRIT);
  assert_int_equal(ap_skew_error(-3600, 60, 120),
                   AP_ERR_ENV_CLOCK_SKEW_CRIT);
  assert_int_equal(ap_skew_error(-3600, 60, 0), AP_ERR_ENV_CLOCK_SKEW);
  assert_int_equal(ap_skew_error(-3600, 0, 0), AP_ERR_NONE);
  assert_int_equal(ap_error_layer(AP_ERR_ENV_CLOCK_SKEW), AP_LAYER_ENV);
  assert_int_equal(ap_error_state(AP_ERR_ENV_CLOCK_SKEW_CRIT),
                   AP_STATE_CRITICAL);
}

/* wrong answer 4: a 300 s skew with an x-api-key provider breaks
 * nothing: a warning by default; critical where it breaks something (a
 * time-signed provider's window), or beyond --skew-crit when given */
static void skew_case(double skew, const char *crit_opt, double window,
                      enum ap_state want, enum ap_error werr,
                      const char *in_reason)
{
  struct ap_target t;
  struct ap_result r;
  char err[128];
  ap_target_init(&t);
  if(crit_opt)
    assert_int_equal(ap_target_set(&t, "skew-crit", crit_opt, err,
                                   sizeof(err)),
                     AP_OK);
  memset(&r, 0, sizeof(r));
  r.env.h.state = AP_STATE_OK;
  r.env.clock_synced = 1;
  r.http.clock_skew_s = skew;
  ap_env_judge_skew(&r, &t, window);
  assert_int_equal(r.env.h.state, want);
  assert_int_equal(r.env.h.error, werr);
  if(in_reason && !strstr(r.env.h.reason, in_reason))
    fail_msg("reason '%s' lacks '%s'", r.env.h.reason, in_reason);
  ap_target_free(&t);
}

static void test_skew_by_what_it_breaks(void **state)
{
  struct ap_target t;
  double w, c;
  (void)state;
  /* the defaults: not time-signed -> warning, however large */
  skew_case(300, NULL, 0, AP_STATE_WARNING, AP_ERR_ENV_CLOCK_SKEW,
            "do not depend on the clock");
  skew_case(-3600, NULL, 0, AP_STATE_WARNING, AP_ERR_ENV_CLOCK_SKEW, NULL);
  skew_case(30, NULL, 0, AP_STATE_OK, AP_ERR_NONE, NULL);
  /* time-signed for 300 s (AWS SigV4): critical beyond the window */
  skew_case(301, NULL, 300, AP_STATE_CRITICAL, AP_ERR_ENV_CLOCK_SKEW_CRIT,
            "time-signed request");
  skew_case(200, NULL, 300, AP_STATE_WARNING, AP_ERR_ENV_CLOCK_SKEW,
            "time-signed requests fail beyond 300 s");
  /* configurable: --skew-crit wins, 0 turns critical off */
  skew_case(300, "120", 0, AP_STATE_CRITICAL, AP_ERR_ENV_CLOCK_SKEW_CRIT,
            "limit 120 s");
  skew_case(400, "0", 300, AP_STATE_WARNING, AP_ERR_ENV_CLOCK_SKEW, NULL);
  ap_target_init(&t);
  ap_skew_limits(&t, 0, &w, &c);
  assert_true(w == 60 && c == 0);
  ap_skew_limits(&t, 100, &w, &c);
  assert_true(w == 60 && c == 100);
  ap_target_free(&t);
}

static void test_keepalive_advice(void **state)
{
  char buf[512];
  (void)state;
  /* Linux's defaults: 7200 s idle, 9 probes 75 s apart */
  assert_int_equal(ap_keepalive_advice(7200, 75, 9, 300, buf, sizeof(buf)),
                   1);
  assert_non_null(strstr(buf, "after 7200 s idle"));
  assert_non_null(strstr(buf, "7875 s"));
  assert_non_null(strstr(buf, "tcp_keepalive_time"));
  assert_int_equal(ap_keepalive_advice(300, 75, 9, 300, buf, sizeof(buf)),
                   1);
  assert_int_equal(ap_keepalive_advice(60, 10, 6, 300, buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  assert_int_equal(ap_keepalive_advice(-1, 75, 9, 300, buf, sizeof(buf)),
                   0);
  assert_int_equal(ap_keepalive_advice(7200, 75, 9, 0, buf, sizeof(buf)), 0);
  /* truncation is safe */
  assert_int_equal(ap_keepalive_advice(7200, 75, 9, 300, buf, 16), 1);
  assert_int_equal(strlen(buf), 15);
}

/* The env layer reads the host: the clock state and this namespace's
 * keepalive sysctls, as /proc shows them. */
static void test_env_host_facts(void **state)
{
  struct ap_target t;
  struct ap_env_result env;
  char proxy[64];
  char err[256];
  FILE *f = fopen("/proc/sys/net/ipv4/tcp_keepalive_time", "r");
  int want = -1;
  (void)state;
  if(f) {
    assert_int_equal(fscanf(f, "%d", &want), 1);
    fclose(f);
  }
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "idle-timeout", "1", err, sizeof(err)),
                   AP_OK);
  memset(&env, 0, sizeof(env));
  ap_env_eval(&t, "h", &env, proxy, sizeof(proxy));
  assert_int_equal(env.keepalive_time_s, want);
  assert_true(env.clock_synced >= -1 && env.clock_synced <= 1);
  assert_true(isnan(env.clock_skew_s));
  if(want >= 1)
    assert_non_null(strstr(env.advice, "keepalive"));
  ap_target_free(&t);
}

/* Issue 13, defect 3: HTTPS_PROXY='ftp://alice:PASS@host:1' put the
 * password into the verdict (libcurl's error quotes the URL), and a bad
 * --proxy's usage error echoed it. The environment's proxy is judged like
 * --proxy now, and no text of the result or error holds the password. */
static void test_env_proxy_invalid_masked(void **state)
{
  static const char pass[] = "s3cretPass";
  struct ap_target t;
  struct ap_result r;
  char err[512] = "";
  char *json = NULL;
  int i;
  (void)state;
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "proxy", "ftp://alice:s3cretPass@h:1",
                                 err, sizeof(err)),
                   AP_E_ARG);
  assert_null(strstr(err, pass));
  assert_int_equal(
    ap_target_set(&t, "url", "https://127.0.0.1:1/v1/models", err,
                  sizeof(err)),
    AP_OK);
  assert_int_equal(ap_target_set(&t, "timeout", "2", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  setenv("HTTPS_PROXY", "ftp://alice:s3cretPass@127.0.0.1:1", 1);
  memset(&r, 0, sizeof(r));
  assert_int_equal(ap_probe_run(&t, &r), AP_OK);
  unsetenv("HTTPS_PROXY");
  assert_int_equal(ap_render_json(&r, 0, &json), AP_OK);
  if(strstr(json, pass))
    print_error("%s\n", json);
  assert_null(strstr(json, pass));
  for(i = 0; i < AP_LAYER_COUNT; i++)
    assert_null(strstr(ap_result_layer(&r, (enum ap_layer)i)->reason, pass));
  assert_null(strstr(r.verdict.reason, pass));
  assert_null(strstr(r.curl_error, pass));
  /* judged like --proxy: the env layer says the variable is unusable */
  assert_int_equal(r.verdict.layer, AP_LAYER_ENV);
  assert_string_equal(ap_error_name(r.verdict.error), "proxy_url_invalid");
  assert_non_null(strstr(r.verdict.reason, "HTTPS_PROXY"));
  free(json);
  ap_target_free(&t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_noproxy_match),
    cmocka_unit_test_setup(test_env_eval, each_setup),
    cmocka_unit_test_setup(test_env_proxy_password_hidden, each_setup),
    cmocka_unit_test_setup(test_env_insecure, each_setup),
    cmocka_unit_test_setup(test_env_proxy_notes, each_setup),
    cmocka_unit_test_setup(test_env_proxy_invalid_masked, each_setup),
    cmocka_unit_test(test_clock_synced),
    cmocka_unit_test(test_skew_error),
    cmocka_unit_test(test_skew_by_what_it_breaks),
    cmocka_unit_test(test_keepalive_advice),
    cmocka_unit_test_setup(test_env_host_facts, each_setup),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
