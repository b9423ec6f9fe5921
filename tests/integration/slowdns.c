/* slowdns.c -- LD_PRELOAD shim for tests/integration/bounded.c: a
 * resolver that never answers for names ending in ".slow.test" (it
 * sleeps 30 s in getaddrinfo, or SLOWDNS_SECONDS: tests/soak uses 3 s),
 * and the real getaddrinfo for the rest.
 * Built as a shared library; never part of apiprobe.
 */
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *,
                      struct addrinfo **);

int getaddrinfo(const char *node, const char *service,
                const struct addrinfo *hints, struct addrinfo **res)
{
  void *sym = dlsym(RTLD_NEXT, "getaddrinfo");
  gai_fn real;
  memcpy(&real, &sym, sizeof(real)); /* POSIX: dlsym gives functions */
  size_t n = node ? strlen(node) : 0;
  if(n >= 10 && !strcmp(node + n - 10, ".slow.test")) {
    const char *env = getenv("SLOWDNS_SECONDS");
    long secs = env ? strtol(env, NULL, 10) : 30;
    sleep((unsigned)(secs > 0 ? secs : 30));
    return EAI_AGAIN;
  }
  return real(node, service, hints, res);
}
