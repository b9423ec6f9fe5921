/* fuzz.h -- what the libFuzzer targets of tests/fuzz share: the entry
 * point's prototype, splitting an input into NUL-terminated fields, and
 * a check that a text the core produced is safe to print. Header-only:
 * each target is one file plus this.
 */
#ifndef AP_FUZZ_H
#define AP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copy DATA[0..SIZE) into a new NUL-terminated buffer (caller frees);
 * NULL when out of memory. */
static inline char *fz_strdup(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  if(s) {
    memcpy(s, data, size);
    s[size] = '\0';
  }
  return s;
}

/* Split BUF (NUL-terminated, modified) at every SEP into at most MAX
 * fields; returns how many. */
static inline int fz_split(char *buf, char sep, char **fields, int max)
{
  int n = 0;
  char *p = buf;
  while(n < max) {
    char *e = strchr(p, sep);
    fields[n++] = p;
    if(!e)
      break;
    *e = '\0';
    p = e + 1;
  }
  return n;
}

/* Trap unless S (of capacity CAP) is NUL-terminated within CAP. */
static inline void fz_check_text(const char *s, size_t cap)
{
  if(!memchr(s, '\0', cap))
    __builtin_trap();
}

#endif
