/* fit.c -- a probe fitted under its host's time limit. Each host bounds a
 * probe its own way (Nagios's -t is the scheduler's limit too, collectd
 * never interrupts a read but the next one is due an Interval later, the
 * Zabbix agent does not cut a module off at its Timeout); the faces say
 * how with a struct ap_fit, and this file does the arithmetic and sets
 * the target through ap_target_set() like any option.
 */
#include "internal.h"

#include <stdio.h>

enum ap_code ap_target_fit_timeout(struct ap_target *t, const struct ap_fit *f,
                                   char *err, size_t errlen)
{
  double margin = f->margin_frac * f->limit_s;
  double cap;
  char v[64], l[64];
  enum ap_code rc;

  if(f->margin_max_s > 0 && margin > f->margin_max_s)
    margin = f->margin_max_s;
  if(f->refuse) {
    if(t->timeout_s >= f->limit_s) {
      ap_num_general(v, sizeof(v), t->timeout_s, 6);
      ap_num_general(l, sizeof(l), f->limit_s, 6);
      snprintf(err, errlen, "--timeout %s must stay below the host's limit "
                            "%s", v, l);
      return AP_E_CONFIG;
    }
  } else {
    cap = f->limit_s - margin;
    if(cap < f->floor_s)
      cap = f->floor_s;
    if(t->timeout_s > cap) {
      ap_num_fixed(v, sizeof(v), cap, 3);
      rc = ap_target_set(t, "timeout", v, err, errlen);
      if(rc)
        return rc;
    }
  }
  if(t->connect_timeout_s > t->timeout_s) {
    /* 17 digits: the very same double */
    ap_num_general(v, sizeof(v), t->timeout_s, 17);
    rc = ap_target_set(t, "connect-timeout", v, err, errlen);
    if(rc)
      return rc;
  }
  return AP_OK;
}
