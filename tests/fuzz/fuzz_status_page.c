/* fuzz_status_page.c -- a Statuspage summary.json (plugin/statuspage.c). */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ap_statuspage_result s;
  memset(&s, 0, sizeof(s));
  ap_statuspage_parse((const char *)data, size, &s);
  fz_check_text(s.indicator, sizeof(s.indicator));
  fz_check_text(s.description, sizeof(s.description));
  fz_check_text(s.component_status, sizeof(s.component_status));
  fz_check_text(s.reason, sizeof(s.reason));
  fz_check_printable(s.indicator);
  fz_check_printable(s.description);
  fz_check_printable(s.component_status);
  fz_check_printable(s.reason);
  return 0;
}
