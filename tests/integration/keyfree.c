/* keyfree.c -- LD_PRELOAD shim for tests/integration/keyfree.sh: counts
 * heap blocks freed (free, or moved by realloc) while they still hold the
 * secret named by KEYFREE_KEY, i.e. copies of the key left in freed memory
 * for the next allocation to carry around. At exit it writes
 * "frees N held M" and the bytes before the key in the first few such
 * blocks (the key itself never) to KEYFREE_OUT. Normal builds only (ASan
 * has its own allocator); never part of apiprobe.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void __libc_free(void *p);
extern void *__libc_realloc(void *p, size_t n);

static const char *key;
static size_t keylen;
static unsigned long frees, held;
static char shown[4][48];

__attribute__((constructor)) static void kf_init(void)
{
  key = getenv("KEYFREE_KEY");
  keylen = key ? strlen(key) : 0;
}

/* Does P's block hold the key? Notes what came before it, printable. */
static int holds(void *p)
{
  const char *hit;
  size_t i, off;
  if(!p || keylen < 8)
    return 0;
  hit = memmem(p, malloc_usable_size(p), key, keylen);
  if(!hit)
    return 0;
  if(held < 4) {
    off = (size_t)(hit - (const char *)p);
    off = off > 40 ? off - 40 : 0;
    for(i = 0; i < 40 && (const char *)p + off + i < hit; i++) {
      char c = ((const char *)p)[off + i];
      shown[held][i] = c >= 32 && c < 127 ? c : '.';
    }
  }
  return 1;
}

void free(void *p)
{
  if(p) {
    frees++;
    held += (unsigned long)holds(p);
  }
  __libc_free(p);
}

void *realloc(void *p, size_t n)
{
  int h = holds(p);
  void *np = __libc_realloc(p, n);
  if(np && p && np != p) {
    frees++;
    held += (unsigned long)h;
  }
  return np;
}

__attribute__((destructor)) static void kf_report(void)
{
  const char *out = getenv("KEYFREE_OUT");
  FILE *f;
  unsigned long i;
  if(!out || !(f = fopen(out, "a")))
    return;
  fprintf(f, "frees %lu held %lu\n", frees, held);
  for(i = 0; i < held && i < 4; i++)
    fprintf(f, "before the key: [%s]\n", shown[i]);
  fclose(f);
}
