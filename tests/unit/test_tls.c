/* test_tls.c -- plugin/tls.c: the tls layer's fill (handshake time from
 * our stamp or libcurl's), its failure reasons from a table of errors, and
 * its judge (expiry thresholds, --insecure with and without a certificate
 * that would fail).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <openssl/x509_vfy.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void facts(struct ap_facts *f)
{
  memset(f, 0, sizeof(*f));
  f->host = "api.example";
  f->port = 443;
  f->proxy = "";
  f->o.errbuf = "";
  f->min_tls = 12;
}

static void test_fill(void **state)
{
  struct ap_result r;
  struct ap_facts f;
  (void)state;
  ap_result_init(&r, NULL);
  facts(&f);
  ap_tls_fill(&r, &f); /* not done: untouched */
  assert_int_equal(r.tls.h.state, AP_STATE_SKIPPED);
  f.o.tls_done = 1;
  f.t_conn = 0.02;
  f.t_app = 0.07;
  ap_tls_fill(&r, &f); /* libcurl's connect time starts it */
  assert_int_equal(r.tls.h.state, AP_STATE_OK);
  assert_true(fabs(r.tls.h.time_s - 0.05) < 1e-9);
  f.curl_start = 50;
  f.tls_started_at = 50.03; /* our callback's stamp wins */
  ap_tls_fill(&r, &f);
  assert_true(fabs(r.tls.h.time_s - 0.04) < 1e-9);
  f.t_app = 0; /* never below 0 */
  ap_tls_fill(&r, &f);
  assert_true(r.tls.h.time_s == 0);
}

struct reason_case {
  enum ap_error e;
  const char *errbuf;
  const char *want; /* NULL: no words of its own */
};

static const struct reason_case reasons[] = {
  {AP_ERR_TLS_UNTRUSTED, "", "certificate issued by 'CN=Corp CA' is not "
                             "trusted (self-signed certificate in chain)"},
  {AP_ERR_TLS_EXPIRED, "", "certificate of 'CN=api' expired 3.5 days ago"},
  {AP_ERR_TLS_NOT_YET_VALID, "", "certificate of 'CN=api' is not valid yet"},
  {AP_ERR_TLS_HOSTNAME, "", "certificate (DNS:other) does not match "
                            "api.example"},
  {AP_ERR_TLS_TIMEOUT, "", "TLS handshake with 10.0.0.9 not finished in "
                           "time"},
  {AP_ERR_TLS_RESET, "", "the connection to 10.0.0.9 port 443 was reset "
                         "during the TLS handshake (no detail)"},
  {AP_ERR_TLS_CLOSED, "EOF", "the connection to 10.0.0.9 port 443 was "
                             "closed during the TLS handshake (EOF)"},
  {AP_ERR_TLS_PROTOCOL_VERSION, "alert", "no common TLS version (minimum "
                                         "TLS 1.2): alert"},
  {AP_ERR_TLS_HANDSHAKE, "", NULL},
};

static void test_reason(void **state)
{
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(reasons); i++) {
    struct ap_result r;
    struct ap_facts f;
    char out[AP_TEXT];
    ap_result_init(&r, NULL);
    facts(&f);
    f.o.errbuf = reasons[i].errbuf;
    strcpy(r.tcp.address, "10.0.0.9");
    strcpy(r.tls.cert_issuer, "CN=Corp CA");
    strcpy(r.tls.cert_subject, "CN=api");
    strcpy(r.tls.cert_sans, "DNS:other");
    strcpy(r.tls.verify_detail, "self-signed certificate in chain");
    r.tls.chain_min_days_left = -3.5;
    out[0] = '\0';
    assert_int_equal(ap_tls_reason(&r, &f, reasons[i].e, out, sizeof(out)),
                     reasons[i].want != NULL);
    if(reasons[i].want)
      assert_string_equal(out, reasons[i].want);
  }
}

struct judge_case {
  int insecure, verify_code, host_mismatch;
  double left;
  enum ap_state state;
  enum ap_error error;
  const char *reason;
};

static const struct judge_case judges[] = {
  {0, 0, 0, 90, AP_STATE_OK, AP_ERR_NONE, ""},
  {0, 0, 0, NAN, AP_STATE_OK, AP_ERR_NONE, ""},
  {0, 0, 0, 20, AP_STATE_WARNING, AP_ERR_TLS_EXPIRING,
   "certificate 'CN=int' expires in 20.0 days"},
  {0, 0, 0, 5, AP_STATE_CRITICAL, AP_ERR_TLS_EXPIRING_CRIT,
   "certificate 'CN=int' expires in 5.0 days"},
  {1, 0, 0, 90, AP_STATE_OK, AP_ERR_NONE,
   "verification disabled (--insecure)"},
  {1, 0, 1, 90, AP_STATE_WARNING, AP_ERR_TLS_INSECURE,
   "verification disabled (--insecure); the certificate would fail: "
   "hostname_mismatch"},
  {1, X509_V_ERR_CERT_HAS_EXPIRED, 0, 90, AP_STATE_WARNING,
   AP_ERR_TLS_INSECURE,
   "verification disabled (--insecure); the certificate would fail: "
   "cert_expired"},
};

static void test_judge(void **state)
{
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(judges); i++) {
    const struct judge_case *c = &judges[i];
    struct ap_target t;
    struct ap_result r;
    struct ap_facts f;
    ap_target_init(&t);
    t.insecure = c->insecure;
    ap_result_init(&r, NULL);
    ap_head_set(&r.tls.h, AP_STATE_OK, AP_ERR_NONE, NULL);
    r.tls.chain_min_days_left = c->left;
    strcpy(r.tls.chain_min_subject, "CN=int");
    facts(&f);
    f.o.verify_code = c->verify_code;
    f.o.host_mismatch = c->host_mismatch;
    ap_tls_judge(&r, &t, &f);
    print_message("case %zu\n", i);
    assert_int_equal(r.tls.insecure, c->insecure);
    assert_int_equal(r.tls.h.state, c->state);
    assert_int_equal(r.tls.h.error, c->error);
    assert_string_equal(r.tls.h.reason, c->reason);
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
