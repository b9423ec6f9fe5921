/*
 * http.c - splits a request head in place into request line and headers.
 * Header names compare case-insensitively; values lose surrounding blanks.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

size_t http_head_end(const char *p, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    if (p[i] != '\n')
      continue;
    if (i + 1 < n && p[i + 1] == '\n')
      return i + 2;
    if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
      return i + 3;
  }
  return 0;
}

/* Cuts the line starting at *pos; returns it NUL-terminated without CRLF. */
static char *next_line(char *p, size_t end, size_t *pos)
{
  size_t start = *pos;
  size_t i = start;

  if (start >= end)
    return NULL;
  while (i < end && p[i] != '\n')
    i++;
  *pos = i < end ? i + 1 : end;
  if (i > start && p[i - 1] == '\r')
    i--;
  p[i] = '\0';
  return p + start;
}

static char *trim(char *s)
{
  size_t n;

  while (*s == ' ' || *s == '\t')
    s++;
  n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  return s;
}

static void add_header(struct request *r, const char *name, const char *val)
{
  if (!strcasecmp(name, "x-api-key")) {
    if (!r->api_key)
      r->api_key = val;
  } else if (!strcasecmp(name, "authorization")) {
    if (!r->authorization)
      r->authorization = val;
  } else if (!strcasecmp(name, "anthropic-version")) {
    size_t used = strlen(r->version);

    snprintf(r->version + used, sizeof(r->version) - used, "%s%s",
             r->nversion ? ", " : "", val);
    r->nversion++;
  } else if (!strcasecmp(name, "content-length")) {
    long v;

    if (parse_long(val, 0, 1L << 40, &v) == 0)
      r->content_length = v;
  } else if (!strcasecmp(name, "transfer-encoding")) {
    if (strstr(val, "chunked"))
      r->chunked = 1;
  }
}

int http_parse_request(struct request *r)
{
  size_t pos = 0;
  char *line;
  char *sp;
  char *name;

  r->method = NULL;
  r->target = NULL;
  r->api_key = NULL;
  r->authorization = NULL;
  r->version[0] = '\0';
  r->nversion = 0;
  r->content_length = -1;
  r->chunked = 0;

  line = next_line(r->raw, r->head_len, &pos);
  if (!line)
    return -1;
  sp = strchr(line, ' ');
  if (!sp || sp == line)
    return -1;
  *sp = '\0';
  r->method = line;
  r->target = sp + 1;
  sp = strchr(sp + 1, ' ');
  if (!sp || sp == r->target)
    return -1;
  *sp = '\0';
  if (strncmp(sp + 1, "HTTP/1.", 7))
    return -1;

  for (;;) {
    char *colon;

    line = next_line(r->raw, r->head_len, &pos);
    if (!line || !*line)
      break;
    colon = strchr(line, ':');
    if (!colon)
      continue;
    *colon = '\0';
    name = trim(line);
    add_header(r, name, trim(colon + 1));
  }
  return 0;
}
