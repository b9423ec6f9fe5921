/* auth.c -- the auth layer (Anthropic profile): reads the answer to
 * GET /v1/models?limit=1 and decides whether it came from the API at all
 * (request-id header or the {"type":"error"} envelope) and, if so, what
 * the key's state is, keyed on status and error.type, never on message
 * text (two documented exceptions: the 400s for credit and spend limits).
 */
#include "internal.h"
#include "secret.h"
#include "strutil.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct envelope {
  int is_json;      /* the body parsed as a JSON object */
  int api;          /* {"type":"error","error":{"type":...}} */
  int has_data;     /* {"data":[...]} (a model list) */
  char type[64];    /* error.type (also for the edge's non-API shape) */
  char message[160];
  char code[64];    /* error.details.error_code (OpenAI: error.code) */
  int openai;       /* {"error":{"message","type",...}} */
};

const char *ap_json_str(struct json_object *o, const char *key)
{
  struct json_object *v = NULL;
  if(!o || !json_object_object_get_ex(o, key, &v) ||
     !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

static int only_space(const char *p, size_t n)
{
  size_t i;
  for(i = 0; i < n; i++) {
    if(p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
      return 0;
  }
  return 1;
}

/* Copy the network text V into OUT: redacted while whole (before the cut,
 * so a key near the cut is still recognised), then made printable and cut
 * on a character boundary. */
static void net_text(char *out, size_t outlen, const char *v,
                     const struct ap_secret *key)
{
  size_t n = strlen(v);
  char *copy = malloc(n + 1);
  if(!copy) {
    out[0] = '\0';
    return;
  }
  memcpy(copy, v, n + 1);
  ap_redact(copy, n + 1, key);
  ap_text_copy(out, outlen, copy, strlen(copy), 0);
  OPENSSL_cleanse(copy, n);
  free(copy);
}

static void parse_envelope(const char *body, size_t len, struct envelope *e,
                           const struct ap_secret *key)
{
  struct json_tokener *tok;
  struct json_object *root;
  struct json_object *err = NULL, *details = NULL, *data = NULL;
  const char *s;

  memset(e, 0, sizeof(*e));
  if(!body || !len)
    return;
  tok = json_tokener_new_ex(32);
  if(!tok)
    return;
  root = json_tokener_parse_ex(tok, body, (int)len);
  if(!root || json_tokener_get_error(tok) != json_tokener_success ||
     !json_object_is_type(root, json_type_object) ||
     !only_space(body + json_tokener_get_parse_end(tok),
                 len - json_tokener_get_parse_end(tok)))
    goto out;
  e->is_json = 1;
  if(json_object_object_get_ex(root, "data", &data) &&
     json_object_is_type(data, json_type_array))
    e->has_data = 1;
  if(!json_object_object_get_ex(root, "error", &err) ||
     !json_object_is_type(err, json_type_object))
    goto out;
  s = ap_json_str(err, "type");
  if(s)
    net_text(e->type, sizeof(e->type), s, key);
  s = ap_json_str(err, "message");
  if(s)
    net_text(e->message, sizeof(e->message), s, key);
  s = ap_json_str(err, "code"); /* OpenAI: error.code */
  if(s)
    net_text(e->code, sizeof(e->code), s, key);
  if(json_object_object_get_ex(err, "details", &details)) {
    s = ap_json_str(details, "error_code");
    if(s)
      net_text(e->code, sizeof(e->code), s, key);
  }
  s = ap_json_str(root, "type");
  e->api = s && !strcmp(s, "error") && e->type[0];
  e->openai = ap_json_str(err, "message") && e->type[0];
out:
  if(root)
    json_object_put(root);
  json_tokener_free(tok);
}

static enum ap_error api_error(const struct ap_answer *a,
                               const struct envelope *e)
{
  const char *t = e->type;
  long s = a->status;
  if(!strcmp(t, "authentication_error") || (!*t && s == 401))
    return a->key_sent ? AP_ERR_AUTH_INVALID_KEY : AP_ERR_AUTH_NO_KEY;
  if(!strcmp(t, "permission_error") || (!*t && s == 403))
    return AP_ERR_AUTH_FORBIDDEN;
  if(!strcmp(t, "rate_limit_error") || (!*t && s == 429))
    return !strcmp(e->code, "enforced_spend_limit_reached")
             ? AP_ERR_AUTH_SPEND_LIMIT
             : AP_ERR_AUTH_RATE_LIMITED;
  if(!strcmp(t, "overloaded_error") || (!*t && s == 529))
    return AP_ERR_AUTH_OVERLOADED;
  if(!strcmp(t, "billing_error") || (!*t && s == 402))
    return AP_ERR_AUTH_BILLING;
  if(!strcmp(t, "not_found_error") || (!*t && s == 404))
    return AP_ERR_AUTH_NOT_FOUND;
  if(!strcmp(t, "invalid_request_error") || (!*t && s == 400)) {
    /* the two account states the API reports as 400 (API.md 2.2) */
    if(strstr(e->message, "credit balance"))
      return AP_ERR_AUTH_BILLING;
    if(strstr(e->message, "usage limits"))
      return AP_ERR_AUTH_SPEND_LIMIT;
    return AP_ERR_AUTH_BAD_REQUEST;
  }
  if(!strcmp(t, "api_error") || !strcmp(t, "timeout_error") || s >= 500)
    return AP_ERR_AUTH_SERVER_ERROR;
  return AP_ERR_AUTH_UNEXPECTED;
}

static int is_html(const char *ct)
{
  return ct && !strncasecmp(ct, "text/html", 9);
}

/* An answer that did not come from the API: which http error? */
static enum ap_error non_api(const struct ap_answer *a,
                             const struct envelope *e)
{
  if(a->status >= 300 && a->status < 400)
    return AP_ERR_HTTP_REDIRECT;
  if(a->status >= 500)
    return AP_ERR_HTTP_5XX;
  if(a->status == 403 && (!strcmp(e->type, "forbidden") || is_html(a->content_type)))
    return AP_ERR_HTTP_EDGE_BLOCKED;
  return AP_ERR_HTTP_NOT_API;
}

/* OpenAI's errors: {"error":{"message","type","param","code"}}, keyed
 * on status, with code/type telling quota from rate (API.md section 7). */
static enum ap_error openai_error(const struct ap_answer *a,
                                  const struct envelope *e)
{
  long s = a->status;
  if(s == 401)
    return a->key_sent ? AP_ERR_AUTH_INVALID_KEY : AP_ERR_AUTH_NO_KEY;
  if(s == 403)
    return AP_ERR_AUTH_FORBIDDEN;
  if(s == 429)
    return !strcmp(e->code, "insufficient_quota") ||
               !strcmp(e->type, "insufficient_quota")
             ? AP_ERR_AUTH_BILLING
             : AP_ERR_AUTH_RATE_LIMITED;
  if(s == 404)
    return AP_ERR_AUTH_NOT_FOUND;
  if(s == 400)
    return AP_ERR_AUTH_BAD_REQUEST;
  if(s >= 500)
    return AP_ERR_AUTH_SERVER_ERROR;
  return AP_ERR_AUTH_UNEXPECTED;
}

/* The answer A into AUTH; OPENAI: the OpenAI dialect (its error
 * envelope, its error types), else Anthropic's. */
static enum ap_error classify(const struct ap_answer *a,
                              struct ap_auth_result *auth, int openai)
{
  struct envelope e;
  enum ap_error err;
  const char *ct = a->content_type ? a->content_type : "";
  int ok2xx = a->status >= 200 && a->status < 300;

  memset(&e, 0, sizeof(e));
  auth->key_sent = a->key_sent;
  auth->error_type[0] = auth->error_code[0] = '\0';
  if(a->status >= 300 && a->status < 400)
    return AP_ERR_HTTP_REDIRECT;
  /* a success the API itself sent (it carries a request-id): the key was
   * accepted, whatever the body lists (a model list, one model ...); no
   * need to parse it, which is most of this layer's cost per probe */
  if(ok2xx && a->has_request_id) {
    e.has_data = 1;
    goto success;
  }
  parse_envelope(a->body, a->body_len, &e, a->key);
  ap_strlcpy(auth->error_type, e.type, sizeof(auth->error_type));
  ap_strlcpy(auth->error_code, e.code, sizeof(auth->error_code));
  if(openai)
    e.api = e.openai;
  if(!a->has_request_id && !e.api && !(a->status == 200 && e.has_data))
    return non_api(a, &e);

success:
  if(ok2xx) {
    if(e.has_data && !a->key_sent) {
      ap_head_set(&auth->h, AP_STATE_UNKNOWN, AP_ERR_AUTH_NO_KEY, NULL);
      snprintf(auth->h.reason, sizeof(auth->h.reason),
               "the API answered HTTP %ld without a key; no key was "
               "configured",
               a->status);
      return AP_ERR_NONE;
    }
    if(e.has_data) {
      ap_head_set(&auth->h, AP_STATE_OK, auth->h.error, NULL);
      snprintf(auth->h.reason, sizeof(auth->h.reason),
               "key accepted (HTTP %ld)", a->status);
      return AP_ERR_NONE;
    }
    err = AP_ERR_AUTH_UNEXPECTED;
    snprintf(auth->h.reason, sizeof(auth->h.reason),
             "HTTP %ld but the body is not a model list (%.60s)", a->status,
             e.is_json ? "JSON" : (*ct ? ct : "no content-type"));
  } else {
    err = openai ? openai_error(a, &e) : api_error(a, &e);
    if(err == AP_ERR_AUTH_NO_KEY)
      snprintf(auth->h.reason, sizeof(auth->h.reason),
               "no API key configured; the API answered %ld %s", a->status,
               e.type[0] ? e.type : "");
    else if(e.message[0])
      snprintf(auth->h.reason, sizeof(auth->h.reason), "%ld %s: %s",
               a->status, e.type[0] ? e.type : "error", e.message);
    else
      snprintf(auth->h.reason, sizeof(auth->h.reason), "HTTP %ld %s%s",
               a->status, e.type[0] ? e.type : "",
               e.is_json ? "" : " (body is not the API's JSON)");
  }
  ap_head_set(&auth->h, ap_error_state(err), err, NULL);
  return AP_ERR_NONE;
}

enum ap_error ap_auth_classify_anthropic(const struct ap_answer *a,
                                         const char *type,
                                         struct ap_auth_result *auth)
{
  (void)type; /* a header of the clouds' */
  return classify(a, auth, 0);
}

enum ap_error ap_auth_classify_openai(const struct ap_answer *a,
                                      const char *type,
                                      struct ap_auth_result *auth)
{
  (void)type;
  return classify(a, auth, 1);
}

enum ap_error ap_auth_classify(const struct ap_answer *a,
                               struct ap_auth_result *auth)
{
  const struct ap_provider_row *p = ap_provider(a->provider);
  if(!p->classify) /* https: no auth layer; read as the Anthropic API */
    return ap_auth_classify_anthropic(a, "", auth);
  return p->classify(a, "", auth);
}

void ap_auth_fill(struct ap_result *r, const struct ap_headers *h)
{
  struct ap_auth_result *a = &r->auth;
  a->rl = h->rl;
  a->retry_after_s = h->retry_after_s;
  a->should_retry = h->should_retry;
}
