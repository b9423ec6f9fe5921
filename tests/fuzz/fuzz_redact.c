/* fuzz_redact.c -- what makes a text safe to print (common/secret.c,
 * common/strutil.c): the input is KEY '\n' TEXT; after ap_redact() no run
 * of AP_REDACT_RUN characters of the key remains (unless the mask itself
 * spells it); URL credentials masking and ap_text_copy never lengthen or
 * break the text.
 */
#include "fuzz.h"
#include "secret.h"
#include "strutil.h"

/* Does TEXT still hold a run of AP_REDACT_RUN characters of KEY (the
 * whole key when shorter), outside the masks? */
static int holds_run(const char *in, const struct ap_secret *key)
{
  char text[1024], *m;
  int sep = 1;
  size_t i;
  /* each mask becomes one byte the key does not hold: its letters can
   * neither spell the key nor join its neighbours into a run */
  while(sep < 256 && memchr(key->value, sep, key->len))
    sep++;
  if(sep == 256)
    return 0;
  memcpy(text, in, strlen(in) + 1);
  while((m = strstr(text, "[REDACTED]")) != NULL) {
    *m = (char)sep;
    memmove(m + 1, m + 10, strlen(m + 10) + 1);
  }
  if(key->len < AP_REDACT_RUN)
    return strstr(text, key->value) != NULL;
  for(i = 0; i + AP_REDACT_RUN <= key->len; i++) {
    if(memmem(text, strlen(text), key->value + i, AP_REDACT_RUN))
      return 1;
  }
  return 0;
}

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
    /* a key with stars could be spelt by the no-room fallback */
    if(key.len && !strchr(key.value, '*') && holds_run(text, &key))
      __builtin_trap();
    {
      size_t before = strlen(text);
      char clean[1024];
      ap_mask_userinfo(text);
      if(strlen(text) > before)
        __builtin_trap();
      ap_text_copy(clean, sizeof(clean), f[1], strlen(f[1]), 1);
      fz_check_printable(clean);
      ap_text_clean(text, sizeof(text), text);
      fz_check_printable(text);
    }
  }
  free(buf);
  return 0;
}
