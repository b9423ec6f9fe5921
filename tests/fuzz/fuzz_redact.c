/* fuzz_redact.c -- redaction (common/secret.c): the input is KEY '\n'
 * TEXT; after ap_redact() the key must not appear in the text. */
#include "fuzz.h"
#include "secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ap_secret key;
  char text[1024];
  char *buf = fz_strdup(data, size);
  char *f[2];
  if(!buf)
    return 0;
  if(fz_split(buf, '\n', f, 2) == 2 && strlen(f[1]) < sizeof(text)) {
    key.value = f[0];
    key.len = strlen(f[0]);
    memcpy(text, f[1], strlen(f[1]) + 1);
    ap_redact(text, sizeof(text), key.len ? &key : NULL);
    fz_check_text(text, sizeof(text));
    if(key.len >= 16 && strstr(text, key.value))
      __builtin_trap();
  }
  free(buf);
  return 0;
}
