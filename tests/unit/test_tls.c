/* test_tls.c -- plugin/tls.c: the certificate names the tls layer prints
 * (subject, issuer, SANs) from certificates built here: cut on UTF-8
 * character boundaries, an embedded NUL shown escaped instead of cutting
 * the name short (issue 13, defect 8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/x509.h>
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

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_subject_cut_on_char),
    cmocka_unit_test(test_san_with_nul),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
