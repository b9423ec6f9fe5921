/* fuzz_headers.c -- response headers (plugin/headers.c): the input is a
 * header block, fed line by line as libcurl would (status lines reset),
 * plus each value alone through the duration and retry-after parsers.
 */
#include "fuzz.h"
#include "internal.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ap_headers h;
  size_t pos = 0;
  char *all = fz_strdup(data, size);
  if(!all)
    return 0;
  ap_headers_init(&h);
  while(pos < size) {
    const uint8_t *nl = memchr(data + pos, '\n', size - pos);
    size_t n = nl ? (size_t)(nl - (data + pos)) + 1 : size - pos;
    ap_headers_feed(&h, (const char *)data + pos, n, 1.7e9);
    pos += n;
  }
  fz_check_text(h.request_id, sizeof(h.request_id));
  fz_check_text(h.content_type, sizeof(h.content_type));
  fz_check_text(h.server, sizeof(h.server));
  fz_check_text(h.location, sizeof(h.location));
  {
    double d = ap_parse_duration(all);
    double r = ap_parse_retry_after(all, 1.7e9);
    if(!(d == -1 || (d >= 0 && isfinite(d))))
      __builtin_trap();
    if(!(r == -1 || (r >= 0 && isfinite(r))))
      __builtin_trap();
  }
  free(all);
  return 0;
}
