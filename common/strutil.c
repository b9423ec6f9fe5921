/* strutil.c -- strict string helpers (see strutil.h). Parsing uses
 * strtod/strtol with end-pointer, errno and range checks: no atoi.
 */
#include "strutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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

int ap_parse_double(const char *s, double min, double max, double *out)
{
  char *end = NULL;
  double v;
  if(!s || !*s || isspace((unsigned char)*s) || strpbrk(s, "xXpP"))
    return -1; /* decimal only: no hex floats */
  errno = 0;
  v = strtod(s, &end);
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
