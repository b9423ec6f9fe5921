/* cloud_vertex.c -- --provider vertex: Claude on Google Vertex AI. The
 * OAuth access token (minted from the service account's RS256 JWT named
 * by GOOGLE_APPLICATION_CREDENTIALS at its token_uri, else read from the
 * GCE metadata server; cached until 5 min before it expires), the free
 * request POST .../publishers/anthropic/models/count-tokens:rawPredict
 * with the bearer, and Google's canonical error statuses of its answer.
 */
#include "cloud.h"
#include "jwt.h"
#include "secret.h"
#include "strutil.h"
#include "timeutil.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GCE_DEFAULT "metadata.google.internal"
#define GOOGLE_SCOPE "https://www.googleapis.com/auth/cloud-platform"
#define GOOGLE_TOKEN_URI "https://oauth2.googleapis.com/token"

int ap_cloud_parse_sa(const char *json, size_t len, struct ap_gcp_sa *sa,
                      char *err, size_t errlen)
{
  struct json_object *root = ap_cloud_json(json, len);
  const char *type, *key, *uri;
  int rc = -1;
  memset(sa, 0, sizeof(*sa));
  if(!root) {
    snprintf(err, errlen, "not a JSON object");
    return -1;
  }
  type = ap_json_str(root, "type");
  if(!type || strcmp(type, "service_account")) {
    snprintf(err, errlen, "type is not service_account");
    goto out;
  }
  if(ap_cloud_plain(ap_json_str(root, "client_email"), sa->client_email,
                    sizeof(sa->client_email))) {
    snprintf(err, errlen, "client_email missing or unusable");
    goto out;
  }
  key = ap_json_str(root, "private_key");
  if(!key || !strstr(key, "-----BEGIN") || strlen(key) > 8192) {
    snprintf(err, errlen, "private_key missing or not PEM");
    goto out;
  }
  uri = ap_json_str(root, "token_uri");
  if(!uri)
    uri = GOOGLE_TOKEN_URI;
  if(ap_cloud_plain(uri, sa->token_uri, sizeof(sa->token_uri)) ||
     strncmp(sa->token_uri, "https://", 8)) {
    snprintf(err, errlen, "token_uri is not an https:// URL");
    goto out;
  }
  ap_cloud_plain(ap_json_str(root, "private_key_id"), sa->private_key_id,
                 sizeof(sa->private_key_id));
  ap_cloud_plain(ap_json_str(root, "project_id"), sa->project_id,
                 sizeof(sa->project_id));
  sa->private_key = ap_cloud_secret_dup(key, err, errlen);
  if(sa->private_key)
    rc = 0;
out:
  json_object_put(root);
  return rc;
}

int ap_cloud_parse_token(const char *json, size_t len,
                         struct ap_token_answer *ta)
{
  struct json_object *root = ap_cloud_json(json, len), *v = NULL;
  const char *tok;
  char err[64];
  int rc = -1;
  memset(ta, 0, sizeof(*ta));
  if(!root)
    return -1;
  ap_cloud_clean(ta->error, sizeof(ta->error), ap_json_str(root, "error"));
  ap_cloud_clean(ta->error_description, sizeof(ta->error_description),
                 ap_json_str(root, "error_description"));
  tok = ap_json_str(root, "access_token");
  if(tok && *tok && !ap_has_ctl(tok) && strlen(tok) < AP_SECRET_MAX) {
    ta->access_token = ap_cloud_secret_dup(tok, err, sizeof(err));
    ta->expires_in = 3600;
    if(json_object_object_get_ex(root, "expires_in", &v) &&
       (json_object_is_type(v, json_type_int) ||
        json_object_is_type(v, json_type_double))) {
      double d = json_object_get_double(v);
      ta->expires_in = d > 0 && d < 86400 * 7 ? d : 0;
    }
    rc = ta->access_token ? 0 : -1;
  }
  json_object_put(root);
  return rc;
}

static void project_from_sa(char *out, size_t cap)
{
  const char *path = getenv("GOOGLE_APPLICATION_CREDENTIALS");
  char err[AP_TEXT], *buf;
  size_t len = 0;
  struct ap_gcp_sa sa;
  out[0] = '\0';
  if(!path || !*path)
    return;
  buf = ap_cloud_read_file(path, &len, err, sizeof(err));
  if(!buf)
    return;
  if(!ap_cloud_parse_sa(buf, len, &sa, err, sizeof(err))) {
    ap_strlcpy(out, sa.project_id, cap);
    ap_secret_free(sa.private_key);
  }
  OPENSSL_cleanse(buf, len);
  free(buf);
}

/* ---- Google credentials ------------------------------------------------- */

/* The access token of TA kept in CL (TA's is taken), from SOURCE at HOST,
 * until it expires. */
static void token_keep(struct ap_cloud *cl, struct ap_token_answer *ta,
                       const char *source, const char *host)
{
  ap_secret_free(cl->token);
  cl->token = ta->access_token;
  ta->access_token = NULL;
  cl->token_expires = ap_wall_s() + ta->expires_in;
  ap_strlcpy(cl->token_source, source, sizeof(cl->token_source));
  ap_strlcpy(cl->token_host, host, sizeof(cl->token_host));
}

/* The service account in PATH (into SA; its private key is dropped) and
 * its signed JWT as the token request's form, *PFORM (malloc'd; the
 * caller wipes it). 0, or -1 (R's auth layer failed, unless out of
 * memory). */
static int sa_form(const char *path, struct ap_result *r,
                   struct ap_gcp_sa *sa, char **pform)
{
  char err[AP_TEXT], claims[1024], reason[AP_TEXT], *jwt = NULL, *buf;
  size_t len = 0, flen;
  long long now = (long long)time(NULL);
  int rc = -1;

  *pform = NULL;
  buf = ap_cloud_read_file(path, &len, err, sizeof(err));
  if(!buf || ap_cloud_parse_sa(buf, len, sa, err, sizeof(err))) {
    snprintf(reason, sizeof(reason), "GOOGLE_APPLICATION_CREDENTIALS: %s",
             err);
    ap_layer_fail(r, AP_LAYER_AUTH, AP_ERR_AUTH_NO_CREDENTIALS, reason);
    goto out;
  }
  ap_url_host(sa->token_uri, r->token_host, sizeof(r->token_host));
  snprintf(r->key_source, sizeof(r->key_source), "file:%s", path);
  snprintf(claims, sizeof(claims),
           "{\"iss\":\"%s\",\"scope\":\"%s\",\"aud\":\"%s\",\"iat\":%lld,"
           "\"exp\":%lld}",
           sa->client_email, GOOGLE_SCOPE, sa->token_uri, now, now + 3600);
  if(ap_jwt_rs256_sign(sa->private_key->value, sa->private_key_id, claims,
                       &jwt, err, sizeof(err))) {
    snprintf(reason, sizeof(reason), "the service account key: %s", err);
    ap_layer_fail(r, AP_LAYER_AUTH, AP_ERR_AUTH_NO_CREDENTIALS, reason);
    goto out;
  }
  flen = strlen(jwt) + 128;
  *pform = malloc(flen);
  if(!*pform)
    goto out;
  snprintf(*pform, flen,
           "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3A"
           "jwt-bearer&assertion=%s",
           jwt);
  rc = 0;
out:
  if(jwt) {
    OPENSSL_cleanse(jwt, strlen(jwt));
    free(jwt);
  }
  if(buf) {
    OPENSSL_cleanse(buf, len);
    free(buf);
  }
  ap_secret_free(sa->private_key);
  sa->private_key = NULL;
  return rc;
}

/* The token endpoint's refusal (HTTP STATUS, its answer TA) -> R's auth
 * layer: a JWT outside the endpoint's window is clock skew. */
static void sa_refused(struct ap_result *r, long status,
                       const struct ap_token_answer *ta)
{
  char reason[AP_TEXT];
  int skew = strstr(ta->error_description, "timeframe") ||
             strstr(ta->error_description, "iat") ||
             strstr(ta->error_description, "exp");
  snprintf(reason, sizeof(reason),
           "token endpoint %s refused the assertion (HTTP %ld): %s%s%s",
           r->token_host, status, ta->error[0] ? ta->error : "no error",
           ta->error_description[0] ? ": " : "", ta->error_description);
  ap_strlcpy(r->auth.error_type, ta->error, sizeof(r->auth.error_type));
  ap_layer_fail(r, AP_LAYER_AUTH,
                !strcmp(ta->error, "invalid_grant") && skew
                  ? AP_ERR_AUTH_JWT_CLOCK_SKEW
                  : AP_ERR_AUTH_TOKEN_REFUSED,
                reason);
}

/* Exchange a signed JWT at the service account's token_uri. */
static int sa_token(struct ap_target *t, struct ap_result *r, double budget,
                    void *store, struct curl_slist *resolve,
                    const char *proxy, const char *path)
{
  struct ap_gcp_sa sa;
  struct ap_token_answer ta;
  struct ap_cloud_fetch *f = NULL;
  struct curl_slist *h = NULL;
  char *form = NULL, source[AP_TEXT];
  int rc = -1, failed = 0;

  memset(&sa, 0, sizeof(sa));
  memset(&ta, 0, sizeof(ta));
  if(sa_form(path, r, &sa, &form))
    goto out;
  f = calloc(1, sizeof(*f));
  if(!f)
    goto out;
  h = ap_wipe_slist_header(h, &failed, "content-type",
                           "application/x-www-form-urlencoded");
  if(failed)
    goto out;
  if(ap_cloud_fetch_run(f, "POST", sa.token_uri, h, form, budget, store,
                        resolve, proxy)) {
    ap_cloud_fetch_fail(f, r, "token endpoint");
    goto out;
  }
  if(ap_cloud_parse_token(f->body, f->len, &ta) || f->status != 200) {
    sa_refused(r, f->status, &ta);
    goto out;
  }
  snprintf(source, sizeof(source), "file:%s", path);
  token_keep(t->cloud, &ta, source, r->token_host);
  rc = 0;
out:
  if(f)
    ap_cloud_fetch_end(f);
  free(f);
  ap_wipe_slist_free(h);
  if(form) {
    OPENSSL_cleanse(form, strlen(form));
    free(form);
  }
  ap_secret_free(ta.access_token);
  return rc;
}

/* The GCE metadata server's token for the default service account. */
static int gce_token(struct ap_target *t, struct ap_result *r, double budget)
{
  const char *host = getenv("GCE_METADATA_HOST");
  struct ap_cloud_fetch *f = calloc(1, sizeof(*f));
  struct curl_slist *h = NULL;
  struct ap_token_answer ta;
  char url[AP_TEXT * 2], reason[AP_TEXT];
  int failed = 0, rc = -1;

  memset(&ta, 0, sizeof(ta));
  if(!host || !*host)
    host = GCE_DEFAULT;
  if(!f)
    return -1;
  snprintf(url, sizeof(url),
           "http://%s/computeMetadata/v1/instance/service-accounts/default/"
           "token",
           host);
  snprintf(r->key_source, sizeof(r->key_source), "gce-metadata:%s", host);
  h = ap_wipe_slist_header(h, &failed, "metadata-flavor", "Google");
  if(failed ||
     ap_cloud_fetch_run(f, "GET", url, h, NULL, budget, NULL, NULL, "") ||
     f->status != 200 || ap_cloud_parse_token(f->body, f->len, &ta)) {
    snprintf(reason, sizeof(reason),
             "no GOOGLE_APPLICATION_CREDENTIALS and the metadata server "
             "(%s) gave no token: %s",
             host,
             f->status ? "HTTP error" : curl_easy_strerror(f->code));
    ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_ENV_CREDENTIALS, reason);
    goto out;
  }
  token_keep(t->cloud, &ta, r->key_source, host);
  ap_strlcpy(r->token_host, host, sizeof(r->token_host));
  rc = 0;
out:
  ap_cloud_fetch_end(f);
  free(f);
  ap_wipe_slist_free(h);
  ap_secret_free(ta.access_token);
  return rc;
}

static int vertex_request(struct ap_target *t, struct ap_result *r,
                          struct curl_slist **phdrs)
{
  char body[512], bearer[AP_SECRET_MAX + 16];
  int failed = 0;
  snprintf(body, sizeof(body),
           "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\","
           "\"content\":\"ping\"}]}",
           t->cloud_model);
  free(t->cloud->body);
  t->cloud->body = strdup(body);
  if(!t->cloud->body)
    return -1;
  snprintf(bearer, sizeof(bearer), "Bearer %s", t->cloud->token->value);
  *phdrs = ap_wipe_slist_header(*phdrs, &failed, "authorization", bearer);
  OPENSSL_cleanse(bearer, sizeof(bearer));
  *phdrs =
    ap_wipe_slist_header(*phdrs, &failed, "content-type", "application/json");
  ap_strlcpy(r->key_source, t->cloud->token_source, sizeof(r->key_source));
  ap_secret_fingerprint(t->cloud->token, r->key_fingerprint,
                        sizeof(r->key_fingerprint));
  return failed ? -1 : 0;
}

/* Google's canonical status -> error. */
static enum ap_error google_error(const char *type, const char *msg, long s)
{
  (void)msg;
  if(!strcmp(type, "PERMISSION_DENIED"))
    return AP_ERR_AUTH_PERMISSION_DENIED;
  if(!strcmp(type, "UNAUTHENTICATED"))
    return AP_ERR_AUTH_INVALID_KEY;
  if(!strcmp(type, "NOT_FOUND"))
    return AP_ERR_AUTH_MODEL_NOT_FOUND;
  if(!strcmp(type, "RESOURCE_EXHAUSTED"))
    return AP_ERR_AUTH_QUOTA_EXCEEDED;
  if(!strcmp(type, "UNAVAILABLE"))
    return AP_ERR_AUTH_UNAVAILABLE;
  if(!strcmp(type, "INVALID_ARGUMENT") || !strcmp(type, "FAILED_PRECONDITION"))
    return AP_ERR_AUTH_BAD_REQUEST;
  if(s == 429)
    return AP_ERR_AUTH_QUOTA_EXCEEDED;
  return s >= 500 ? AP_ERR_AUTH_SERVER_ERROR : AP_ERR_AUTH_UNEXPECTED;
}

/* The project from the service account file when --project is absent,
 * then checked. */
static enum ap_code vertex_finish(struct ap_target *t, char *err,
                                  size_t errlen)
{
  char project[128];
  if(!t->project) {
    project_from_sa(project, sizeof(project));
    if(!project[0]) {
      snprintf(err, errlen, "--provider vertex needs --project (or a "
                            "service account file with project_id)");
      return AP_E_CONFIG;
    }
    if(ap_str_set(&t->project, project)) {
      snprintf(err, errlen, "out of memory");
      return AP_E_NOMEM;
    }
  }
  if(!ap_cloud_region_ok(t->project)) {
    snprintf(err, errlen, "--project: '%.60s' is not a project id",
             t->project);
    return AP_E_CONFIG;
  }
  return AP_OK;
}

static void vertex_path(const struct ap_target *t, const char *model_enc,
                        char *out, size_t cap)
{
  (void)model_enc; /* the model goes in the body */
  snprintf(out, cap,
           "/v1/projects/%s/locations/%s/publishers/anthropic/models/"
           "count-tokens:rawPredict",
           t->project, t->region);
}

/* The cached token while it holds, else a new one (the service account
 * file, else the metadata server), then the request. */
static int vertex_prepare(struct ap_target *t, struct ap_result *r,
                          double budget, void *store,
                          struct curl_slist *resolve, const char *proxy,
                          struct curl_slist **phdrs)
{
  const char *sa = getenv("GOOGLE_APPLICATION_CREDENTIALS");
  r->token_cached = t->cloud->token &&
                    t->cloud->token_expires - AP_CLOUD_TOKEN_MARGIN_S >
                      ap_wall_s();
  if(!r->token_cached) {
    if(sa && *sa ? sa_token(t, r, budget, store, resolve, proxy, sa)
                 : gce_token(t, r, budget))
      return -1;
  } else {
    ap_strlcpy(r->token_host, t->cloud->token_host, sizeof(r->token_host));
  }
  if(vertex_request(t, r, phdrs)) {
    ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_NONE, "out of memory");
    return -1;
  }
  return 0;
}

const struct ap_cloud_ops ap_cloud_vertex = {
  .default_model = "claude-3-5-haiku@20241022",
  .region_env = {NULL, NULL},
  .default_region = "us-east5",
  .region_missing = NULL,
  .host_head = "",
  .host_tail = "-aiplatform.googleapis.com",
  .finish = vertex_finish,
  .path = vertex_path,
  .prepare = vertex_prepare,
  .error = google_error,
  .tokens_field = "input_tokens",
  .type_header = 0,
};
