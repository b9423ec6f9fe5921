/*
 * http.h - parsing of one HTTP/1.1 request head as the fake API receives it.
 * Only what the fake needs is extracted: method, target and the headers the
 * API checks (x-api-key, authorization, anthropic-version, body framing).
 */
#ifndef FAKEAPI_HTTP_H
#define FAKEAPI_HTTP_H

#include <stddef.h>

/* Largest request head accepted (request line plus headers). */
#define HTTP_HEAD_MAX 16384

struct request {
  char raw[HTTP_HEAD_MAX + 1]; /* what was read; the head is split in place */
  size_t len;                  /* bytes in raw */
  size_t head_len;             /* bytes of the head, blank line included */
  const char *method;
  const char *target;          /* request target, query included */
  const char *api_key;         /* first x-api-key value, NULL if absent */
  const char *authorization;   /* first authorization value, or NULL */
  char version[256];           /* anthropic-version values joined by ", " */
  int nversion;                /* how many anthropic-version headers */
  long content_length;         /* -1 when absent or unparsable */
  int chunked;                 /* transfer-encoding: chunked */
  char body[4096];             /* the body's first bytes (generation
                                  requests are read for model, stream and
                                  max_tokens), NUL-terminated */
  size_t body_len;
};

/*
 * Looks for the end of the head (a blank line) in the first n bytes of p.
 * Returns the head length including the blank line, or 0 if not complete.
 */
size_t http_head_end(const char *p, size_t n);

/*
 * Parses r->raw[0 .. r->head_len) in place and fills the other fields.
 * Returns 0, or -1 for a malformed request line.
 */
int http_parse_request(struct request *r);

#endif
