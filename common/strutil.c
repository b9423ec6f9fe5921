/* strutil.c -- strict string helpers (see strutil.h). Parsing uses
 * strtod/strtol with end-pointer, errno and range checks: no atoi.
 */
#include "strutil.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t ap_strlcpy(char *dst, const char *src, size_t dstlen)
{
  size_t n = strlen(src);
  if(dstlen) {
    size_t c = n < dstlen - 1 ? n : dstlen - 1;
    memcpy(dst, src, c);
    dst[c] = '\0';
  }
  return n;
}

/* The "C" locale, made once per process (never freed: a locale_t is
 * small and may be in use by any thread until exit). */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t c_locale_get(void)
{
  pthread_once(&c_locale_once, c_locale_init);
  return c_locale;
}

void *ap_locale_c_enter(void)
{
  locale_t c = c_locale_get();
  return c ? (void *)uselocale(c) : NULL;
}

void ap_locale_leave(void *old)
{
  if(old)
    uselocale((locale_t)old);
}

int ap_parse_double(const char *s, double min, double max, double *out)
{
  char *end = NULL;
  double v;
  if(!s || !*s || isspace((unsigned char)*s) || strpbrk(s, "xXpP"))
    return -1; /* decimal only: no hex floats */
  errno = 0;
  v = c_locale_get() ? strtod_l(s, &end, c_locale_get()) : strtod(s, &end);
  if(errno || end == s || *end || !isfinite(v) || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

int ap_parse_long(const char *s, long min, long max, long *out)
{
  char *end = NULL;
  long v;
  if(!s || !*s || isspace((unsigned char)*s))
    return -1;
  errno = 0;
  v = strtol(s, &end, 10);
  if(errno || end == s || *end || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

int ap_parse_bool(const char *s, int *out)
{
  static const char *const yes[] = {"", "1", "true", "yes", "on"};
  static const char *const no[] = {"0", "false", "no", "off"};
  size_t i;
  if(!s)
    return -1;
  for(i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
    if(!strcasecmp(s, yes[i])) {
      *out = 1;
      return 0;
    }
  }
  for(i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
    if(!strcasecmp(s, no[i])) {
      *out = 0;
      return 0;
    }
  }
  return -1;
}

static int optchar(int c)
{
  if(c == '_')
    return '-';
  return tolower(c);
}

int ap_optname_eq(const char *a, const char *b)
{
  while(*a && *b) {
    if(optchar((unsigned char)*a) != optchar((unsigned char)*b))
      return 0;
    a++;
    b++;
  }
  return *a == *b;
}

char *ap_trim(char *s)
{
  size_t n = strlen(s);
  size_t start = 0;
  while(n && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  while(start < n && isspace((unsigned char)s[start]))
    start++;
  if(start)
    memmove(s, s + start, n - start + 1);
  return s;
}

int ap_has_ctl(const char *s)
{
  for(; *s; s++) {
    if(iscntrl((unsigned char)*s))
      return 1;
  }
  return 0;
}

/* Length (1-4) of the valid UTF-8 sequence at P (N bytes left), 0 when
 * invalid: overlong forms, surrogates and code points past U+10FFFF are
 * invalid. *PCP gets the code point. */
static size_t utf8_seq(const unsigned char *p, size_t n, unsigned long *pcp)
{
  unsigned long cp;
  size_t len, i;
  if(p[0] < 0x80) {
    *pcp = p[0];
    return 1;
  }
  if(p[0] >= 0xc2 && p[0] <= 0xdf) {
    len = 2;
    cp = p[0] & 0x1fu;
  } else if(p[0] >= 0xe0 && p[0] <= 0xef) {
    len = 3;
    cp = p[0] & 0x0fu;
  } else if(p[0] >= 0xf0 && p[0] <= 0xf4) {
    len = 4;
    cp = p[0] & 0x07u;
  } else {
    return 0;
  }
  if(n < len)
    return 0;
  for(i = 1; i < len; i++) {
    if((p[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3fu);
  }
  if((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
     (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return 0;
  *pcp = cp;
  return len;
}

size_t ap_text_copy(char *dst, size_t dstlen, const char *src, size_t len,
                    int escape_nul)
{
  const unsigned char *p = (const unsigned char *)src;
  size_t r = 0, w = 0;
  if(!dstlen)
    return 0;
  while(r < len) {
    unsigned long cp = 0;
    size_t n = utf8_seq(p + r, len - r, &cp);
    const char *rep = NULL;
    size_t outn;
    if(!n) {
      rep = "?"; /* one byte of an invalid sequence */
      n = 1;
    } else if(cp == 0) {
      rep = escape_nul ? "\\0" : "?";
    } else if(cp == '\t' || cp == '\r' || cp == '\n') {
      rep = " ";
    } else if(cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
      rep = "?";
    }
    outn = rep ? strlen(rep) : n;
    if(w + outn > dstlen - 1)
      break; /* cut here: a whole character or nothing */
    if(rep)
      memcpy(dst + w, rep, outn);
    else
      memmove(dst + w, p + r, n);
    w += outn;
    r += n;
  }
  dst[w] = '\0';
  return w;
}

void ap_text_clean(char *dst, size_t n, const char *src)
{
  if(src)
    ap_text_copy(dst, n, src, strlen(src), 0);
  else if(n)
    dst[0] = '\0';
}

/* Does C end a URL's authority: in running text (TEXT) also a quote,
 * a bracket or a space; in one URL only its path, query or fragment? */
static int authority_end(int c, int text)
{
  if(!c || c == '/' || c == '?' || c == '#')
    return 1;
  return text && (c == '\'' || c == '"' || c == '<' || c == '>' ||
                  c == '`' || isspace(c) || iscntrl(c));
}

static void mask_userinfo(char *text, int running)
{
  char *p = text;
  while(p && (p = strstr(p, "://")) != NULL) {
    char *start = p + 3, *at = NULL, *q;
    size_t n, m;
    for(q = start; !authority_end((unsigned char)*q, running); q++) {
      if(*q == '@')
        at = q; /* the last '@' ends the user info (as curl parses) */
    }
    if(!at || at == start) {
      p = start;
      continue;
    }
    n = (size_t)(at - start);
    m = n < 3 ? n : 3;
    memset(start, '*', m);
    memmove(start + m, at, strlen(at) + 1);
    p = start + m + 1;
  }
}

void ap_mask_userinfo(char *text)
{
  mask_userinfo(text, 1);
}

void ap_mask_url_userinfo(char *url)
{
  mask_userinfo(url, 0);
}

size_t ap_buf_append(char **pbuf, size_t *plen, size_t max, int *pcapped,
                     const char *p, size_t n)
{
  char *b;
  if(n > max || *plen > max - n) {
    *pcapped = 1;
    return 0;
  }
  b = realloc(*pbuf, *plen + n + 1);
  if(!b)
    return 0;
  *pbuf = b;
  memcpy(b + *plen, p, n);
  *plen += n;
  b[*plen] = '\0';
  return n;
}
