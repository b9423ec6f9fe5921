/* scrub.c -- the last step of every probe: each text of the result that
 * can hold something from the network (a server's words, libcurl's error
 * quoting a URL, certificate names, the status page) leaves the core
 * redacted (the key, key-looking tokens), with URL credentials masked and
 * printable (no control characters, valid UTF-8). One pass, here, so no
 * face has to remember it and none can forget it.
 */
#include "internal.h"
#include "secret.h"
#include "strutil.h"

/* Redact, mask, clean: the order matters (the redaction sees the whole
 * text; cleaning never lengthens it). */
static void scrub(char *text, size_t cap, const struct ap_secret *key)
{
  ap_redact(text, cap, key);
  ap_mask_userinfo(text);
  ap_text_clean(text, cap, text);
}

#define SCRUB(field) scrub((field), sizeof(field), key)

void ap_result_scrub(struct ap_result *r, const struct ap_secret *key)
{
  int i;
  for(i = 0; i < AP_LAYER_COUNT; i++) {
    struct ap_layer_head *h = ap_result_layer_mut(r, (enum ap_layer)i);
    SCRUB(h->reason);
  }
  for(i = 0; i < 2; i++)
    SCRUB(r->tcp.families[i].reason);
  SCRUB(r->verdict.reason);
  SCRUB(r->first_attempt.reason);
  SCRUB(r->curl_error);
  SCRUB(r->env.proxy);
  SCRUB(r->env.proxy_note);
  SCRUB(r->proxy.url);
  SCRUB(r->tls.cert_subject);
  SCRUB(r->tls.cert_issuer);
  SCRUB(r->tls.cert_sans);
  SCRUB(r->tls.verify_detail);
  SCRUB(r->tls.chain_min_subject);
  SCRUB(r->http.request_id);
  SCRUB(r->http.content_type);
  SCRUB(r->http.server);
  SCRUB(r->http.location_host);
  SCRUB(r->auth.error_type);
  SCRUB(r->auth.error_code);
  for(i = 0; i < r->model.count && i < AP_MAX_MODELS; i++) {
    SCRUB(r->model.models[i].id);
    SCRUB(r->model.models[i].display_name);
    SCRUB(r->model.models[i].reason);
  }
  SCRUB(r->inference.model);
  SCRUB(r->inference.request_id);
  SCRUB(r->inference.stop_reason);
  SCRUB(r->inference.error_type);
  SCRUB(r->status_page.url);
  SCRUB(r->status_page.indicator);
  SCRUB(r->status_page.description);
  SCRUB(r->status_page.component_status);
  SCRUB(r->status_page.reason);
}
