/* cloud_bedrock.c -- --provider bedrock: Claude on AWS Bedrock. The
 * credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY [/
 * AWS_SESSION_TOKEN] from the environment, else the instance role's from
 * IMDSv2, cached until 5 min before they expire), the free request POST
 * /model/MODEL/count-tokens on bedrock-runtime.REGION.amazonaws.com signed
 * with SigV4 (common/sigv4.c), and the AWS error types of its answer.
 */
#include "cloud.h"
#include "secret.h"
#include "sigv4.h"
#include "strutil.h"
#include "timeutil.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define IMDS_DEFAULT "http://169.254.169.254"

void ap_bedrock_creds_clear(struct ap_aws_creds *c)
{
  ap_secret_free(c->akid);
  ap_secret_free(c->secret);
  ap_secret_free(c->token);
  memset(c, 0, sizeof(*c));
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
  struct json_object *root = ap_cloud_json(json, len);
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
    ap_cloud_clean(cc, sizeof(cc), code);
    snprintf(err, errlen, "the role credentials say Code %s", cc);
    goto out;
  }
  if(!akid || !sec || !*akid || !*sec || ap_has_ctl(akid) ||
     ap_has_ctl(sec) || strlen(akid) > 128 || strlen(sec) > 256 ||
     (tok && (ap_has_ctl(tok) || strlen(tok) > AP_SECRET_MAX))) {
    snprintf(err, errlen, "the role credentials lack a usable key");
    goto out;
  }
  c->akid = ap_cloud_secret_dup(akid, err, errlen);
  c->secret = ap_cloud_secret_dup(sec, err, errlen);
  c->token = tok && *tok ? ap_cloud_secret_dup(tok, err, errlen) : NULL;
  c->expires = parse_iso8601(ap_json_str(root, "Expiration"));
  if(!c->akid || !c->secret || (tok && *tok && !c->token)) {
    ap_bedrock_creds_clear(c);
    goto out;
  }
  rc = 0;
out:
  json_object_put(root);
  return rc;
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
  struct ap_cloud_fetch *f = calloc(1, sizeof(*f));
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
  h = ap_wipe_slist_header(h, &failed, "x-aws-ec2-metadata-token-ttl-seconds",
                           "21600");
  snprintf(url, sizeof(url), "%s/latest/api/token", base);
  if(failed ||
     ap_cloud_fetch_run(f, "PUT", url, h, NULL, budget, NULL, NULL, "") ||
     f->status != 200 || !f->len) {
    snprintf(err, errlen, "IMDSv2 token PUT %s: %s", url,
             f->code ? curl_easy_strerror(f->code) : "no token");
    if(f->status)
      snprintf(err, errlen, "IMDSv2 token PUT %s: HTTP %ld", url, f->status);
    goto out;
  }
  f->body[strcspn(f->body, "\r\n")] = '\0';
  tok = ap_cloud_secret_dup(f->body, err, errlen);
  ap_cloud_fetch_end(f);
  ap_wipe_slist_free(h);
  h = NULL;
  if(!tok)
    goto out;
  snprintf(tokhdr, sizeof(tokhdr), "%s", "x-aws-ec2-metadata-token");
  h = ap_wipe_slist_header(h, &failed, tokhdr, tok->value);
  snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/",
           base);
  if(failed ||
     ap_cloud_fetch_run(f, "GET", url, h, NULL,
                        budget - (ap_mono_s() - t0), NULL, NULL, "") ||
     f->status != 200) {
    snprintf(err, errlen, "IMDS role list %s: %s", url,
             f->status ? "no instance role attached" :
                         curl_easy_strerror(f->code));
    goto out;
  }
  f->body[strcspn(f->body, "\r\n")] = '\0';
  if(ap_cloud_plain(f->body, role, sizeof(role)) || strchr(role, '/')) {
    snprintf(err, errlen, "IMDS lists no usable instance role");
    goto out;
  }
  ap_cloud_fetch_end(f);
  snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/%s",
           base, role);
  if(ap_cloud_fetch_run(f, "GET", url, h, NULL, budget - (ap_mono_s() - t0),
                        NULL, NULL, "") ||
     f->status != 200) {
    snprintf(err, errlen, "IMDS role credentials: %s",
             f->status ? "refused" : curl_easy_strerror(f->code));
    goto out;
  }
  ap_bedrock_creds_clear(&cl->aws);
  if(ap_cloud_parse_imds(f->body, f->len, &cl->aws, err, errlen))
    goto out;
  snprintf(cl->aws_source, sizeof(cl->aws_source), "imds:%s", role);
  rc = 0;
out:
  ap_cloud_fetch_end(f);
  free(f);
  ap_wipe_slist_free(h);
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
  if(!cl->aws.akid ||
     (cl->aws.expires > 0 &&
      cl->aws.expires - AP_CLOUD_TOKEN_MARGIN_S < ap_wall_s())) {
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
  *phdrs = ap_wipe_slist_header(*phdrs, &failed, "host", host);
  *phdrs =
    ap_wipe_slist_header(*phdrs, &failed, "content-type", "application/json");
  *phdrs = ap_wipe_slist_header(*phdrs, &failed, "x-amz-date", amz);
  if(c->token)
    *phdrs = ap_wipe_slist_header(*phdrs, &failed, "x-amz-security-token",
                                  c->token->value);
  *phdrs =
    ap_wipe_slist_header(*phdrs, &failed, "authorization", out.authorization);
  OPENSSL_cleanse(&out, sizeof(out));
  ap_secret_fingerprint(c->akid, r->key_fingerprint,
                        sizeof(r->key_fingerprint));
  return failed ? -1 : 0;
}

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

static void bedrock_path(const struct ap_target *t, const char *model_enc,
                         char *out, size_t cap)
{
  (void)t;
  snprintf(out, cap, "/model/%s/count-tokens", model_enc);
}

static int bedrock_prepare(struct ap_target *t, struct ap_result *r,
                           double budget, void *store,
                           struct curl_slist *resolve, const char *proxy,
                           struct curl_slist **phdrs)
{
  struct ap_aws_creds env;
  const struct ap_aws_creds *c = NULL;
  int rc = -1;
  (void)store;
  (void)resolve;
  (void)proxy;
  memset(&env, 0, sizeof(env));
  if(!aws_creds(t, r, budget, &env, &c)) {
    rc = bedrock_request(t, r, c, phdrs);
    if(rc)
      ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_NONE, "out of memory");
  }
  ap_bedrock_creds_clear(&env);
  return rc;
}

const struct ap_cloud_ops ap_cloud_bedrock = {
  .default_model = "anthropic.claude-3-5-haiku-20241022-v1:0",
  .region_env = {"AWS_REGION", "AWS_DEFAULT_REGION"},
  .default_region = NULL,
  .region_missing = "--provider bedrock needs --region (or AWS_REGION / "
                    "AWS_DEFAULT_REGION)",
  .host_head = "bedrock-runtime.",
  .host_tail = ".amazonaws.com",
  .finish = NULL,
  .path = bedrock_path,
  .prepare = bedrock_prepare,
  .error = aws_error,
  .tokens_field = "inputTokens",
  .type_header = 1,
};
