/* test_detail.c -- plugin/detail.c: the lines the human faces print per
 * layer, in the terminal's FULL style and the plugin long output's BRIEF
 * style: which lines come, in which order, and what each says.
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

/* A result as a probe through a proxy that failed at auth leaves it. */
static void sample(struct ap_result *r, struct ap_target *t)
{
  char err[128];
  ap_target_init(t);
  assert_int_equal(ap_target_set(t, "url", "https://api.example/v1", err,
                                 sizeof(err)),
                   AP_OK);
  ap_result_init(r, t);
  r->env.h.state = AP_STATE_OK;
  snprintf(r->env.proxy, sizeof(r->env.proxy), "http://proxy:3128");
  snprintf(r->env.proxy_source, sizeof(r->env.proxy_source), "env:HTTPS_PROXY");
  r->env.clock_synced = 1;
  snprintf(r->env.advice, sizeof(r->env.advice), "keep alive under 300 s");
  r->dns.address_count = 2;
  snprintf(r->dns.addresses[0], sizeof(r->dns.addresses[0]), "192.0.2.1");
  snprintf(r->dns.addresses[1], sizeof(r->dns.addresses[1]), "2001:db8::1");
  snprintf(r->tcp.address, sizeof(r->tcp.address), "192.0.2.1");
  r->tcp.port = 443;
  r->tcp.family = 4;
  r->tcp.family_count = 2;
  r->tcp.families[0].family = 4;
  snprintf(r->tcp.families[0].address, 48, "192.0.2.1");
  r->tcp.families[0].state = AP_STATE_OK;
  snprintf(r->tcp.families[0].reason, 96, "connected");
  r->tcp.families[1].family = 6;
  snprintf(r->tcp.families[1].address, 48, "2001:db8::1");
  r->tcp.families[1].state = AP_STATE_CRITICAL;
  r->tcp.families[1].error = AP_ERR_TCP_REFUSED;
  snprintf(r->tcp.families[1].reason, 96, "refused");
  snprintf(r->proxy.url, sizeof(r->proxy.url), "http://proxy:3128");
  r->proxy.resolve_s = 0.001;
  r->proxy.connect_s = 0.0025;
  snprintf(r->tls.version, sizeof(r->tls.version), "TLSv1.3");
  snprintf(r->tls.cipher, sizeof(r->tls.cipher), "TLS_AES_128_GCM_SHA256");
  snprintf(r->tls.alpn, sizeof(r->tls.alpn), "h2");
  snprintf(r->tls.cert_subject, sizeof(r->tls.cert_subject), "CN=api");
  snprintf(r->tls.cert_issuer, sizeof(r->tls.cert_issuer), "CN=ca");
  r->tls.cert_days_left = 30.25;
  r->http.status = 401;
  snprintf(r->http.http_version, sizeof(r->http.http_version), "2");
  snprintf(r->http.request_id, sizeof(r->http.request_id), "req_1");
  r->http.clock_skew_s = -1.5;
  r->auth.rl.requests_remaining = 49;
  r->auth.rl.requests_limit = 50;
  r->status_page.checked = 1;
  r->status_page.state = AP_STATE_WARNING;
  snprintf(r->status_page.reason, sizeof(r->status_page.reason),
           "degraded performance");
}

struct want {
  enum ap_line_kind kind;
  enum ap_layer layer;
  const char *text;
};

static void check(const struct ap_result *r, enum ap_line_style style,
                  const struct want *w, size_t nw)
{
  struct ap_line lines[AP_LINES_MAX];
  size_t i, n = ap_result_lines(r, style, lines, AP_LINES_MAX);
  for(i = 0; i < n && i < nw; i++) {
    if(lines[i].kind != w[i].kind || lines[i].layer != w[i].layer ||
       strcmp(lines[i].text, w[i].text))
      print_error("line %zu: kind %d layer %d '%s', want %d %d '%s'\n", i,
                  lines[i].kind, lines[i].layer, lines[i].text, w[i].kind,
                  w[i].layer, w[i].text);
    assert_int_equal(lines[i].kind, w[i].kind);
    assert_int_equal(lines[i].layer, w[i].layer);
    assert_string_equal(lines[i].text, w[i].text);
    if(lines[i].kind == AP_LINE_LAYER)
      assert_ptr_equal(lines[i].h, ap_result_layer(r, w[i].layer));
    else
      assert_null(lines[i].h);
  }
  assert_int_equal(n, nw);
}

static void test_full(void **state)
{
  static const struct want w[] = {
    {AP_LINE_LAYER, AP_LAYER_ENV, "proxy: http://proxy:3128 from "
                                  "env:HTTPS_PROXY; clock synchronised"},
    {AP_LINE_ADVICE, AP_LAYER_ENV, "keep alive under 300 s"},
    {AP_LINE_LAYER, AP_LAYER_DNS, "192.0.2.1, 2001:db8::1"},
    {AP_LINE_LAYER, AP_LAYER_TCP, "192.0.2.1 port 443 (ipv4)"},
    {AP_LINE_FAMILY, AP_LAYER_TCP, "IPv4 192.0.2.1: connected"},
    {AP_LINE_FAMILY, AP_LAYER_TCP, "IPv6 2001:db8::1: refused, refused"},
    {AP_LINE_LAYER, AP_LAYER_PROXY,
     "http://proxy:3128 (resolve 1.0 ms, connect 2.5 ms)"},
    {AP_LINE_LAYER, AP_LAYER_TLS, "TLSv1.3 TLS_AES_128_GCM_SHA256 h2; CN=api "
                                  "issued by CN=ca; expires in 30.2 days"},
    {AP_LINE_LAYER, AP_LAYER_HTTP,
     "HTTP/2 401 request-id req_1; clock skew -1.5 s"},
    {AP_LINE_LAYER, AP_LAYER_AUTH, "requests left 49/50"},
    {AP_LINE_LAYER, AP_LAYER_MODEL, ""},
    {AP_LINE_LAYER, AP_LAYER_INFERENCE, ""},
    {AP_LINE_STATUS, AP_LAYER_HTTP, "degraded performance"},
  };
  struct ap_result r;
  struct ap_target t;
  (void)state;
  sample(&r, &t);
  check(&r, AP_LINES_FULL, w, sizeof(w) / sizeof(w[0]));
  r.env.insecure = 1;
  {
    struct ap_line lines[AP_LINES_MAX];
    assert_int_equal(ap_result_lines(&r, AP_LINES_FULL, lines, AP_LINES_MAX),
                     sizeof(w) / sizeof(w[0]) + 1);
    assert_int_equal(lines[0].kind, AP_LINE_INSECURE);
    assert_non_null(strstr(lines[0].text, "DISABLED"));
    assert_int_equal(lines[6].state, AP_STATE_CRITICAL); /* the IPv6 row */
    assert_int_equal(lines[6].family, 6);
  }
  ap_target_free(&t);
}

static void test_brief(void **state)
{
  static const struct want w[] = {
    {AP_LINE_LAYER, AP_LAYER_ENV, "http://proxy:3128"},
    {AP_LINE_LAYER, AP_LAYER_DNS, "192.0.2.1 ..."},
    {AP_LINE_LAYER, AP_LAYER_TCP, "192.0.2.1"},
    {AP_LINE_FAMILY, AP_LAYER_TCP, "192.0.2.1 - connected"},
    {AP_LINE_FAMILY, AP_LAYER_TCP, "2001:db8::1 refused - refused"},
    {AP_LINE_LAYER, AP_LAYER_PROXY, "http://proxy:3128"},
    {AP_LINE_LAYER, AP_LAYER_TLS,
     "TLSv1.3 TLS_AES_128_GCM_SHA256, cert CN=api expires in 30.2 days"},
    {AP_LINE_LAYER, AP_LAYER_HTTP, "HTTP 401 request-id req_1"},
    {AP_LINE_LAYER, AP_LAYER_AUTH, ""},
    {AP_LINE_LAYER, AP_LAYER_MODEL, ""},
    {AP_LINE_LAYER, AP_LAYER_INFERENCE, ""},
    {AP_LINE_ADVICE, AP_LAYER_ENV, "keep alive under 300 s"},
    {AP_LINE_STATUS, AP_LAYER_HTTP, "degraded performance"},
  };
  struct ap_result r;
  struct ap_target t;
  (void)state;
  sample(&r, &t);
  check(&r, AP_LINES_BRIEF, w, sizeof(w) / sizeof(w[0]));
  ap_target_free(&t);
}

/* Nothing past MAX is written; a result that reached nothing still has
 * one line per layer. */
static void test_bounds(void **state)
{
  struct ap_result r;
  struct ap_target t;
  struct ap_line lines[AP_LINES_MAX];
  char err[128];
  size_t i;
  (void)state;
  sample(&r, &t);
  assert_int_equal(ap_result_lines(&r, AP_LINES_FULL, lines, 3), 3);
  assert_int_equal(lines[2].layer, AP_LAYER_DNS);
  ap_target_free(&t);
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "url", "https://api.example/", err,
                                 sizeof(err)),
                   AP_OK);
  ap_result_init(&r, &t);
  assert_int_equal(ap_result_lines(&r, AP_LINES_BRIEF, lines, AP_LINES_MAX),
                   AP_LAYER_COUNT);
  for(i = 0; i < AP_LAYER_COUNT; i++)
    assert_int_equal(lines[i].kind, AP_LINE_LAYER);
  ap_target_free(&t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_full),
    cmocka_unit_test(test_brief),
    cmocka_unit_test(test_bounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
