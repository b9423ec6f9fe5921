/* test_jwt.c -- common/jwt.c: base64url both ways (RFC 4648 vectors), an
 * RS256 token signed with a test RSA key verifies with its public key
 * (PEM key and certificate), and fails with another key, a changed
 * payload, a changed signature or another alg.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"

/* Test-only RSA keys (made with openssl genpkey for this test; they
 * protect nothing): generating them at run time cost 80 s under valgrind. */
static const char priv1[] =
  "-----BEGIN PRIVATE KEY-----\n"
  "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDzfvpQkHlv0GOv\n"
  "z0U1lm7N+S9kkvBYKME0ujfYbPVR/GLF2S4TDYwJHsw6hOaIglyEJxEO+2KI6/ul\n"
  "43LIWWb8guGPWVpnSXKbFJg7n5R2KnjN35Ip3kVDHNZ+mhQ/hQKiNh3A6IPUp/Jd\n"
  "AsTSnmppvxUqdTgFcaPvowBoN5l5WdCWRl7xrERgJ+jgp8Vx3Jkag4hlLZhY+8G0\n"
  "1EkHKJfXZPOx7eGyNaMkVFfZCXzDwFneDjnrzZjOPaHHOe9eY19ToOq3WvfUoxlZ\n"
  "hCVVMuAWHz66rEZCPFOdLgIC3k4Eklx25p2HheRpw5aA97dE81WckZV2VRU84CQc\n"
  "yqQaGZY9AgMBAAECggEAS8QojnYOG2FMC5IitnR7QQM3IIPqXnw79jS1mNX6lcrD\n"
  "T03vXMVb3CClqtXcyABMWmCvmapWNEW9tZYrCrVq6sqs9gZ3L2l2zFOhtPfIYeaA\n"
  "VYsqN3Xutl3cTmOSRluUgLX3FyYik0K5EwEADot1kDcBlocH6gW83Z2qTEN0sYHK\n"
  "EVBmIsWtJW8FoQsXEcG0m9UKTB1GyDq9GLwLnUXlR0vv6ClceiJByjMAznNfgyfm\n"
  "uvUa20QEe/LgzRZcslbLL9O1e9HLjp7kwD6+LRg0UAl6gjoA6vkHGAysDn/tp88C\n"
  "/KX40c6ieq5KANeb1+0RxgFZ3SEHwsBB7a2g7RopLwKBgQD+6LCKNcK8s8QpNf26\n"
  "BUO4+DDFuAC6LixWj/aNDRQwZOBD7Hh36DTT9ggbvk9o0eGqJvF3tiULns0iB+cM\n"
  "lLL77iEYjdTHJ94aHPflWZ1EKPfBXodYM2/SVk+Mrs7T16VlbkKjA69droFEmDqg\n"
  "VoLRtiZzqn+bUZaIGP7PfDbsGwKBgQD0ichg+yjodEqnN7bRCGwHg6zDGfH/teEO\n"
  "/pAvpF6gdqohrOzsDuad+ji9KaHOUNID0fQ+fgGvedpUTLabwCX77ya2Gr67trZu\n"
  "HWCTqtWr5D5pfCZL4+dc1sSYs80KnVj915M+tyOVS8eH0a62nPrl0UbPSaduT0og\n"
  "ztghvLJ8hwKBgQCwzJU9lyIVHZ3tc2wi7GnXThUN3ZxrhYDtHPbFSA/7rMu7cLTx\n"
  "fZW+ecOP8oRDUGbzTAVooWW6VI80jkSbfjtR7wz3ac/tveIXPIZXhbtFPiDw9m5r\n"
  "J2nkeka8bbY4SjaGTl5bkD++ez1fZTIsaTRc3bh3uwa8pG8CwEtjf2TchwKBgBgP\n"
  "NlfUXkIArxeks6f9XCOhIO5RLy4phusiwKzvTyAajMKjcOwIy0ffxpVV80WJTiBy\n"
  "F8XOP/wz0PdaVN0eGp6e+QARwZJWd7x9x3K/7CXtXvah8GKnGaxYtR8REatpr8fJ\n"
  "3gLdofKechM63iW5bDYQURcz9/Uyd+iicUFgf28hAoGBALVy/kQnITOb/OOpgO48\n"
  "NSHTOAsy5FVCVRNL2Sd29yFmxiQr78sA4NxpCN5uZhK15uZA9FvkZg+QaKs9eV0A\n"
  "UnNzBtSAnjMobGvL3nq2TF3tJ8TYSbLppW41zpWG+EVNmCY/T22XTfNFgpiyiCDX\n"
  "NcnzjFzsEhbiyiCN0pcO8ota\n"
  "-----END PRIVATE KEY-----\n";

static const char pub1[] =
  "-----BEGIN PUBLIC KEY-----\n"
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA8376UJB5b9Bjr89FNZZu\n"
  "zfkvZJLwWCjBNLo32Gz1UfxixdkuEw2MCR7MOoTmiIJchCcRDvtiiOv7peNyyFlm\n"
  "/ILhj1laZ0lymxSYO5+Udip4zd+SKd5FQxzWfpoUP4UCojYdwOiD1KfyXQLE0p5q\n"
  "ab8VKnU4BXGj76MAaDeZeVnQlkZe8axEYCfo4KfFcdyZGoOIZS2YWPvBtNRJByiX\n"
  "12Tzse3hsjWjJFRX2Ql8w8BZ3g45682Yzj2hxznvXmNfU6Dqt1r31KMZWYQlVTLg\n"
  "Fh8+uqxGQjxTnS4CAt5OBJJcduadh4XkacOWgPe3RPNVnJGVdlUVPOAkHMqkGhmW\n"
  "PQIDAQAB\n"
  "-----END PUBLIC KEY-----\n";

static const char pub2[] =
  "-----BEGIN PUBLIC KEY-----\n"
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs/L8AKuJZjdMTTPpI2p1\n"
  "f7yJdJtDl3ei0AkDefEJaHaaCd3RwvTQUoQ4rl39u4S4SaYoYcKD6YulWSFXFDdT\n"
  "YLECuwIVx1+qES4pYqWAvYq63FV+rpc2EWYTLx3hMBf4Nr3wSfmLW7kAiXXhPB3o\n"
  "+lsZ7vXWNpjCIFX55VpqDhgclmiCSeXyuS4KbIhcy6shN3h7giX21X0QZHs+uJCl\n"
  "8u3Wk4mJL2etRrGSJU0UbgQNVRhc7/+loxBP4m1TiO4hYlKLr0aUbFY3+nVfh+wh\n"
  "RrJsa1IIFWtmvfu05stTK3hDJP/4msJTPaIitcgI6RQFSsetKMRoO0ZqDPSuseaE\n"
  "OQIDAQAB\n"
  "-----END PUBLIC KEY-----\n";

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
  return cmocka_run_group_tests(tests, NULL, NULL);
}
