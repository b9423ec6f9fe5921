/* cloud.c -- Claude through the clouds: --provider bedrock (AWS SigV4,
 * POST /model/MODEL/count-tokens on bedrock-runtime.REGION.amazonaws.com)
 * and --provider vertex (an OAuth access token minted from a service
 * account's RS256 JWT or read from the GCE metadata server, POST
 * .../publishers/anthropic/models/count-tokens:rawPredict). Both requests
 * are free (docs/clouds.md) and prove credentials and model access.
 *
 *   env: credentials (AWS env / IMDSv2; Google key file / metadata server)
 *   the token endpoint (vertex): a second host, its dns/tcp/tls failures
 *        named with it; the access token cached until 5 min before expiry
 *   then the probe's own transfer, signed (bedrock) or with the bearer
 *
 * Secrets (secret key, session token, private key, access token) live in
 * struct ap_secret only, and every header holding one is wiped.
 */
#include "internal.h"
#include "file.h"
#include "jwt.h"
#include "secret.h"
#include "sigv4.h"
#include "strutil.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CLOUD_BODY_MAX 65536
#define TOKEN_MARGIN_S 300.0 /* renew cached tokens this long before */
#define IMDS_DEFAULT "http://169.254.169.254"
#define GCE_DEFAULT "metadata.google.internal"
#define GOOGLE_SCOPE "https://www.googleapis.com/auth/cloud-platform"
#define GOOGLE_TOKEN_URI "https://oauth2.googleapis.com/token"
#define BEDROCK_MODEL "anthropic.claude-3-5-haiku-20241022-v1:0"
#define VERTEX_MODEL "claude-3-5-haiku@20241022"
#define VERTEX_REGION "us-east5"

/* What a target keeps between probes (resident faces): the credentials
 * read from an instance and the access token, each until it expires. */
struct ap_cloud {
  struct ap_aws_creds aws;     /* from IMDS (env credentials are re-read) */
  char aws_source[128];
  struct ap_secret *token;     /* vertex access token */
  double token_expires;        /* epoch */
  char token_source[128];
  char token_host[AP_TEXT];    /* where the token came from */
  char *body;                  /* the request body (no secret) */
};

int ap_cloud_provider(int provider)
{
  return provider == AP_PROVIDER_BEDROCK || provider == AP_PROVIDER_VERTEX;
}

static void aws_creds_clear(struct ap_aws_creds *c)
{
  ap_secret_free(c->akid);
  ap_secret_free(c->secret);
  ap_secret_free(c->token);
  memset(c, 0, sizeof(*c));
}

void ap_cloud_free(struct ap_cloud *c)
{
  if(!c)
    return;
  aws_creds_clear(&c->aws);
  ap_secret_free(c->token);
  free(c->body);
  free(c);
}

static struct ap_secret *secret_dup(const char *v, char *err, size_t errlen)
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

static struct json_object *parse_obj(const char *json, size_t len)
{
  struct json_tokener *tok;
  struct json_object *root;
  if(!json || !len || len > CLOUD_BODY_MAX)
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
static void clean_copy(char *out, size_t cap, const char *s)
{
  if(!cap)
    return;
  ap_text_clean(out, cap, s ? s : "");
}

/* A field that must be one printable ASCII word (an e-mail, a URL, an
 * id, a role name): anything else is refused, not cleaned. */
static int plain_field(const char *v, char *out, size_t cap)
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

int ap_cloud_parse_sa(const char *json, size_t len, struct ap_gcp_sa *sa,
                      char *err, size_t errlen)
{
  struct json_object *root = parse_obj(json, len);
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
  if(plain_field(ap_json_str(root, "client_email"), sa->client_email,
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
  if(plain_field(uri, sa->token_uri, sizeof(sa->token_uri)) ||
     strncmp(sa->token_uri, "https://", 8)) {
    snprintf(err, errlen, "token_uri is not an https:// URL");
    goto out;
  }
  plain_field(ap_json_str(root, "private_key_id"), sa->private_key_id,
              sizeof(sa->private_key_id));
  plain_field(ap_json_str(root, "project_id"), sa->project_id,
              sizeof(sa->project_id));
  sa->private_key = secret_dup(key, err, errlen);
  if(sa->private_key)
    rc = 0;
out:
  json_object_put(root);
  return rc;
}

/* "2026-12-05T10:00:00Z" -> epoch; 0 when unusable. */
static double parse_iso8601(const char *v)
{
  struct tm tm;
  const char *end;
  if(!v)
    return 0;
  memset(&tm, 0, sizeof(tm));
  end = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
  if(!end || (*end != 'Z' && *end != '.' && *end != '+'))
    return 0;
  return (double)timegm(&tm);
}

int ap_cloud_parse_imds(const char *json, size_t len, struct ap_aws_creds *c,
                        char *err, size_t errlen)
{
  struct json_object *root = parse_obj(json, len);
  const char *code, *akid, *sec, *tok;
  int rc = -1;
  memset(c, 0, sizeof(*c));
  if(!root) {
    snprintf(err, errlen, "the role credentials are not a JSON object");
    return -1;
  }
  code = ap_json_str(root, "Code");
  akid = ap_json_str(root, "AccessKeyId");
  sec = ap_json_str(root, "SecretAccessKey");
  tok = ap_json_str(root, "Token");
  if(code && strcmp(code, "Success")) {
    char cc[48];
    clean_copy(cc, sizeof(cc), code);
    snprintf(err, errlen, "the role credentials say Code %s", cc);
    goto out;
  }
  if(!akid || !sec || !*akid || !*sec || ap_has_ctl(akid) ||
     ap_has_ctl(sec) || strlen(akid) > 128 || strlen(sec) > 256 ||
     (tok && (ap_has_ctl(tok) || strlen(tok) > AP_SECRET_MAX))) {
    snprintf(err, errlen, "the role credentials lack a usable key");
    goto out;
  }
  c->akid = secret_dup(akid, err, errlen);
  c->secret = secret_dup(sec, err, errlen);
  c->token = tok && *tok ? secret_dup(tok, err, errlen) : NULL;
  c->expires = parse_iso8601(ap_json_str(root, "Expiration"));
  if(!c->akid || !c->secret || (tok && *tok && !c->token)) {
    aws_creds_clear(c);
    goto out;
  }
  rc = 0;
out:
  json_object_put(root);
  return rc;
}

int ap_cloud_parse_token(const char *json, size_t len,
                         struct ap_token_answer *ta)
{
  struct json_object *root = parse_obj(json, len), *v = NULL;
  const char *tok;
  char err[64];
  int rc = -1;
  memset(ta, 0, sizeof(*ta));
  if(!root)
    return -1;
  clean_copy(ta->error, sizeof(ta->error), ap_json_str(root, "error"));
  clean_copy(ta->error_description, sizeof(ta->error_description),
             ap_json_str(root, "error_description"));
  tok = ap_json_str(root, "access_token");
  if(tok && *tok && !ap_has_ctl(tok) && strlen(tok) < AP_SECRET_MAX) {
    ta->access_token = secret_dup(tok, err, sizeof(err));
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

void ap_cloud_parse_error(const char *json, size_t len, char *type,
                          size_t typelen, char *msg, size_t msglen)
{
  struct json_object *root = parse_obj(json, len), *e = NULL;
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
    t = ap_json_str(root, "__type"); /* AWS: "...#ThrottlingException" or bare */
    m = ap_json_str(root, "message");
    if(!m)
      m = ap_json_str(root, "Message");
    if(t && strchr(t, '#'))
      t = strchr(t, '#') + 1;
  }
  clean_copy(type, typelen, t);
  if(typelen)
    type[strcspn(type, ":")] = '\0';
  clean_copy(msg, msglen, m);
  json_object_put(root);
}

/* ---- finishing the target ---------------------------------------------- */

static int region_ok(const char *r)
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

static int set_dup(char **dst, const char *v)
{
  char *c = strdup(v);
  if(!c)
    return -1;
  free(*dst);
  *dst = c;
  return 0;
}

/* The project from the service-account file named by the environment
 * (read once at finish; "" when none). */
static void project_from_sa(char *out, size_t cap);

enum ap_code ap_cloud_finish(struct ap_target *t, char **purl, char *err,
                             size_t errlen)
{
  int bedrock = t->provider == AP_PROVIDER_BEDROCK;
  const char *region = t->region;
  char host[AP_TARGET_TEXT], path[1024], url[AP_TARGET_TEXT * 2];
  char *model_enc = NULL, project[128];
  int port = 443;

  *purl = NULL;
  ap_cloud_free(t->cloud);
  t->cloud = NULL;
  if(t->canary) {
    snprintf(err, errlen, "--canary is not available with --provider %s "
                          "(its free count-tokens request is the probe)",
             bedrock ? "bedrock" : "vertex");
    return AP_E_CONFIG;
  }
  if(!region && bedrock) {
    region = getenv("AWS_REGION");
    if(!region || !*region)
      region = getenv("AWS_DEFAULT_REGION");
  }
  if(!region || !*region)
    region = bedrock ? NULL : VERTEX_REGION;
  if(!region) {
    snprintf(err, errlen, "--provider bedrock needs --region (or AWS_REGION "
                          "/ AWS_DEFAULT_REGION)");
    return AP_E_CONFIG;
  }
  if(!region_ok(region)) {
    snprintf(err, errlen, "--region: '%.60s' is not a region name", region);
    return AP_E_CONFIG;
  }
  if((region != t->region && set_dup(&t->region, region)) ||
     set_dup(&t->cloud_model, t->model_count ? t->models[0]
                              : bedrock       ? BEDROCK_MODEL
                                              : VERTEX_MODEL))
    goto nomem;
  if(ap_has_ctl(t->cloud_model) || strlen(t->cloud_model) > 200) {
    snprintf(err, errlen, "--model: not a model id");
    return AP_E_CONFIG;
  }
  if(!bedrock && !t->project) {
    project_from_sa(project, sizeof(project));
    if(!project[0]) {
      snprintf(err, errlen, "--provider vertex needs --project (or a "
                            "service account file with project_id)");
      return AP_E_CONFIG;
    }
    if(set_dup(&t->project, project))
      goto nomem;
  }
  if(!bedrock && !region_ok(t->project)) {
    snprintf(err, errlen, "--project: '%.60s' is not a project id",
             t->project);
    return AP_E_CONFIG;
  }
  /* a given https://HOST[:PORT] keeps its host (tests pin it with
   * --resolve); the path is always the provider's */
  if(t->url) {
    if(ap_url_host(t->url, host, sizeof(host)) ||
       ap_url_port(t->url, &port)) {
      snprintf(err, errlen, "--url: cannot parse %s", t->url);
      return AP_E_CONFIG;
    }
  } else if(bedrock) {
    snprintf(host, sizeof(host), "bedrock-runtime.%s.amazonaws.com",
             t->region);
  } else {
    snprintf(host, sizeof(host), "%s-aiplatform.googleapis.com", t->region);
  }
  model_enc = curl_easy_escape(NULL, t->cloud_model, 0);
  if(!model_enc)
    goto nomem;
  if(bedrock)
    snprintf(path, sizeof(path), "/model/%s/count-tokens", model_enc);
  else
    snprintf(path, sizeof(path),
             "/v1/projects/%s/locations/%s/publishers/anthropic/models/"
             "count-tokens:rawPredict",
             t->project, t->region);
  curl_free(model_enc);
  if(port == 443)
    snprintf(url, sizeof(url), "https://%s%s%s%s", strchr(host, ':') ? "[" : "",
             host, strchr(host, ':') ? "]" : "", path);
  else
    snprintf(url, sizeof(url), "https://%s%s%s:%d%s",
             strchr(host, ':') ? "[" : "", host,
             strchr(host, ':') ? "]" : "", port, path);
  *purl = strdup(url);
  if(!*purl)
    goto nomem;
  t->cloud = calloc(1, sizeof(*t->cloud));
  if(!t->cloud) {
    free(*purl);
    *purl = NULL;
    goto nomem;
  }
  return AP_OK;
nomem:
  snprintf(err, errlen, "out of memory");
  return AP_E_NOMEM;
}

/* ---- files ---------------------------------------------------------- */

/* A whole regular file, at most CLOUD_BODY_MAX bytes (common/file.c:
 * never blocks, regular files only); the caller wipes and frees it. */
static char *read_file(const char *path, size_t *plen, char *err,
                       size_t errlen)
{
  char *buf = NULL;
  if(ap_file_read(path, "GOOGLE_APPLICATION_CREDENTIALS", CLOUD_BODY_MAX,
                  NULL, &buf, plen, err, errlen))
    return NULL;
  return buf;
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
  buf = read_file(path, &len, err, sizeof(err));
  if(!buf)
    return;
  if(!ap_cloud_parse_sa(buf, len, &sa, err, sizeof(err))) {
    ap_strlcpy(out, sa.project_id, cap);
    ap_secret_free(sa.private_key);
  }
  OPENSSL_cleanse(buf, len);
  free(buf);
}

/* ---- one side transfer (IMDS, metadata server, token endpoint) --------- */

struct fetch {
  CURL *easy;
  long status;
  char body[CLOUD_BODY_MAX + 1];
  size_t len;
  int capped;
  char errbuf[CURL_ERROR_SIZE];
  CURLcode code;
  struct ap_tls_capture tls;
  struct ap_tls_result tlsr;
  char host[AP_TEXT];
};

static size_t fetch_body(char *p, size_t sz, size_t n, void *ud)
{
  struct fetch *f = ud;
  size_t len = sz * n;
  if(len > CLOUD_BODY_MAX - f->len) {
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
  struct fetch *f = ud;
  return ap_tls_ctx_cb(curl, sslctx, &f->tls) ? CURLE_SSL_CERTPROBLEM
                                               : CURLE_OK;
}

/* METHOD URL with HDRS and BODY (NULL: none) within TIMEOUT_S. 0 when an
 * answer came (any status), -1 when the transfer failed (f->code). */
static int fetch_run(struct fetch *f, const char *method, const char *url,
                     struct curl_slist *hdrs, const char *body,
                     double timeout_s, void *store,
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
  f->code = curl_easy_perform(e);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &f->status);
  return f->code == CURLE_OK ? 0 : -1;
}

/* A failed side transfer -> the layer it broke, named with its host. */
static void fetch_fail(struct fetch *f, struct ap_result *r,
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

static void fetch_end(struct fetch *f)
{
  if(f->easy)
    curl_easy_cleanup(f->easy);
  f->easy = NULL;
  OPENSSL_cleanse(f->body, f->len);
  f->len = 0;
}

/* A header line "NAME: VALUE" appended; the line is wiped after. */
static struct curl_slist *add_hdr(struct curl_slist *l, int *failed,
                                  const char *name, const char *value)
{
  char line[AP_SECRET_MAX + 128];
  struct curl_slist *n;
  snprintf(line, sizeof(line), "%s: %s", name, value);
  n = curl_slist_append(l, line);
  OPENSSL_cleanse(line, sizeof(line));
  if(!n) {
    *failed = 1;
    return l;
  }
  return n;
}

static void slist_wipe(struct curl_slist *l)
{
  struct curl_slist *i;
  for(i = l; i; i = i->next)
    OPENSSL_cleanse(i->data, strlen(i->data));
  curl_slist_free_all(l);
}

/* ---- AWS credentials ---------------------------------------------------- */

static int env_set(const char *n)
{
  const char *v = getenv(n);
  return v && *v;
}

/* IMDSv2: PUT a session token, read the role name, then its credentials. */
static int imds_fetch(struct ap_cloud *cl, struct ap_result *r,
                      double budget, char *err, size_t errlen)
{
  const char *base = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  struct fetch *f = calloc(1, sizeof(*f));
  struct curl_slist *h = NULL;
  char url[AP_TEXT * 2], role[128], tokhdr[AP_TEXT];
  struct ap_secret *tok = NULL;
  double t0 = ap_mono_s();
  int failed = 0, rc = -1;

  (void)r;
  if(!base || !*base)
    base = IMDS_DEFAULT;
  if(!f) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  h = add_hdr(h, &failed, "x-aws-ec2-metadata-token-ttl-seconds", "21600");
  snprintf(url, sizeof(url), "%s/latest/api/token", base);
  if(failed || fetch_run(f, "PUT", url, h, NULL, budget, NULL, NULL, "") ||
     f->status != 200 || !f->len) {
    snprintf(err, errlen, "IMDSv2 token PUT %s: %s", url,
             f->code ? curl_easy_strerror(f->code) : "no token");
    if(f->status)
      snprintf(err, errlen, "IMDSv2 token PUT %s: HTTP %ld", url, f->status);
    goto out;
  }
  f->body[strcspn(f->body, "\r\n")] = '\0';
  tok = secret_dup(f->body, err, errlen);
  fetch_end(f);
  slist_wipe(h);
  h = NULL;
  if(!tok)
    goto out;
  snprintf(tokhdr, sizeof(tokhdr), "%s", "x-aws-ec2-metadata-token");
  h = add_hdr(h, &failed, tokhdr, tok->value);
  snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/",
           base);
  if(failed ||
     fetch_run(f, "GET", url, h, NULL, budget - (ap_mono_s() - t0), NULL,
               NULL, "") ||
     f->status != 200) {
    snprintf(err, errlen, "IMDS role list %s: %s", url,
             f->status ? "no instance role attached" :
                         curl_easy_strerror(f->code));
    goto out;
  }
  f->body[strcspn(f->body, "\r\n")] = '\0';
  if(plain_field(f->body, role, sizeof(role)) || strchr(role, '/')) {
    snprintf(err, errlen, "IMDS lists no usable instance role");
    goto out;
  }
  fetch_end(f);
  snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/%s",
           base, role);
  if(fetch_run(f, "GET", url, h, NULL, budget - (ap_mono_s() - t0), NULL,
               NULL, "") ||
     f->status != 200) {
    snprintf(err, errlen, "IMDS role credentials: %s",
             f->status ? "refused" : curl_easy_strerror(f->code));
    goto out;
  }
  aws_creds_clear(&cl->aws);
  if(ap_cloud_parse_imds(f->body, f->len, &cl->aws, err, errlen))
    goto out;
  snprintf(cl->aws_source, sizeof(cl->aws_source), "imds:%s", role);
  rc = 0;
out:
  fetch_end(f);
  free(f);
  slist_wipe(h);
  ap_secret_free(tok);
  return rc;
}

/* The AWS credentials for this probe into *PC (pointers into the
 * environment's copies or the cache). 0, or -1 with R's layer failed. */
static int aws_creds(struct ap_target *t, struct ap_result *r, double budget,
                     struct ap_aws_creds *env, const struct ap_aws_creds **pc)
{
  struct ap_cloud *cl = t->cloud;
  char err[AP_TEXT];
  const char *dis;
  *pc = NULL;
  if(env_set("AWS_ACCESS_KEY_ID") && env_set("AWS_SECRET_ACCESS_KEY")) {
    if(ap_secret_from_env("AWS_ACCESS_KEY_ID", &env->akid, err,
                          sizeof(err)) ||
       ap_secret_from_env("AWS_SECRET_ACCESS_KEY", &env->secret, err,
                          sizeof(err)) ||
       (env_set("AWS_SESSION_TOKEN") &&
        ap_secret_from_env("AWS_SESSION_TOKEN", &env->token, err,
                           sizeof(err)))) {
      ap_layer_fail(r, AP_LAYER_AUTH, AP_ERR_AUTH_NO_CREDENTIALS, err);
      return -1;
    }
    ap_strlcpy(r->key_source, env->token ? "env:AWS_ACCESS_KEY_ID+"
                                           "AWS_SESSION_TOKEN"
                                         : "env:AWS_ACCESS_KEY_ID",
               sizeof(r->key_source));
    *pc = env;
    return 0;
  }
  dis = getenv("AWS_EC2_METADATA_DISABLED");
  if(dis && !strcasecmp(dis, "true")) {
    ap_layer_fail(r, AP_LAYER_AUTH, AP_ERR_AUTH_NO_CREDENTIALS,
                  "no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the "
                  "instance metadata service is disabled");
    return -1;
  }
  if(!cl->aws.akid || (cl->aws.expires > 0 &&
                       cl->aws.expires - TOKEN_MARGIN_S < ap_wall_s())) {
    if(imds_fetch(cl, r, budget, err, sizeof(err))) {
      ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_ENV_CREDENTIALS, err);
      return -1;
    }
  }
  ap_strlcpy(r->key_source, cl->aws_source, sizeof(r->key_source));
  *pc = &cl->aws;
  return 0;
}

static int bedrock_request(struct ap_target *t, struct ap_result *r,
                           const struct ap_aws_creds *c,
                           struct curl_slist **phdrs)
{
  static const char body[] =
    "{\"input\":{\"converse\":{\"messages\":[{\"role\":\"user\","
    "\"content\":[{\"text\":\"ping\"}]}]}}}";
  struct ap_sigv4_hdr hs[4];
  struct ap_sigv4_msg m;
  struct ap_sigv4_out out;
  char host[AP_TEXT + 8], amz[17], bodyhash[AP_SIGV4_HEX];
  char path[1024];
  const char *p;
  size_t n = 0;
  int failed = 0;

  free(t->cloud->body);
  t->cloud->body = strdup(body);
  if(!t->cloud->body)
    return -1;
  if(t->url_port == 443)
    snprintf(host, sizeof(host), "%s", t->url_host);
  else
    snprintf(host, sizeof(host), "%s:%d", t->url_host, t->url_port);
  /* the path as it goes on the wire (the model id's ':' is %3A) */
  p = strstr(t->url, "://");
  p = p ? strchr(p + 3, '/') : NULL;
  ap_strlcpy(path, p ? p : "/", sizeof(path));
  path[strcspn(path, "?#")] = '\0';
  ap_sigv4_amz_date((long long)time(NULL), amz);
  ap_sigv4_sha256_hex(body, strlen(body), bodyhash);
  hs[n].name = "content-type";
  hs[n++].value = "application/json";
  hs[n].name = "host";
  hs[n++].value = host;
  hs[n].name = "x-amz-date";
  hs[n++].value = amz;
  if(c->token) {
    hs[n].name = "x-amz-security-token";
    hs[n++].value = c->token->value;
  }
  memset(&m, 0, sizeof(m));
  m.method = "POST";
  m.path = path;
  m.query = "";
  m.headers = hs;
  m.nheaders = n;
  m.payload_sha256 = bodyhash;
  if(ap_sigv4_sign(&m, c->akid->value, c->secret->value, amz, t->region,
                   "bedrock", &out)) {
    ap_layer_fail(r, AP_LAYER_AUTH, AP_ERR_AUTH_UNEXPECTED,
                  "cannot sign the request (a field is too long)");
    return -1;
  }
  *phdrs = add_hdr(*phdrs, &failed, "host", host);
  *phdrs = add_hdr(*phdrs, &failed, "content-type", "application/json");
  *phdrs = add_hdr(*phdrs, &failed, "x-amz-date", amz);
  if(c->token)
    *phdrs = add_hdr(*phdrs, &failed, "x-amz-security-token",
                     c->token->value);
  *phdrs = add_hdr(*phdrs, &failed, "authorization", out.authorization);
  OPENSSL_cleanse(&out, sizeof(out));
  ap_secret_fingerprint(c->akid, r->key_fingerprint,
                        sizeof(r->key_fingerprint));
  return failed ? -1 : 0;
}

/* ---- Google credentials ------------------------------------------------- */

/* Exchange a signed JWT at the service account's token_uri. */
static int sa_token(struct ap_target *t, struct ap_result *r, double budget,
                    void *store, struct curl_slist *resolve,
                    const char *proxy, const char *path)
{
  struct ap_cloud *cl = t->cloud;
  struct ap_gcp_sa sa;
  struct ap_token_answer ta;
  struct fetch *f = NULL;
  struct curl_slist *h = NULL;
  char err[AP_TEXT], claims[1024], *jwt = NULL, *form = NULL, *buf;
  char reason[AP_TEXT];
  size_t len = 0, flen;
  long long now = (long long)time(NULL);
  int rc = -1, failed = 0;

  memset(&sa, 0, sizeof(sa));
  memset(&ta, 0, sizeof(ta));
  buf = read_file(path, &len, err, sizeof(err));
  if(!buf || ap_cloud_parse_sa(buf, len, &sa, err, sizeof(err))) {
    snprintf(reason, sizeof(reason), "GOOGLE_APPLICATION_CREDENTIALS: %s",
             err);
    ap_layer_fail(r, AP_LAYER_AUTH, AP_ERR_AUTH_NO_CREDENTIALS, reason);
    goto out;
  }
  ap_url_host(sa.token_uri, r->token_host, sizeof(r->token_host));
  snprintf(r->key_source, sizeof(r->key_source), "file:%s", path);
  snprintf(claims, sizeof(claims),
           "{\"iss\":\"%s\",\"scope\":\"%s\",\"aud\":\"%s\",\"iat\":%lld,"
           "\"exp\":%lld}",
           sa.client_email, GOOGLE_SCOPE, sa.token_uri, now, now + 3600);
  if(ap_jwt_rs256_sign(sa.private_key->value, sa.private_key_id, claims,
                       &jwt, err, sizeof(err))) {
    snprintf(reason, sizeof(reason), "the service account key: %s", err);
    ap_layer_fail(r, AP_LAYER_AUTH, AP_ERR_AUTH_NO_CREDENTIALS, reason);
    goto out;
  }
  flen = strlen(jwt) + 128;
  form = malloc(flen);
  f = calloc(1, sizeof(*f));
  if(!form || !f)
    goto out;
  snprintf(form, flen,
           "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3A"
           "jwt-bearer&assertion=%s",
           jwt);
  h = add_hdr(h, &failed, "content-type",
              "application/x-www-form-urlencoded");
  if(failed)
    goto out;
  if(fetch_run(f, "POST", sa.token_uri, h, form, budget, store, resolve,
               proxy)) {
    fetch_fail(f, r, "token endpoint");
    goto out;
  }
  if(ap_cloud_parse_token(f->body, f->len, &ta) || f->status != 200) {
    int skew = strstr(ta.error_description, "timeframe") ||
               strstr(ta.error_description, "iat") ||
               strstr(ta.error_description, "exp");
    snprintf(reason, sizeof(reason),
             "token endpoint %s refused the assertion (HTTP %ld): %s%s%s",
             r->token_host, f->status, ta.error[0] ? ta.error : "no error",
             ta.error_description[0] ? ": " : "", ta.error_description);
    ap_strlcpy(r->auth.error_type, ta.error, sizeof(r->auth.error_type));
    ap_layer_fail(r, AP_LAYER_AUTH,
                  !strcmp(ta.error, "invalid_grant") && skew
                    ? AP_ERR_AUTH_JWT_CLOCK_SKEW
                    : AP_ERR_AUTH_TOKEN_REFUSED,
                  reason);
    goto out;
  }
  ap_secret_free(cl->token);
  cl->token = ta.access_token;
  ta.access_token = NULL;
  cl->token_expires = ap_wall_s() + ta.expires_in;
  snprintf(cl->token_source, sizeof(cl->token_source), "file:%s", path);
  ap_strlcpy(cl->token_host, r->token_host, sizeof(cl->token_host));
  rc = 0;
out:
  if(f)
    fetch_end(f);
  free(f);
  slist_wipe(h);
  if(jwt) {
    OPENSSL_cleanse(jwt, strlen(jwt));
    free(jwt);
  }
  if(form) {
    OPENSSL_cleanse(form, strlen(form));
    free(form);
  }
  if(buf) {
    OPENSSL_cleanse(buf, len);
    free(buf);
  }
  ap_secret_free(sa.private_key);
  ap_secret_free(ta.access_token);
  return rc;
}

/* The GCE metadata server's token for the default service account. */
static int gce_token(struct ap_target *t, struct ap_result *r, double budget)
{
  struct ap_cloud *cl = t->cloud;
  const char *host = getenv("GCE_METADATA_HOST");
  struct fetch *f = calloc(1, sizeof(*f));
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
  h = add_hdr(h, &failed, "metadata-flavor", "Google");
  if(failed || fetch_run(f, "GET", url, h, NULL, budget, NULL, NULL, "") ||
     f->status != 200 || ap_cloud_parse_token(f->body, f->len, &ta)) {
    snprintf(reason, sizeof(reason),
             "no GOOGLE_APPLICATION_CREDENTIALS and the metadata server "
             "(%s) gave no token: %s",
             host,
             f->status ? "HTTP error" : curl_easy_strerror(f->code));
    ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_ENV_CREDENTIALS, reason);
    goto out;
  }
  ap_secret_free(cl->token);
  cl->token = ta.access_token;
  ta.access_token = NULL;
  cl->token_expires = ap_wall_s() + ta.expires_in;
  snprintf(cl->token_source, sizeof(cl->token_source), "gce-metadata:%s",
           host);
  ap_strlcpy(cl->token_host, host, sizeof(cl->token_host));
  ap_strlcpy(r->token_host, host, sizeof(r->token_host));
  rc = 0;
out:
  fetch_end(f);
  free(f);
  slist_wipe(h);
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
  *phdrs = add_hdr(*phdrs, &failed, "authorization", bearer);
  OPENSSL_cleanse(bearer, sizeof(bearer));
  *phdrs = add_hdr(*phdrs, &failed, "content-type", "application/json");
  ap_strlcpy(r->key_source, t->cloud->token_source, sizeof(r->key_source));
  ap_secret_fingerprint(t->cloud->token, r->key_fingerprint,
                        sizeof(r->key_fingerprint));
  return failed ? -1 : 0;
}

int ap_cloud_prepare(struct ap_target *t, struct ap_result *r, double budget,
                     void *store, struct curl_slist *resolve,
                     const char *proxy, struct curl_slist **phdrs,
                     const char **pbody)
{
  struct ap_aws_creds env;
  const struct ap_aws_creds *c = NULL;
  const char *sa;
  int rc = -1;

  *phdrs = NULL;
  *pbody = NULL;
  memset(&env, 0, sizeof(env));
  if(!t->cloud) {
    ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_NONE, "target not finished");
    return -1;
  }
  ap_strlcpy(r->region, t->region ? t->region : "", sizeof(r->region));
  ap_strlcpy(r->project, t->project ? t->project : "", sizeof(r->project));
  if(t->provider == AP_PROVIDER_BEDROCK) {
    if(aws_creds(t, r, budget, &env, &c))
      goto out;
    if(bedrock_request(t, r, c, phdrs))
      goto fail;
  } else {
    sa = getenv("GOOGLE_APPLICATION_CREDENTIALS");
    r->token_cached = t->cloud->token &&
                      t->cloud->token_expires - TOKEN_MARGIN_S > ap_wall_s();
    if(!r->token_cached) {
      if(sa && *sa ? sa_token(t, r, budget, store, resolve, proxy, sa)
                   : gce_token(t, r, budget))
        goto out;
    } else {
      ap_strlcpy(r->token_host, t->cloud->token_host,
                 sizeof(r->token_host));
    }
    if(vertex_request(t, r, phdrs))
      goto fail;
  }
  *pbody = t->cloud->body;
  rc = 0;
  goto out;
fail:
  ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_NONE, "out of memory");
out:
  if(rc) {
    slist_wipe(*phdrs);
    *phdrs = NULL;
  }
  aws_creds_clear(&env);
  return rc;
}

/* ---- the answer ---------------------------------------------------------- */

/* AWS error type -> error (Bedrock runtime and the common SigV4 ones). */
static enum ap_error aws_error(const char *type, const char *msg, long s)
{
  if(!strcmp(type, "UnrecognizedClientException") ||
     !strcmp(type, "InvalidClientTokenId"))
    return AP_ERR_AUTH_UNKNOWN_ACCESS_KEY;
  if(!strcmp(type, "InvalidSignatureException") ||
     !strcmp(type, "SignatureDoesNotMatch") ||
     !strcmp(type, "IncompleteSignature"))
    return strstr(msg, "Signature expired") ||
               strstr(msg, "Signature not yet current")
             ? AP_ERR_AUTH_SIGNATURE_EXPIRED
             : AP_ERR_AUTH_SIGNATURE_MISMATCH;
  if(!strcmp(type, "RequestExpired") || !strcmp(type, "RequestTimeTooSkewed"))
    return AP_ERR_AUTH_SIGNATURE_EXPIRED;
  if(!strcmp(type, "ExpiredTokenException") || !strcmp(type, "ExpiredToken"))
    return AP_ERR_AUTH_TOKEN_EXPIRED;
  if(!strcmp(type, "AccessDeniedException") || !strcmp(type, "AccessDenied"))
    return AP_ERR_AUTH_ACCESS_DENIED;
  if(!strcmp(type, "ResourceNotFoundException"))
    return AP_ERR_AUTH_MODEL_NOT_FOUND;
  if(!strcmp(type, "ThrottlingException") ||
     !strcmp(type, "TooManyRequestsException"))
    return AP_ERR_AUTH_THROTTLED;
  if(!strcmp(type, "ServiceUnavailableException") ||
     !strcmp(type, "ModelNotReadyException"))
    return AP_ERR_AUTH_UNAVAILABLE;
  if(!strcmp(type, "InternalServerException"))
    return AP_ERR_AUTH_SERVER_ERROR;
  if(!strcmp(type, "ValidationException"))
    return AP_ERR_AUTH_BAD_REQUEST;
  if(s == 429)
    return AP_ERR_AUTH_THROTTLED;
  if(s == 503)
    return AP_ERR_AUTH_UNAVAILABLE;
  return s >= 500 ? AP_ERR_AUTH_SERVER_ERROR : AP_ERR_AUTH_UNEXPECTED;
}

/* Google's canonical status -> error. */
static enum ap_error google_error(const char *type, long s)
{
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

enum ap_error ap_cloud_classify(const struct ap_answer *a,
                                const char *amzn_type,
                                struct ap_auth_result *auth)
{
  char type[64], msg[160];
  enum ap_error e;
  int bedrock = a->provider == AP_PROVIDER_BEDROCK;
  struct json_object *root;

  auth->key_sent = a->key_sent;
  auth->error_type[0] = auth->error_code[0] = '\0';
  if(a->status >= 300 && a->status < 400)
    return AP_ERR_HTTP_REDIRECT;
  if(a->status >= 200 && a->status < 300) {
    root = parse_obj(a->body, a->body_len);
    if(root) {
      struct json_object *v = NULL;
      int n = -1;
      if(json_object_object_get_ex(root, bedrock ? "inputTokens"
                                                 : "input_tokens",
                                   &v) &&
         json_object_is_type(v, json_type_int))
        n = json_object_get_int(v);
      json_object_put(root);
      auth->h.state = AP_STATE_OK;
      auth->h.error = AP_ERR_NONE;
      snprintf(auth->h.reason, sizeof(auth->h.reason),
               "credentials and model access accepted (HTTP %ld, "
               "count-tokens: %d input tokens)",
               a->status, n);
      return AP_ERR_NONE;
    }
    return AP_ERR_HTTP_NOT_API;
  }
  ap_cloud_parse_error(a->body, a->body_len, type, sizeof(type), msg,
                       sizeof(msg));
  if(bedrock && amzn_type && *amzn_type)
    clean_copy(type, sizeof(type), amzn_type);
  if(!type[0] && !a->has_request_id) {
    /* nothing of the service's: a gateway, a portal, a proxy page */
    return a->status >= 500 ? AP_ERR_HTTP_5XX : AP_ERR_HTTP_NOT_API;
  }
  e = bedrock ? aws_error(type, msg, a->status)
              : google_error(type, a->status);
  ap_strlcpy(auth->error_type, type, sizeof(auth->error_type));
  auth->h.state = ap_error_state(e);
  auth->h.error = e;
  snprintf(auth->h.reason, sizeof(auth->h.reason), "%ld %s: %s", a->status,
           type[0] ? type : "error", msg[0] ? msg : "(no message)");
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
