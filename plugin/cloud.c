/* cloud.c -- Claude through the clouds: --provider bedrock (AWS SigV4,
 * cloud_bedrock.c) and --provider vertex (a Google OAuth token,
 * cloud_vertex.c). Both send a free count-tokens request (docs/clouds.md)
 * that proves credentials and model access. This file is what the two
 * share, driven by each cloud's row of hooks (cloud.h):
 *
 *   finish:   region, model (and the project), the URL they make
 *   prepare:  credentials (maybe from a second host: cloud_fetch.c, its
 *             dns/tcp/tls failures named with it), then the request
 *   classify: the answer's error type through the cloud's table
 *
 * Secrets (secret key, session token, private key, access token) live in
 * struct ap_secret only, and every header holding one is wiped.
 */
#include "cloud.h"
#include "file.h"
#include "secret.h"
#include "strutil.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The row of PROVIDER's hooks, NULL when it is not a cloud. */
static const struct ap_cloud_ops *cloud_ops(int provider)
{
  return ap_provider(provider)->cloud;
}

int ap_cloud_provider(int provider)
{
  return cloud_ops(provider) != NULL;
}

void ap_cloud_free(struct ap_cloud *c)
{
  if(!c)
    return;
  ap_bedrock_creds_clear(&c->aws);
  ap_secret_free(c->token);
  free(c->body);
  free(c);
}

struct ap_secret *ap_cloud_secret_dup(const char *v, char *err,
                                      size_t errlen)
{
  struct ap_secret *s = calloc(1, sizeof(*s));
  if(!s) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->len = strlen(v);
  s->value = malloc(s->len + 1);
  if(!s->value) {
    free(s);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  memcpy(s->value, v, s->len + 1);
  return s;
}

/* ---- parsers (untrusted input) ------------------------------------------ */

struct json_object *ap_cloud_json(const char *json, size_t len)
{
  struct json_tokener *tok;
  struct json_object *root;
  if(!json || !len || len > AP_CLOUD_BODY_MAX)
    return NULL;
  tok = json_tokener_new_ex(16);
  if(!tok)
    return NULL;
  root = json_tokener_parse_ex(tok, json, (int)len);
  if(root && (json_tokener_get_error(tok) != json_tokener_success ||
              !json_object_is_type(root, json_type_object))) {
    json_object_put(root);
    root = NULL;
  }
  json_tokener_free(tok);
  return root;
}

/* A printable copy of network text (common/strutil.c: control bytes and
 * invalid UTF-8 replaced, cut on a character boundary within CAP). */
void ap_cloud_clean(char *out, size_t cap, const char *s)
{
  if(!cap)
    return;
  ap_text_clean(out, cap, s ? s : "");
}

/* A field that must be one printable ASCII word (an e-mail, a URL, an
 * id, a role name): anything else is refused, not cleaned. */
int ap_cloud_plain(const char *v, char *out, size_t cap)
{
  const char *p;
  if(!v || !*v || strlen(v) >= cap)
    return -1;
  for(p = v; *p; p++)
    if((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
      return -1;
  ap_strlcpy(out, v, cap);
  return 0;
}

void ap_cloud_parse_error(const char *json, size_t len, char *type,
                          size_t typelen, char *msg, size_t msglen)
{
  struct json_object *root = ap_cloud_json(json, len), *e = NULL;
  const char *t = NULL, *m = NULL;
  if(typelen)
    type[0] = '\0';
  if(msglen)
    msg[0] = '\0';
  if(!root)
    return;
  if(json_object_object_get_ex(root, "error", &e) &&
     json_object_is_type(e, json_type_object)) {
    t = ap_json_str(e, "status"); /* Google: PERMISSION_DENIED ... */
    m = ap_json_str(e, "message");
  } else {
    /* AWS: "...#ThrottlingException" or bare */
    t = ap_json_str(root, "__type");
    m = ap_json_str(root, "message");
    if(!m)
      m = ap_json_str(root, "Message");
    if(t && strchr(t, '#'))
      t = strchr(t, '#') + 1;
  }
  ap_cloud_clean(type, typelen, t);
  if(typelen)
    type[strcspn(type, ":")] = '\0';
  ap_cloud_clean(msg, msglen, m);
  json_object_put(root);
}

/* ---- finishing the target ---------------------------------------------- */

int ap_cloud_region_ok(const char *r)
{
  size_t i, n = r ? strlen(r) : 0;
  if(!n || n > 40)
    return 0;
  for(i = 0; i < n; i++)
    if(!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') ||
         r[i] == '-'))
      return 0;
  return 1;
}

/* T's region (--region, the cloud's variables, its default) checked and
 * kept, then its model. AP_OK or an error with ERR. */
static enum ap_code cloud_region_model(struct ap_target *t,
                                       const struct ap_cloud_ops *ops,
                                       char *err, size_t errlen)
{
  const char *region = t->region;
  if(!region && ops->region_env[0]) {
    region = getenv(ops->region_env[0]);
    if((!region || !*region) && ops->region_env[1])
      region = getenv(ops->region_env[1]);
  }
  if(!region || !*region)
    region = ops->default_region;
  if(!region) {
    snprintf(err, errlen, "%s", ops->region_missing);
    return AP_E_CONFIG;
  }
  if(!ap_cloud_region_ok(region)) {
    snprintf(err, errlen, "--region: '%.60s' is not a region name", region);
    return AP_E_CONFIG;
  }
  if((region != t->region && ap_str_set(&t->region, region)) ||
     ap_str_set(&t->cloud_model,
                t->model_count ? t->models[0] : ops->default_model)) {
    snprintf(err, errlen, "out of memory");
    return AP_E_NOMEM;
  }
  if(ap_has_ctl(t->cloud_model) || strlen(t->cloud_model) > 200) {
    snprintf(err, errlen, "--model: not a model id");
    return AP_E_CONFIG;
  }
  return AP_OK;
}

/* The URL of T's request into *PURL (malloc'd): a given https://HOST[:PORT]
 * keeps its host (tests pin it with --resolve); the path is always the
 * cloud's. */
static enum ap_code cloud_url(const struct ap_target *t,
                              const struct ap_cloud_ops *ops, char **purl,
                              char *err, size_t errlen)
{
  char host[AP_TARGET_TEXT], path[1024], url[AP_TARGET_TEXT * 2];
  const char *lb, *rb;
  char *model_enc;
  int port = 443;

  if(t->url) {
    if(ap_url_host(t->url, host, sizeof(host)) ||
       ap_url_port(t->url, &port)) {
      snprintf(err, errlen, "--url: cannot parse %s", t->url);
      return AP_E_CONFIG;
    }
  } else {
    snprintf(host, sizeof(host), "%s%s%s", ops->host_head, t->region,
             ops->host_tail);
  }
  model_enc = curl_easy_escape(NULL, t->cloud_model, 0);
  if(!model_enc)
    goto nomem;
  ops->path(t, model_enc, path, sizeof(path));
  curl_free(model_enc);
  lb = strchr(host, ':') ? "[" : "";
  rb = strchr(host, ':') ? "]" : "";
  if(port == 443)
    snprintf(url, sizeof(url), "https://%s%s%s%s", lb, host, rb, path);
  else
    snprintf(url, sizeof(url), "https://%s%s%s:%d%s", lb, host, rb, port,
             path);
  *purl = strdup(url);
  if(*purl)
    return AP_OK;
nomem:
  snprintf(err, errlen, "out of memory");
  return AP_E_NOMEM;
}

enum ap_code ap_cloud_finish(struct ap_target *t, char **purl, char *err,
                             size_t errlen)
{
  const struct ap_cloud_ops *ops = cloud_ops(t->provider);
  enum ap_code rc;

  *purl = NULL;
  ap_cloud_free(t->cloud);
  t->cloud = NULL;
  if(!ops) {
    snprintf(err, errlen, "--provider %s is not a cloud",
             ap_provider(t->provider)->name);
    return AP_E_CONFIG;
  }
  if(t->canary) {
    snprintf(err, errlen, "--canary is not available with --provider %s "
                          "(its free count-tokens request is the probe)",
             ap_provider(t->provider)->name);
    return AP_E_CONFIG;
  }
  rc = cloud_region_model(t, ops, err, errlen);
  if(rc == AP_OK && ops->finish)
    rc = ops->finish(t, err, errlen);
  if(rc == AP_OK)
    rc = cloud_url(t, ops, purl, err, errlen);
  if(rc != AP_OK)
    return rc;
  t->cloud = calloc(1, sizeof(*t->cloud));
  if(!t->cloud) {
    free(*purl);
    *purl = NULL;
    snprintf(err, errlen, "out of memory");
    return AP_E_NOMEM;
  }
  return AP_OK;
}


/* ---- files ---------------------------------------------------------- */

/* A whole regular file, at most AP_CLOUD_BODY_MAX bytes (common/file.c:
 * never blocks, regular files only); the caller wipes and frees it. */
char *ap_cloud_read_file(const char *path, size_t *plen, char *err,
                         size_t errlen)
{
  char *buf = NULL;
  if(ap_file_read(path, "GOOGLE_APPLICATION_CREDENTIALS", AP_CLOUD_BODY_MAX,
                  NULL, &buf, plen, err, errlen))
    return NULL;
  return buf;
}

/* ---- the request -------------------------------------------------------- */

int ap_cloud_prepare(struct ap_target *t, struct ap_result *r, double budget,
                     void *store, struct curl_slist *resolve,
                     const char *proxy, struct curl_slist **phdrs,
                     const char **pbody)
{
  const struct ap_cloud_ops *ops = cloud_ops(t->provider);

  *phdrs = NULL;
  *pbody = NULL;
  if(!t->cloud || !ops) {
    ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_NONE, "target not finished");
    return -1;
  }
  ap_strlcpy(r->region, t->region ? t->region : "", sizeof(r->region));
  ap_strlcpy(r->project, t->project ? t->project : "", sizeof(r->project));
  if(ops->prepare(t, r, budget, store, resolve, proxy, phdrs)) {
    ap_wipe_slist_free(*phdrs);
    *phdrs = NULL;
    return -1;
  }
  *pbody = t->cloud->body;
  return 0;
}


/* ---- the answer --------------------------------------------------------- */

/* A 2xx answer: the count-tokens count read from FIELD, AUTH ok. */
static enum ap_error cloud_accepted(const struct ap_answer *a,
                                    const char *field,
                                    struct ap_auth_result *auth)
{
  struct json_object *root = ap_cloud_json(a->body, a->body_len), *v = NULL;
  char reason[AP_TEXT];
  int n = -1;
  if(!root)
    return AP_ERR_HTTP_NOT_API;
  if(json_object_object_get_ex(root, field, &v) &&
     json_object_is_type(v, json_type_int))
    n = json_object_get_int(v);
  json_object_put(root);
  snprintf(reason, sizeof(reason),
           "credentials and model access accepted (HTTP %ld, "
           "count-tokens: %d input tokens)",
           a->status, n);
  ap_head_set(&auth->h, AP_STATE_OK, AP_ERR_NONE, reason);
  return AP_ERR_NONE;
}

enum ap_error ap_cloud_classify(const struct ap_answer *a,
                                const char *amzn_type,
                                struct ap_auth_result *auth)
{
  const struct ap_cloud_ops *ops = cloud_ops(a->provider);
  char type[64], msg[160], reason[AP_TEXT];
  enum ap_error e;

  if(!ops)
    ops = &ap_cloud_vertex;
  auth->key_sent = a->key_sent;
  auth->error_type[0] = auth->error_code[0] = '\0';
  if(a->status >= 300 && a->status < 400)
    return AP_ERR_HTTP_REDIRECT;
  if(a->status >= 200 && a->status < 300)
    return cloud_accepted(a, ops->tokens_field, auth);
  ap_cloud_parse_error(a->body, a->body_len, type, sizeof(type), msg,
                       sizeof(msg));
  if(ops->type_header && amzn_type && *amzn_type)
    ap_cloud_clean(type, sizeof(type), amzn_type);
  if(!type[0] && !a->has_request_id) {
    /* nothing of the service's: a gateway, a portal, a proxy page */
    return a->status >= 500 ? AP_ERR_HTTP_5XX : AP_ERR_HTTP_NOT_API;
  }
  e = ops->error(type, msg, a->status);
  ap_strlcpy(auth->error_type, type, sizeof(auth->error_type));
  snprintf(reason, sizeof(reason), "%ld %s: %s", a->status,
           type[0] ? type : "error", msg[0] ? msg : "(no message)");
  ap_head_set(&auth->h, ap_error_state(e), e, reason);
  return AP_ERR_NONE;
}


void ap_cloud_scrub(const struct ap_cloud *c, struct ap_result *r)
{
  if(!c)
    return;
  if(c->aws.akid)
    ap_result_scrub(r, c->aws.akid);
  if(c->aws.secret)
    ap_result_scrub(r, c->aws.secret);
  if(c->aws.token)
    ap_result_scrub(r, c->aws.token);
  if(c->token)
    ap_result_scrub(r, c->token);
}
