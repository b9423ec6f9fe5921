/* thresholds.c -- Nagios range syntax ([@]start:end, ~ for -infinity) and
 * the judging of a result's metrics by warning/critical ranges, shared by
 * every face that turns numbers into states. Parsing is strict: a range
 * with junk is an error naming it, never a silent 0.
 */
#include "internal.h"
#include "strutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int ap_state_parse(const char *s, enum ap_state *out)
{
  static const enum ap_state states[] = {AP_STATE_OK, AP_STATE_WARNING,
                                         AP_STATE_CRITICAL, AP_STATE_UNKNOWN};
  size_t i;
  for(i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
    if(!strcasecmp(s, ap_state_name(states[i]))) {
      *out = states[i];
      return 0;
    }
  }
  return -1;
}

static int range_num(const char *s, double *out)
{
  return ap_parse_double(s, -1e300, 1e300, out);
}

enum ap_code ap_range_parse(const char *s, struct ap_range *r, char *err,
                            size_t errlen)
{
  char buf[48];
  char *colon;
  const char *p = s;
  struct ap_range v;

  memset(&v, 0, sizeof(v));
  if(!s || !*s || strlen(s) >= sizeof(buf)) {
    snprintf(err, errlen, "range '%s' is empty or too long", s ? s : "");
    return AP_E_ARG;
  }
  ap_strlcpy(v.text, s, sizeof(v.text));
  if(*p == '@') {
    v.inside = 1;
    p++;
  }
  ap_strlcpy(buf, p, sizeof(buf));
  colon = strchr(buf, ':');
  v.start = 0;
  v.end = INFINITY;
  if(colon) {
    if(colon == buf && !colon[1])
      goto bad; /* ":" alone */
    *colon = '\0';
    if(!strcmp(buf, "~"))
      v.start = -INFINITY;
    else if(*buf && range_num(buf, &v.start))
      goto bad;
    if(colon[1] && range_num(colon + 1, &v.end))
      goto bad;
  } else if(range_num(buf, &v.end)) {
    goto bad;
  }
  if(v.start > v.end) {
    snprintf(err, errlen, "range '%s': start is above end", s);
    return AP_E_ARG;
  }
  v.set = 1;
  *r = v;
  return AP_OK;
bad:
  snprintf(err, errlen,
           "range '%s' is not Nagios range syntax ([@]START:END, ~ for "
           "-infinity)",
           s);
  return AP_E_ARG;
}

int ap_range_alert(const struct ap_range *r, double v)
{
  int outside;
  if(!r->set || isnan(v))
    return 0;
  outside = v < r->start || v > r->end;
  return r->inside ? !outside : outside;
}

void ap_thresholds_init(struct ap_thresholds *th, const struct ap_target *t)
{
  char err[128];
  char buf[32];
  int i;
  memset(th, 0, sizeof(*th));
  th->rate_limited_state = AP_STATE_WARNING;
  th->overloaded_state = AP_STATE_WARNING;
  if(!t)
    return;
  /* the leaf and the earliest-expiring certificate, so graphs of either
   * show the lines the verdict uses */
  for(i = ap_metric_find("cert_days_left");
      i <= ap_metric_find("chain_min_days_left"); i++) {
    snprintf(buf, sizeof(buf), "%g:", t->cert_warn_days);
    ap_range_parse(buf, &th->warn[i], err, sizeof(err));
    snprintf(buf, sizeof(buf), "%g:", t->cert_crit_days);
    ap_range_parse(buf, &th->crit[i], err, sizeof(err));
  }
}

enum ap_code ap_thresholds_set(struct ap_thresholds *th, int crit,
                               const char *spec, char *err, size_t errlen)
{
  char name[64];
  const char *eq = strchr(spec, '=');
  const char *opt = crit ? "--crit" : "--warn";
  int i;
  char rerr[160];
  if(!eq || (size_t)(eq - spec) >= sizeof(name)) {
    snprintf(err, errlen, "%s: '%s' is not METRIC=RANGE", opt, spec);
    return AP_E_ARG;
  }
  memcpy(name, spec, (size_t)(eq - spec));
  name[eq - spec] = '\0';
  i = ap_metric_find(name);
  if(i < 0) {
    snprintf(err, errlen, "%s: unknown metric '%s' (see --help)", opt, name);
    return AP_E_ARG;
  }
  if(ap_range_parse(eq + 1, crit ? &th->crit[i] : &th->warn[i], rerr,
                    sizeof(rerr))) {
    snprintf(err, errlen, "%s %s: %s", opt, name, rerr);
    return AP_E_ARG;
  }
  return AP_OK;
}

static void judge_metric(const struct ap_thresholds *th, struct ap_result *r,
                         size_t i)
{
  const struct ap_metric *m = ap_metric_get(i);
  double v = ap_metric_value(r, i);
  struct ap_layer_head *h = ap_result_layer_mut(r, m->layer);
  enum ap_state st = AP_STATE_OK;
  const struct ap_range *hit = NULL;
  char reason[AP_TEXT];
  if(isnan(v))
    return;
  if(ap_range_alert(&th->crit[i], v)) {
    st = AP_STATE_CRITICAL;
    hit = &th->crit[i];
  } else if(ap_range_alert(&th->warn[i], v)) {
    st = AP_STATE_WARNING;
    hit = &th->warn[i];
  }
  if(!hit || ap_state_rank(st) <= ap_state_rank(h->state) ||
     h->state == AP_STATE_SKIPPED || h->state == AP_STATE_NA)
    return;
  snprintf(reason, sizeof(reason), "%s %g%s is outside the %s range %s",
           m->name, v, m->uom, st == AP_STATE_CRITICAL ? "critical" : "warning",
           hit->text);
  ap_head_set(h, st, AP_ERR_THRESHOLD, reason);
}

void ap_target_use_thresholds(struct ap_target *t,
                              const struct ap_thresholds *th)
{
  t->thresholds = th;
}

void ap_thresholds_judge(const struct ap_thresholds *th, struct ap_result *r)
{
  size_t i;
  struct ap_layer_head *a = &r->auth.h;
  if(a->error == AP_ERR_AUTH_RATE_LIMITED)
    ap_head_set(a, th->rate_limited_state, a->error, NULL);
  else if(a->error == AP_ERR_AUTH_OVERLOADED)
    ap_head_set(a, th->overloaded_state, a->error, NULL);
  for(i = 0; ap_metric_get(i); i++)
    judge_metric(th, r, i);
}
