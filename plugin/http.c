/* http.c -- the http layer: the answer's status, version, time to first
 * byte and transfer time, request-id, content-type, server, redirect
 * target and the Date header's clock skew (filled from the transfer's
 * facts); its failure reasons; and the judging of the answer: a status
 * from the API goes on to the auth layer (auth.c), anything else fails
 * here. The header parser is headers.c.
 */
#include "internal.h"
#include "strutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Time to first byte: from our own stamp when the request went out, else
 * libcurl's (which counts our callback's work too). */
static double ttfb(const struct ap_facts *f)
{
  if(f->request_at > 0 && f->first_byte_at > f->request_at)
    return f->first_byte_at - f->request_at;
  return ap_span(f->t_pre, f->t_start);
}

void ap_http_fill(struct ap_result *r, const struct ap_facts *f)
{
  const struct ap_headers *h = f->hdr;
  struct ap_http_result *http = &r->http;
  if(!f->o.got_status)
    return;
  ap_head_set(&http->h, AP_STATE_OK, http->h.error, NULL);
  http->status = h->status;
  ap_strlcpy(http->http_version, h->http_version,
             sizeof(http->http_version));
  http->ttfb_s = ttfb(f);
  http->h.time_s = http->ttfb_s;
  http->transfer_s = ap_span(f->t_start, f->t_total);
  ap_strlcpy(http->request_id, h->request_id, sizeof(http->request_id));
  ap_strlcpy(http->content_type, h->content_type,
             sizeof(http->content_type));
  ap_strlcpy(http->server, h->server, sizeof(http->server));
  if(h->location[0])
    ap_url_host(h->location, http->location_host,
                sizeof(http->location_host));
  /* Date has whole seconds: the server's clock read somewhere in
   * [date, date + 1), so its midpoint is the unbiased estimate */
  if(!isnan(h->date))
    http->clock_skew_s = h->date + 0.5 - h->date_seen_at;
  http->body_bytes = (long)f->body_len;
  ap_auth_fill(r, h);
}

int ap_http_reason(const struct ap_result *r, const struct ap_facts *f,
                   enum ap_error e, char *out, size_t outlen)
{
  (void)r;
  if(e == AP_ERR_HTTP_TIMEOUT) {
    snprintf(out, outlen, "no response within %.1f s of sending the request",
             f->limit_s);
    return 1;
  }
  if(e == AP_ERR_HTTP_TOO_LARGE) {
    snprintf(out, outlen, "response body exceeds %d KiB", AP_BODY_MAX / 1024);
    return 1;
  }
  return 0;
}

/* --provider https: the status alone decides; there is no auth layer. */
static void https_answer(struct ap_result *r, const struct ap_target *t,
                         long status)
{
  char reason[AP_TEXT];
  ap_head_set(&r->auth.h, AP_STATE_NA, r->auth.h.error, NULL);
  if(status == t->expect_status)
    return;
  snprintf(reason, sizeof(reason), "HTTP %ld, expected %d", status,
           t->expect_status);
  ap_layer_fail(r, AP_LAYER_HTTP, AP_ERR_HTTP_UNEXPECTED_STATUS, reason);
}

void ap_http_judge(struct ap_result *r, const struct ap_target *t,
                   const struct ap_facts *f, const char *body)
{
  const struct ap_headers *h = f->hdr;
  struct ap_answer a;
  enum ap_error herr;
  char reason[AP_TEXT];
  if(!ap_provider(t->provider)->auth_layer) {
    https_answer(r, t, h->status);
    return;
  }
  a.status = h->status;
  a.body = body;
  a.body_len = f->body_len;
  a.content_type = h->content_type;
  a.has_request_id = h->request_id[0] != '\0';
  a.key_sent = f->key_sent;
  a.key = t->key; /* redacted from the message before it is cut */
  a.provider = t->provider;
  herr = ap_provider(a.provider)->classify(&a, h->amzn_error_type, &r->auth);
  if(herr == AP_ERR_NONE)
    return;
  if(herr == AP_ERR_HTTP_REDIRECT)
    snprintf(reason, sizeof(reason), "HTTP %ld redirect to %s (not followed)",
             a.status,
             r->http.location_host[0] ? r->http.location_host : "?");
  else
    snprintf(reason, sizeof(reason),
             "HTTP %ld with a %s body and no request-id: not from the API",
             a.status, a.content_type[0] ? a.content_type : "untyped");
  ap_layer_fail(r, AP_LAYER_HTTP, herr, reason);
}
