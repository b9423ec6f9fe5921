/*
 * util.h - small helpers for the fake API server: a growable byte buffer,
 * HTTP and RFC 3339 time formatting, random identifiers and strict number
 * parsing.  Out of memory is fatal here: this is a test tool, not a library.
 */
#ifndef FAKEAPI_UTIL_H
#define FAKEAPI_UTIL_H

#include <stddef.h>
#include <time.h>

/* A growable byte buffer, always NUL-terminated after len bytes. */
struct buf {
  char *p;
  size_t len;
  size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_str(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string. */
void buf_json_str(struct buf *b, const char *s);

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
void fmt_http_date(char *out, size_t n, time_t t);
/* "1994-11-06T08:49:37Z" */
void fmt_rfc3339(char *out, size_t n, time_t t);

void rand_fill(void *p, size_t n);
/* Writes n random base58 characters plus a NUL: out holds n + 1 bytes. */
void rand_base58(char *out, size_t n);
/* Writes n random lowercase hex digits plus a NUL. */
void rand_hex(char *out, size_t n);
/* Writes a random version 4 UUID: out holds at least 37 bytes. */
void rand_uuid(char *out, size_t n);
/* A random integer in [lo, hi]. */
long rand_range(long lo, long hi);

/* Parses all of s as a decimal long in [lo, hi]; returns 0 or -1. */
int parse_long(const char *s, long lo, long hi, long *out);

#endif
