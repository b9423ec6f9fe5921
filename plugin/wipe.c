/* wipe.c -- memory that may hold a secret is wiped before it is freed:
 *
 * - request header lists (the key, a bearer token, a SigV4 signature and
 *   session token): every line appended through ap_wipe_slist_* and freed
 *   by ap_wipe_slist_free, which wipes each string first;
 * - libcurl's own heap: the request it assembles (headers, key included)
 *   and its receive buffers. ap_wipe_curl_init hands libcurl allocator
 *   functions that wipe every block on free and on realloc, when apiprobe
 *   is the first in the process to initialise libcurl (libcurl keeps the
 *   first caller's functions).
 *
 * Left out: OpenSSL's buffers (ciphertext, and the key material of the
 * session), the stack pages of libcurl's own functions, copies the kernel
 * makes, swap and core dumps (see the man pages' SECURITY section).
 */
#include "internal.h"
#include "secret.h"

#include <curl/curl.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- header lists --------------------------------------------------- */

struct curl_slist *ap_wipe_slist_append(struct curl_slist *l,
                                        const char *line, int *failed)
{
  struct curl_slist *n;
  if(*failed)
    return l;
  n = curl_slist_append(l, line);
  if(!n) {
    *failed = 1;
    return l;
  }
  return n;
}

struct curl_slist *ap_wipe_slist_header(struct curl_slist *l, int *failed,
                                        const char *name, const char *value)
{
  char line[AP_SECRET_MAX + 128];
  int n = snprintf(line, sizeof(line), "%s: %s", name, value);
  if(n < 0 || (size_t)n >= sizeof(line))
    *failed = 1; /* never send a cut secret */
  else
    l = ap_wipe_slist_append(l, line, failed);
  OPENSSL_cleanse(line, sizeof(line));
  return l;
}

void ap_wipe_slist_free(struct curl_slist *l)
{
  struct curl_slist *i;
  for(i = l; i; i = i->next)
    if(i->data)
      OPENSSL_cleanse(i->data, strlen(i->data));
  curl_slist_free_all(l);
}

/* ---- libcurl's allocator ---------------------------------------------- */

/* malloc_usable_size: the whole block, so the slack past what was asked
 * for (where an older, longer string may have been) is wiped too. */
static void wipe_free(void *p)
{
  if(!p)
    return;
  OPENSSL_cleanse(p, malloc_usable_size(p));
  free(p);
}

/* A moved block is wiped before free: never glibc's in-place realloc,
 * which leaves the old block behind unwiped when it moves it. */
static void *wipe_realloc(void *p, size_t n)
{
  size_t have;
  void *np;
  if(!p)
    return malloc(n);
  have = malloc_usable_size(p);
  if(n && n <= have)
    return p; /* fits: nothing left behind */
  np = malloc(n ? n : 1);
  if(!np)
    return NULL;
  memcpy(np, p, have < n ? have : n);
  wipe_free(p);
  return np;
}

static char *wipe_strdup(const char *s)
{
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if(d)
    memcpy(d, s, n);
  return d;
}

int ap_wipe_curl_init(long flags)
{
  return curl_global_init_mem(flags, malloc, wipe_free, wipe_realloc,
                              wipe_strdup, calloc) == CURLE_OK
           ? 0
           : -1;
}
