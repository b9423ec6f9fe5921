/* followup.c -- the requests made after the probe, on its settings: the
 * model layer's GET /v1/models/{id} and the inference canary's streamed
 * POST. Each gets a handle of its own (they are rare: never on the probe's
 * hot path), the prober's headers (a copy, wiped when freed), its trust
 * store, the proxy, the --resolve pins, the name looked up within the
 * timeout as every name is (url.c ap_url_pin), and the same address
 * family, TLS floor, verification and timeouts (transfer.c
 * ap_curl_target). Judging the answers is model.c's and inference.c's.
 */
#include "internal.h"
#include "strutil.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static CURLcode on_ctx(CURL *curl, void *sslctx, void *ud)
{
  struct ap_followup *f = ud;
  (void)curl;
  if(f->store)
    SSL_CTX_set1_cert_store(sslctx, f->store);
  return CURLE_OK;
}

/* The probe's headers, copied, with its "accept" replaced by EXTRA when
 * given. *FAILED set when out of memory. */
static struct curl_slist *headers_copy(const struct ap_target *t,
                                       const char *extra, int *failed)
{
  struct curl_slist *src = NULL, *out = NULL, *n;
  void *store;
  ap_prober_parts(t, &src, &store);
  for(n = src; n && !*failed; n = n->next) {
    if(extra && !strncasecmp(n->data, "accept:", 7) &&
       !strncasecmp(extra, "accept:", 7))
      continue;
    out = ap_wipe_slist_append(out, n->data, failed);
  }
  if(extra)
    out = ap_wipe_slist_append(out, extra, failed);
  return out;
}

enum ap_code ap_followup_init(struct ap_followup *f, const struct ap_target *t,
                              const char *url, const char *accept,
                              int json_body, double timeout_s, char *err,
                              size_t errlen)
{
  struct ap_env_result env;
  struct ap_dns_result dns;
  struct curl_slist *unused;
  CURL *e;
  int failed = 0, i, timed_out = 0;

  memset(f, 0, sizeof(*f));
  ap_prober_parts(t, &unused, &f->store);
  f->easy = e = curl_easy_init();
  if(!e) {
    snprintf(err, errlen, "cannot create a curl handle");
    return AP_E_INTERNAL;
  }
  f->headers = headers_copy(t, accept, &failed);
  if(json_body)
    f->headers = ap_wipe_slist_append(
      f->headers, "content-type: application/json", &failed);
  for(i = 0; i < t->resolve_count && !failed; i++) {
    struct curl_slist *n = curl_slist_append(f->resolve, t->resolve[i]);
    if(!n)
      failed = 1;
    else
      f->resolve = n;
  }
  if(failed || !f->headers) {
    snprintf(err, errlen, "out of memory");
    return AP_E_NOMEM;
  }
  memset(&env, 0, sizeof(env));
  ap_env_eval(t, t->url_host, &env, f->proxy, sizeof(f->proxy));
  /* the API's name (or the proxy's) through the bounded lookup, as the
   * probe's: libcurl's own resolver has no limit of ours */
  if(ap_url_pin(f->proxy[0] ? f->proxy : url, f->proxy[0] ? 1080 : 443,
                t->ip_family, timeout_s, &f->resolve, &dns, &timed_out)) {
    snprintf(err, errlen, "the name lookup of %s %s: %s",
             f->proxy[0] ? "the proxy" : "the API",
             timed_out ? "timed out" : "failed",
             dns.h.reason[0] ? dns.h.reason : "no address");
    return AP_E_IO;
  }
  ap_curl_base(e, url, f->proxy, f->resolve);
  ap_curl_target(e, t, f->proxy, timeout_s, t->connect_timeout_s);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ctx);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, f);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, ap_followup_on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ap_followup_on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
  return AP_OK;
}

void ap_followup_free(struct ap_followup *f)
{
  if(f->multi) {
    if(f->easy)
      curl_multi_remove_handle(f->multi, f->easy);
    curl_multi_cleanup(f->multi);
  }
  if(f->easy)
    curl_easy_cleanup(f->easy);
  ap_wipe_slist_free(f->headers);
  curl_slist_free_all(f->resolve);
  free(f->body);
  memset(f, 0, sizeof(*f));
}

size_t ap_followup_on_body(char *buf, size_t size, size_t n, void *ud)
{
  struct ap_followup *f = ud;
  return ap_buf_append(&f->body, &f->body_len, AP_BODY_MAX, &f->body_capped,
                       buf, size * n);
}

/* Copy header VALUE (up to CR/LF) into OUT, control characters dropped. */
static void header_value(const char *v, size_t len, char *out, size_t n)
{
  size_t o = 0;
  while(len && (*v == ' ' || *v == '\t')) {
    v++;
    len--;
  }
  while(len && o + 1 < n && *v != '\r' && *v != '\n') {
    if((unsigned char)*v >= 0x20 && *v != 0x7f)
      out[o++] = *v;
    v++;
    len--;
  }
  out[o] = '\0';
}

size_t ap_followup_on_header(char *buf, size_t size, size_t n, void *ud)
{
  struct ap_followup *f = ud;
  size_t len = size * n;
  if(len > 5 && !strncmp(buf, "HTTP/", 5)) {
    const char *sp = memchr(buf, ' ', len);
    f->status = sp ? strtol(sp + 1, NULL, 10) : 0;
    f->content_type[0] = f->request_id[0] = '\0';
  }
  else if(len > 13 && !strncasecmp(buf, "content-type:", 13))
    header_value(buf + 13, len - 13, f->content_type,
                 sizeof(f->content_type));
  else if(len > 11 && !strncasecmp(buf, "request-id:", 11))
    header_value(buf + 11, len - 11, f->request_id, sizeof(f->request_id));
  else if(len > 13 && !strncasecmp(buf, "x-request-id:", 13))
    header_value(buf + 13, len - 13, f->request_id, sizeof(f->request_id));
  return len;
}

int ap_api_url(const struct ap_target *t, const char *path, char *out,
               size_t outlen)
{
  CURLU *u = curl_url();
  char *p = NULL, *full = NULL;
  char joined[AP_TARGET_TEXT * 2];
  const char *v1;
  int rc = -1;
  if(!u)
    return -1;
  if(curl_url_set(u, CURLUPART_URL, t->url, 0) ||
     curl_url_get(u, CURLUPART_PATH, &p, 0))
    goto out;
  v1 = strstr(p, "/v1/");
  if(!v1 && strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/v1"))
    v1 = p + strlen(p) - 3;
  /* keep a gateway's prefix before /v1, else the API's own root */
  snprintf(joined, sizeof(joined), "%.*s%s", v1 ? (int)(v1 - p) : 0, p,
           path);
  if(curl_url_set(u, CURLUPART_PATH, joined, 0) ||
     curl_url_set(u, CURLUPART_QUERY, NULL, 0) ||
     curl_url_get(u, CURLUPART_URL, &full, 0))
    goto out;
  rc = ap_strlcpy(out, full, outlen) < outlen ? 0 : -1;
out:
  curl_free(p);
  curl_free(full);
  curl_url_cleanup(u);
  return rc;
}

enum ap_error ap_followup_classify(const struct ap_followup *f, int provider,
                                   char *reason, size_t reasonlen)
{
  struct ap_answer a;
  struct ap_auth_result auth;
  enum ap_error herr;
  memset(&a, 0, sizeof(a));
  memset(&auth, 0, sizeof(auth));
  a.status = f->status;
  a.body = f->body ? f->body : "";
  a.body_len = f->body_len;
  a.content_type = f->content_type;
  a.has_request_id = f->request_id[0] != '\0';
  a.key_sent = 1;
  a.provider = provider;
  herr = ap_auth_classify(&a, &auth);
  if(herr != AP_ERR_NONE) {
    snprintf(reason, reasonlen, "HTTP %ld, not the API's answer (%.60s)",
             f->status, f->content_type[0] ? f->content_type : "no type");
    return herr;
  }
  ap_text_clean(reason, reasonlen, auth.h.reason);
  return auth.h.error;
}

enum ap_error ap_followup_failure(const struct ap_followup *f, long code,
                                  char *reason, size_t reasonlen)
{
  char clean[200];
  ap_text_clean(clean, sizeof(clean),
                f->errbuf[0] ? f->errbuf : curl_easy_strerror((CURLcode)code));
  snprintf(reason, reasonlen, "the request failed: %s", clean);
  return code == CURLE_OPERATION_TIMEDOUT ? AP_ERR_HTTP_TIMEOUT
                                          : AP_ERR_HTTP_FAILED;
}
