/* jwt.c -- RS256 JWTs with OpenSSL's EVP_DigestSign/Verify (see jwt.h).
 * Only RS256: what Google's token endpoint takes from a service account.
 */
#include "jwt.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JWT_MAX 16384 /* longer tokens are refused, not parsed */

static const char b64u[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

long ap_b64url_encode(const unsigned char *in, size_t n, char *out,
                      size_t outlen)
{
  size_t i, o = 0;
  if(outlen < (n / 3) * 4 + 4 + 1)
    return -1;
  for(i = 0; i + 2 < n; i += 3) {
    unsigned long v = ((unsigned long)in[i] << 16) |
                      ((unsigned long)in[i + 1] << 8) | in[i + 2];
    out[o++] = b64u[(v >> 18) & 63];
    out[o++] = b64u[(v >> 12) & 63];
    out[o++] = b64u[(v >> 6) & 63];
    out[o++] = b64u[v & 63];
  }
  if(n - i == 1) {
    unsigned long v = (unsigned long)in[i] << 16;
    out[o++] = b64u[(v >> 18) & 63];
    out[o++] = b64u[(v >> 12) & 63];
  } else if(n - i == 2) {
    unsigned long v = ((unsigned long)in[i] << 16) |
                      ((unsigned long)in[i + 1] << 8);
    out[o++] = b64u[(v >> 18) & 63];
    out[o++] = b64u[(v >> 12) & 63];
    out[o++] = b64u[(v >> 6) & 63];
  }
  out[o] = '\0';
  return (long)o;
}

static int b64u_val(char c)
{
  const char *p;
  if(!c)
    return -1;
  p = strchr(b64u, c);
  return p ? (int)(p - b64u) : -1;
}

long ap_b64url_decode(const char *in, size_t n, unsigned char *out,
                      size_t outlen)
{
  unsigned long acc = 0;
  size_t i, o = 0;
  int bits = 0;
  while(n && in[n - 1] == '=')
    n--;
  if(n % 4 == 1)
    return -1;
  for(i = 0; i < n; i++) {
    int v = b64u_val(in[i]);
    if(v < 0)
      return -1;
    acc = (acc << 6) | (unsigned long)v;
    bits += 6;
    if(bits >= 8) {
      bits -= 8;
      if(o >= outlen)
        return -1;
      out[o++] = (unsigned char)((acc >> bits) & 0xff);
    }
  }
  return (long)o;
}

static EVP_PKEY *load_private(const char *pem)
{
  BIO *bio = BIO_new_mem_buf(pem, -1);
  EVP_PKEY *k = NULL;
  if(bio) {
    k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
  }
  return k;
}

static EVP_PKEY *load_public(const char *pem)
{
  BIO *bio = BIO_new_mem_buf(pem, -1);
  EVP_PKEY *k = NULL;
  X509 *x;
  if(!bio)
    return NULL;
  if(strstr(pem, "BEGIN CERTIFICATE")) {
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if(x) {
      k = X509_get_pubkey(x);
      X509_free(x);
    }
  } else {
    k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
  }
  BIO_free(bio);
  return k;
}

int ap_jwt_rs256_sign(const char *pem_key, const char *kid,
                      const char *claims_json, char **pout, char *err,
                      size_t errlen)
{
  EVP_PKEY *k = NULL;
  EVP_MD_CTX *md = NULL;
  char header[256];
  char *tok = NULL;
  unsigned char *sig = NULL;
  size_t siglen = 0, cap, used;
  long n;
  int rc = -1;

  *pout = NULL;
  if(kid && *kid)
    snprintf(header, sizeof(header),
             "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%.100s\"}", kid);
  else
    snprintf(header, sizeof(header), "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
  k = load_private(pem_key);
  if(!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
    snprintf(err, errlen, "the private key is not a PEM RSA key");
    goto out;
  }
  cap = (strlen(header) + strlen(claims_json)) * 4 / 3 + 1024;
  if(cap > JWT_MAX || !(tok = malloc(cap))) {
    snprintf(err, errlen, "claims too long or out of memory");
    goto out;
  }
  n = ap_b64url_encode((const unsigned char *)header, strlen(header), tok,
                       cap);
  used = (size_t)n;
  tok[used++] = '.';
  n = ap_b64url_encode((const unsigned char *)claims_json,
                       strlen(claims_json), tok + used, cap - used);
  if(n < 0)
    goto nomem;
  used += (size_t)n;
  md = EVP_MD_CTX_new();
  if(!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
     EVP_DigestSign(md, NULL, &siglen, (unsigned char *)tok, used) != 1 ||
     !(sig = malloc(siglen)) ||
     EVP_DigestSign(md, sig, &siglen, (unsigned char *)tok, used) != 1) {
    snprintf(err, errlen, "signing with the RSA key failed");
    goto out;
  }
  tok[used++] = '.';
  n = ap_b64url_encode(sig, siglen, tok + used, cap - used);
  if(n < 0)
    goto nomem;
  *pout = tok;
  tok = NULL;
  rc = 0;
  goto out;
nomem:
  snprintf(err, errlen, "token too long");
out:
  if(tok) {
    OPENSSL_cleanse(tok, cap);
    free(tok);
  }
  free(sig);
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(k);
  return rc;
}

int ap_jwt_rs256_verify(const char *token, const char *pem_pub,
                        char **pclaims, char *err, size_t errlen)
{
  const char *d1, *d2;
  unsigned char *buf = NULL;
  char *claims = NULL;
  EVP_PKEY *k = NULL;
  EVP_MD_CTX *md = NULL;
  size_t len = token ? strlen(token) : 0;
  long n;
  int rc = -1;

  *pclaims = NULL;
  d1 = token ? strchr(token, '.') : NULL;
  d2 = d1 ? strchr(d1 + 1, '.') : NULL;
  if(!d1 || !d2 || strchr(d2 + 1, '.') || len > JWT_MAX) {
    snprintf(err, errlen, "not a compact JWS (three parts)");
    return -1;
  }
  buf = malloc(len + 1);
  if(!buf) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  n = ap_b64url_decode(token, (size_t)(d1 - token), buf, len);
  if(n < 0) {
    snprintf(err, errlen, "the header is not base64url");
    goto out;
  }
  buf[n] = '\0';
  if(!strstr((char *)buf, "\"alg\":\"RS256\"")) {
    snprintf(err, errlen, "alg is not RS256");
    goto out;
  }
  k = load_public(pem_pub);
  n = ap_b64url_decode(d2 + 1, strlen(d2 + 1), buf, len);
  md = EVP_MD_CTX_new();
  if(!k || n <= 0 || !md ||
     EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
     EVP_DigestVerify(md, buf, (size_t)n, (const unsigned char *)token,
                      (size_t)(d2 - token)) != 1) {
    snprintf(err, errlen, "the signature does not verify");
    goto out;
  }
  claims = malloc(len + 1);
  n = claims ? ap_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1),
                                (unsigned char *)claims, len)
             : -1;
  if(n < 0) {
    snprintf(err, errlen, "the claims are not base64url");
    free(claims);
    goto out;
  }
  claims[n] = '\0';
  *pclaims = claims;
  rc = 0;
out:
  free(buf);
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(k);
  return rc;
}
