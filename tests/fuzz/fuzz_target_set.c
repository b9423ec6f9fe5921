/* fuzz_target_set.c -- the option table (plugin/target.c): the input is
 * NAME '=' VALUE lines; every line goes through ap_target_set() (any name,
 * any value), then ap_target_finish() judges the whole target.
 */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ap_target t;
  char *lines[16];
  char err[512];
  int i, n;
  char *buf = fz_strdup(data, size);
  if(!buf)
    return 0;
  ap_target_init(&t);
  n = fz_split(buf, '\n', lines, 16);
  for(i = 0; i < n; i++) {
    char *eq = strchr(lines[i], '=');
    if(!eq)
      continue;
    *eq = '\0';
    err[0] = '\0';
    if(ap_target_set(&t, lines[i], eq + 1, err, sizeof(err)) != AP_OK)
      fz_check_text(err, sizeof(err));
  }
  if(t.url)
    (void)ap_target_finish(&t, err, sizeof(err));
  ap_target_free(&t);
  free(buf);
  return 0;
}
