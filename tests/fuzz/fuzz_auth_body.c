/* fuzz_auth_body.c -- the API's answer (plugin/auth.c): byte 0 picks the
 * provider and flags, bytes 1-2 the status, the rest is the body (an
 * error envelope of any provider, or anything else).
 */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const long statuses[] = {200, 400, 401, 402, 403, 404, 408,
                                  409, 413, 429, 500, 502, 503, 504, 529};
  struct ap_answer a;
  struct ap_auth_result auth;
  char *body;
  if(size < 3)
    return 0;
  memset(&a, 0, sizeof(a));
  memset(&auth, 0, sizeof(auth));
  a.provider = data[0] % 3;
  a.has_request_id = (data[0] >> 2) & 1;
  a.key_sent = (data[0] >> 3) & 1;
  a.content_type = (data[0] >> 4) & 1 ? "application/json" : "text/html";
  a.status = (data[1] & 0x80) ? 100 + (long)data[2] * 2
                              : statuses[data[2] % 15];
  body = fz_strdup(data + 3, size - 3);
  if(!body)
    return 0;
  a.body = body;
  a.body_len = size - 3;
  (void)ap_auth_classify(&a, &auth);
  fz_check_text(auth.h.reason, sizeof(auth.h.reason));
  fz_check_text(auth.error_type, sizeof(auth.error_type));
  fz_check_text(auth.error_code, sizeof(auth.error_code));
  fz_check_printable(auth.h.reason);
  fz_check_printable(auth.error_type);
  fz_check_printable(auth.error_code);
  free(body);
  return 0;
}
