/* test_http.c -- plugin/http.c: the http layer's fill from the parsed
 * headers and the transfer's stamps (ttfb from our stamps or libcurl's,
 * clock skew from Date, the rate-limit headers into auth), its failure
 * reasons, and the judging of the answer (the https provider's expected
 * status, a redirect, an answer not from the API, a key accepted).
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

static void feed(struct ap_headers *h, const char *const *lines, size_t n)
{
  size_t i;
  ap_headers_init(h);
  for(i = 0; i < n; i++)
    ap_headers_feed(h, lines[i], strlen(lines[i]), 1000.0);
}

static void facts(struct ap_facts *f, const struct ap_headers *h)
{
  memset(f, 0, sizeof(*f));
  f->host = "api.example";
  f->port = 443;
  f->proxy = "";
  f->o.errbuf = "";
  f->o.got_status = 1;
  f->hdr = h;
}

static void test_fill(void **state)
{
  static const char *const lines[] = {
    "HTTP/2 200\r\n",
    "request-id: req_1\r\n",
    "content-type: application/json\r\n",
    "server: edge\r\n",
    "date: Thu, 01 Jan 1970 00:16:40 GMT\r\n", /* 1000 s */
    "anthropic-ratelimit-requests-limit: 50\r\n",
    "anthropic-ratelimit-requests-remaining: 49\r\n",
    "retry-after: 3\r\n",
  };
  struct ap_headers h;
  struct ap_result r;
  struct ap_facts f;
  (void)state;
  feed(&h, lines, N_ELEMS(lines));
  ap_result_init(&r, NULL);
  facts(&f, &h);
  f.t_pre = 0.10;
  f.t_start = 0.30;
  f.t_total = 0.35;
  f.body_len = 42;
  ap_http_fill(&r, &f);
  assert_int_equal(r.http.h.state, AP_STATE_OK);
  assert_int_equal(r.http.status, 200);
  assert_true(fabs(r.http.ttfb_s - 0.20) < 1e-9); /* libcurl's timers */
  assert_true(r.http.h.time_s == r.http.ttfb_s);
  assert_true(fabs(r.http.transfer_s - 0.05) < 1e-9);
  assert_string_equal(r.http.request_id, "req_1");
  assert_string_equal(r.http.server, "edge");
  assert_true(fabs(r.http.clock_skew_s - 0.5) < 1e-9);
  assert_int_equal(r.http.body_bytes, 42);
  assert_true(r.auth.rl.requests_limit == 50);
  assert_true(r.auth.rl.requests_remaining == 49);
  assert_true(r.auth.retry_after_s == 3);
  /* our own stamps win when both are there */
  f.request_at = 10.0;
  f.first_byte_at = 10.25;
  ap_http_fill(&r, &f);
  assert_true(fabs(r.http.ttfb_s - 0.25) < 1e-9);
  /* no status line: nothing filled */
  ap_result_init(&r, NULL);
  f.o.got_status = 0;
  ap_http_fill(&r, &f);
  assert_int_equal(r.http.h.state, AP_STATE_SKIPPED);
  assert_true(isnan(r.auth.rl.requests_limit));
}

static void test_reason(void **state)
{
  struct ap_headers h;
  struct ap_result r;
  struct ap_facts f;
  char out[AP_TEXT];
  (void)state;
  ap_headers_init(&h);
  ap_result_init(&r, NULL);
  facts(&f, &h);
  f.limit_s = 9.5;
  assert_int_equal(ap_http_reason(&r, &f, AP_ERR_HTTP_TIMEOUT, out,
                                  sizeof(out)), 1);
  assert_string_equal(out, "no response within 9.5 s of sending the "
                           "request");
  assert_int_equal(ap_http_reason(&r, &f, AP_ERR_HTTP_TOO_LARGE, out,
                                  sizeof(out)), 1);
  assert_string_equal(out, "response body exceeds 64 KiB");
  assert_int_equal(ap_http_reason(&r, &f, AP_ERR_HTTP_RESET, out,
                                  sizeof(out)), 0);
}

struct judge_case {
  int provider;
  const char *status_line;
  const char *extra;  /* one more header line, or NULL */
  const char *body;
  enum ap_state http, auth;
  enum ap_error http_error;
  const char *http_reason;
};

static const struct judge_case judges[] = {
  {AP_PROVIDER_HTTPS, "HTTP/1.1 200 OK\r\n", NULL, "", AP_STATE_OK,
   AP_STATE_NA, AP_ERR_NONE, ""},
  {AP_PROVIDER_HTTPS, "HTTP/1.1 404 Not Found\r\n", NULL, "",
   AP_STATE_CRITICAL, AP_STATE_NA, AP_ERR_HTTP_UNEXPECTED_STATUS,
   "HTTP 404, expected 200"},
  {AP_PROVIDER_ANTHROPIC, "HTTP/1.1 301 Moved\r\n",
   "location: https://elsewhere.example/x\r\n", "", AP_STATE_CRITICAL,
   AP_STATE_SKIPPED, AP_ERR_HTTP_REDIRECT,
   "HTTP 301 redirect to elsewhere.example (not followed)"},
  {AP_PROVIDER_ANTHROPIC, "HTTP/1.1 502 Bad Gateway\r\n",
   "content-type: text/html\r\n", "<html>bad</html>", AP_STATE_CRITICAL,
   AP_STATE_SKIPPED, AP_ERR_HTTP_5XX,
   "HTTP 502 with a text/html body and no request-id: not from the API"},
  /* the API's own answer, but no key was configured */
  {AP_PROVIDER_ANTHROPIC, "HTTP/1.1 200 OK\r\n", "request-id: req_9\r\n",
   "{\"data\":[]}", AP_STATE_OK, AP_STATE_UNKNOWN, AP_ERR_NONE, ""},
};

static void test_judge(void **state)
{
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(judges); i++) {
    const struct judge_case *c = &judges[i];
    const char *lines[2];
    struct ap_headers h;
    struct ap_target t;
    struct ap_result r;
    struct ap_facts f;
    size_t n = 0;
    lines[n++] = c->status_line;
    if(c->extra)
      lines[n++] = c->extra;
    feed(&h, lines, n);
    ap_target_init(&t);
    t.provider = c->provider;
    ap_result_init(&r, NULL);
    facts(&f, &h);
    f.body_len = strlen(c->body);
    ap_http_fill(&r, &f);
    ap_http_judge(&r, &t, &f, c->body);
    print_message("case %zu\n", i);
    assert_int_equal(r.http.h.state, c->http);
    assert_int_equal(r.http.h.error, c->http_error);
    assert_string_equal(r.http.h.reason, c->http_reason);
    assert_int_equal(r.auth.h.state, c->auth);
    ap_target_free(&t);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fill),
    cmocka_unit_test(test_reason),
    cmocka_unit_test(test_judge),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
