/* cloud_fetch.c -- one side transfer of the clouds: the IMDSv2 token and
 * credentials (bedrock), the GCE metadata server and a service account's
 * token endpoint (vertex). A bounded body, the probe's trust store and
 * pinned addresses, and a failure named with the layer and host it broke.
 */
#include "cloud.h"

#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

static size_t fetch_body(char *p, size_t sz, size_t n, void *ud)
{
  struct ap_cloud_fetch *f = ud;
  size_t len = sz * n;
  if(len > AP_CLOUD_BODY_MAX - f->len) {
    f->capped = 1;
    return 0;
  }
  memcpy(f->body + f->len, p, len);
  f->len += len;
  f->body[f->len] = '\0';
  return len;
}

static CURLcode fetch_sslctx(CURL *curl, void *sslctx, void *ud)
{
  struct ap_cloud_fetch *f = ud;
  return ap_tls_ctx_cb(curl, sslctx, &f->tls) ? CURLE_SSL_CERTPROBLEM
                                               : CURLE_OK;
}

int ap_cloud_fetch_run(struct ap_cloud_fetch *f, const char *method,
                       const char *url, struct curl_slist *hdrs,
                       const char *body, double timeout_s, void *store,
                       struct curl_slist *resolve, const char *proxy)
{
  CURL *e = curl_easy_init();
  long ms = (long)(timeout_s * 1000.0);
  f->easy = e;
  f->len = 0;
  f->body[0] = '\0';
  f->errbuf[0] = '\0';
  f->status = 0;
  f->code = CURLE_FAILED_INIT;
  memset(&f->tls, 0, sizeof(f->tls));
  memset(&f->tlsr, 0, sizeof(f->tlsr));
  f->tlsr.cert_days_left = f->tlsr.chain_min_days_left = NAN;
  ap_url_host(url, f->host, sizeof(f->host));
  f->tls.host = f->host;
  f->tls.store = store;
  f->tls.out = &f->tlsr;
  if(!e)
    return -1;
  if(ms < 1)
    ms = 1;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
  curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, fetch_sslctx);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, f);
  curl_easy_setopt(e, CURLOPT_PROXY, proxy ? proxy : "");
  curl_easy_setopt(e, CURLOPT_NOPROXY, NULL);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  if(body) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
  } else if(!strcmp(method, "PUT")) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
  }
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "apiprobe/" AP_VERSION);
  f->code = (CURLcode)ap_curl_perform(e);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &f->status);
  return f->code == CURLE_OK ? 0 : -1;
}

/* A failed side transfer -> the layer it broke, named with its host. */
void ap_cloud_fetch_fail(struct ap_cloud_fetch *f, struct ap_result *r,
                         const char *what)
{
  struct ap_observed o;
  enum ap_error e;
  long v = 0;
  curl_off_t conn = 0;
  char reason[AP_TEXT];
  memset(&o, 0, sizeof(o));
  o.curl_code = f->code;
  curl_easy_getinfo(f->easy, CURLINFO_OS_ERRNO, &v);
  o.os_errno = v;
  curl_easy_getinfo(f->easy, CURLINFO_CONNECT_TIME_T, &conn);
  o.tls_started = f->tls.started;
  o.tls_done = f->tls.done;
  o.tcp_connected = conn > 0 || f->tls.started;
  o.got_status = f->status > 0;
  o.verify_code = f->tls.verify_code;
  o.host_mismatch = f->tls.host_mismatch;
  o.alert_protocol = f->tls.alert_protocol;
  o.errbuf = f->errbuf;
  e = ap_classify(&o);
  if(e == AP_ERR_NONE)
    e = AP_ERR_HTTP_FAILED;
  snprintf(reason, sizeof(reason), "%s %s: %s", what, f->host,
           f->errbuf[0] ? f->errbuf : curl_easy_strerror(f->code));
  ap_layer_fail(r, ap_error_layer(e), e, reason);
}

void ap_cloud_fetch_end(struct ap_cloud_fetch *f)
{
  if(f->easy)
    curl_easy_cleanup(f->easy);
  f->easy = NULL;
  OPENSSL_cleanse(f->body, f->len);
  f->len = 0;
}

