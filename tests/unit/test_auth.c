/* test_auth.c -- plugin/auth.c: ap_auth_classify() over a table of answers
 * (status, body, content type, request-id, key sent) -> the http-layer
 * error it returns and the auth layer's state, error, error.type and
 * error.details.error_code; broken JSON bodies must never crash it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "secret.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define JSON "application/json"
#define X16 "xxxxxxxxxxxxxxxx"
#define X64 X16 X16 X16 X16
#define X63 X16 X16 X16 "xxxxxxxxxxxxxxx" /* error_type[64] holds 63 */
#define ENVELOPE(type, msg)                                                   \
  "{\"type\":\"error\",\"error\":{\"type\":\"" type "\",\"message\":\"" msg  \
  "\"},\"request_id\":\"req_011CTest\"}"

struct auth_case {
  const char *what;
  long status;
  const char *body;
  const char *content_type;
  int has_request_id;
  int key_sent;
  /* expected */
  enum ap_error http_error;  /* returned */
  enum ap_state auth_state;  /* only checked when http_error is NONE */
  enum ap_error auth_error;
  const char *error_type;
  const char *error_code;
};

static const struct auth_case auth_cases[] = {
  /* the API's answers */
  {"200 model list", 200,
   "{\"data\":[{\"type\":\"model\",\"id\":\"claude-x\"}],\"has_more\":true,"
   "\"first_id\":\"claude-x\",\"last_id\":\"claude-x\"}",
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_OK, AP_ERR_NONE, "", ""},
  {"200 model list without request-id", 200, "{\"data\":[]}", JSON, 0, 1,
   AP_ERR_NONE, AP_STATE_OK, AP_ERR_NONE, "", ""},
  {"200 model list, no key sent", 200, "{\"data\":[]}", JSON, 1, 0,
   AP_ERR_NONE, AP_STATE_UNKNOWN, AP_ERR_AUTH_NO_KEY, "", ""},
  /* a 2xx the API sent (request-id) means the key was accepted, whatever
   * the body is (the body is not even parsed) */
  {"200 with request-id but not a model list", 200, "{\"models\":[]}", JSON,
   1, 1, AP_ERR_NONE, AP_STATE_OK, AP_ERR_NONE, "", ""},
  {"401 invalid x-api-key", 401,
   ENVELOPE("authentication_error", "invalid x-api-key"), JSON, 1, 1,
   AP_ERR_NONE, AP_STATE_CRITICAL, AP_ERR_AUTH_INVALID_KEY,
   "authentication_error", ""},
  {"401 without a key", 401,
   ENVELOPE("authentication_error", "x-api-key header is required"), JSON, 1,
   0, AP_ERR_NONE, AP_STATE_UNKNOWN, AP_ERR_AUTH_NO_KEY,
   "authentication_error", ""},
  {"403 permission_error", 403,
   ENVELOPE("permission_error",
            "Your API key does not have permission to use the specified "
            "resource."),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_CRITICAL, AP_ERR_AUTH_FORBIDDEN,
   "permission_error", ""},
  {"429 rate_limit_error", 429,
   ENVELOPE("rate_limit_error", "Number of requests has exceeded your rate "
                                "limit"),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_WARNING, AP_ERR_AUTH_RATE_LIMITED,
   "rate_limit_error", ""},
  {"429 spend limit", 429,
   "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
   "\"message\":\"You have reached your specified API usage limits.\","
   "\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}},"
   "\"request_id\":\"req_1\"}",
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_CRITICAL, AP_ERR_AUTH_SPEND_LIMIT,
   "rate_limit_error", "enforced_spend_limit_reached"},
  {"429 with another error_code", 429,
   "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
   "\"message\":\"slow down\",\"details\":{\"error_code\":\"other\"}}}",
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_WARNING, AP_ERR_AUTH_RATE_LIMITED,
   "rate_limit_error", "other"},
  {"529 overloaded_error", 529, ENVELOPE("overloaded_error", "Overloaded"),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_WARNING, AP_ERR_AUTH_OVERLOADED,
   "overloaded_error", ""},
  {"500 api_error, request_id null", 500,
   "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":"
   "\"Internal server error\"},\"request_id\":null}",
   JSON, 0, 1, AP_ERR_NONE, AP_STATE_CRITICAL, AP_ERR_AUTH_SERVER_ERROR,
   "api_error", ""},
  {"504 timeout_error", 504, ENVELOPE("timeout_error", "Request timeout"),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_CRITICAL, AP_ERR_AUTH_SERVER_ERROR,
   "timeout_error", ""},
  {"402 billing_error", 402, ENVELOPE("billing_error", "Payment required"),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_CRITICAL, AP_ERR_AUTH_BILLING,
   "billing_error", ""},
  {"400 credit balance too low", 400,
   ENVELOPE("invalid_request_error",
            "Your credit balance is too low to access the Anthropic API. "
            "Please go to Plans & Billing to upgrade or purchase credits."),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_CRITICAL, AP_ERR_AUTH_BILLING,
   "invalid_request_error", ""},
  {"400 usage limits", 400,
   ENVELOPE("invalid_request_error",
            "You have reached your specified API usage limits. You will "
            "regain access on 2025-09-01 at 00:00 UTC."),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_CRITICAL, AP_ERR_AUTH_SPEND_LIMIT,
   "invalid_request_error", ""},
  {"400 anthropic-version missing", 400,
   ENVELOPE("invalid_request_error", "anthropic-version: header is required"),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_UNKNOWN, AP_ERR_AUTH_BAD_REQUEST,
   "invalid_request_error", ""},
  {"404 not_found_error", 404, ENVELOPE("not_found_error", "Not found"),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_UNKNOWN, AP_ERR_AUTH_NOT_FOUND,
   "not_found_error", ""},
  {"418 unknown error type", 418, ENVELOPE("teapot_error", "short and stout"),
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_UNKNOWN, AP_ERR_AUTH_UNEXPECTED,
   "teapot_error", ""},
  {"503 envelope without request-id header", 503,
   ENVELOPE("api_error", "unavailable"), JSON, 0, 1, AP_ERR_NONE,
   AP_STATE_CRITICAL, AP_ERR_AUTH_SERVER_ERROR, "api_error", ""},

  /* answers that did not come from the API */
  {"503 text/plain gateway", 503,
   "upstream connect error or disconnect/reset before headers. reset "
   "reason: connection failure",
   "text/plain", 0, 1, AP_ERR_HTTP_5XX, 0, 0, "", ""},
  {"520 HTML", 520,
   "<!DOCTYPE html><html><head><title>520: Web server is returning an "
   "unknown error</title></head><body></body></html>",
   "text/html; charset=UTF-8", 0, 1, AP_ERR_HTTP_5XX, 0, 0, "", ""},
  {"502 empty body", 502, "", NULL, 0, 1, AP_ERR_HTTP_5XX, 0, 0, "", ""},
  {"403 edge forbidden JSON", 403,
   "{\"error\":{\"type\":\"forbidden\",\"message\":\"Request not allowed\"}}",
   JSON, 0, 1, AP_ERR_HTTP_EDGE_BLOCKED, 0, 0, "forbidden", ""},
  {"403 edge HTML", 403, "<html><body>Access denied</body></html>",
   "text/html", 0, 1, AP_ERR_HTTP_EDGE_BLOCKED, 0, 0, "", ""},
  {"403 text/plain, not the edge's shape", 403, "Forbidden", "text/plain", 0,
   1, AP_ERR_HTTP_NOT_API, 0, 0, "", ""},
  {"200 captive portal", 200,
   "<html><head><title>Welcome to the hotel WiFi</title></head></html>",
   "text/html", 0, 1, AP_ERR_HTTP_NOT_API, 0, 0, "", ""},
  {"200 JSON that is not the API's", 200, "{\"status\":\"ok\"}", JSON, 0, 1,
   AP_ERR_HTTP_NOT_API, 0, 0, "", ""},
  {"401 from a proxy page", 401, "<html>login</html>", "text/html", 0, 1,
   AP_ERR_HTTP_NOT_API, 0, 0, "", ""},
  {"302 redirect", 302, "", "text/html", 0, 1, AP_ERR_HTTP_REDIRECT, 0, 0, "",
   ""},
  {"301 redirect with a request-id", 301, "", NULL, 1, 1,
   AP_ERR_HTTP_REDIRECT, 0, 0, "", ""},
  {"307 redirect with an API envelope", 307,
   ENVELOPE("invalid_request_error", "moved"), JSON, 1, 1,
   AP_ERR_HTTP_REDIRECT, 0, 0, "", ""},

  /* broken bodies */
  {"truncated JSON, no request-id", 401,
   "{\"type\":\"error\",\"error\":{\"type\":\"authentication_err", JSON, 0,
   1, AP_ERR_HTTP_NOT_API, 0, 0, "", ""},
  {"truncated JSON with request-id", 401,
   "{\"type\":\"error\",\"error\":{\"type\":\"authentication_err", JSON, 1,
   1, AP_ERR_NONE, AP_STATE_CRITICAL, AP_ERR_AUTH_INVALID_KEY, "", ""},
  {"empty body with request-id", 500, "", JSON, 1, 1, AP_ERR_NONE,
   AP_STATE_CRITICAL, AP_ERR_AUTH_SERVER_ERROR, "", ""},
  {"NULL body with request-id", 404, NULL, NULL, 1, 1, AP_ERR_NONE,
   AP_STATE_UNKNOWN, AP_ERR_AUTH_NOT_FOUND, "", ""},
  {"[] with request-id", 200, "[]", JSON, 1, 1, AP_ERR_NONE, AP_STATE_OK,
   AP_ERR_NONE, "", ""},
  {"[] with request-id, 429", 429, "[]", JSON, 1, 1, AP_ERR_NONE,
   AP_STATE_WARNING, AP_ERR_AUTH_RATE_LIMITED, "", ""},
  {"[] without request-id", 200, "[]", JSON, 0, 1, AP_ERR_HTTP_NOT_API, 0, 0,
   "", ""},
  {"type error without error object, request-id", 400, "{\"type\":\"error\"}",
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_UNKNOWN, AP_ERR_AUTH_BAD_REQUEST, "",
   ""},
  {"type error without error object, no request-id", 400,
   "{\"type\":\"error\"}", JSON, 0, 1, AP_ERR_HTTP_NOT_API, 0, 0, "", ""},
  {"error is a string", 400, "{\"type\":\"error\",\"error\":\"bad\"}", JSON,
   1, 1, AP_ERR_NONE, AP_STATE_UNKNOWN, AP_ERR_AUTH_BAD_REQUEST, "", ""},
  {"wrong JSON types everywhere", 429,
   "{\"type\":1,\"error\":{\"type\":[],\"message\":{},\"details\":"
   "{\"error_code\":7}},\"data\":\"x\"}",
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_WARNING, AP_ERR_AUTH_RATE_LIMITED, "",
   ""},
  {"details null", 429,
   "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
   "\"details\":null}}",
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_WARNING, AP_ERR_AUTH_RATE_LIMITED,
   "rate_limit_error", ""},
  {"details a string", 429,
   "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
   "\"details\":\"enforced_spend_limit_reached\"}}",
   JSON, 1, 1, AP_ERR_NONE, AP_STATE_WARNING, AP_ERR_AUTH_RATE_LIMITED,
   "rate_limit_error", ""},
  {"429 broken JSON with request-id", 429, "{\"type\":\"error\",\"err", JSON,
   1, 1, AP_ERR_NONE, AP_STATE_WARNING, AP_ERR_AUTH_RATE_LIMITED, "", ""},
  {"429 HTML with request-id", 429, "<html>Too many</html>", "text/html", 1,
   1, AP_ERR_NONE, AP_STATE_WARNING, AP_ERR_AUTH_RATE_LIMITED, "", ""},
  {"529 empty with request-id", 529, "", NULL, 1, 1, AP_ERR_NONE,
   AP_STATE_WARNING, AP_ERR_AUTH_OVERLOADED, "", ""},
  {"overlong error.type is truncated", 400,
   "{\"type\":\"error\",\"error\":{\"type\":\"" X64 X64 "\"}}", JSON, 1, 1,
   AP_ERR_NONE, AP_STATE_UNKNOWN, AP_ERR_AUTH_UNEXPECTED, X63, ""},
};

static int contains_status(const char *reason, long status)
{
  char num[16];
  snprintf(num, sizeof(num), "%ld", status);
  return strstr(reason, num) != NULL;
}

static void init_auth(struct ap_auth_result *auth)
{
  memset(auth, 0, sizeof(*auth));
  auth->h.state = AP_STATE_SKIPPED;
  auth->h.error = AP_ERR_NONE;
}

static int check_case(size_t i, const struct auth_case *c)
{
  struct ap_auth_result auth;
  struct ap_answer a = {0};
  enum ap_error got;
  int bad = 0;

  init_auth(&auth);
  a.status = c->status;
  a.body = c->body;
  a.body_len = c->body ? strlen(c->body) : 0;
  a.content_type = c->content_type;
  a.has_request_id = c->has_request_id;
  a.key_sent = c->key_sent;
  got = ap_auth_classify(&a, &auth);

  if(got != c->http_error) {
    print_error("case %zu '%s': returned %s, want %s\n", i, c->what,
                ap_error_name(got), ap_error_name(c->http_error));
    bad++;
  }
  if(got == AP_ERR_NONE && c->http_error == AP_ERR_NONE) {
    if(auth.h.state != c->auth_state || auth.h.error != c->auth_error) {
      print_error("case %zu '%s': auth %s/%s, want %s/%s\n", i, c->what,
                  ap_state_name(auth.h.state), ap_error_name(auth.h.error),
                  ap_state_name(c->auth_state), ap_error_name(c->auth_error));
      bad++;
    }
    if(ap_error_state(auth.h.error) != auth.h.state &&
       auth.h.error != AP_ERR_NONE) {
      print_error("case %zu '%s': state %s does not match error %s\n", i,
                  c->what, ap_state_name(auth.h.state),
                  ap_error_name(auth.h.error));
      bad++;
    }
    if(!contains_status(auth.h.reason, c->status)) {
      print_error("case %zu '%s': reason '%s' lacks the status %ld\n", i,
                  c->what, auth.h.reason, c->status);
      bad++;
    }
  }
  if(strcmp(auth.error_type, c->error_type) ||
     strcmp(auth.error_code, c->error_code)) {
    print_error("case %zu '%s': error_type '%s' code '%s', want '%s' '%s'\n",
                i, c->what, auth.error_type, auth.error_code, c->error_type,
                c->error_code);
    bad++;
  }
  if(auth.key_sent != c->key_sent) {
    print_error("case %zu '%s': key_sent %d\n", i, c->what, auth.key_sent);
    bad++;
  }
  return bad;
}

static void test_auth_table(void **state)
{
  size_t i;
  int bad = 0;
  (void)state;
  for(i = 0; i < N_ELEMS(auth_cases); i++)
    bad += check_case(i, &auth_cases[i]);
  assert_int_equal(bad, 0);
}

/* Errors returned for the http layer belong to it; auth errors to auth. */
static void test_auth_error_layers(void **state)
{
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(auth_cases); i++) {
    const struct auth_case *c = &auth_cases[i];
    if(c->http_error != AP_ERR_NONE)
      assert_int_equal(ap_error_layer(c->http_error), AP_LAYER_HTTP);
    if(c->auth_error != AP_ERR_NONE)
      assert_int_equal(ap_error_layer(c->auth_error), AP_LAYER_AUTH);
  }
}

/* A body that is not NUL-terminated and deeply nested: the classifier
 * must read only body_len bytes and refuse the depth. */
static void test_auth_deep_nesting(void **state)
{
  static const size_t depths[] = {100, 1000, 65536};
  static const int with_id[] = {0, 1};
  size_t i, j;
  (void)state;
  for(i = 0; i < N_ELEMS(depths); i++) {
    for(j = 0; j < N_ELEMS(with_id); j++) {
      char *body = malloc(depths[i]);
      struct ap_auth_result auth;
      struct ap_answer a = {0};
      enum ap_error got;
      assert_non_null(body);
      memset(body, '[', depths[i]);
      init_auth(&auth);
      /* with a request-id only an error answer is parsed */
      a.status = with_id[j] ? 429 : 200;
      a.body = body;
      a.body_len = depths[i];
      a.content_type = JSON;
      a.has_request_id = with_id[j];
      a.key_sent = 1;
      got = ap_auth_classify(&a, &auth);
      if(with_id[j]) {
        assert_int_equal(got, AP_ERR_NONE);
        assert_int_equal(auth.h.error, AP_ERR_AUTH_RATE_LIMITED);
        assert_true(contains_status(auth.h.reason, 429));
      } else {
        assert_int_equal(got, AP_ERR_HTTP_NOT_API);
      }
      free(body);
    }
  }
}

/* A body longer than the JSON it holds: only body_len counts. */
static void test_auth_body_len_bounds(void **state)
{
  static const char body[] = "{\"data\":[]}GARBAGE";
  struct ap_auth_result auth;
  struct ap_answer a = {0};
  (void)state;
  init_auth(&auth);
  a.status = 200;
  a.body = body;
  a.body_len = strlen("{\"data\":[]}");
  a.content_type = JSON;
  a.has_request_id = 1;
  a.key_sent = 1;
  assert_int_equal(ap_auth_classify(&a, &auth), AP_ERR_NONE);
  assert_int_equal(auth.h.state, AP_STATE_OK);
}

/* The API's message is carried into the reason, and so is the type. */
static void test_auth_reason_text(void **state)
{
  static const char body[] =
    ENVELOPE("permission_error", "no access to this workspace");
  struct ap_auth_result auth;
  struct ap_answer a = {0};
  (void)state;
  init_auth(&auth);
  a.status = 403;
  a.body = body;
  a.body_len = strlen(body);
  a.content_type = JSON;
  a.has_request_id = 1;
  a.key_sent = 1;
  assert_int_equal(ap_auth_classify(&a, &auth), AP_ERR_NONE);
  assert_non_null(strstr(auth.h.reason, "403"));
  assert_non_null(strstr(auth.h.reason, "permission_error"));
  assert_non_null(strstr(auth.h.reason, "no access to this workspace"));
}

/* Does S hold a byte a terminal or log would act on (C0, DEL, C1)? */
static int has_control(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  for(; *p; p++) {
    if(*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 &&
                                    p[1] <= 0x9f))
      return 1;
  }
  return 0;
}

/* Issue 13, defect 4: an API error message with ESC/OSC/CR/LF forged a
 * "verdict: ok" line; the reason carries no control character now. */
static void test_auth_control_chars(void **state)
{
  static const char body[] =
    "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_"
    "error\\u001b[2J\",\"message\":\"bad\\u001b]0;pwned\\u0007\\r\\n"
    "verdict: ok \\u009b31m\\u007f\"}}";
  struct ap_auth_result auth;
  struct ap_answer a = {0};
  (void)state;
  init_auth(&auth);
  a.status = 400;
  a.body = body;
  a.body_len = strlen(body);
  a.content_type = "application/json";
  a.has_request_id = 1;
  a.key_sent = 1;
  ap_auth_classify(&a, &auth);
  assert_non_null(strstr(auth.h.reason, "verdict: ok"));
  assert_false(has_control(auth.h.reason));
  assert_false(has_control(auth.error_type));
}

/* Issue 13, defect 5: a long key that does not start with sk-, echoed
 * near the message's cut, leaked its head through the probe's redaction
 * (ap_redact after the cut); no run of 16 of its characters survives. */
static void test_auth_key_near_cut(void **state)
{
  static const char key[] =
    "gw-live-0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEF";
  struct ap_secret s;
  struct ap_auth_result auth;
  struct ap_answer a = {0};
  char body[512];
  size_t i;
  (void)state;
  s.value = (char *)(uintptr_t)key;
  s.len = strlen(key);
  snprintf(body, sizeof(body),
           "{\"type\":\"error\",\"error\":{\"type\":\"authentication_"
           "error\",\"message\":\"%.112s%s is not a valid key\"}}",
           "The gateway rejected the credential presented in the request "
           "header; the credential that was presented is this one: ......",
           key);
  init_auth(&auth);
  a.status = 401;
  a.body = body;
  a.body_len = strlen(body);
  a.content_type = "application/json";
  a.has_request_id = 1;
  a.key_sent = 1;
  a.key = &s;
  ap_auth_classify(&a, &auth);
  ap_redact(auth.h.reason, sizeof(auth.h.reason), &s); /* as the probe */
  for(i = 0; i + 16 <= s.len; i++) {
    char run[17];
    memcpy(run, key + i, 16);
    run[16] = '\0';
    if(strstr(auth.h.reason, run))
      print_error("run '%s' of the key in '%s'\n", run, auth.h.reason);
    assert_null(strstr(auth.h.reason, run));
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_auth_table),
    cmocka_unit_test(test_auth_error_layers),
    cmocka_unit_test(test_auth_deep_nesting),
    cmocka_unit_test(test_auth_body_len_bounds),
    cmocka_unit_test(test_auth_reason_text),
    cmocka_unit_test(test_auth_control_chars),
    cmocka_unit_test(test_auth_key_near_cut),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
