/* render_perfdata.c -- the metrics as Nagios plugin performance data
 * (monitoring-plugins' guidelines: 'label'=value[UOM];[warn];[crit];[min];
 * [max]), one item per row of the metric table in the table's order, "U"
 * for a value that was not measured, and the thresholds' ranges as given.
 */
#include "internal.h"
#include "strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Threshold text for perfdata: the range as given, "" when unset. */
static const char *perf_range(const struct ap_thresholds *th, int crit,
                              size_t i)
{
  const struct ap_range *r;
  if(!th)
    return "";
  r = crit ? &th->crit[i] : &th->warn[i];
  return r->set ? r->text : "";
}

/* The room row M takes at most, separator and NUL included. */
static size_t row_room(const struct ap_metric *m)
{
  return strlen(m->name) + strlen(m->uom) + 3 * 48 +
         2 * sizeof(((struct ap_range *)0)->text) + 8;
}

static enum ap_code render_c(const struct ap_result *r,
                             const struct ap_thresholds *th, char **pout)
{
  const struct ap_metric *m;
  size_t i, cap = 1, len = 0;
  char *s;
  *pout = NULL;
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++)
    cap += row_room(m);
  s = malloc(cap);
  if(!s)
    return AP_E_NOMEM;
  s[0] = '\0';
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    char v[48], mn[48], mx[48];
    /* [-0-9.] only, trailing zeros trimmed; "" for NAN */
    ap_num_fixed(v, sizeof(v), ap_metric_value(r, i), 6);
    ap_num_fixed(mn, sizeof(mn), m->min, 6);
    ap_num_fixed(mx, sizeof(mx), m->max, 6);
    /* within cap: each part is bounded by row_room */
    len += (size_t)snprintf(s + len, cap - len, "%s%s=%s%s;%s;%s;%s;%s",
                            i ? " " : "", m->name, v[0] ? v : "U",
                            v[0] ? m->uom : "", perf_range(th, 0, i),
                            perf_range(th, 1, i), mn, mx);
  }
  *pout = s; /* the caller frees */
  return AP_OK;
}

/* Numbers with '.' whatever the host's LC_NUMERIC. */
enum ap_code ap_render_perfdata(const struct ap_result *r,
                                const struct ap_thresholds *th, char **pout)
{
  void *old = ap_locale_c_enter();
  enum ap_code rc = render_c(r, th, pout);
  ap_locale_leave(old);
  return rc;
}
