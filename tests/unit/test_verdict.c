/* test_verdict.c -- plugin/verdict.c: ap_layer_fail() (later layers become
 * skipped on critical/unknown, n/a stays, a warning skips nothing) and
 * ap_layer_set() (one layer only), ap_verdict_compute() (worst state wins,
 * first layer holding it, its reason and the error's hint), accessors.
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

/* A result whose layers are all ok with a reason naming the layer. */
static void result_ok(struct ap_result *r)
{
  int i;
  memset(r, 0, sizeof(*r));
  for(i = 0; i < AP_LAYER_COUNT; i++) {
    struct ap_layer_head *h = ap_result_layer_mut(r, (enum ap_layer)i);
    h->state = AP_STATE_OK;
    h->error = AP_ERR_NONE;
    h->time_s = NAN;
    snprintf(h->reason, sizeof(h->reason), "%s fine",
             ap_layer_name((enum ap_layer)i));
  }
}

static void test_layer_accessors(void **state)
{
  struct ap_result r;
  (void)state;
  memset(&r, 0, sizeof(r));
  assert_ptr_equal(ap_result_layer_mut(&r, AP_LAYER_ENV), &r.env.h);
  assert_ptr_equal(ap_result_layer_mut(&r, AP_LAYER_DNS), &r.dns.h);
  assert_ptr_equal(ap_result_layer_mut(&r, AP_LAYER_TCP), &r.tcp.h);
  assert_ptr_equal(ap_result_layer_mut(&r, AP_LAYER_PROXY), &r.proxy.h);
  assert_ptr_equal(ap_result_layer_mut(&r, AP_LAYER_TLS), &r.tls.h);
  assert_ptr_equal(ap_result_layer_mut(&r, AP_LAYER_HTTP), &r.http.h);
  assert_ptr_equal(ap_result_layer_mut(&r, AP_LAYER_AUTH), &r.auth.h);
  assert_ptr_equal(ap_result_layer(&r, AP_LAYER_TLS), &r.tls.h);
}

struct fail_case {
  const char *what;
  enum ap_layer layer;
  enum ap_error error;
  int na_proxy;       /* proxy layer is n/a before the failure */
  /* expected states for env..auth */
  enum ap_state want[AP_LAYER_COUNT];
};

#define OK AP_STATE_OK
#define SK AP_STATE_SKIPPED
#define NA AP_STATE_NA
#define CR AP_STATE_CRITICAL
#define WA AP_STATE_WARNING
#define UN AP_STATE_UNKNOWN

static void test_layer_fail(void **state)
{
  static const struct fail_case cases[] = {
    /*                      env dns tcp proxy tls http auth model inference */
    {"dns nxdomain", AP_LAYER_DNS, AP_ERR_DNS_NXDOMAIN, 0,
     {OK, CR, SK, SK, SK, SK, SK, SK, SK}},
    {"dns nxdomain, proxy n/a", AP_LAYER_DNS, AP_ERR_DNS_NXDOMAIN, 1,
     {OK, CR, SK, NA, SK, SK, SK, SK, SK}},
    {"tcp refused", AP_LAYER_TCP, AP_ERR_TCP_REFUSED, 1,
     {OK, OK, CR, NA, SK, SK, SK, SK, SK}},
    {"proxy 407", AP_LAYER_PROXY, AP_ERR_PROXY_AUTH, 0,
     {OK, OK, OK, CR, SK, SK, SK, SK, SK}},
    {"tls expired", AP_LAYER_TLS, AP_ERR_TLS_EXPIRED, 1,
     {OK, OK, OK, NA, CR, SK, SK, SK, SK}},
    {"http not api", AP_LAYER_HTTP, AP_ERR_HTTP_NOT_API, 0,
     {OK, OK, OK, OK, OK, CR, SK, SK, SK}},
    {"auth invalid key", AP_LAYER_AUTH, AP_ERR_AUTH_INVALID_KEY, 0,
     {OK, OK, OK, OK, OK, OK, CR, SK, SK}},
    /* unknown also stops the walk */
    {"auth no key", AP_LAYER_AUTH, AP_ERR_AUTH_NO_KEY, 0,
     {OK, OK, OK, OK, OK, OK, UN, SK, SK}},
    /* warnings do not skip later layers */
    {"env key file mode", AP_LAYER_ENV, AP_ERR_ENV_KEY_FILE_MODE, 0,
     {WA, OK, OK, OK, OK, OK, OK, OK, OK}},
    {"tls expiring", AP_LAYER_TLS, AP_ERR_TLS_EXPIRING, 1,
     {OK, OK, OK, NA, WA, OK, OK, OK, OK}},
    {"tls insecure", AP_LAYER_TLS, AP_ERR_TLS_INSECURE, 0,
     {OK, OK, OK, OK, WA, OK, OK, OK, OK}},
    {"model not found", AP_LAYER_MODEL, AP_ERR_MODEL_NOT_FOUND, 0,
     {OK, OK, OK, OK, OK, OK, OK, CR, SK}},
    {"inference stalled", AP_LAYER_INFERENCE, AP_ERR_INF_STALLED, 0,
     {OK, OK, OK, OK, OK, OK, OK, OK, CR}},
    {"inference overloaded", AP_LAYER_INFERENCE, AP_ERR_INF_OVERLOADED, 0,
     {OK, OK, OK, OK, OK, OK, OK, OK, WA}},
    {"auth rate limited", AP_LAYER_AUTH, AP_ERR_AUTH_RATE_LIMITED, 0,
     {OK, OK, OK, OK, OK, OK, WA, OK, OK}},
  };
  size_t i;
  int l;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    const struct fail_case *c = &cases[i];
    struct ap_result r;
    const struct ap_layer_head *h;
    result_ok(&r);
    if(c->na_proxy)
      r.proxy.h.state = AP_STATE_NA;
    ap_layer_fail(&r, c->layer, c->error, "the reason");
    for(l = 0; l < AP_LAYER_COUNT; l++) {
      h = ap_result_layer(&r, (enum ap_layer)l);
      if(h->state != c->want[l])
        print_error("case '%s': layer %s is %s, want %s\n", c->what,
                    ap_layer_name((enum ap_layer)l), ap_state_name(h->state),
                    ap_state_name(c->want[l]));
      assert_int_equal(h->state, c->want[l]);
      if(h->state == AP_STATE_SKIPPED) {
        assert_int_equal(h->error, AP_ERR_NONE);
        assert_string_equal(h->reason, "");
      }
    }
    h = ap_result_layer(&r, c->layer);
    assert_int_equal(h->error, c->error);
    assert_string_equal(h->reason, "the reason");
    /* layers before the failure are untouched */
    for(l = 0; l < (int)c->layer; l++) {
      char want[64];
      h = ap_result_layer(&r, (enum ap_layer)l);
      if(h->state == AP_STATE_NA)
        continue;
      snprintf(want, sizeof(want), "%s fine",
               ap_layer_name((enum ap_layer)l));
      assert_string_equal(h->reason, want);
    }
  }
}

static void test_layer_fail_reason(void **state)
{
  struct ap_result r;
  char longreason[AP_TEXT * 2];
  (void)state;
  result_ok(&r);
  ap_layer_fail(&r, AP_LAYER_TCP, AP_ERR_TCP_TIMEOUT, NULL);
  assert_string_equal(r.tcp.h.reason, "");
  memset(longreason, 'r', sizeof(longreason) - 1);
  longreason[sizeof(longreason) - 1] = '\0';
  ap_layer_fail(&r, AP_LAYER_TCP, AP_ERR_TCP_TIMEOUT, longreason);
  assert_int_equal(strlen(r.tcp.h.reason), AP_TEXT - 1);
}

/* ap_layer_set: one layer's finding, no other layer touched, whatever its
 * severity. */
static void test_layer_set(void **state)
{
  static const enum ap_error errs[] = {
    AP_ERR_TLS_EXPIRING_CRIT, AP_ERR_TLS_EXPIRING, AP_ERR_DNS_NXDOMAIN,
    AP_ERR_AUTH_NO_KEY, AP_ERR_NONE};
  size_t i;
  int l;
  (void)state;
  for(i = 0; i < N_ELEMS(errs); i++) {
    struct ap_result r;
    enum ap_layer target = ap_error_layer(errs[i]);
    result_ok(&r);
    r.proxy.h.state = AP_STATE_NA;
    ap_layer_set(&r, target, errs[i], "finding");
    for(l = 0; l < AP_LAYER_COUNT; l++) {
      const struct ap_layer_head *h = ap_result_layer(&r, (enum ap_layer)l);
      if(l == (int)target) {
        assert_int_equal(h->state, ap_error_state(errs[i]));
        assert_int_equal(h->error, errs[i]);
        assert_string_equal(h->reason, "finding");
      } else if(l == AP_LAYER_PROXY) {
        assert_int_equal(h->state, AP_STATE_NA);
      } else {
        assert_int_equal(h->state, AP_STATE_OK);
        assert_int_equal(h->error, AP_ERR_NONE);
      }
    }
  }
  {
    struct ap_result r;
    result_ok(&r);
    ap_layer_set(&r, AP_LAYER_TLS, AP_ERR_TLS_EXPIRING_CRIT, NULL);
    assert_string_equal(r.tls.h.reason, "");
    ap_verdict_compute(&r);
    assert_int_equal(r.verdict.state, AP_STATE_CRITICAL);
    assert_int_equal(r.verdict.layer, AP_LAYER_TLS);
    assert_string_equal(r.verdict.reason, "cert_expiring_soon");
    assert_int_equal(r.http.h.state, AP_STATE_OK);
  }
}

struct verdict_case {
  const char *what;
  enum ap_state states[AP_LAYER_COUNT];
  enum ap_state want_state;
  enum ap_layer want_layer;
};

static void test_verdict_compute(void **state)
{
  static const struct verdict_case cases[] = {
    {"all ok", {OK, OK, OK, OK, OK, OK, OK}, OK, AP_LAYER_AUTH},
    {"ok with n/a proxy", {OK, OK, OK, NA, OK, OK, OK}, OK, AP_LAYER_AUTH},
    {"one warning", {OK, OK, OK, OK, WA, OK, OK}, WA, AP_LAYER_TLS},
    {"two warnings: the first", {WA, OK, OK, OK, WA, OK, WA}, WA,
     AP_LAYER_ENV},
    {"unknown beats warning", {WA, OK, OK, OK, OK, OK, UN}, UN,
     AP_LAYER_AUTH},
    {"critical beats unknown", {OK, OK, OK, OK, OK, UN, CR}, CR,
     AP_LAYER_AUTH},
    {"critical beats warning", {WA, OK, CR, SK, SK, SK, SK}, CR,
     AP_LAYER_TCP},
    {"first critical", {OK, OK, OK, CR, CR, SK, CR}, CR, AP_LAYER_PROXY},
    {"critical env", {CR, SK, SK, SK, SK, SK, SK}, CR, AP_LAYER_ENV},
    {"skipped and n/a rank below ok", {OK, SK, NA, SK, NA, SK, SK, NA, NA},
     OK, AP_LAYER_AUTH},
    {"inference after ok auth", {OK, OK, OK, NA, OK, OK, OK, NA, CR}, CR,
     AP_LAYER_INFERENCE},
    {"model warning", {OK, OK, OK, NA, OK, OK, OK, WA, OK}, WA,
     AP_LAYER_MODEL},
  };
  static const enum ap_error err_for[] = {
    /* an error per layer to label states with */
    AP_ERR_ENV_KEY_FILE_MODE, AP_ERR_DNS_NXDOMAIN, AP_ERR_TCP_REFUSED,
    AP_ERR_PROXY_AUTH,        AP_ERR_TLS_EXPIRING, AP_ERR_HTTP_5XX,
    AP_ERR_AUTH_NO_KEY,       AP_ERR_MODEL_NOT_FOUND, AP_ERR_INF_STALLED,
  };
  size_t i;
  int l;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    const struct verdict_case *c = &cases[i];
    struct ap_result r;
    result_ok(&r);
    for(l = 0; l < AP_LAYER_COUNT; l++) {
      struct ap_layer_head *h = ap_result_layer_mut(&r, (enum ap_layer)l);
      h->state = c->states[l];
      if(c->states[l] != OK && c->states[l] != SK && c->states[l] != NA) {
        h->error = err_for[l];
        snprintf(h->reason, sizeof(h->reason), "%s failed (%s)",
                 ap_layer_name((enum ap_layer)l), ap_state_name(h->state));
      }
    }
    ap_verdict_compute(&r);
    if(r.verdict.state != c->want_state || r.verdict.layer != c->want_layer)
      print_error("case '%s': %s at %s, want %s at %s\n", c->what,
                  ap_state_name(r.verdict.state),
                  ap_layer_name(r.verdict.layer),
                  ap_state_name(c->want_state), ap_layer_name(c->want_layer));
    assert_int_equal(r.verdict.state, c->want_state);
    assert_int_equal(r.verdict.layer, c->want_layer);
    if(c->want_state == OK) {
      assert_int_equal(r.verdict.error, AP_ERR_NONE);
      assert_string_equal(r.verdict.hint, "");
      assert_string_equal(r.verdict.reason, r.auth.h.reason[0]
                                              ? r.auth.h.reason
                                              : "every layer is ok");
    } else {
      const struct ap_layer_head *h = ap_result_layer(&r, c->want_layer);
      assert_int_equal(r.verdict.error, h->error);
      assert_string_equal(r.verdict.reason, h->reason);
      assert_string_equal(r.verdict.hint, ap_error_hint(h->error));
      assert_true(r.verdict.hint[0] != '\0');
    }
  }
}

static void test_verdict_reasons(void **state)
{
  struct ap_result r;
  (void)state;

  /* all ok: the auth layer's reason */
  result_ok(&r);
  snprintf(r.auth.h.reason, sizeof(r.auth.h.reason), "key accepted (HTTP 200)");
  ap_verdict_compute(&r);
  assert_int_equal(r.verdict.state, AP_STATE_OK);
  assert_string_equal(r.verdict.reason, "key accepted (HTTP 200)");

  /* all ok without an auth reason */
  r.auth.h.reason[0] = '\0';
  ap_verdict_compute(&r);
  assert_string_equal(r.verdict.reason, "every layer is ok");

  /* a failure without a reason falls back to the error's name */
  result_ok(&r);
  ap_layer_fail(&r, AP_LAYER_TLS, AP_ERR_TLS_HOSTNAME, "");
  ap_verdict_compute(&r);
  assert_int_equal(r.verdict.state, AP_STATE_CRITICAL);
  assert_int_equal(r.verdict.layer, AP_LAYER_TLS);
  assert_int_equal(r.verdict.error, AP_ERR_TLS_HOSTNAME);
  assert_string_equal(r.verdict.reason, "hostname_mismatch");
  assert_string_equal(r.verdict.hint, ap_error_hint(AP_ERR_TLS_HOSTNAME));

  /* a stale verdict is replaced */
  result_ok(&r);
  r.verdict.state = AP_STATE_CRITICAL;
  r.verdict.layer = AP_LAYER_DNS;
  r.verdict.error = AP_ERR_DNS_TIMEOUT;
  snprintf(r.verdict.hint, sizeof(r.verdict.hint), "stale");
  ap_verdict_compute(&r);
  assert_int_equal(r.verdict.state, AP_STATE_OK);
  assert_int_equal(r.verdict.layer, AP_LAYER_AUTH);
  assert_int_equal(r.verdict.error, AP_ERR_NONE);
  assert_string_equal(r.verdict.hint, "");
}

/* The walk a real probe makes: fail, then compute. */
static void test_fail_then_verdict(void **state)
{
  struct ap_result r;
  (void)state;
  result_ok(&r);
  r.proxy.h.state = AP_STATE_NA;
  ap_layer_fail(&r, AP_LAYER_ENV, AP_ERR_ENV_KEY_FILE_MODE, "key file 0644");
  ap_layer_fail(&r, AP_LAYER_TLS, AP_ERR_TLS_UNTRUSTED,
                "unable to get local issuer certificate");
  ap_verdict_compute(&r);
  assert_int_equal(r.verdict.state, AP_STATE_CRITICAL);
  assert_int_equal(r.verdict.layer, AP_LAYER_TLS);
  assert_int_equal(r.verdict.error, AP_ERR_TLS_UNTRUSTED);
  assert_string_equal(r.verdict.reason,
                      "unable to get local issuer certificate");
  assert_non_null(strstr(r.verdict.hint, "--ca-file"));
  assert_int_equal(r.env.h.state, AP_STATE_WARNING);
  assert_int_equal(r.proxy.h.state, AP_STATE_NA);
  assert_int_equal(r.http.h.state, AP_STATE_SKIPPED);
  assert_int_equal(r.auth.h.state, AP_STATE_SKIPPED);
}

static void test_verdict_line(void **state)
{
  struct ap_result r;
  char buf[512];
  (void)state;
  result_ok(&r);
  ap_verdict_compute(&r);
  ap_verdict_line(&r, 1, buf, sizeof(buf));
  assert_string_equal(buf, "ok: auth fine");
  ap_verdict_line(&r, 0, buf, sizeof(buf));
  assert_string_equal(buf, "auth fine");
  ap_layer_fail(&r, AP_LAYER_TCP, AP_ERR_TCP_REFUSED, "connect refused");
  ap_verdict_compute(&r);
  ap_verdict_line(&r, 1, buf, sizeof(buf));
  assert_string_equal(buf, "critical tcp refused: connect refused");
  ap_verdict_line(&r, 0, buf, sizeof(buf));
  assert_string_equal(buf, "tcp refused: connect refused");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_verdict_line),
    cmocka_unit_test(test_layer_accessors),
    cmocka_unit_test(test_layer_fail),
    cmocka_unit_test(test_layer_fail_reason),
    cmocka_unit_test(test_layer_set),
    cmocka_unit_test(test_verdict_compute),
    cmocka_unit_test(test_verdict_reasons),
    cmocka_unit_test(test_fail_then_verdict),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
