/* env.c -- the env layer: which proxy settings apply to this target, the
 * way libcurl reads them (https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY,
 * no_proxy, NO_PROXY), decided once here and handed to curl explicitly.
 */
#include "internal.h"
#include "strutil.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int entry_match(const char *host, const char *e, size_t n)
{
  size_t hl = strlen(host);
  if(n && e[0] == '.') {
    e++;
    n--;
  }
  if(n >= 2 && e[0] == '[' && e[n - 1] == ']') {
    e++;
    n -= 2;
  }
  if(!n)
    return 0;
  if(hl == n)
    return !strncasecmp(host, e, n);
  if(hl > n && host[hl - n - 1] == '.')
    return !strncasecmp(host + hl - n, e, n);
  return 0;
}

int ap_noproxy_match(const char *host, const char *list)
{
  const char *p = list;
  char all[8];
  if(!list)
    return 0;
  /* as curl: only a lone "*" matches every host */
  ap_strlcpy(all, list, sizeof(all));
  if(!strcmp(ap_trim(all), "*"))
    return 1;
  while(*p) {
    size_t n;
    while(*p == ',' || *p == ' ' || *p == '\t')
      p++;
    n = strcspn(p, ", \t");
    if(n && entry_match(host, p, n))
      return 1;
    p += n;
  }
  return 0;
}

static const char *env_first(const char *const *names, const char **which)
{
  size_t i;
  for(i = 0; names[i]; i++) {
    const char *v = getenv(names[i]);
    if(v && *v) {
      *which = names[i];
      return v;
    }
  }
  return NULL;
}

void ap_env_eval(const struct ap_target *t, const char *host,
                 struct ap_env_result *env, char *proxy, size_t proxylen)
{
  static const char *const pvars[] = {"https_proxy", "HTTPS_PROXY",
                                      "all_proxy", "ALL_PROXY", NULL};
  static const char *const nvars[] = {"no_proxy", "NO_PROXY", NULL};
  const char *which = NULL;
  const char *p;
  const char *noproxy;

  env->h.state = AP_STATE_OK;
  env->insecure = t->insecure;
  proxy[0] = '\0';
  if(t->proxy) {
    p = t->proxy;
    which = "option";
  } else {
    p = env_first(pvars, &which);
  }
  if(t->noproxy) {
    noproxy = t->noproxy;
  } else {
    const char *nw = NULL;
    noproxy = env_first(nvars, &nw);
  }
  if(p && *p && ap_noproxy_match(host, noproxy)) {
    env->noproxy_match = 1;
    p = NULL;
  }
  if(p && *p) {
    ap_strlcpy(proxy, p, proxylen);
    ap_url_redact(p, env->proxy, sizeof(env->proxy));
    if(!strcmp(which, "option"))
      ap_strlcpy(env->proxy_source, "option", sizeof(env->proxy_source));
    else
      snprintf(env->proxy_source, sizeof(env->proxy_source), "env:%s",
               which);
  }
}
