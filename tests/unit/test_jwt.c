/* test_jwt.c -- common/jwt.c: base64url both ways (RFC 4648 vectors), an
 * RS256 token signed with a fresh RSA key verifies with its public key
 * (PEM key and certificate), and fails with another key, a changed
 * payload, a changed signature or another alg.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"

static char priv1[4096], pub1[4096], pub2[4096];

static void pem_pair(char *priv, char *pub)
{
  EVP_PKEY *k = EVP_RSA_gen(2048);
  BIO *b;
  long n;
  char *p;
  assert_non_null(k);
  if(priv) {
    b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL,
                                              NULL),
                     1);
    n = BIO_get_mem_data(b, &p);
    memcpy(priv, p, (size_t)n);
    priv[n] = '\0';
    BIO_free(b);
  }
  b = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
  n = BIO_get_mem_data(b, &p);
  memcpy(pub, p, (size_t)n);
  pub[n] = '\0';
  BIO_free(b);
  EVP_PKEY_free(k);
}

static int setup(void **state)
{
  (void)state;
  pem_pair(priv1, pub1);
  pem_pair(NULL, pub2);
  return 0;
}

static void test_b64url(void **state)
{
  static const struct {
    const char *in, *out;
  } v[] = {{"", ""},         {"f", "Zg"},         {"fo", "Zm8"},
           {"foo", "Zm9v"},  {"foob", "Zm9vYg"},  {"fooba", "Zm9vYmE"},
           {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
  char out[64];
  unsigned char back[64];
  size_t i;
  long n;
  (void)state;
  for(i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    n = ap_b64url_encode((const unsigned char *)v[i].in, strlen(v[i].in),
                         out, sizeof(out));
    assert_int_equal(n, (long)strlen(v[i].out));
    assert_string_equal(out, v[i].out);
    n = ap_b64url_decode(out, strlen(out), back, sizeof(back));
    assert_int_equal(n, (long)strlen(v[i].in));
    assert_memory_equal(back, v[i].in, (size_t)n);
  }
  assert_int_equal(ap_b64url_decode("Zm9v+", 5, back, sizeof(back)), -1);
  assert_int_equal(ap_b64url_decode("Z", 1, back, sizeof(back)), -1);
  assert_int_equal(ap_b64url_decode("Zm9vYmFy", 8, back, 3), -1);
  assert_int_equal(ap_b64url_encode((const unsigned char *)"foobar", 6, out,
                                    4),
                   -1);
}

static void test_sign_verify(void **state)
{
  const char *claims = "{\"iss\":\"probe@p.iam.gserviceaccount.com\","
                       "\"aud\":\"https://oauth2.googleapis.com/token\","
                       "\"iat\":1000,\"exp\":4600}";
  char *tok = NULL, *got = NULL, *bad, err[128];
  size_t n;
  (void)state;
  assert_int_equal(ap_jwt_rs256_sign(priv1, "kid1", claims, &tok, err,
                                     sizeof(err)),
                   0);
  assert_non_null(tok);
  assert_int_equal(ap_jwt_rs256_verify(tok, pub1, &got, err, sizeof(err)),
                   0);
  assert_string_equal(got, claims);
  free(got);
  /* another key */
  assert_int_equal(ap_jwt_rs256_verify(tok, pub2, &got, err, sizeof(err)),
                   -1);
  assert_null(got);
  /* one character of the signature changed */
  bad = strdup(tok);
  n = strlen(bad);
  bad[n - 3] = bad[n - 3] == 'A' ? 'B' : 'A';
  assert_int_equal(ap_jwt_rs256_verify(bad, pub1, &got, err, sizeof(err)),
                   -1);
  free(bad);
  /* the payload changed */
  bad = strdup(tok);
  strchr(bad, '.')[2] ^= 1;
  assert_int_equal(ap_jwt_rs256_verify(bad, pub1, &got, err, sizeof(err)),
                   -1);
  free(bad);
  /* not three parts */
  assert_int_equal(ap_jwt_rs256_verify("a.b", pub1, &got, err, sizeof(err)),
                   -1);
  /* alg none */
  assert_int_equal(ap_jwt_rs256_verify("eyJhbGciOiJub25lIn0.e30.", pub1,
                                       &got, err, sizeof(err)),
                   -1);
  free(tok);
}

static void test_bad_key(void **state)
{
  char *tok = (char *)1, err[128];
  (void)state;
  assert_int_equal(ap_jwt_rs256_sign("-----BEGIN PRIVATE KEY-----\nxx\n"
                                     "-----END PRIVATE KEY-----\n",
                                     NULL, "{}", &tok, err, sizeof(err)),
                   -1);
  assert_null(tok);
  assert_non_null(strstr(err, "RSA"));
  /* a public key is not a private key */
  assert_int_equal(ap_jwt_rs256_sign(pub1, NULL, "{}", &tok, err,
                                     sizeof(err)),
                   -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_b64url),
    cmocka_unit_test(test_sign_verify),
    cmocka_unit_test(test_bad_key),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
