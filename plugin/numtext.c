/* numtext.c -- numbers as text for every face and renderer: fixed decimals
 * with the trailing zeros trimmed (perfdata, JSON, option values a face
 * writes into a target) or %g-style, always with '.' as the decimal point
 * whatever LC_NUMERIC a host daemon set (the C locale is entered for the
 * call only, on the calling thread).
 */
#include "internal.h"
#include "strutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

size_t ap_num_fixed(char *out, size_t n, double v, int decimals)
{
  void *loc;
  size_t len;
  if(!n)
    return 0;
  out[0] = '\0';
  if(isnan(v) || isinf(v))
    return 0;
  loc = ap_locale_c_enter();
  snprintf(out, n, "%.*f", decimals < 0 ? 0 : decimals, v);
  ap_locale_leave(loc);
  len = strlen(out);
  if(strchr(out, '.')) {
    while(len > 1 && out[len - 1] == '0')
      out[--len] = '\0';
    if(len && out[len - 1] == '.')
      out[--len] = '\0';
  }
  if(!strcmp(out, "-0")) {
    snprintf(out, n, "0");
    len = 1;
  }
  return len;
}

size_t ap_num_general(char *out, size_t n, double v, int digits)
{
  void *loc;
  if(!n)
    return 0;
  loc = ap_locale_c_enter();
  snprintf(out, n, "%.*g", digits < 1 ? 1 : digits, v);
  ap_locale_leave(loc);
  return strlen(out);
}
