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

/* Trap unless S is valid UTF-8 without control characters (C0, DEL, C1):
 * what the core promises for every text from the network. */
static inline void fz_check_printable(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  while(*p) {
    int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2
          : (*p & 0xf8) == 0xf0 ? 3 : -1;
    int i;
    if(n < 0 || *p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] < 0xa0))
      __builtin_trap();
    for(i = 1; i <= n; i++) {
      if((p[i] & 0xc0) != 0x80)
        __builtin_trap();
    }
    p += n + 1;
  }
}

#endif
