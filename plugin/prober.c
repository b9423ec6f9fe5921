/* prober.c -- what a target keeps between probes (T->prober): the easy
 * handle, the request headers with the key (wiped on free), the parsed
 * trust store, the status page's handle, the body buffer; and the
 * library's init and cleanup (libcurl with OpenSSL, the wiping
 * allocator). transfer.c uses them for each probe.
 */
#include "internal.h"
#include "secret.h"
#include "strutil.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ap_code ap_global_init(void)
{
  const curl_version_info_data *vi;
  if(ap_wipe_curl_init(CURL_GLOBAL_DEFAULT))
    return AP_E_INTERNAL;
  vi = curl_version_info(CURLVERSION_NOW);
  /* the tls layer reads OpenSSL objects out of libcurl */
  if(!vi || !vi->ssl_version || strncmp(vi->ssl_version, "OpenSSL", 7)) {
    curl_global_cleanup();
    return AP_E_INTERNAL;
  }
  return AP_OK;
}

void ap_global_cleanup(void)
{
  curl_global_cleanup();
}

void ap_prober_free(struct ap_prober *p)
{
  if(!p)
    return;
  if(p->easy)
    curl_easy_cleanup(p->easy);
  if(p->status_easy)
    curl_easy_cleanup(p->status_easy);
  ap_tls_store_free(p->store);
  ap_leaf_cache_clear(&p->leaf);
  ap_wipe_slist_free(p->headers);
  if(p->body)
    OPENSSL_cleanse(p->body, p->body_cap);
  free(p->body);
  free(p);
}

void *ap_prober_status_easy(const struct ap_prober *p)
{
  return p->status_easy;
}

void *ap_prober_store(const struct ap_prober *p)
{
  return p->store;
}

void ap_prober_parts(const struct ap_target *t, struct curl_slist **headers,
                     void **store)
{
  *headers = t->prober ? t->prober->headers : NULL;
  *store = t->prober ? t->prober->store : NULL;
}

/* The request headers: the key, the provider's version, accept, agent. */
static int prober_headers(struct ap_prober *p, const struct ap_target *t)
{
  const struct ap_provider_row *pr = ap_provider(t->provider);
  char line[AP_SECRET_MAX + 32];
  int failed = 0;
  if(t->key && pr->auth_header)
    snprintf(line, sizeof(line), "%s%s", pr->auth_header, t->key->value);
  else
    line[0] = '\0';
  if(line[0])
    p->headers = ap_wipe_slist_append(p->headers, line, &failed);
  OPENSSL_cleanse(line, sizeof(line));
  if(pr->version_header) {
    snprintf(line, sizeof(line), "%s: %s", pr->version_header,
             t->anthropic_version);
    p->headers = ap_wipe_slist_append(p->headers, line, &failed);
  }
  p->headers =
    ap_wipe_slist_append(p->headers, "accept: application/json", &failed);
  p->headers = ap_wipe_slist_append(
    p->headers, "user-agent: apiprobe/" AP_VERSION, &failed);
  return failed ? -1 : 0;
}

enum ap_code ap_prober_new(const struct ap_target *t, struct ap_prober **pp,
                           char *err, size_t errlen)
{
  struct ap_prober *p = calloc(1, sizeof(*p));
  *pp = NULL;
  if(!p) {
    snprintf(err, errlen, "out of memory");
    return AP_E_NOMEM;
  }
  p->easy = curl_easy_init();
  if(!p->easy || (t->status_page && !(p->status_easy = curl_easy_init()))) {
    snprintf(err, errlen, "cannot create a curl handle");
    ap_prober_free(p);
    return AP_E_INTERNAL;
  }
  p->store = ap_tls_store_new(t->ca_file, err, errlen);
  if(!p->store) {
    ap_prober_free(p);
    return AP_E_CONFIG;
  }
  if(prober_headers(p, t)) {
    snprintf(err, errlen, "out of memory");
    ap_prober_free(p);
    return AP_E_NOMEM;
  }
  *pp = p;
  return AP_OK;
}
