/* test_proxy.c -- plugin/proxy.c: the CONNECT watch (which header lines
 * stamp the CONNECT and its answer), the proxy layer's fill from a table
 * of transfer facts (timings from our stamps or libcurl's) and its
 * failure reasons.
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

static void test_watch(void **state)
{
  struct ap_proxy_watch w;
  (void)state;
  memset(&w, 0, sizeof(w));
  /* an answer before any CONNECT is not the proxy's */
  ap_proxy_watch_line(&w, 0, "HTTP/1.1 200 OK\r\n", 17, 0, 1.0);
  assert_true(w.answer_at == 0);
  ap_proxy_watch_line(&w, 1, "GET / HTTP/1.1\r\n", 16, 0, 1.5);
  assert_true(w.sent_at == 0);
  ap_proxy_watch_line(&w, 1, "CONNECT a:443 HTTP/1.1\r\n", 24, 0, 2.0);
  assert_true(w.sent_at == 2.0);
  /* a second CONNECT line keeps the first stamp */
  ap_proxy_watch_line(&w, 1, "CONNECT a:443 HTTP/1.1\r\n", 24, 0, 2.5);
  assert_true(w.sent_at == 2.0);
  /* once the API's TLS began, answers are the API's */
  ap_proxy_watch_line(&w, 0, "HTTP/1.1 200 OK\r\n", 17, 1, 3.0);
  assert_true(w.answer_at == 0);
  ap_proxy_watch_line(&w, 0, "HTTP", 4, 0, 3.0); /* too short */
  assert_true(w.answer_at == 0);
  ap_proxy_watch_line(&w, 0, "HTTP/1.1 200 OK\r\n", 17, 0, 3.5);
  assert_true(w.answer_at == 3.5);
  ap_proxy_watch_line(&w, 0, "HTTP/1.1 200 OK\r\n", 17, 0, 4.0);
  assert_true(w.answer_at == 3.5);
}

struct fill_case {
  const char *what;
  double t_name, t_conn, t_total;
  double sent, answer, tls_at; /* mono; curl_start is 100 */
  int tls_started;
  long connect_code;
  double resolve_s, connect_s, tunnel_s; /* NAN = untouched */
  enum ap_state state;
};

static const struct fill_case fills[] = {
  {"our CONNECT stamps", 0.01, 0.02, 0.5, 100.03, 100.08, 100.09, 1, 200,
   0.01, 0.02, 0.05, AP_STATE_OK},
  {"accepted, never answered", 0.01, 0.02, 3.0, 100.03, 0, 0, 0, 0, 0.01,
   0.02, NAN, AP_STATE_SKIPPED},
  {"libcurl's timers, TLS began", 0.01, 0.03, 0.5, 0, 0, 100.07, 1, 200,
   0.01, 0.02, 0.04, AP_STATE_OK},
  {"libcurl's timers, 407", 0.01, 0.03, 0.2, 0, 0, 0, 0, 407, 0.01, 0.02,
   0.17, AP_STATE_SKIPPED},
  {"never connected", 0, 0, 1.0, 0, 0, 0, 0, 0, NAN, NAN, NAN,
   AP_STATE_SKIPPED},
};

static void near(double want, double got)
{
  if(isnan(want))
    assert_true(isnan(got));
  else
    assert_true(fabs(want - got) < 1e-9);
}

static void test_fill(void **state)
{
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(fills); i++) {
    const struct fill_case *c = &fills[i];
    struct ap_result r;
    struct ap_facts f;
    ap_result_init(&r, NULL);
    ap_head_set(&r.proxy.h, AP_STATE_SKIPPED, AP_ERR_NONE, NULL);
    memset(&f, 0, sizeof(f));
    f.proxy = "http://user:pw@proxy:3128";
    f.host = "api.example";
    f.port = 443;
    strcpy(f.ip, "10.0.0.1");
    f.t_name = c->t_name;
    f.t_conn = c->t_conn;
    f.t_total = c->t_total;
    f.curl_start = 100;
    f.connect_sent_at = c->sent;
    f.connect_answer_at = c->answer;
    f.tls_started_at = c->tls_at;
    f.o.tls_started = c->tls_started;
    f.o.connect_code = c->connect_code;
    ap_proxy_fill(&r, &f);
    print_message("%s\n", c->what);
    assert_string_equal(r.proxy.url, "http://***@proxy:3128/");
    assert_string_equal(r.proxy.address, "10.0.0.1");
    assert_int_equal(r.proxy.connect_status, (int)c->connect_code);
    near(c->resolve_s, r.proxy.resolve_s);
    near(c->connect_s, r.proxy.connect_s);
    near(c->tunnel_s, r.proxy.tunnel_s);
    assert_int_equal(r.proxy.h.state, c->state);
  }
}

static void test_fill_no_proxy(void **state)
{
  struct ap_result r;
  struct ap_facts f;
  (void)state;
  ap_result_init(&r, NULL);
  memset(&f, 0, sizeof(f));
  f.proxy = "";
  f.o.tls_started = 1;
  ap_proxy_fill(&r, &f);
  assert_int_equal(r.proxy.h.state, AP_STATE_NA);
  assert_string_equal(r.proxy.url, "");
}

static void test_reason(void **state)
{
  struct ap_result r;
  struct ap_facts f;
  char out[AP_TEXT];
  (void)state;
  ap_result_init(&r, NULL);
  memset(&f, 0, sizeof(f));
  f.host = "api.example";
  f.port = 443;
  r.proxy.connect_status = 407;
  assert_int_equal(ap_proxy_reason(&r, &f, AP_ERR_PROXY_AUTH, out,
                                   sizeof(out)), 1);
  assert_string_equal(out, "the proxy answered 407 to CONNECT "
                           "api.example:443 (proxy authentication "
                           "required)");
  r.proxy.connect_status = 403;
  assert_int_equal(ap_proxy_reason(&r, &f, AP_ERR_PROXY_REJECTED, out,
                                   sizeof(out)), 1);
  assert_string_equal(out, "the proxy answered 403 to CONNECT "
                           "api.example:443");
  assert_int_equal(ap_proxy_reason(&r, &f, AP_ERR_PROXY_TIMEOUT, out,
                                   sizeof(out)), 1);
  assert_string_equal(out, "the proxy (?) accepted the connection but did "
                           "not answer CONNECT api.example:443 in time");
  /* no words of its own: the caller uses curl's */
  assert_int_equal(ap_proxy_reason(&r, &f, AP_ERR_PROXY_CONNECT, out,
                                   sizeof(out)), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_watch),
    cmocka_unit_test(test_fill),
    cmocka_unit_test(test_fill_no_proxy),
    cmocka_unit_test(test_reason),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
