/* test_render_json.c -- plugin/render_json.c: a hand-built struct ap_result
 * rendered with ap_render_json() and parsed back with json-c: the stable
 * names (target, verdict, layers.*), numbers, and that a value that was not
 * measured (NAN) is absent rather than 0 or null.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A result as a probe would leave it: every number unmeasured (NAN). */
/* A result as a probe starts it: the real initialiser. */
static void result_blank(struct ap_result *r)
{
  ap_result_init(r, NULL);
}

/* A full, healthy result with a rate-limited key (warning). */
static void result_full(struct ap_result *r)
{
  result_blank(r);
  snprintf(r->name, sizeof(r->name), "prod");
  snprintf(r->url, sizeof(r->url),
           "https://api.anthropic.com/v1/models?limit=1");
  snprintf(r->provider, sizeof(r->provider), "anthropic");
  snprintf(r->key_source, sizeof(r->key_source), "env:ANTHROPIC_API_KEY");
  snprintf(r->key_fingerprint, sizeof(r->key_fingerprint), "sha256:ab12cd");

  r->env.h.state = AP_STATE_OK;
  r->env.h.time_s = 0.000012;

  r->dns.h.state = AP_STATE_OK;
  r->dns.h.time_s = 0.0125;
  snprintf(r->dns.host, sizeof(r->dns.host), "api.anthropic.com");
  snprintf(r->dns.source, sizeof(r->dns.source), "resolver");
  snprintf(r->dns.addresses[0], sizeof(r->dns.addresses[0]),
           "160.79.104.10");
  snprintf(r->dns.addresses[1], sizeof(r->dns.addresses[1]),
           "2607:6bc0::10");
  r->dns.address_count = 2;
  r->dns.a_count = 1;
  r->dns.aaaa_count = 1;

  r->tcp.h.state = AP_STATE_OK;
  r->tcp.h.time_s = 0.02;
  snprintf(r->tcp.address, sizeof(r->tcp.address), "160.79.104.10");
  r->tcp.port = 443;
  r->tcp.family = 4;

  r->proxy.h.state = AP_STATE_NA;

  r->tls.h.state = AP_STATE_OK;
  r->tls.h.time_s = 0.05;
  snprintf(r->tls.version, sizeof(r->tls.version), "TLSv1.3");
  snprintf(r->tls.cipher, sizeof(r->tls.cipher), "TLS_AES_128_GCM_SHA256");
  snprintf(r->tls.alpn, sizeof(r->tls.alpn), "h2");
  snprintf(r->tls.cert_subject, sizeof(r->tls.cert_subject),
           "CN=api.anthropic.com");
  r->tls.cert_days_left = 42.5;
  r->tls.chain_min_days_left = 42.5;
  snprintf(r->tls.chain_min_subject, sizeof(r->tls.chain_min_subject),
           "CN=api.anthropic.com");

  r->http.h.state = AP_STATE_OK;
  r->http.h.time_s = 0.2;
  r->http.status = 429;
  snprintf(r->http.http_version, sizeof(r->http.http_version), "2");
  r->http.ttfb_s = 0.183;
  r->http.transfer_s = 0.0001;
  snprintf(r->http.request_id, sizeof(r->http.request_id), "req_011CTest");
  snprintf(r->http.content_type, sizeof(r->http.content_type),
           "application/json");
  r->http.clock_skew_s = -1.5;
  r->http.body_bytes = 153;

  r->auth.h.state = AP_STATE_WARNING;
  r->auth.h.error = AP_ERR_AUTH_RATE_LIMITED;
  snprintf(r->auth.h.reason, sizeof(r->auth.h.reason),
           "429 rate_limit_error: Number of requests has exceeded your rate "
           "limit");
  snprintf(r->auth.error_type, sizeof(r->auth.error_type),
           "rate_limit_error");
  r->auth.key_sent = 1;
  r->auth.rl.requests_limit = 50;
  r->auth.rl.requests_remaining = 0;
  r->auth.rl.requests_reset_s = 12.25;
  r->auth.retry_after_s = 13;
  r->auth.should_retry = 1;

  ap_verdict_compute(r);
  r->total_s = 0.3125;
  r->attempts = 1;
}

static struct json_object *render(const struct ap_result *r, int pretty)
{
  char *s = NULL;
  struct json_object *root;
  assert_int_equal(ap_render_json(r, pretty, &s), AP_OK);
  assert_non_null(s);
  root = json_tokener_parse(s);
  if(!root)
    print_error("not JSON: %s\n", s);
  free(s);
  assert_non_null(root);
  return root;
}

/* The value at a dotted PATH ("layers.tls.cert_days_left"), or NULL. */
static struct json_object *at(struct json_object *root, const char *path)
{
  char buf[128];
  char *save = NULL;
  char *part;
  struct json_object *o = root;
  snprintf(buf, sizeof(buf), "%s", path);
  for(part = strtok_r(buf, ".", &save); part && o;
      part = strtok_r(NULL, ".", &save)) {
    struct json_object *next = NULL;
    if(!json_object_object_get_ex(o, part, &next))
      return NULL;
    o = next;
  }
  return o;
}

static void expect_str(struct json_object *root, const char *path,
                       const char *want)
{
  struct json_object *o = at(root, path);
  if(!o || !json_object_is_type(o, json_type_string))
    print_error("%s: missing or not a string\n", path);
  assert_non_null(o);
  assert_true(json_object_is_type(o, json_type_string));
  assert_string_equal(json_object_get_string(o), want);
}

static void expect_num(struct json_object *root, const char *path,
                       double want)
{
  struct json_object *o = at(root, path);
  if(!o || !(json_object_is_type(o, json_type_double) ||
             json_object_is_type(o, json_type_int)))
    print_error("%s: missing or not a number\n", path);
  assert_non_null(o);
  assert_true(json_object_is_type(o, json_type_double) ||
              json_object_is_type(o, json_type_int));
  if(fabs(json_object_get_double(o) - want) > 1e-9)
    print_error("%s: %.9g, want %.9g\n", path, json_object_get_double(o),
                want);
  assert_true(fabs(json_object_get_double(o) - want) <= 1e-9);
}

static void expect_absent(struct json_object *root, const char *path)
{
  if(at(root, path))
    print_error("%s: present (%s), want absent\n", path,
                json_object_to_json_string(at(root, path)));
  assert_null(at(root, path));
}

static void test_target_and_verdict(void **state)
{
  struct ap_result r;
  struct json_object *root;
  (void)state;
  result_full(&r);
  root = render(&r, 0);
  expect_str(root, "target.name", "prod");
  expect_str(root, "target.url",
             "https://api.anthropic.com/v1/models?limit=1");
  expect_str(root, "target.provider", "anthropic");
  expect_str(root, "target.key_source", "env:ANTHROPIC_API_KEY");
  expect_str(root, "target.key_fingerprint", "sha256:ab12cd");
  expect_str(root, "verdict.state", "warning");
  expect_str(root, "verdict.layer", "auth");
  expect_str(root, "verdict.error", "rate_limited");
  expect_str(root, "verdict.reason",
             "429 rate_limit_error: Number of requests has exceeded your "
             "rate limit");
  expect_str(root, "verdict.hint", ap_error_hint(AP_ERR_AUTH_RATE_LIMITED));
  expect_num(root, "total_s", 0.3125);
  expect_num(root, "attempts", 1);
  expect_absent(root, "curl_code");
  json_object_put(root);
}

static void test_layers(void **state)
{
  static const char *const layers[] = {"env", "dns",  "tcp", "proxy",
                                       "tls", "http", "auth"};
  static const char *const states[] = {"ok", "ok",   "ok",     "n/a",
                                       "ok", "ok", "warning"};
  struct ap_result r;
  struct json_object *root;
  struct json_object *a;
  size_t i;
  char path[64];
  (void)state;
  result_full(&r);
  root = render(&r, 1);
  for(i = 0; i < N_ELEMS(layers); i++) {
    snprintf(path, sizeof(path), "layers.%s.state", layers[i]);
    expect_str(root, path, states[i]);
  }
  assert_int_equal(json_object_object_length(at(root, "layers")),
                   AP_LAYER_COUNT);

  expect_num(root, "layers.env.time_s", 0.000012);
  expect_str(root, "layers.dns.host", "api.anthropic.com");
  a = at(root, "layers.dns.addresses");
  assert_non_null(a);
  assert_true(json_object_is_type(a, json_type_array));
  assert_int_equal(json_object_array_length(a), 2);
  assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 0)),
                      "160.79.104.10");
  assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 1)),
                      "2607:6bc0::10");
  expect_num(root, "layers.dns.a_count", 1);
  expect_num(root, "layers.dns.aaaa_count", 1);

  expect_str(root, "layers.tcp.address", "160.79.104.10");
  expect_num(root, "layers.tcp.port", 443);
  expect_str(root, "layers.tcp.family", "ipv4");
  expect_absent(root, "layers.tcp.errno");

  expect_str(root, "layers.tls.version", "TLSv1.3");
  expect_str(root, "layers.tls.alpn", "h2");
  expect_num(root, "layers.tls.cert_days_left", 42.5);
  expect_absent(root, "layers.tls.verify_code");

  expect_num(root, "layers.http.status", 429);
  expect_str(root, "layers.http.http_version", "2");
  expect_num(root, "layers.http.ttfb_s", 0.183);
  expect_num(root, "layers.http.transfer_s", 0.0001);
  expect_str(root, "layers.http.request_id", "req_011CTest");
  expect_num(root, "layers.http.clock_skew_s", -1.5);
  expect_num(root, "layers.http.body_bytes", 153);

  expect_str(root, "layers.auth.error", "rate_limited");
  expect_str(root, "layers.auth.error_type", "rate_limit_error");
  expect_num(root, "layers.auth.ratelimit_requests_limit", 50);
  expect_num(root, "layers.auth.ratelimit_requests_remaining", 0);
  expect_num(root, "layers.auth.ratelimit_requests_reset_s", 12.25);
  expect_num(root, "layers.auth.retry_after_s", 13);
  assert_non_null(at(root, "layers.auth.should_retry"));
  assert_true(json_object_get_boolean(at(root, "layers.auth.should_retry")));
  assert_true(json_object_get_boolean(at(root, "layers.auth.key_sent")));
  json_object_put(root);
}

/* NAN means "not measured": the key is left out, never 0 or null. */
static void test_nan_is_absent(void **state)
{
  static const char *const absent[] = {
    "total_s",
    "layers.env.time_s",
    "layers.dns.time_s",
    "layers.tls.cert_days_left",
    "layers.tls.chain_min_days_left",
    "layers.tls.chain_min_subject",
    "layers.auth.ratelimit_requests_limit",
    "layers.auth.ratelimit_requests_remaining",
    "layers.auth.ratelimit_requests_reset_s",
    "layers.auth.ratelimit_tokens_limit",
    "layers.auth.ratelimit_tokens_remaining",
    "layers.auth.ratelimit_tokens_reset_s",
    "layers.auth.ratelimit_input_tokens_limit",
    "layers.auth.ratelimit_input_tokens_remaining",
    "layers.auth.ratelimit_output_tokens_limit",
    "layers.auth.ratelimit_output_tokens_remaining",
    "layers.auth.retry_after_s",
    "layers.auth.should_retry",
    "layers.http.status",
    "layers.http.ttfb_s",
    "layers.http.clock_skew_s",
    "layers.dns.addresses",
    "layers.tcp.family",
    "verdict.error",
  };
  struct ap_result r;
  struct json_object *root;
  size_t i;
  (void)state;
  result_blank(&r);
  r.env.h.state = AP_STATE_OK;
  ap_verdict_compute(&r);
  root = render(&r, 0);
  for(i = 0; i < N_ELEMS(absent); i++)
    expect_absent(root, absent[i]);
  expect_str(root, "verdict.state", "ok");
  expect_str(root, "layers.dns.state", "skipped");
  expect_num(root, "attempts", 1);
  json_object_put(root);

  /* measured http numbers next to an unmeasured one */
  result_full(&r);
  r.http.clock_skew_s = NAN;
  r.http.ttfb_s = NAN;
  r.tls.cert_days_left = NAN;
  r.auth.rl.requests_remaining = NAN;
  root = render(&r, 0);
  expect_absent(root, "layers.http.clock_skew_s");
  expect_absent(root, "layers.http.ttfb_s");
  expect_absent(root, "layers.tls.cert_days_left");
  expect_absent(root, "layers.auth.ratelimit_requests_remaining");
  expect_num(root, "layers.http.transfer_s", 0.0001);
  expect_num(root, "layers.auth.ratelimit_requests_limit", 50);
  json_object_put(root);

  /* infinities are not JSON either */
  result_full(&r);
  r.total_s = INFINITY;
  r.http.clock_skew_s = -INFINITY;
  root = render(&r, 0);
  expect_absent(root, "total_s");
  expect_absent(root, "layers.http.clock_skew_s");
  json_object_put(root);
}

static void test_failure_shape(void **state)
{
  struct ap_result r;
  struct json_object *root;
  (void)state;
  result_blank(&r);
  snprintf(r.name, sizeof(r.name), "lab");
  r.env.h.state = AP_STATE_OK;
  r.dns.h.state = AP_STATE_OK;
  r.tcp.h.state = AP_STATE_OK;
  r.proxy.h.state = AP_STATE_NA;
  snprintf(r.tcp.address, sizeof(r.tcp.address), "2607:6bc0::10");
  r.tcp.family = 6;
  r.tcp.port = 443;
  r.tcp.os_errno = 104;
  ap_layer_fail(&r, AP_LAYER_TLS, AP_ERR_TLS_UNTRUSTED,
                "certificate issuer \"Corp CA\" is not trusted");
  r.tls.verify_code = 20;
  snprintf(r.tls.verify_detail, sizeof(r.tls.verify_detail),
           "unable to get local issuer certificate");
  r.tls.insecure = 0;
  r.curl_code = 60;
  r.attempts = 2;
  r.total_s = 0.5;
  ap_verdict_compute(&r);
  root = render(&r, 0);
  expect_str(root, "verdict.state", "critical");
  expect_str(root, "verdict.layer", "tls");
  expect_str(root, "verdict.error", "untrusted_issuer");
  expect_str(root, "verdict.reason",
             "certificate issuer \"Corp CA\" is not trusted");
  expect_str(root, "layers.tls.state", "critical");
  expect_str(root, "layers.tls.error", "untrusted_issuer");
  expect_num(root, "layers.tls.verify_code", 20);
  expect_str(root, "layers.tls.verify_detail",
             "unable to get local issuer certificate");
  expect_str(root, "layers.tcp.family", "ipv6");
  expect_absent(root, "layers.tcp.errno"); /* tcp itself did not fail */
  expect_str(root, "layers.http.state", "skipped");
  expect_str(root, "layers.auth.state", "skipped");
  expect_absent(root, "layers.auth.key_sent");
  expect_absent(root, "layers.http.error");
  expect_num(root, "curl_code", 60);
  expect_num(root, "attempts", 2);
  json_object_put(root);
}

/* Strings are escaped: quotes, backslashes, control characters. */
static void test_escaping(void **state)
{
  struct ap_result r;
  struct json_object *root;
  (void)state;
  result_full(&r);
  snprintf(r.name, sizeof(r.name), "a \"quoted\" \\ name\t/x");
  root = render(&r, 0);
  expect_str(root, "target.name", "a \"quoted\" \\ name\t/x");
  json_object_put(root);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_target_and_verdict),
    cmocka_unit_test(test_layers),
    cmocka_unit_test(test_nan_is_absent),
    cmocka_unit_test(test_failure_shape),
    cmocka_unit_test(test_escaping),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
