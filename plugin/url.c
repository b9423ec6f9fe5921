/* url.c -- small URL helpers over curl's URL API: host, port, redaction of
 * credentials, and validation of proxy URLs and address lists.
 */
#include "internal.h"
#include "strutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
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
  char *user = NULL, *full = NULL;
  if(u && !curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)) {
    if(!curl_url_get(u, CURLUPART_USER, &user, 0)) {
      curl_url_set(u, CURLUPART_USER, "***", 0);
      curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
    }
    if(!curl_url_get(u, CURLUPART_URL, &full, 0)) {
      ap_strlcpy(out, full, outlen);
      goto out;
    }
  }
  /* unparseable: show nothing that could be a credential */
  ap_strlcpy(out, strchr(url, '@') ? "(unparseable URL)" : url, outlen);
out:
  curl_free(user);
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
