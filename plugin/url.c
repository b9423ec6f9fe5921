/* url.c -- small URL helpers over curl's URL API: host, port, redaction of
 * credentials, the checks of the URLs a target is given (the probe's, the
 * status page's, a proxy's) and of address lists (--resolve).
 */
#include "internal.h"
#include "strutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ap_url_host(const char *url, char *host, size_t hostlen)
{
  CURLU *u = curl_url();
  char *h = NULL;
  int rc = -1;
  if(!u)
    return -1;
  if(!curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) &&
     !curl_url_get(u, CURLUPART_HOST, &h, 0)) {
    size_t n = strlen(h);
    if(n > 1 && h[0] == '[' && h[n - 1] == ']') {
      h[n - 1] = '\0';
      ap_strlcpy(host, h + 1, hostlen);
    } else {
      ap_strlcpy(host, h, hostlen);
    }
    rc = 0;
  }
  curl_free(h);
  curl_url_cleanup(u);
  return rc;
}

int ap_url_port(const char *url, int *port)
{
  CURLU *u = curl_url();
  char *p = NULL;
  int rc = -1;
  long v;
  if(!u)
    return -1;
  if(!curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) &&
     !curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) &&
     !ap_parse_long(p, 1, 65535, &v)) {
    *port = (int)v;
    rc = 0;
  }
  curl_free(p);
  curl_url_cleanup(u);
  return rc;
}

void ap_url_redact(const char *url, char *out, size_t outlen)
{
  CURLU *u = curl_url();
  char *full = NULL;
  if(u && !curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) &&
     !curl_url_get(u, CURLUPART_URL, &full, 0)) {
    ap_mask_url_userinfo(full); /* before the cut that could hide the @ */
    ap_strlcpy(out, full, outlen);
  } else { /* unparseable: show nothing that could be a credential */
    ap_strlcpy(out, strchr(url, '@') ? "(unparseable URL)" : url, outlen);
  }
  curl_free(full);
  curl_url_cleanup(u);
}

int ap_proxy_url_ok(const char *v)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL;
  int ok = 0;
  if(!u)
    return 0;
  if(!curl_url_set(u, CURLUPART_URL, v,
                   CURLU_NON_SUPPORT_SCHEME | CURLU_GUESS_SCHEME) &&
     !curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) &&
     !curl_url_get(u, CURLUPART_HOST, &host, 0))
    ok = (!strcmp(scheme, "http") || !strcmp(scheme, "https")) && *host;
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  return ok;
}

static int ip_literal(const char *s, size_t n)
{
  char buf[64];
  unsigned char tmp[16];
  if(n >= 2 && s[0] == '[' && s[n - 1] == ']') {
    s++;
    n -= 2;
    if(n >= sizeof(buf))
      return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return inet_pton(AF_INET6, buf, tmp) == 1;
  }
  if(n >= sizeof(buf))
    return 0;
  memcpy(buf, s, n);
  buf[n] = '\0';
  return inet_pton(AF_INET, buf, tmp) == 1 || inet_pton(AF_INET6, buf, tmp);
}

int ap_addr_list_ok(const char *v)
{
  if(!*v)
    return 0;
  while(*v) {
    size_t n = strcspn(v, ",");
    if(!n || !ip_literal(v, n))
      return 0;
    v += n;
    if(*v == ',') {
      v++;
      if(!*v)
        return 0;
    }
  }
  return 1;
}

int ap_url_pin(const char *url, int default_port, int family,
               double timeout_s, struct curl_slist **plist,
               struct ap_dns_result *dns, int *ptimed_out)
{
  char host[AP_TEXT], entry[AP_TEXT + 80], prefix[AP_TEXT + 16];
  const struct curl_slist *l;
  int port = default_port;
  CURLU *u = curl_url();
  char *ps = NULL;
  int lit4, lit6;
  unsigned char buf[16];
  *ptimed_out = 0;
  memset(dns, 0, sizeof(*dns));
  if(!u)
    return 0;
  if(!curl_url_set(u, CURLUPART_URL, url,
                   CURLU_NON_SUPPORT_SCHEME | CURLU_GUESS_SCHEME) &&
     !curl_url_get(u, CURLUPART_PORT, &ps, 0)) {
    long v;
    if(!ap_parse_long(ps, 1, 65535, &v))
      port = (int)v;
  }
  curl_free(ps);
  curl_url_cleanup(u);
  if(ap_url_host(url, host, sizeof(host)) || !*host)
    return 0; /* libcurl will say what is wrong with it */
  lit4 = inet_pton(AF_INET, host, buf) == 1;
  lit6 = inet_pton(AF_INET6, host, buf) == 1;
  if(lit4 || lit6)
    return 0;
  snprintf(prefix, sizeof(prefix), "%s:%d:", host, port);
  for(l = *plist; l; l = l->next) {
    if(!strncasecmp(l->data, prefix, strlen(prefix)))
      return 0; /* pinned already (--resolve) */
  }
  if(ap_dns_resolve(host, family, timeout_s, dns)) {
    *ptimed_out = dns->h.error == AP_ERR_DNS_TIMEOUT;
    return -1;
  }
  snprintf(entry, sizeof(entry), strchr(dns->addresses[0], ':')
                                   ? "%s[%s]"
                                   : "%s%s",
           prefix, dns->addresses[0]);
  {
    struct curl_slist *n = curl_slist_append(*plist, entry);
    if(n)
      *plist = n;
  }
  return 0;
}

/* ---- the URLs a target is given ---------------------------------------- */

enum ap_code ap_url_target(const char *value, char **pout, char *err,
                           size_t errlen)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *path = NULL, *full = NULL;
  enum ap_code result = AP_E_ARG;

  *pout = NULL;
  if(!u) {
    snprintf(err, errlen, "out of memory");
    return AP_E_NOMEM;
  }
  if(ap_has_ctl(value) ||
     curl_url_set(u, CURLUPART_URL, value, CURLU_NON_SUPPORT_SCHEME)) {
    snprintf(err, errlen, "--url: '%s' is not a valid URL", value);
    goto out;
  }
  if(curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
     strcmp(scheme, "https")) {
    snprintf(err, errlen, "--url: only https:// URLs can be probed");
    goto out;
  }
  if(curl_url_get(u, CURLUPART_HOST, &host, 0) || !*host) {
    snprintf(err, errlen, "--url: '%s' has no host", value);
    goto out;
  }
  if(!curl_url_get(u, CURLUPART_USER, &path, 0)) {
    snprintf(err, errlen,
             "--url: credentials in the URL are refused; use --key-env or "
             "--key-file");
    goto out;
  }
  curl_free(path);
  path = NULL;
  curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
  if(curl_url_get(u, CURLUPART_URL, &full, 0)) {
    snprintf(err, errlen, "--url: '%s' is not a valid URL", value);
    goto out;
  }
  *pout = strdup(full);
  result = *pout ? AP_OK : AP_E_NOMEM;
out:
  curl_free(scheme);
  curl_free(host);
  curl_free(path);
  curl_free(full);
  curl_url_cleanup(u);
  return result;
}

/* U's path, when it names no .json document, gets Statuspage's
 * /api/v2/summary.json appended (a page's base address, as a user copies
 * it from the browser, https://status.example.com). 0 on success. */
static int status_summary_path(CURLU *u)
{
  char *path = NULL;
  char full[AP_TARGET_TEXT];
  size_t n;
  int rc = 0;
  if(curl_url_get(u, CURLUPART_PATH, &path, 0))
    return -1;
  n = strlen(path);
  if(n < 5 || strcasecmp(path + n - 5, ".json")) {
    while(n > 0 && path[n - 1] == '/')
      n--;
    if(n + sizeof("/api/v2/summary.json") > sizeof(full))
      rc = -1;
    else {
      snprintf(full, sizeof(full), "%.*s/api/v2/summary.json", (int)n,
               path);
      rc = curl_url_set(u, CURLUPART_PATH, full, 0) ? -1 : 0;
    }
  }
  curl_free(path);
  return rc;
}

enum ap_code ap_url_statuspage(const char *v, char **pout, char *err,
                               size_t errlen)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *user = NULL, *full = NULL;
  enum ap_code rc = AP_E_ARG;
  *pout = NULL;
  if(!strcasecmp(v, "anthropic"))
    v = "https://status.claude.com/api/v2/summary.json";
  if(!u)
    return AP_E_NOMEM;
  if(ap_has_ctl(v) || curl_url_set(u, CURLUPART_URL, v, 0) ||
     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
     strcmp(scheme, "https") ||
     !curl_url_get(u, CURLUPART_USER, &user, 0) || status_summary_path(u) ||
     curl_url_get(u, CURLUPART_URL, &full, 0)) {
    snprintf(err, errlen,
             "--status-page: '%s' is not an https URL without credentials "
             "(a Statuspage base address or its summary.json, or "
             "\"anthropic\")",
             v);
  } else {
    *pout = strdup(full);
    rc = *pout ? AP_OK : AP_E_NOMEM;
  }
  curl_free(scheme);
  curl_free(user);
  curl_free(full);
  curl_url_cleanup(u);
  return rc;
}

enum ap_code ap_url_default_path(char **purl, const char *p, const char *q,
                                 char *err, size_t errlen)
{
  CURLU *u;
  char *path = NULL, *query = NULL, *full = NULL;
  enum ap_code rc = AP_OK;
  if(!p)
    return AP_OK;
  u = curl_url();
  if(!u)
    return AP_E_NOMEM;
  if(curl_url_set(u, CURLUPART_URL, *purl, 0)) {
    rc = AP_E_CONFIG;
    snprintf(err, errlen, "--url: cannot parse %s", *purl);
    goto out;
  }
  if(!curl_url_get(u, CURLUPART_PATH, &path, 0) &&
     (!*path || !strcmp(path, "/")) &&
     curl_url_get(u, CURLUPART_QUERY, &query, 0)) {
    curl_url_set(u, CURLUPART_PATH, p, 0);
    if(q)
      curl_url_set(u, CURLUPART_QUERY, q, 0);
    if(!curl_url_get(u, CURLUPART_URL, &full, 0)) {
      char *copy = strdup(full);
      if(!copy) {
        rc = AP_E_NOMEM;
        goto out;
      }
      free(*purl);
      *purl = copy;
    }
  }
out:
  curl_free(path);
  curl_free(query);
  curl_free(full);
  curl_url_cleanup(u);
  return rc;
}

int ap_resolve_ok(const char *v)
{
  const char *c1 = strchr(v, ':');
  const char *c2;
  char port[8];
  long p;
  if(!c1 || c1 == v)
    return 0;
  c2 = strchr(c1 + 1, ':');
  if(!c2 || (size_t)(c2 - c1 - 1) >= sizeof(port) || c2 == c1 + 1)
    return 0;
  memcpy(port, c1 + 1, (size_t)(c2 - c1 - 1));
  port[c2 - c1 - 1] = '\0';
  if(ap_parse_long(port, 1, 65535, &p))
    return 0;
  return ap_addr_list_ok(c2 + 1);
}
