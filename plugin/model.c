/* model.c -- the model layer (--model ID, repeatable; free): asks the
 * provider whether this key can use each model, with GET /v1/models/{id}
 * (Anthropic and OpenAI alike; an alias resolves to its model). A 404 is
 * model_not_found (retired, misspelt, or not for this key); any other
 * error answer keeps the http/auth class the auth layer would give it.
 * Runs only after the auth layer passed; costs no tokens.
 */
#include "internal.h"
#include "secret.h"
#include "strutil.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

int ap_model_id_ok(const char *v)
{
  size_t n = strlen(v);
  if(!n || n >= AP_MODEL_ID_MAX || v[0] == '.')
    return 0; /* a leading dot could make a "/.." path segment */
  return strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789.-_:@") == n;
}

/* A 200's body: the model object's id and display_name. 0 when it is one. */
static int model_object(const char *body, size_t len, char *name,
                        size_t namelen)
{
  struct json_tokener *tok = json_tokener_new();
  struct json_object *o, *v = NULL;
  int rc = -1;
  name[0] = '\0';
  if(!tok)
    return -1;
  o = json_tokener_parse_ex(tok, body, (int)len);
  if(o && json_object_is_type(o, json_type_object) &&
     json_object_object_get_ex(o, "id", &v) &&
     json_object_is_type(v, json_type_string)) {
    rc = 0;
    if(json_object_object_get_ex(o, "display_name", &v) &&
       json_object_is_type(v, json_type_string))
      ap_text_clean(name, namelen, json_object_get_string(v));
  }
  json_object_put(o);
  json_tokener_free(tok);
  return rc;
}

static void check_one(struct ap_target *t, const char *id,
                      struct ap_model_entry *m, double deadline)
{
  struct ap_followup f;
  char url[AP_TARGET_TEXT * 2], path[AP_MODEL_ID_MAX + 16];
  char err[AP_TEXT];
  enum ap_error e = AP_ERR_NONE;
  CURLcode code;

  memset(m, 0, sizeof(*m));
  ap_strlcpy(m->id, id, sizeof(m->id));
  snprintf(path, sizeof(path), "/v1/models/%s", id);
  if(deadline - ap_mono_s() < AP_FOLLOWUP_MIN_S) {
    e = AP_ERR_HTTP_TIMEOUT;
    ap_strlcpy(m->reason, "not checked: --timeout used up",
               sizeof(m->reason));
    goto out;
  }
  if(ap_api_url(t, path, url, sizeof(url))) {
    m->state = AP_STATE_UNKNOWN;
    e = AP_ERR_AUTH_UNEXPECTED;
    ap_strlcpy(m->reason, "cannot build the model's URL", sizeof(m->reason));
    goto out;
  }
  if(ap_followup_init(&f, t, url, NULL, 0, deadline - ap_mono_s(), err,
                      sizeof(err))) {
    ap_followup_free(&f);
    e = AP_ERR_AUTH_UNEXPECTED;
    ap_strlcpy(m->reason, err, sizeof(m->reason));
    goto out;
  }
  code = curl_easy_perform(f.easy);
  m->status = f.status;
  if(code != CURLE_OK)
    e = ap_followup_failure(&f, (long)code, m->reason, sizeof(m->reason));
  else if(f.status == 200) {
    if(model_object(f.body ? f.body : "", f.body_len, m->display_name,
                    sizeof(m->display_name))) {
      e = AP_ERR_AUTH_UNEXPECTED;
      ap_strlcpy(m->reason, "HTTP 200 but not a model object",
                 sizeof(m->reason));
    }
    else
      snprintf(m->reason, sizeof(m->reason), "served%s%s",
               m->display_name[0] ? ": " : "", m->display_name);
  }
  else {
    char why[AP_TEXT];
    e = ap_followup_classify(&f, t->provider, why, sizeof(why));
    if(f.status == 404 && e != AP_ERR_HTTP_NOT_API &&
       e != AP_ERR_HTTP_5XX)
      e = AP_ERR_MODEL_NOT_FOUND;
    ap_strlcpy(m->reason, why, sizeof(m->reason));
  }
  ap_followup_free(&f);
out:
  m->error = e;
  m->state = e == AP_ERR_NONE ? AP_STATE_OK : ap_error_state(e);
  ap_redact(m->reason, sizeof(m->reason), t->key);
}

void ap_model_run(struct ap_target *t, struct ap_result *r, double deadline)
{
  struct ap_model_result *m = &r->model;
  double t0;
  int i, worst = -1;

  if(!t->model_count) {
    ap_head_set(&m->h, AP_STATE_NA, m->h.error, NULL);
    return;
  }
  if(ap_cloud_provider(t->provider)) {
    /* bedrock/vertex: the auth layer's count-tokens went to --model's
     * first id and proved it is served (cloud.c); no second request */
    if(r->auth.h.state == AP_STATE_OK || r->auth.h.state == AP_STATE_WARNING) {
      char reason[AP_TEXT];
      snprintf(reason, sizeof(reason),
               "%.120s: count-tokens accepted (auth layer)", t->cloud_model);
      ap_head_set(&m->h, AP_STATE_OK, m->h.error, reason);
    }
    return;
  }
  if(r->auth.h.state != AP_STATE_OK && r->auth.h.state != AP_STATE_WARNING)
    return; /* skipped: the key did not get through */
  t0 = ap_mono_s();
  for(i = 0; i < t->model_count; i++) {
    check_one(t, t->models[i], &m->models[i], deadline);
    if(worst < 0 || ap_state_rank(m->models[i].state) >
                      ap_state_rank(m->models[worst].state))
      worst = i;
  }
  m->count = t->model_count;
  m->h.time_s = ap_mono_s() - t0;
  ap_head_set(&m->h, m->models[worst].state, m->models[worst].error, NULL);
  if(m->h.state == AP_STATE_OK)
    snprintf(m->h.reason, sizeof(m->h.reason), "%d model%s served",
             m->count, m->count == 1 ? "" : "s");
  else
    snprintf(m->h.reason, sizeof(m->h.reason), "%s: %s",
             m->models[worst].id, m->models[worst].reason);
}

int ap_model_summary(const struct ap_result *r, char *buf, size_t n)
{
  const struct ap_model_result *m = &r->model;
  size_t used = 0;
  int i;
  if(n)
    buf[0] = '\0';
  for(i = 0; i < m->count && i < AP_MAX_MODELS && used < n; i++) {
    const struct ap_model_entry *e = &m->models[i];
    int w = snprintf(buf + used, n - used, "%s%s %s%s%s%s", i ? ", " : "",
                     e->id,
                     e->error != AP_ERR_NONE ? ap_error_name(e->error)
                                             : ap_state_name(e->state),
                     e->display_name[0] ? " (" : "", e->display_name,
                     e->display_name[0] ? ")" : "");
    if(w < 0)
      break;
    used += (size_t)w;
  }
  return (int)used;
}
