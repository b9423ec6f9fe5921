/* sigv4.c -- AWS Signature Version 4 over plain strings (see sigv4.h).
 * Canonical form as the AWS test suite and non-S3 services define it: the
 * path normalised (dot segments and empty segments removed) and
 * percent-encoded once more, query pairs decoded, encoded and sorted,
 * header names lower-cased, values trimmed with inner runs of spaces
 * collapsed, duplicates joined with ',' in the order sent.
 */
#include "sigv4.h"
#include "strutil.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A bounded output cursor: every append checks room; once too small,
 * stays failed. */
struct sbuf {
  char *p;
  size_t cap, len;
  int bad;
};

static void sb_init(struct sbuf *b, char *p, size_t cap)
{
  b->p = p;
  b->cap = cap;
  b->len = 0;
  b->bad = cap == 0;
  if(cap)
    p[0] = '\0';
}

static void sb_addn(struct sbuf *b, const char *s, size_t n)
{
  if(b->bad || n >= b->cap - b->len) {
    b->bad = 1;
    return;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_add(struct sbuf *b, const char *s)
{
  sb_addn(b, s, strlen(s));
}

static void sb_addc(struct sbuf *b, char c)
{
  sb_addn(b, &c, 1);
}

static int unreserved(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

static void sb_encode(struct sbuf *b, const char *s, size_t n)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t i;
  for(i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if(unreserved(c)) {
      sb_addc(b, (char)c);
    } else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      sb_addn(b, e, 3);
    }
  }
}

static int hexval(char c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decode %XX in S[0..N) into OUT (at least N+1 bytes); length out. */
static size_t pct_decode(const char *s, size_t n, char *out)
{
  size_t i, o = 0;
  for(i = 0; i < n; i++) {
    if(s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
       hexval(s[i + 2]) >= 0) {
      out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
  return o;
}

/* ---- path ---- */

static void canonical_path(struct sbuf *b, const char *path)
{
  const char *seg[128];
  size_t segn[128];
  int n = 0, i, trailing;
  const char *p = path && *path ? path : "/";
  size_t plen = strlen(p);

  trailing = plen > 1 && p[plen - 1] == '/';
  while(*p) {
    size_t len;
    while(*p == '/')
      p++;
    len = strcspn(p, "/");
    if(!len)
      break;
    if(len == 1 && p[0] == '.') {
      /* nothing */
    } else if(len == 2 && p[0] == '.' && p[1] == '.') {
      if(n > 0)
        n--;
    } else if(n < (int)(sizeof(seg) / sizeof(seg[0]))) {
      seg[n] = p;
      segn[n++] = len;
    } else {
      b->bad = 1;
      return;
    }
    p += len;
  }
  sb_addc(b, '/');
  for(i = 0; i < n; i++) {
    sb_encode(b, seg[i], segn[i]);
    if(i + 1 < n || trailing)
      sb_addc(b, '/');
  }
}

/* ---- query ---- */

struct qpair {
  char *k, *v; /* encoded, owned */
};

static int qpair_cmp(const void *a, const void *b)
{
  const struct qpair *x = a, *y = b;
  int c = strcmp(x->k, y->k);
  return c ? c : strcmp(x->v, y->v);
}

/* Encoded copy of S[0..N), decoded first (malloc'd; NULL when out of
 * memory). */
static char *enc_dup(const char *s, size_t n)
{
  char *dec = malloc(n + 1), *out;
  size_t cap = 3 * n + 1, dn;
  struct sbuf b;
  if(!dec)
    return NULL;
  dn = pct_decode(s, n, dec);
  out = malloc(cap);
  if(out) {
    sb_init(&b, out, cap);
    sb_encode(&b, dec, dn);
  }
  free(dec);
  return out;
}

static void canonical_query(struct sbuf *b, const char *q)
{
  struct qpair pairs[64];
  size_t n = 0, i;
  const char *p = q ? q : "";
  while(*p) {
    size_t len = strcspn(p, "&"), klen;
    const char *eq;
    if(len) {
      if(n == sizeof(pairs) / sizeof(pairs[0])) {
        b->bad = 1;
        break;
      }
      eq = memchr(p, '=', len);
      klen = eq ? (size_t)(eq - p) : len;
      pairs[n].k = enc_dup(p, klen);
      pairs[n].v = eq ? enc_dup(eq + 1, len - klen - 1) : enc_dup("", 0);
      n++;
      if(!pairs[n - 1].k || !pairs[n - 1].v) {
        b->bad = 1;
        break;
      }
    }
    p += len;
    if(*p == '&')
      p++;
  }
  if(!b->bad)
    qsort(pairs, n, sizeof(pairs[0]), qpair_cmp);
  for(i = 0; i < n; i++) {
    if(!b->bad) {
      if(i)
        sb_addc(b, '&');
      sb_add(b, pairs[i].k);
      sb_addc(b, '=');
      sb_add(b, pairs[i].v);
    }
    free(pairs[i].k);
    free(pairs[i].v);
  }
}

/* ---- headers ---- */

/* Value trimmed, runs of whitespace collapsed to one space, folded lines
 * joined with ','. */
static void canonical_value(struct sbuf *b, const char *v)
{
  int space = 0, started = 0;
  for(; *v; v++) {
    unsigned char c = (unsigned char)*v;
    if(c == '\r')
      continue;
    if(c == '\n') {
      while(v[1] == ' ' || v[1] == '\t')
        v++;
      if(started)
        sb_addc(b, ',');
      space = 0;
      started = 0;
      continue;
    }
    if(c == ' ' || c == '\t') {
      space = started;
      continue;
    }
    if(space)
      sb_addc(b, ' ');
    space = 0;
    started = 1;
    sb_addc(b, (char)c);
  }
}

static int lname_cmp(const char *a, const char *b)
{
  for(;; a++, b++) {
    unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
    if(x >= 'A' && x <= 'Z')
      x = (unsigned char)(x + 32);
    if(y >= 'A' && y <= 'Z')
      y = (unsigned char)(y + 32);
    if(x != y || !x)
      return (int)x - (int)y;
  }
}

static void sb_lower(struct sbuf *b, const char *s)
{
  for(; *s; s++) {
    char c = *s;
    sb_addc(b, c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
  }
}

int ap_sigv4_canonical(const struct ap_sigv4_msg *m, char *creq,
                       size_t creqlen, char *sh, size_t shlen)
{
  size_t order[AP_SIGV4_MAX_HEADERS];
  size_t i, j, n = m->nheaders;
  struct sbuf b, s;

  if(n > AP_SIGV4_MAX_HEADERS || !m->method || !m->payload_sha256)
    return -1;
  /* stable insertion sort by lower-case name: duplicates keep the order
   * they were sent in */
  for(i = 0; i < n; i++) {
    if(!m->headers[i].name || !m->headers[i].name[0] || !m->headers[i].value)
      return -1;
    for(j = i; j > 0 && lname_cmp(m->headers[order[j - 1]].name,
                                  m->headers[i].name) > 0;
        j--)
      order[j] = order[j - 1];
    order[j] = i;
  }
  sb_init(&b, creq, creqlen);
  sb_init(&s, sh, shlen);
  sb_add(&b, m->method);
  sb_addc(&b, '\n');
  canonical_path(&b, m->path);
  sb_addc(&b, '\n');
  canonical_query(&b, m->query);
  sb_addc(&b, '\n');
  for(i = 0; i < n; i++) {
    const struct ap_sigv4_hdr *h = &m->headers[order[i]];
    int dup = i > 0 && !lname_cmp(m->headers[order[i - 1]].name, h->name);
    if(dup) {
      sb_addc(&b, ',');
    } else {
      if(i)
        sb_addc(&b, '\n');
      sb_lower(&b, h->name);
      sb_addc(&b, ':');
      if(s.len)
        sb_addc(&s, ';');
      sb_lower(&s, h->name);
    }
    canonical_value(&b, h->value);
  }
  if(n)
    sb_addc(&b, '\n');
  sb_addc(&b, '\n');
  sb_add(&b, sh);
  sb_addc(&b, '\n');
  sb_add(&b, m->payload_sha256);
  return b.bad || s.bad ? -1 : 0;
}

void ap_sigv4_sha256_hex(const void *data, size_t len, char out[AP_SIGV4_HEX])
{
  static const char hex[] = "0123456789abcdef";
  unsigned char md[32];
  unsigned int mdlen = 0;
  int i;
  if(EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
     mdlen != 32) {
    out[0] = '\0';
    return;
  }
  for(i = 0; i < 32; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[64] = '\0';
}

int ap_sigv4_string_to_sign(const char *amz_date, const char *scope,
                            const char *creq, char *out, size_t outlen)
{
  char h[AP_SIGV4_HEX];
  int n;
  ap_sigv4_sha256_hex(creq, strlen(creq), h);
  n = snprintf(out, outlen, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope,
               h);
  return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int hmac(const unsigned char *key, size_t keylen, const char *data,
                unsigned char out[32])
{
  size_t outlen = 0;
  if(!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
                (const unsigned char *)data, strlen(data), out, 32, &outlen))
    return -1;
  return outlen == 32 ? 0 : -1;
}

int ap_sigv4_signature(const char *secret, const char *date8,
                       const char *region, const char *service,
                       const char *sts, char out[AP_SIGV4_HEX])
{
  static const char hex[] = "0123456789abcdef";
  char k0[256];
  unsigned char k[32], sig[32];
  int rc = -1, i, n;

  out[0] = '\0';
  n = snprintf(k0, sizeof(k0), "AWS4%s", secret);
  if(n < 0 || (size_t)n >= sizeof(k0))
    goto out;
  if(hmac((unsigned char *)k0, (size_t)n, date8, k) ||
     hmac(k, 32, region, k) || hmac(k, 32, service, k) ||
     hmac(k, 32, "aws4_request", k) || hmac(k, 32, sts, sig))
    goto out;
  for(i = 0; i < 32; i++) {
    out[2 * i] = hex[sig[i] >> 4];
    out[2 * i + 1] = hex[sig[i] & 15];
  }
  out[64] = '\0';
  rc = 0;
out:
  OPENSSL_cleanse(k0, sizeof(k0));
  OPENSSL_cleanse(k, sizeof(k));
  return rc;
}

int ap_sigv4_sign(const struct ap_sigv4_msg *m, const char *access_key_id,
                  const char *secret, const char *amz_date,
                  const char *region, const char *service,
                  struct ap_sigv4_out *out)
{
  char *creq = NULL, sts[512], date8[9];
  size_t cap = 16384;
  int rc = -1, n;

  memset(out, 0, sizeof(*out));
  if(ap_sigv4_parse_amz_date(amz_date) < 0)
    return -1;
  memcpy(date8, amz_date, 8);
  date8[8] = '\0';
  n = snprintf(out->scope, sizeof(out->scope), "%s/%s/%s/aws4_request",
               date8, region, service);
  if(n < 0 || (size_t)n >= sizeof(out->scope))
    return -1;
  creq = malloc(cap);
  if(!creq)
    return -1;
  if(ap_sigv4_canonical(m, creq, cap, out->signed_headers,
                        sizeof(out->signed_headers)) ||
     ap_sigv4_string_to_sign(amz_date, out->scope, creq, sts, sizeof(sts)) ||
     ap_sigv4_signature(secret, date8, region, service, sts, out->signature))
    goto out;
  n = snprintf(out->authorization, sizeof(out->authorization),
               "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
               "Signature=%s",
               access_key_id, out->scope, out->signed_headers,
               out->signature);
  if(n < 0 || (size_t)n >= sizeof(out->authorization))
    goto out;
  rc = 0;
out:
  free(creq);
  return rc;
}

/* Copy the text after KEY= up to ',' (or end) into OUT. */
static int auth_field(const char *v, const char *key, char *out,
                      size_t outlen)
{
  const char *p = strstr(v, key);
  size_t n;
  if(!p)
    return -1;
  p += strlen(key);
  n = strcspn(p, ", ");
  if(!n || n >= outlen)
    return -1;
  memcpy(out, p, n);
  out[n] = '\0';
  return 0;
}

int ap_sigv4_parse_auth(const char *value, struct ap_sigv4_auth *a)
{
  char cred[AP_SIGV4_FIELD * 4];
  char *parts[5], *s;
  int n = 0;

  memset(a, 0, sizeof(*a));
  if(!value || strncmp(value, "AWS4-HMAC-SHA256 ", 17))
    return -1;
  if(auth_field(value, "Credential=", cred, sizeof(cred)) ||
     auth_field(value, "SignedHeaders=", a->signed_headers,
                sizeof(a->signed_headers)) ||
     auth_field(value, "Signature=", a->signature, sizeof(a->signature)))
    return -1;
  for(s = cred; n < 5; n++) {
    parts[n] = s;
    s = strchr(s, '/');
    if(!s)
      break;
    *s++ = '\0';
  }
  if(n != 4 || strcmp(parts[4], "aws4_request"))
    return -1;
  if(ap_strlcpy(a->access_key_id, parts[0], sizeof(a->access_key_id)) >=
       sizeof(a->access_key_id) ||
     ap_strlcpy(a->date8, parts[1], sizeof(a->date8)) >= sizeof(a->date8) ||
     ap_strlcpy(a->region, parts[2], sizeof(a->region)) >=
       sizeof(a->region) ||
     ap_strlcpy(a->service, parts[3], sizeof(a->service)) >=
       sizeof(a->service) ||
     !a->access_key_id[0])
    return -1;
  return 0;
}

void ap_sigv4_amz_date(long long t, char out[17])
{
  time_t tt = (time_t)t;
  struct tm tm;
  if(!gmtime_r(&tt, &tm) || !strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm))
    out[0] = '\0';
}

long long ap_sigv4_parse_amz_date(const char *d)
{
  struct tm tm;
  int i;
  if(!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
    return -1;
  for(i = 0; i < 15; i++)
    if(i != 8 && (d[i] < '0' || d[i] > '9'))
      return -1;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = (d[0] - '0') * 1000 + (d[1] - '0') * 100 +
               (d[2] - '0') * 10 + (d[3] - '0') - 1900;
  tm.tm_mon = (d[4] - '0') * 10 + (d[5] - '0') - 1;
  tm.tm_mday = (d[6] - '0') * 10 + (d[7] - '0');
  tm.tm_hour = (d[9] - '0') * 10 + (d[10] - '0');
  tm.tm_min = (d[11] - '0') * 10 + (d[12] - '0');
  tm.tm_sec = (d[13] - '0') * 10 + (d[14] - '0');
  if(tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
     tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return -1;
  return (long long)timegm(&tm);
}
