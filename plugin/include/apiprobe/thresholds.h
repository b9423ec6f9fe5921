/* apiprobe/thresholds.h -- Nagios range thresholds on the metrics
 * (plugin/thresholds.c): parsed strictly, judged into the layers and the
 * verdict. Faces include apiprobe.h, the umbrella over this header. */
#ifndef APIPROBE_THRESHOLDS_H
#define APIPROBE_THRESHOLDS_H

#include "apiprobe/result.h"
#include "apiprobe/target.h"

#define AP_METRIC_MAX 32

/* [@]start:end, "~" for -infinity, end omitted for +infinity; alerts when
 * the value is outside [start, end] (inside with '@'). */
struct ap_range {
  int set;
  int inside;
  double start, end;    /* -INFINITY / INFINITY when open */
  char text[48];        /* as given, for perfdata */
};
/* Parse S strictly into R. AP_E_ARG with ERR on any junk. */
enum ap_code ap_range_parse(const char *s, struct ap_range *r, char *err,
                            size_t errlen);
/* Does V raise an alert under R? 0 when R is not set or V is NAN. */
int ap_range_alert(const struct ap_range *r, double v);

struct ap_thresholds {
  struct ap_range warn[AP_METRIC_MAX];
  struct ap_range crit[AP_METRIC_MAX];
  enum ap_state rate_limited_state; /* default warning */
  enum ap_state overloaded_state;   /* default warning */
};
/* Defaults: certificate days from T (warn below --cert-warn-days, critical
 * below --cert-crit-days), rate-limited and overloaded are warnings. */
void ap_thresholds_init(struct ap_thresholds *th, const struct ap_target *t);
/* Set a range from "METRIC=RANGE" (CRIT: critical, else warning). */
enum ap_code ap_thresholds_set(struct ap_thresholds *th, int crit,
                               const char *spec, char *err, size_t errlen);
/* Have every probe of T judged by TH: the metrics, and the states of a
 * rate-limited or overloaded auth layer, as the probe's last judge, before
 * its verdict. TH is borrowed: it must outlive T's probes; NULL stops
 * judging. */
void ap_target_use_thresholds(struct ap_target *t,
                              const struct ap_thresholds *th);

#endif
