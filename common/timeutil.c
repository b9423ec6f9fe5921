/* timeutil.c -- clocks and strict date parsing (see timeutil.h). Dates are
 * parsed by hand and converted with timegm(): no strptime locale surprises.
 */
#include "timeutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

double ap_mono_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double ap_wall_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read exactly N digits at *P into *OUT and advance. */
static int digits(const char **p, int n, int *out)
{
  int v = 0;
  int i;
  for(i = 0; i < n; i++) {
    if(!isdigit((unsigned char)(*p)[i]))
      return -1;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return 0;
}

static int expect(const char **p, char c)
{
  if(**p != c)
    return -1;
  (*p)++;
  return 0;
}

/* timegm() rolls 31 Feb into March: check the day against the month. */
static int tm_valid(const struct tm *tm)
{
  static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
  int y = tm->tm_year + 1900;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int maxd;
  if(tm->tm_mon < 0 || tm->tm_mon > 11)
    return 0;
  maxd = mdays[tm->tm_mon] + (tm->tm_mon == 1 && leap);
  return tm->tm_mday >= 1 && tm->tm_mday <= maxd && tm->tm_hour <= 23 &&
         tm->tm_min <= 59 && tm->tm_sec <= 60;
}

int ap_parse_rfc3339(const char *s, double *out)
{
  struct tm tm;
  const char *p = s;
  double frac = 0;
  int y, mo, d, oh = 0, om = 0, sign = 0;
  time_t t;

  memset(&tm, 0, sizeof(tm));
  if(!s || digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) ||
     expect(&p, '-') || digits(&p, 2, &d))
    return -1;
  if(*p != 'T' && *p != 't' && *p != ' ')
    return -1;
  p++;
  if(digits(&p, 2, &tm.tm_hour) || expect(&p, ':') ||
     digits(&p, 2, &tm.tm_min) || expect(&p, ':') ||
     digits(&p, 2, &tm.tm_sec))
    return -1;
  if(*p == '.') {
    double scale = 0.1;
    p++;
    if(!isdigit((unsigned char)*p))
      return -1;
    while(isdigit((unsigned char)*p)) {
      frac += (*p - '0') * scale;
      scale /= 10;
      p++;
    }
  }
  if(*p == 'Z' || *p == 'z') {
    p++;
  } else if(*p == '+' || *p == '-') {
    sign = *p == '-' ? -1 : 1;
    p++;
    if(digits(&p, 2, &oh) || expect(&p, ':') || digits(&p, 2, &om))
      return -1;
  } else {
    return -1;
  }
  if(*p)
    return -1;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  if(!tm_valid(&tm))
    return -1;
  t = timegm(&tm);
  if(t == (time_t)-1)
    return -1;
  *out = (double)t + frac - sign * (oh * 3600.0 + om * 60.0);
  return 0;
}

int ap_parse_http_date(const char *s, double *out)
{
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                     "May", "Jun", "Jul", "Aug",
                                     "Sep", "Oct", "Nov", "Dec"};
  struct tm tm;
  const char *p = s;
  int y, i;
  time_t t;

  memset(&tm, 0, sizeof(tm));
  if(!s)
    return -1;
  /* weekday name, ignored but required */
  while(isalpha((unsigned char)*p))
    p++;
  if(expect(&p, ',') || expect(&p, ' ') || digits(&p, 2, &tm.tm_mday) ||
     expect(&p, ' '))
    return -1;
  tm.tm_mon = -1;
  for(i = 0; i < 12; i++) {
    if(!strncmp(p, months[i], 3)) {
      tm.tm_mon = i;
      break;
    }
  }
  if(tm.tm_mon < 0)
    return -1;
  p += 3;
  if(expect(&p, ' ') || digits(&p, 4, &y) || expect(&p, ' ') ||
     digits(&p, 2, &tm.tm_hour) || expect(&p, ':') ||
     digits(&p, 2, &tm.tm_min) || expect(&p, ':') ||
     digits(&p, 2, &tm.tm_sec) || expect(&p, ' ') || strcmp(p, "GMT"))
    return -1;
  tm.tm_year = y - 1900;
  if(!tm_valid(&tm))
    return -1;
  t = timegm(&tm);
  if(t == (time_t)-1)
    return -1;
  *out = (double)t;
  return 0;
}
