/*
 * api.c - builds the fake API's HTTP responses.  Header set and bodies follow
 * /work/shared/API.md sections 1-3 and 9: API-originated answers carry
 * request-id, date, server: cloudflare, cf-ray, via and the envoy time; edge
 * and gateway answers carry no request-id.
 */
#include "api.h"

#include <string.h>
#include <strings.h>

#define OK_BODY                                                             \
  "{\"data\":[{\"type\":\"model\",\"id\":\"claude-x\",\"display_name\":"    \
  "\"Claude X\",\"created_at\":\"2025-05-14T00:00:00Z\"}],"                 \
  "\"has_more\":true,\"first_id\":\"claude-x\",\"last_id\":\"claude-x\"}"

#define RATE_MSG_FMT                                                        \
  "This request would exceed the rate limit for your organization (%s) "    \
  "of 50 requests per minute. For details, refer to: "                      \
  "https://docs.anthropic.com/en/api/rate-limits. You can see the "         \
  "response headers for current usage. Please reduce the prompt length "    \
  "or the maximum tokens requested, or try again later. You may also "      \
  "contact sales at https://www.anthropic.com/contact-sales to discuss "    \
  "your options for a rate limit increase."

#define SPEND_MSG                                                           \
  "You have reached your API usage limits: your organization has crossed " \
  "its monthly API usage threshold. Your access will be restored at the "   \
  "start of next month. To raise your limits, visit Plans & Billing in "    \
  "the Console."

#define BILLING_MSG                                                         \
  "There is a problem with your billing information. Please check your "    \
  "payment method in Plans & Billing to continue using the API."

#define CREDIT_MSG                                                          \
  "Your credit balance is too low to access the Anthropic API. Please go "  \
  "to Plans & Billing to upgrade or purchase credits."

#define FORBIDDEN_MSG                                                       \
  "Your API key does not have permission to use the specified resource."

#define GATEWAY_503_BODY                                                    \
  "upstream connect error or disconnect/reset before headers. reset "       \
  "reason: connection timeout"

#define CAPTIVE_BODY                                                        \
  "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"             \
  "<title>Guest Wi-Fi - Sign in</title>\n</head>\n<body>\n"                 \
  "<h1>Welcome to Guest Wi-Fi</h1>\n"                                       \
  "<p>Please sign in to access the Internet.</p>\n"                         \
  "<form method=\"post\" action=\"/login\">\n"                              \
  "<input name=\"username\" placeholder=\"Room number\">\n"                 \
  "<input name=\"password\" type=\"password\">\n"                           \
  "<button type=\"submit\">Connect</button>\n</form>\n</body>\n</html>\n"

#define REDIRECT_TO "https://evil.example/v1/models?limit=1"

/* One response being assembled; rendered once by reply_render(). */
struct reply {
  int status;
  const char *ctype;
  int api;            /* API-originated: request-id, via, envoy time */
  int edge;           /* went through Cloudflare: server, cf-ray */
  const char *server; /* server header when not edge, or NULL */
  int null_id;        /* body says "request_id":null */
  long long length;   /* -2: body length, -1: chunked, else content-length */
  struct buf hdr;     /* extra header lines, each ending in CRLF */
  struct buf body;
  time_t now;         /* the server's (possibly skewed) clock */
  char rid[32];
  char ray[32];
};

static const char *reason(int status)
{
  switch (status) {
  case 200: return "OK";
  case 302: return "Found";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 402: return "Payment Required";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  case 520: return "Origin Error";
  case 529: return "Site is overloaded";
  default: return "Unknown";
  }
}

static void reply_init(struct reply *rp, const struct scenario *sc)
{
  char b58[25];
  char hex[17];

  memset(rp, 0, sizeof(*rp));
  buf_init(&rp->hdr);
  buf_init(&rp->body);
  rp->length = -2;
  rp->ctype = "application/json";
  rp->now = time(NULL) + (sc ? sc->skew_s : 0);
  rand_base58(b58, 24);
  snprintf(rp->rid, sizeof(rp->rid), "req_%s", b58);
  rand_hex(hex, 16);
  snprintf(rp->ray, sizeof(rp->ray), "%s-SJC", hex);
}

static void reply_free(struct reply *rp)
{
  buf_free(&rp->hdr);
  buf_free(&rp->body);
}

static void reply_render(const struct reply *rp, int head_only,
                         struct buf *out)
{
  char date[64];

  fmt_http_date(date, sizeof(date), rp->now);
  buf_printf(out, "HTTP/1.1 %d %s\r\n", rp->status, reason(rp->status));
  buf_printf(out, "date: %s\r\n", date);
  buf_printf(out, "content-type: %s\r\n", rp->ctype);
  if (rp->length == -1)
    buf_str(out, "transfer-encoding: chunked\r\n");
  else
    buf_printf(out, "content-length: %lld\r\n",
               rp->length >= 0 ? rp->length : (long long)rp->body.len);
  buf_str(out, "connection: close\r\n");
  if (rp->hdr.len)
    buf_add(out, rp->hdr.p, rp->hdr.len);
  if (rp->api) {
    buf_printf(out, "request-id: %s\r\n", rp->rid);
    buf_str(out, "via: 1.1 google\r\n");
    buf_printf(out, "x-envoy-upstream-service-time: %ld\r\n",
               rand_range(8, 60));
  }
  if (rp->edge) {
    buf_str(out, "cf-cache-status: DYNAMIC\r\n");
    buf_str(out, "server: cloudflare\r\n");
    buf_printf(out, "cf-ray: %s\r\n", rp->ray);
  } else if (rp->server) {
    buf_printf(out, "server: %s\r\n", rp->server);
  }
  buf_str(out, "\r\n");
  if (!head_only && rp->body.len)
    buf_add(out, rp->body.p, rp->body.len);
}

/* The JSON error envelope of section 2.2; details is raw JSON or NULL. */
static void api_error(struct reply *rp, int status, const char *type,
                      const char *msg, const char *details)
{
  rp->status = status;
  rp->ctype = "application/json";
  rp->api = 1;
  rp->edge = 1;
  buf_str(&rp->body, "{\"type\":\"error\",\"error\":{\"type\":");
  buf_json_str(&rp->body, type);
  buf_str(&rp->body, ",\"message\":");
  buf_json_str(&rp->body, msg);
  if (details) {
    buf_str(&rp->body, ",\"details\":");
    buf_str(&rp->body, details);
  }
  buf_str(&rp->body, "},\"request_id\":");
  if (rp->null_id)
    buf_str(&rp->body, "null");
  else
    buf_json_str(&rp->body, rp->rid);
  buf_str(&rp->body, "}");
}

/* requests bucket as given; token buckets full. */
static void ratelimit_headers(struct reply *rp, long req_limit,
                              long req_remaining, long req_reset_s)
{
  static const struct {
    const char *name;
    long limit;
  } tok[] = {
    { "tokens", 96000 },
    { "input-tokens", 80000 },
    { "output-tokens", 16000 },
  };
  char reset[40];
  size_t i;

  fmt_rfc3339(reset, sizeof(reset), rp->now + req_reset_s);
  buf_printf(&rp->hdr,
             "anthropic-ratelimit-requests-limit: %ld\r\n"
             "anthropic-ratelimit-requests-remaining: %ld\r\n"
             "anthropic-ratelimit-requests-reset: %s\r\n",
             req_limit, req_remaining, reset);
  fmt_rfc3339(reset, sizeof(reset), rp->now + 1);
  for (i = 0; i < sizeof(tok) / sizeof(tok[0]); i++)
    buf_printf(&rp->hdr,
               "anthropic-ratelimit-%s-limit: %ld\r\n"
               "anthropic-ratelimit-%s-remaining: %ld\r\n"
               "anthropic-ratelimit-%s-reset: %s\r\n",
               tok[i].name, tok[i].limit, tok[i].name, tok[i].limit,
               tok[i].name, reset);
}

static void org_header(struct reply *rp, const struct api_env *env)
{
  buf_printf(&rp->hdr, "anthropic-organization-id: %s\r\n", env->org_id);
}

enum api_key_state api_key_state(const struct api_env *env,
                                 const struct request *r)
{
  if (!r->api_key || !*r->api_key)
    return API_KEY_MISSING;
  if (!strcmp(r->api_key, env->valid_key))
    return API_KEY_VALID;
  return API_KEY_INVALID;
}

static int is_bearer(const char *auth)
{
  return auth && !strncasecmp(auth, "Bearer ", 7);
}

/*
 * The checks of an API-like scenario, in the order of the brief: path
 * prefix, key presence, bearer, key value, version, route.  Returns 1 with
 * rp filled when the request is refused, 0 when it passes.
 */
static int api_checks(const struct api_env *env, const struct request *r,
                      struct reply *rp)
{
  size_t pathlen = strcspn(r->target, "?");
  char msg[512];

  if (strncmp(r->target, "/v1/", 4)) {
    api_error(rp, 404, "not_found_error", "Not Found", NULL);
    return 1;
  }
  switch (api_key_state(env, r)) {
  case API_KEY_MISSING:
    if (is_bearer(r->authorization))
      api_error(rp, 401, "authentication_error", "Invalid bearer token",
                NULL);
    else
      api_error(rp, 401, "authentication_error",
                "x-api-key header is required", NULL);
    return 1;
  case API_KEY_INVALID:
    api_error(rp, 401, "authentication_error", "invalid x-api-key", NULL);
    return 1;
  case API_KEY_VALID:
    break;
  }
  if (r->nversion == 0 || !r->version[0]) {
    api_error(rp, 400, "invalid_request_error",
              "anthropic-version: header is required", NULL);
    return 1;
  }
  if (r->nversion > 1) {
    /* a proxy that duplicates headers: API.md section 1.3 */
    snprintf(msg, sizeof(msg),
             "anthropic-version: \"%s\" is not a valid version", r->version);
    api_error(rp, 400, "invalid_request_error", msg, NULL);
    return 1;
  }
  if (pathlen != strlen("/v1/models") ||
      strncmp(r->target, "/v1/models", pathlen)) {
    api_error(rp, 404, "not_found_error", "Not Found", NULL);
    return 1;
  }
  return 0;
}

static void answer_ok(const struct api_env *env, struct reply *rp)
{
  rp->status = 200;
  rp->api = 1;
  rp->edge = 1;
  org_header(rp, env);
  ratelimit_headers(rp, 1000, 999, 60);
  buf_str(&rp->body, OK_BODY);
}

static void answer_overloaded(struct reply *rp)
{
  buf_str(&rp->hdr, "x-should-retry: true\r\n");
  api_error(rp, 529, "overloaded_error", "Overloaded", NULL);
}

/* The scenario's own answer once api_checks() passed. */
static void api_answer(const struct api_env *env, const struct scenario *sc,
                       unsigned long seq, struct reply *rp)
{
  char msg[1024];

  switch (sc->kind) {
  case SCN_FORBIDDEN:
    org_header(rp, env);
    api_error(rp, 403, "permission_error", FORBIDDEN_MSG, NULL);
    break;
  case SCN_RATE_LIMITED:
    org_header(rp, env);
    buf_str(&rp->hdr, "retry-after: 17\r\nx-should-retry: true\r\n");
    ratelimit_headers(rp, 50, 0, 17);
    snprintf(msg, sizeof(msg), RATE_MSG_FMT, env->org_id);
    api_error(rp, 429, "rate_limit_error", msg, NULL);
    break;
  case SCN_SPEND_LIMIT:
    org_header(rp, env);
    api_error(rp, 429, "rate_limit_error", SPEND_MSG,
              "{\"error_code\":\"enforced_spend_limit_reached\"}");
    break;
  case SCN_OVERLOADED:
    answer_overloaded(rp);
    break;
  case SCN_SERVER_ERROR:
    buf_str(&rp->hdr, "x-should-retry: true\r\n");
    rp->null_id = 1;
    api_error(rp, 500, "api_error", "Internal server error", NULL);
    break;
  case SCN_API_TIMEOUT:
    api_error(rp, 504, "timeout_error", "Request timed out", NULL);
    break;
  case SCN_BILLING:
    org_header(rp, env);
    api_error(rp, 402, "billing_error", BILLING_MSG, NULL);
    break;
  case SCN_CREDIT:
    org_header(rp, env);
    api_error(rp, 400, "invalid_request_error", CREDIT_MSG, NULL);
    break;
  case SCN_FLAKY:
    if (seq <= (unsigned long)sc->flaky_n)
      answer_overloaded(rp);
    else
      answer_ok(env, rp);
    break;
  default:
    answer_ok(env, rp);
    break;
  }
}

static void cloudflare_520(struct reply *rp)
{
  rp->status = 520;
  rp->ctype = "text/html; charset=UTF-8";
  rp->edge = 1;
  buf_str(&rp->hdr, "cache-control: private, max-age=0, no-store, "
                    "no-cache, must-revalidate\r\n");
  buf_printf(&rp->body,
             "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n"
             "<title>api.anthropic.com | 520: Web server is returning an "
             "unknown error</title>\n<meta charset=\"UTF-8\" />\n"
             "</head>\n<body>\n<div id=\"cf-wrapper\">\n"
             "<h1><span class=\"inline-block\">Web server is returning an "
             "unknown error</span> <span class=\"code-label\">Error code "
             "520</span></h1>\n<div>Visit <a href=\"https://www.cloudflare."
             "com/5xx-error-landing?utm_source=errorcode_520\">cloudflare."
             "com</a> for more information.</div>\n"
             "<p>There is an unknown connection issue between Cloudflare "
             "and the origin web server. As a result, the web page can not "
             "be displayed.</p>\n<p>Cloudflare Ray ID: <strong>%.16s"
             "</strong></p>\n</div>\n</body>\n</html>\n",
             rp->ray);
}

static void html_page(struct reply *rp, int status, const char *server)
{
  rp->status = status;
  rp->ctype = "text/html";
  buf_printf(&rp->body,
             "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
             "<center><h1>%d %s</h1></center>\r\n<hr><center>%s</center>"
             "\r\n</body>\r\n</html>\r\n",
             status, reason(status), status, reason(status), server);
}

/* A Statuspage summary.json (API.md section 6) for sc->indicator: the
 * Claude API component's status follows it, and an unresolved incident
 * is listed unless the indicator is none. */
static void statuspage(const struct scenario *sc, struct reply *rp)
{
  const char *ind = sc->indicator;
  const char *comp = !strcmp(ind, "none")          ? "operational"
                     : !strcmp(ind, "minor")       ? "degraded_performance"
                     : !strcmp(ind, "major")       ? "partial_outage"
                     : !strcmp(ind, "critical")    ? "major_outage"
                     : !strcmp(ind, "maintenance") ? "under_maintenance"
                                                   : "operational";
  const char *desc = !strcmp(ind, "none") ? "All Systems Operational"
                     : !strcmp(ind, "major")    ? "Partial System Outage"
                     : !strcmp(ind, "critical") ? "Major System Outage"
                     : !strcmp(ind, "maintenance")
                       ? "Service Under Maintenance"
                       : "Minor Service Outage";
  char body[2048];
  rp->status = 200;
  rp->server = "cloudflare";
  buf_str(&rp->hdr, "access-control-allow-origin: *\r\n");
  snprintf(body, sizeof(body),
           "{\"page\":{\"id\":\"tymt9n04zgry\",\"name\":\"Claude\","
           "\"url\":\"https://status.claude.com\",\"time_zone\":"
           "\"Etc/UTC\",\"updated_at\":\"2026-11-28T10:00:00.000Z\"},"
           "\"status\":{\"indicator\":\"%s\",\"description\":\"%s\"},"
           "\"components\":[{\"id\":\"rwppv331jlwc\",\"name\":"
           "\"claude.ai\",\"status\":\"operational\"},"
           "{\"id\":\"k8w3r06qmzrp\",\"name\":\"Claude API "
           "(api.anthropic.com)\",\"status\":\"%s\"},"
           "{\"id\":\"yyzkbfz2thpt\",\"name\":\"Claude Code\","
           "\"status\":\"operational\"}],"
           "\"incidents\":[%s],\"scheduled_maintenances\":[]}",
           ind, desc, comp,
           strcmp(ind, "none")
             ? "{\"id\":\"inc1\",\"name\":\"Elevated errors on the "
               "API\",\"status\":\"investigating\",\"impact\":\"major\"}"
             : "");
  buf_str(&rp->body, body);
}

/* Kinds that answer the same whatever the request says. */
static int fixed_answer(const struct scenario *sc, struct reply *rp)
{
  switch (sc->kind) {
  case SCN_BAD_VERSION:
    api_error(rp, 400, "invalid_request_error",
              "anthropic-version: header is required", NULL);
    return 1;
  case SCN_KEY_STRIPPED:
    api_error(rp, 401, "authentication_error",
              "x-api-key header is required", NULL);
    return 1;
  case SCN_NOT_FOUND:
    api_error(rp, 404, "not_found_error", "Not Found", NULL);
    return 1;
  case SCN_GATEWAY_503:
    rp->status = 503;
    rp->ctype = "text/plain";
    rp->edge = 1;
    buf_str(&rp->body, GATEWAY_503_BODY);
    return 1;
  case SCN_GATEWAY_502:
    html_page(rp, 502, "cloudflare");
    rp->edge = 1;
    return 1;
  case SCN_CLOUDFLARE_520:
    cloudflare_520(rp);
    return 1;
  case SCN_EDGE_403:
    rp->status = 403;
    rp->edge = 1;
    buf_str(&rp->body, "{\"error\":{\"type\":\"forbidden\","
                       "\"message\":\"Request not allowed\"}}");
    return 1;
  case SCN_CAPTIVE_PORTAL:
    rp->status = 200;
    rp->ctype = "text/html; charset=utf-8";
    rp->server = "nginx";
    buf_str(&rp->hdr, "cache-control: no-cache, no-store\r\n");
    buf_str(&rp->body, CAPTIVE_BODY);
    return 1;
  case SCN_STATUSPAGE:
    statuspage(sc, rp);
    return 1;
  case SCN_REDIRECT:
    html_page(rp, 302, "nginx");
    rp->server = "nginx";
    buf_str(&rp->hdr, "location: " REDIRECT_TO "\r\n");
    return 1;
  default:
    return 0;
  }
}

/* An OpenAI-style API (API.md section 7): Bearer auth, x-request-id,
 * x-ratelimit-* with duration resets, {"error":{message,type,param,code}}.
 * sc->indicator picks the answer for a valid key: ok, rate_limited, quota. */
static void openai_error(struct reply *rp, int status, const char *msg,
                         const char *type, const char *code)
{
  char body[1024];
  rp->status = status;
  snprintf(body, sizeof(body),
           "{\"error\":{\"message\":\"%s\",\"type\":\"%s\","
           "\"param\":null,\"code\":%s%s%s}}",
           msg, type, code ? "\"" : "", code ? code : "null",
           code ? "\"" : "");
  buf_str(&rp->body, body);
}

static void openai_answer(const struct api_env *env,
                          const struct scenario *sc, const struct request *r,
                          struct reply *rp)
{
  const char *auth = r->authorization;
  char line[160];
  char id[25];
  rp->server = "cloudflare";
  rand_base58(id, 24);
  snprintf(line, sizeof(line), "x-request-id: req_%s\r\n", id);
  buf_str(&rp->hdr, line);
  buf_str(&rp->hdr, "openai-processing-ms: 12\r\n");
  if (!auth || strncmp(auth, "Bearer ", 7)) {
    openai_error(rp, 401,
                 "You didn't provide an API key. You need to provide your "
                 "API key in an Authorization header using Bearer auth "
                 "(i.e. Authorization: Bearer YOUR_KEY).",
                 "invalid_request_error", NULL);
    return;
  }
  if (strcmp(auth + 7, env->valid_key)) {
    openai_error(rp, 401,
                 "Incorrect API key provided: sk-...0000. You can find your "
                 "API key at https://platform.openai.com/account/api-keys.",
                 "invalid_request_error", "invalid_api_key");
    return;
  }
  if (!strcmp(sc->indicator, "quota")) {
    openai_error(rp, 429,
                 "You exceeded your current quota, please check your plan "
                 "and billing details.",
                 "insufficient_quota", "insufficient_quota");
    return;
  }
  if (!strcmp(sc->indicator, "rate_limited")) {
    buf_str(&rp->hdr, "x-ratelimit-limit-requests: 500\r\n"
                      "x-ratelimit-remaining-requests: 0\r\n"
                      "x-ratelimit-reset-requests: 1m30s\r\n"
                      "x-ratelimit-limit-tokens: 30000\r\n"
                      "x-ratelimit-remaining-tokens: 0\r\n"
                      "x-ratelimit-reset-tokens: 12ms\r\n"
                      "retry-after: 2\r\n");
    openai_error(rp, 429, "Rate limit reached for requests", "requests",
                 "rate_limit_exceeded");
    return;
  }
  rp->status = 200;
  buf_str(&rp->hdr, "x-ratelimit-limit-requests: 10000\r\n"
                    "x-ratelimit-remaining-requests: 9999\r\n"
                    "x-ratelimit-reset-requests: 6ms\r\n"
                    "x-ratelimit-limit-tokens: 1000000\r\n"
                    "x-ratelimit-remaining-tokens: 999990\r\n"
                    "x-ratelimit-reset-tokens: 6m0s\r\n");
  buf_str(&rp->body, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-x\","
                     "\"object\":\"model\",\"created\":1686935002,"
                     "\"owned_by\":\"openai\"}]}");
}

void api_respond(const struct api_env *env, const struct scenario *sc,
                 const struct request *r, unsigned long seq, struct buf *out)
{
  struct reply rp;

  reply_init(&rp, sc);
  if (sc->kind == SCN_OPENAI)
    openai_answer(env, sc, r, &rp);
  else if (!fixed_answer(sc, &rp) && !api_checks(env, r, &rp))
    api_answer(env, sc, seq, &rp);
  reply_render(&rp, !strcmp(r->method, "HEAD"), out);
  reply_free(&rp);
}

void api_stream_head(const struct api_env *env, const struct scenario *sc,
                     long long length, struct buf *out)
{
  struct reply rp;

  reply_init(&rp, sc);
  rp.status = 200;
  rp.api = 1;
  rp.edge = 1;
  rp.length = length >= 0 ? length : -1;
  org_header(&rp, env);
  ratelimit_headers(&rp, 1000, 999, 60);
  reply_render(&rp, 1, out);
  reply_free(&rp);
}

void api_edge_error(int status, struct buf *out)
{
  struct reply rp;

  reply_init(&rp, NULL);
  html_page(&rp, status, "cloudflare");
  rp.edge = 1;
  reply_render(&rp, 0, out);
  reply_free(&rp);
}

void api_plain_400(struct buf *out)
{
  struct reply rp;

  reply_init(&rp, NULL);
  html_page(&rp, 400, "nginx");
  rp.server = "nginx";
  reply_render(&rp, 0, out);
  reply_free(&rp);
}
