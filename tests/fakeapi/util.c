/*
 * util.c - buffer, time and random helpers for the fake API server.
 * Randomness comes from OpenSSL's RAND_bytes, which is thread-safe.
 */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

static void die_oom(void)
{
  fputs("fakeapi: out of memory\n", stderr);
  abort();
}

void buf_init(struct buf *b)
{
  b->p = NULL;
  b->len = 0;
  b->cap = 0;
}

void buf_free(struct buf *b)
{
  free(b->p);
  buf_init(b);
}

static void buf_reserve(struct buf *b, size_t extra)
{
  size_t need = b->len + extra + 1;
  size_t cap = b->cap ? b->cap : 256;
  char *p;

  if (need <= b->cap)
    return;
  while (cap < need)
    cap *= 2;
  p = realloc(b->p, cap);
  if (!p)
    die_oom();
  b->p = p;
  b->cap = cap;
}

void buf_add(struct buf *b, const void *data, size_t n)
{
  buf_reserve(b, n);
  if (n)
    memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void buf_str(struct buf *b, const char *s)
{
  buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  buf_reserve(b, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void buf_json_str(struct buf *b, const char *s)
{
  const unsigned char *u = (const unsigned char *)s;

  buf_add(b, "\"", 1);
  for (; *u; u++) {
    if (*u == '"' || *u == '\\') {
      char esc[2] = { '\\', (char)*u };
      buf_add(b, esc, 2);
    } else if (*u < 0x20) {
      buf_printf(b, "\\u%04x", (unsigned)*u);
    } else {
      buf_add(b, u, 1);
    }
  }
  buf_add(b, "\"", 1);
}

void fmt_http_date(char *out, size_t n, time_t t)
{
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void fmt_rfc3339(char *out, size_t n, time_t t)
{
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rand_fill(void *p, size_t n)
{
  if (RAND_bytes(p, (int)n) != 1) {
    fputs("fakeapi: RAND_bytes failed\n", stderr);
    abort();
  }
}

void rand_base58(char *out, size_t n)
{
  static const char alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  size_t i = 0;

  while (i < n) {
    unsigned char r[32];
    size_t j;

    rand_fill(r, sizeof(r));
    for (j = 0; j < sizeof(r) && i < n; j++) {
      /* 232 = 4 * 58: reject the tail so every letter is equally likely */
      if (r[j] < 232)
        out[i++] = alphabet[r[j] % 58];
    }
  }
  out[n] = '\0';
}

void rand_hex(char *out, size_t n)
{
  static const char digits[] = "0123456789abcdef";
  size_t i;

  for (i = 0; i < n; i++) {
    unsigned char r;

    rand_fill(&r, 1);
    out[i] = digits[r & 0x0f];
  }
  out[n] = '\0';
}

void rand_uuid(char *out, size_t n)
{
  unsigned char u[16];

  rand_fill(u, sizeof(u));
  u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
  u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
  snprintf(out, n,
           "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
           "%02x%02x%02x%02x%02x%02x",
           u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
           u[10], u[11], u[12], u[13], u[14], u[15]);
}

long rand_range(long lo, long hi)
{
  unsigned long r;

  rand_fill(&r, sizeof(r));
  return lo + (long)(r % (unsigned long)(hi - lo + 1));
}

int parse_long(const char *s, long lo, long hi, long *out)
{
  char *end = NULL;
  long v;

  if (!s || !*s)
    return -1;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || !end || *end || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}
