/* fuzz_range.c -- Nagios range syntax (plugin/thresholds.c) and the
 * threshold setter (--warn METRIC=RANGE) with any text. */
#include "fuzz.h"
#include "internal.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ap_range r;
  char err[256];
  char *s = fz_strdup(data, size);
  if(!s)
    return 0;
  memset(&r, 0, sizeof(r));
  if(ap_range_parse(s, &r, err, sizeof(err)) == AP_OK) {
    (void)ap_range_alert(&r, 0);
    (void)ap_range_alert(&r, -1e300);
    (void)ap_range_alert(&r, NAN);
    fz_check_text(r.text, sizeof(r.text));
  } else {
    fz_check_text(err, sizeof(err));
  }
  {
    struct ap_thresholds th;
    struct ap_target t;
    ap_target_init(&t);
    ap_thresholds_init(&th, &t);
    (void)ap_thresholds_set(&th, size && (data[0] & 1), s, err, sizeof(err));
    ap_target_free(&t);
  }
  free(s);
  return 0;
}
