/* test_tls.c -- plugin/tls.c: the certificate names the tls layer prints
 * (subject, issuer, SANs) from certificates built here: cut on UTF-8
 * character boundaries, an embedded NUL shown escaped instead of cutting
 * the name short (issue 13, defect 8); the layer's fill (handshake time
 * from our stamp or libcurl's), its failure reasons from a table of
 * errors, and its judge (expiry thresholds, --insecure with and without a
 * certificate that would fail).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Is S valid UTF-8 (no cut sequence) without control characters? */
static int valid_text(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  while(*p) {
    int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2
          : (*p & 0xf8) == 0xf0 ? 3 : -1;
    int i;
    if(n < 0 || *p < 0x20 || *p == 0x7f)
      return 0;
    for(i = 1; i <= n; i++) {
      if((p[i] & 0xc0) != 0x80)
        return 0;
    }
    p += n + 1;
  }
  return 1;
}

/* A certificate with subject CN=PAD and four OU entries of 59 'é' each
 * (UTF8String, the last one after PAD), and a DNS SAN of SANLEN bytes. */
static X509 *make_cert(const char *pad, const unsigned char *san,
                       int sanlen)
{
  X509 *x = X509_new();
  X509_NAME *n = X509_NAME_new();
  GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
  GENERAL_NAME *g = GENERAL_NAME_new();
  ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
  char ou[121];
  int i;
  assert_non_null(x);
  for(i = 0; i < 60; i++)
    memcpy(ou + 2 * i, "\xc3\xa9", 2);
  ou[120] = '\0';
  assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                                              (const unsigned char *)pad, -1,
                                              -1, 0),
                   1);
  for(i = 0; i < 4; i++) {
    char val[130];
    /* printed first (RFC 2253 order is reversed): PAD shifts the cut */
    snprintf(val, sizeof(val), "%s%s", i == 3 ? pad : "", ou + 2);
    assert_int_equal(X509_NAME_add_entry_by_txt(
                       n, "OU", MBSTRING_UTF8, (const unsigned char *)val,
                       -1, -1, 0),
                     1);
  }
  X509_set_subject_name(x, n);
  X509_set_issuer_name(x, n);
  X509_NAME_free(n);
  ASN1_STRING_set(ia5, san, sanlen);
  GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
  sk_GENERAL_NAME_push(gens, g);
  X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0);
  GENERAL_NAMES_free(gens);
  return x;
}

static void test_subject_cut_on_char(void **state)
{
  static const char *const pads[] = {"a", "ab", "abc"};
  size_t i;
  (void)state;
  for(i = 0; i < 3; i++) {
    struct ap_tls_result out;
    X509 *x = make_cert(pads[i], (const unsigned char *)"api.test", 8);
    memset(&out, 0, sizeof(out));
    ap_tls_cert_names(x, &out);
    if(!valid_text(out.cert_subject))
      print_error("pad %zu: subject cut inside a character: '%s'\n", i,
                  out.cert_subject);
    assert_true(strlen(out.cert_subject) > 200);
    assert_true(valid_text(out.cert_subject));
    assert_true(valid_text(out.cert_issuer));
    X509_free(x);
  }
}

static void test_san_with_nul(void **state)
{
  static const unsigned char san[] = "good.example\0.evil.example";
  struct ap_tls_result out;
  X509 *x = make_cert("a", san, (int)sizeof(san) - 1);
  (void)state;
  memset(&out, 0, sizeof(out));
  ap_tls_cert_names(x, &out);
  if(!strstr(out.cert_sans, "evil.example"))
    print_error("sans: '%s'\n", out.cert_sans);
  assert_non_null(strstr(out.cert_sans, "DNS:good.example\\0.evil.example"));
  assert_true(valid_text(out.cert_sans));
  X509_free(x);
}

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
    cmocka_unit_test(test_subject_cut_on_char),
    cmocka_unit_test(test_san_with_nul),
    cmocka_unit_test(test_fill),
    cmocka_unit_test(test_reason),
    cmocka_unit_test(test_judge),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
