/* test_headers.c -- plugin/headers.c: ap_headers_feed() (status lines, names,
 * request-id, Date, anthropic-ratelimit-*, retry-after[-ms],
 * x-should-retry, resets on a later status line, lines it must ignore) and
 * ap_parse_retry_after().
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
#define MAX_LINES 6

/* Fixed clocks: Date/reset values are relative to these. */
#define T_1994 784111777.0   /* Sun, 06 Nov 1994 08:49:37 GMT */
#define T_2015 1445412480.0  /* Wed, 21 Oct 2015 07:28:00 GMT */
#define T_2025 1755780059.0  /* 2025-08-21T12:40:59Z */

static void feed(struct ap_headers *h, const char *line, double now)
{
  ap_headers_feed(h, line, strlen(line), now);
}

static void feed_all(struct ap_headers *h, const char *const *lines,
                     double now)
{
  size_t i;
  ap_headers_init(h);
  for(i = 0; i < MAX_LINES && lines[i]; i++)
    feed(h, lines[i], now);
}

/* Equal numbers, or both NAN. */
static int same_num(double got, double want)
{
  if(isnan(want))
    return isnan(got);
  return !isnan(got) && fabs(got - want) < 1e-6;
}

static void test_init(void **state)
{
  struct ap_headers h;
  (void)state;
  memset(&h, 0x5a, sizeof(h));
  ap_headers_init(&h);
  assert_int_equal(h.status, 0);
  assert_string_equal(h.request_id, "");
  assert_true(isnan(h.date));
  assert_true(isnan(h.date_seen_at));
  assert_true(isnan(h.retry_after_s));
  assert_int_equal(h.should_retry, -1);
  assert_true(isnan(h.rl.requests_limit) && isnan(h.rl.requests_remaining) &&
              isnan(h.rl.requests_reset_s) && isnan(h.rl.tokens_limit) &&
              isnan(h.rl.tokens_remaining) && isnan(h.rl.tokens_reset_s) &&
              isnan(h.rl.input_tokens_limit) && isnan(h.rl.input_tokens_remaining) &&
              isnan(h.rl.output_tokens_limit) && isnan(h.rl.output_tokens_remaining));
}

struct status_case {
  const char *line;
  long status;
  const char *version;
};

static void test_status_lines(void **state)
{
  static const struct status_case cases[] = {
    {"HTTP/1.1 200 OK\r\n", 200, "1.1"},
    {"HTTP/1.1 200 OK", 200, "1.1"},
    {"HTTP/2 200 \r\n", 200, "2"},
    {"HTTP/2 429\r\n", 429, "2"},
    {"HTTP/1.0 503 Service Unavailable\n", 503, "1.0"},
    {"HTTP/1.1 407 Proxy Authentication Required\r\n", 407, "1.1"},
    {"HTTP/3 404", 404, "3"},
    {"HTTP/1.1 529 \r\n", 529, "1.1"},
    /* not status lines: nothing captured */
    {"HTTP/1.1\r\n", 0, ""},
    {"HTTP/1.1 abc OK\r\n", 0, ""},
    {"HTTP/1.1 20\r\n", 0, ""},
    {"HTTP/1.1 099 Odd\r\n", 0, ""},
    {"HTTP/1.1234567890 200 OK\r\n", 0, ""},
    {"http/1.1 200 OK\r\n", 0, ""},
    {"\r\n", 0, ""},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    struct ap_headers h;
    ap_headers_init(&h);
    feed(&h, cases[i].line, T_2025);
    if(h.status != cases[i].status ||
       strcmp(h.http_version, cases[i].version))
      print_error("case %zu '%s': got %ld '%s'\n", i, cases[i].line,
                  h.status, h.http_version);
    assert_int_equal(h.status, cases[i].status);
    assert_string_equal(h.http_version, cases[i].version);
  }
}

static void test_names_case_insensitive(void **state)
{
  static const char *const lines[] = {
    "HTTP/2 200\r\n", "CONTENT-TYPE:  application/json \r\n",
    "sErVeR: cloudflare\r\n", "LOCATION: https://elsewhere.example/x\r\n",
    "Request-Id: req_011CAbc\r\n", NULL};
  struct ap_headers h;
  (void)state;
  feed_all(&h, lines, T_2025);
  assert_int_equal(h.status, 200);
  assert_string_equal(h.content_type, "application/json");
  assert_string_equal(h.server, "cloudflare");
  assert_string_equal(h.location, "https://elsewhere.example/x");
  assert_string_equal(h.request_id, "req_011CAbc");
}

struct seq_case {
  const char *lines[MAX_LINES];
  const char *want;
};

static void test_request_id_precedence(void **state)
{
  static const struct seq_case cases[] = {
    {{"request-id: req_A", NULL}, "req_A"},
    {{"x-request-id: xr_B", NULL}, "xr_B"},
    {{"request-id: req_A", "x-request-id: xr_B", NULL}, "req_A"},
    {{"x-request-id: xr_B", "request-id: req_A", NULL}, "req_A"},
    {{"X-Request-ID: xr_B", "REQUEST-ID: req_A", NULL}, "req_A"},
    {{"x-request-id: xr_B", "x-request-id: xr_C", NULL}, "xr_B"},
    {{"x-amzn-requestid: nope", NULL}, ""},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    struct ap_headers h;
    feed_all(&h, cases[i].lines, T_2025);
    if(strcmp(h.request_id, cases[i].want))
      print_error("case %zu: got '%s'\n", i, h.request_id);
    assert_string_equal(h.request_id, cases[i].want);
  }
}

static void test_date(void **state)
{
  struct ap_headers h;
  (void)state;
  ap_headers_init(&h);
  feed(&h, "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", T_1994 + 42.5);
  assert_true(same_num(h.date, T_1994));
  assert_true(same_num(h.date_seen_at, T_1994 + 42.5));

  /* an unparseable Date leaves both unset */
  ap_headers_init(&h);
  feed(&h, "date: yesterday\r\n", T_1994);
  assert_true(isnan(h.date));
  assert_true(isnan(h.date_seen_at));
  feed(&h, "date: Sunday, 06-Nov-94 08:49:37 GMT\r\n", T_1994);
  assert_true(isnan(h.date));
}

static void test_ratelimit_headers(void **state)
{
  static const char *const lines[] = {
    "anthropic-ratelimit-requests-limit: 50",
    "anthropic-ratelimit-requests-remaining: 49",
    "anthropic-ratelimit-requests-reset: 2025-08-21T12:40:59Z",
    "Anthropic-RateLimit-Tokens-Limit: 100000",
    "anthropic-ratelimit-tokens-remaining: 99000",
    "anthropic-ratelimit-tokens-reset: 2025-08-21T12:41:29.5Z",
  };
  static const char *const more[] = {
    "anthropic-ratelimit-input-tokens-limit: 40000",
    "anthropic-ratelimit-input-tokens-remaining: 39990",
    "anthropic-ratelimit-input-tokens-reset: 2025-08-21T12:40:59Z",
    "anthropic-ratelimit-output-tokens-limit: 8000",
    "anthropic-ratelimit-output-tokens-remaining: 0",
    "anthropic-ratelimit-output-tokens-reset: 2025-08-21T12:40:59Z",
  };
  struct ap_headers h;
  double now = T_2025 - 30;
  size_t i;
  (void)state;
  ap_headers_init(&h);
  feed(&h, "HTTP/1.1 200 OK", now);
  for(i = 0; i < N_ELEMS(lines); i++)
    feed(&h, lines[i], now);
  for(i = 0; i < N_ELEMS(more); i++)
    feed(&h, more[i], now);
  assert_true(same_num(h.rl.requests_limit, 50));
  assert_true(same_num(h.rl.requests_remaining, 49));
  assert_true(same_num(h.rl.requests_reset_s, 30));
  assert_true(same_num(h.rl.tokens_limit, 100000));
  assert_true(same_num(h.rl.tokens_remaining, 99000));
  assert_true(same_num(h.rl.tokens_reset_s, 60.5));
  assert_true(same_num(h.rl.input_tokens_limit, 40000));
  assert_true(same_num(h.rl.input_tokens_remaining, 39990));
  assert_true(same_num(h.rl.output_tokens_limit, 8000));
  assert_true(same_num(h.rl.output_tokens_remaining, 0));

  /* a reset in the past is negative; garbage leaves NAN */
  ap_headers_init(&h);
  feed(&h, "anthropic-ratelimit-requests-reset: 2025-08-21T12:40:59Z",
       T_2025 + 10);
  assert_true(same_num(h.rl.requests_reset_s, -10));
  feed(&h, "anthropic-ratelimit-tokens-reset: soon", T_2025);
  feed(&h, "anthropic-ratelimit-requests-limit: lots", T_2025);
  feed(&h, "anthropic-ratelimit-tokens-limit: 5x", T_2025);
  feed(&h, "anthropic-ratelimit-tokens-remaining: nan", T_2025);
  feed(&h, "anthropic-ratelimit-", T_2025);
  feed(&h, "anthropic-ratelimit-: 5", T_2025);
  assert_true(isnan(h.rl.tokens_reset_s));
  assert_true(isnan(h.rl.requests_limit));
  assert_true(isnan(h.rl.tokens_limit));
  assert_true(isnan(h.rl.tokens_remaining));
}

struct num_seq_case {
  const char *lines[MAX_LINES];
  double want;
};

static void test_retry_after(void **state)
{
  static const struct num_seq_case cases[] = {
    {{"retry-after: 30", NULL}, 30},
    {{"Retry-After: 0", NULL}, 0},
    {{"retry-after: 1.5", NULL}, 1.5},
    {{"retry-after: Wed, 21 Oct 2015 07:28:00 GMT", NULL}, 30},
    /* a date in the past means "now" */
    {{"retry-after: Sun, 06 Nov 1994 08:49:37 GMT", NULL}, 0},
    {{"retry-after: soon", NULL}, NAN},
    {{"retry-after: -5", NULL}, NAN},
    {{"retry-after: inf", NULL}, NAN},
    {{"retry-after: nan", NULL}, NAN},
    {{"retry-after: 5s", NULL}, NAN},
    {{"retry-after:", NULL}, NAN},
    /* retry-after-ms wins in either order */
    {{"retry-after-ms: 1500", NULL}, 1.5},
    {{"retry-after-ms: 1500", "retry-after: 60", NULL}, 1.5},
    {{"retry-after: 60", "retry-after-ms: 1500", NULL}, 1.5},
    {{"Retry-After: 60", "RETRY-AFTER-MS: 250.5", NULL}, 0.2505},
    /* a bad retry-after-ms does not hide retry-after */
    {{"retry-after-ms: soon", "retry-after: 60", NULL}, 60},
    {{"retry-after: 60", "retry-after-ms: -1", NULL}, 60},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    struct ap_headers h;
    feed_all(&h, cases[i].lines, T_2015 - 30);
    if(!same_num(h.retry_after_s, cases[i].want))
      print_error("case %zu ('%s'): got %g, want %g\n", i, cases[i].lines[0],
                  h.retry_after_s, cases[i].want);
    assert_true(same_num(h.retry_after_s, cases[i].want));
  }
}

struct int_seq_case {
  const char *lines[MAX_LINES];
  int want;
};

static void test_should_retry(void **state)
{
  static const struct int_seq_case cases[] = {
    {{"x-should-retry: true", NULL}, 1},
    {{"X-Should-Retry: TRUE", NULL}, 1},
    {{"x-should-retry: false", NULL}, 0},
    {{"x-should-retry: False\r\n", NULL}, 0},
    {{"x-should-retry: maybe", NULL}, -1},
    {{"x-should-retry: 1", NULL}, -1},
    {{"x-should-retry:", NULL}, -1},
    {{"x-should-retry: true", "x-should-retry: false", NULL}, 0},
    {{NULL}, -1},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    struct ap_headers h;
    feed_all(&h, cases[i].lines, T_2025);
    if(h.should_retry != cases[i].want)
      print_error("case %zu: got %d\n", i, h.should_retry);
    assert_int_equal(h.should_retry, cases[i].want);
  }
}

static void test_second_status_resets(void **state)
{
  static const char *const first[] = {
    "HTTP/1.1 200 Connection established\r\n",
    "request-id: req_proxy\r\n",
    "content-type: text/html\r\n",
    "retry-after: 5\r\n",
    "x-should-retry: true\r\n",
    "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n",
  };
  struct ap_headers h;
  size_t i;
  (void)state;
  ap_headers_init(&h);
  for(i = 0; i < N_ELEMS(first); i++)
    feed(&h, first[i], T_1994);
  feed(&h, "anthropic-ratelimit-requests-limit: 50", T_1994);
  feed(&h, "server: squid", T_1994);
  feed(&h, "location: https://x/", T_1994);
  assert_int_equal(h.status, 200);
  assert_string_equal(h.request_id, "req_proxy");

  feed(&h, "HTTP/2 401\r\n", T_1994);
  assert_int_equal(h.status, 401);
  assert_string_equal(h.http_version, "2");
  assert_string_equal(h.request_id, "");
  assert_string_equal(h.content_type, "");
  assert_string_equal(h.server, "");
  assert_string_equal(h.location, "");
  assert_true(isnan(h.retry_after_s));
  assert_int_equal(h.should_retry, -1);
  assert_true(isnan(h.date));
  assert_true(isnan(h.date_seen_at));
  assert_true(isnan(h.rl.requests_limit));

  /* the headers of the second response are captured */
  feed(&h, "x-request-id: req_api\r\n", T_1994);
  assert_string_equal(h.request_id, "req_api");

  /* a bad status line does not reset anything */
  feed(&h, "HTTP/2 xyz\r\n", T_1994);
  assert_int_equal(h.status, 401);
  assert_string_equal(h.request_id, "req_api");
}

static void test_ignored_lines(void **state)
{
  char longline[1200];
  char ok_long[1023 + 1];
  struct ap_headers h;
  (void)state;

  ap_headers_init(&h);
  feed(&h, "HTTP/1.1 200 OK", T_2025);

  /* overlong: ignored, nothing captured */
  memset(longline, 'a', sizeof(longline) - 1);
  longline[sizeof(longline) - 1] = '\0';
  memcpy(longline, "request-id: ", 12);
  feed(&h, longline, T_2025);
  assert_string_equal(h.request_id, "");
  memcpy(longline, "HTTP/1.1 500", 12);
  feed(&h, longline, T_2025);
  assert_int_equal(h.status, 200);

  /* 1023 characters still fit: the value is truncated to the field */
  memset(ok_long, 'b', sizeof(ok_long) - 1);
  ok_long[sizeof(ok_long) - 1] = '\0';
  memcpy(ok_long, "request-id: ", 12);
  feed(&h, ok_long, T_2025);
  assert_int_equal(strlen(h.request_id), sizeof(h.request_id) - 1);
  assert_int_equal(h.request_id[0], 'b');

  /* control characters in the value: the line is ignored */
  ap_headers_init(&h);
  feed(&h, "request-id: req\x01" "abc", T_2025);
  feed(&h, "content-type: text/html\x1b[31m", T_2025);
  feed(&h, "server: a\rb", T_2025);
  feed(&h, "location: https://x/\x7f", T_2025);
  feed(&h, "retry-after: 5\x08", T_2025);
  assert_string_equal(h.request_id, "");
  assert_string_equal(h.content_type, "");
  assert_string_equal(h.server, "");
  assert_string_equal(h.location, "");
  assert_true(isnan(h.retry_after_s));

  /* no colon, empty name, empty line, zero length */
  feed(&h, "request-id req_x", T_2025);
  feed(&h, ": req_y", T_2025);
  feed(&h, "\r\n", T_2025);
  ap_headers_feed(&h, "request-id: req_z", 0, T_2025);
  assert_string_equal(h.request_id, "");

  /* a value is trimmed, and length (not NUL) bounds the line */
  ap_headers_feed(&h, "request-id:  req_len  \r\nserver: x", 24, T_2025);
  assert_string_equal(h.request_id, "req_len");
  assert_string_equal(h.server, "");
}

struct retry_case {
  const char *in;
  double now;
  double want;
};

static void test_parse_retry_after(void **state)
{
  static const struct retry_case cases[] = {
    {"0", T_2015, 0},
    {"30", T_2015, 30},
    {"2.25", T_2015, 2.25},
    {"86400", T_2015, 86400},
    {"Wed, 21 Oct 2015 07:28:00 GMT", T_2015 - 120, 120},
    {"Wed, 21 Oct 2015 07:28:00 GMT", T_2015 - 0.5, 0.5},
    {"Wed, 21 Oct 2015 07:28:00 GMT", T_2015, 0},
    {"Wed, 21 Oct 2015 07:28:00 GMT", T_2015 + 100, 0},
    {"Wed, 21 Oct 2015 07:28:00", T_2015, -1},
    {"Wed, 21 Foo 2015 07:28:00 GMT", T_2015, -1},
    {"soon", T_2015, -1},
    {"", T_2015, -1},
    {" 30", T_2015, -1},
    {"30 ", T_2015, -1},
    {"-1", T_2015, -1},
    {"1e10", T_2015, -1},
    {"nan", T_2015, -1},
    {"inf", T_2015, -1},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    double got = ap_parse_retry_after(cases[i].in, cases[i].now);
    if(!same_num(got, cases[i].want))
      print_error("case %zu '%s': got %g, want %g\n", i, cases[i].in, got,
                  cases[i].want);
    assert_true(same_num(got, cases[i].want));
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_init),
    cmocka_unit_test(test_status_lines),
    cmocka_unit_test(test_names_case_insensitive),
    cmocka_unit_test(test_request_id_precedence),
    cmocka_unit_test(test_date),
    cmocka_unit_test(test_ratelimit_headers),
    cmocka_unit_test(test_retry_after),
    cmocka_unit_test(test_should_retry),
    cmocka_unit_test(test_second_status_resets),
    cmocka_unit_test(test_ignored_lines),
    cmocka_unit_test(test_parse_retry_after),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
