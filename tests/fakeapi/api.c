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
  case 405: return "Method Not Allowed";
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

/* The models the fake serves (GET /v1/models/{id}, the model of a
 * generation request); an alias resolves to its dated id as the real API
 * does. Anything else is retired or unknown: 404 "model: ID". */
static const struct {
  const char *id;
  const char *alias;
  const char *name;
  const char *created;
} models[] = {
  { "claude-x", NULL, "Claude X", "2025-05-14T00:00:00Z" },
  { "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "Claude Sonnet 4.5",
    "2025-09-29T00:00:00Z" },
  { "claude-haiku-4-5-20251001", "claude-haiku-4-5", "Claude Haiku 4.5",
    "2025-10-15T00:00:00Z" },
  { "gpt-x", NULL, NULL, NULL },
};

int api_model_find(const char *id)
{
  size_t i;

  for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
    if (!strcmp(models[i].id, id) ||
        (models[i].alias && !strcmp(models[i].alias, id)))
      return (int)i;
  return -1;
}

const char *api_model_id(int i)
{
  return models[i].id;
}

/* The id in "/v1/models/ID[?query]" (PATHLEN excludes the query) into OUT;
 * 0 when the target is another path. */
static int model_path_id(const char *target, size_t pathlen, char *out,
                         size_t n)
{
  static const char pre[] = "/v1/models/";
  size_t len;

  if (pathlen <= sizeof(pre) - 1 || strncmp(target, pre, sizeof(pre) - 1))
    return 0;
  len = pathlen - (sizeof(pre) - 1);
  if (len >= n || memchr(target + sizeof(pre) - 1, '/', len))
    return 0;
  memcpy(out, target + sizeof(pre) - 1, len);
  out[len] = '\0';
  return 1;
}

static int path_is(const char *target, size_t pathlen, const char *p)
{
  return pathlen == strlen(p) && !strncmp(target, p, pathlen);
}

int api_route_known(const char *target, size_t pathlen)
{
  char id[128];

  return path_is(target, pathlen, "/v1/models") ||
         path_is(target, pathlen, "/v1/messages") ||
         model_path_id(target, pathlen, id, sizeof(id));
}

int api_is_generation(const struct request *r)
{
  size_t pathlen = strcspn(r->target, "?");

  return !strcmp(r->method, "POST") &&
         (path_is(r->target, pathlen, "/v1/messages") ||
          path_is(r->target, pathlen, "/v1/chat/completions"));
}

/* The value of "NAME": "..." in a JSON BODY, crudely (the fake's own
 * requests are flat): 0 with OUT set, -1 when absent. */
int api_body_str(const char *body, const char *name, char *out, size_t n)
{
  char key[64];
  const char *p;
  size_t len;

  snprintf(key, sizeof(key), "\"%s\"", name);
  p = strstr(body, key);
  if (!p)
    return -1;
  p += strlen(key);
  p += strspn(p, " \t\r\n");
  if (*p++ != ':')
    return -1;
  p += strspn(p, " \t\r\n");
  if (*p == '"') {
    len = strcspn(++p, "\"");
  } else {
    len = strcspn(p, ",} \t\r\n");
  }
  if (len >= n)
    len = n - 1;
  memcpy(out, p, len);
  out[len] = '\0';
  return 0;
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
  if (!api_route_known(r->target, pathlen)) {
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

/* GET /v1/models/{id}: the model object, or 404 "model: ID". */
static void answer_model(const struct api_env *env, const char *id,
                         struct reply *rp)
{
  int i = api_model_find(id);
  char msg[200];

  org_header(rp, env);
  if (i < 0 || !models[i].name) {
    snprintf(msg, sizeof(msg), "model: %.150s", id);
    api_error(rp, 404, "not_found_error", msg, NULL);
    return;
  }
  rp->status = 200;
  rp->api = 1;
  rp->edge = 1;
  buf_str(&rp->body, "{\"type\":\"model\",\"id\":");
  buf_json_str(&rp->body, models[i].id);
  buf_str(&rp->body, ",\"display_name\":");
  buf_json_str(&rp->body, models[i].name);
  buf_str(&rp->body, ",\"created_at\":");
  buf_json_str(&rp->body, models[i].created);
  buf_str(&rp->body, "}");
}

/* Which answer is an error of the scenario itself (before any route). */
static int scenario_fails(const struct scenario *sc, unsigned long seq)
{
  switch (sc->kind) {
  case SCN_FORBIDDEN:
  case SCN_RATE_LIMITED:
  case SCN_SPEND_LIMIT:
  case SCN_OVERLOADED:
  case SCN_SERVER_ERROR:
  case SCN_API_TIMEOUT:
  case SCN_BILLING:
  case SCN_CREDIT:
    return 1;
  case SCN_FLAKY:
    return seq <= (unsigned long)sc->flaky_n;
  default:
    return 0;
  }
}

/* Routes an API request that passed the checks. */
static void api_route(const struct api_env *env, const struct scenario *sc,
                      const struct request *r, unsigned long seq,
                      struct reply *rp)
{
  size_t pathlen = strcspn(r->target, "?");
  char id[128];

  if (scenario_fails(sc, seq))
    api_answer(env, sc, seq, rp);
  else if (model_path_id(r->target, pathlen, id, sizeof(id)))
    answer_model(env, id, rp);
  else if (path_is(r->target, pathlen, "/v1/messages") &&
           strcmp(r->method, "POST"))
    api_error(rp, 405, "invalid_request_error", "Method Not Allowed", NULL);
  else
    api_answer(env, sc, seq, rp);
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

/* Auth and the scenario's own refusals; 1 when RP holds the answer. */
static int openai_checks(const struct api_env *env,
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
    return 1;
  }
  if (strcmp(auth + 7, env->valid_key)) {
    openai_error(rp, 401,
                 "Incorrect API key provided: sk-...0000. You can find your "
                 "API key at https://platform.openai.com/account/api-keys.",
                 "invalid_request_error", "invalid_api_key");
    return 1;
  }
  if (!strcmp(sc->indicator, "quota")) {
    openai_error(rp, 429,
                 "You exceeded your current quota, please check your plan "
                 "and billing details.",
                 "insufficient_quota", "insufficient_quota");
    return 1;
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
    return 1;
  }
  rp->status = 200;
  buf_str(&rp->hdr, "x-ratelimit-limit-requests: 10000\r\n"
                    "x-ratelimit-remaining-requests: 9999\r\n"
                    "x-ratelimit-reset-requests: 6ms\r\n"
                    "x-ratelimit-limit-tokens: 1000000\r\n"
                    "x-ratelimit-remaining-tokens: 999990\r\n"
                    "x-ratelimit-reset-tokens: 6m0s\r\n");
  return 0;
}

/* OpenAI's answer to an unknown model (GET /v1/models/{id} and chat). */
static void openai_no_model(struct reply *rp, const char *id)
{
  char msg[300];
  size_t i, o = 0;
  char clean[128];

  for (i = 0; id[i] && o + 1 < sizeof(clean); i++)
    if (id[i] != '"' && id[i] != '\\' && (unsigned char)id[i] >= 0x20)
      clean[o++] = id[i];
  clean[o] = '\0';
  snprintf(msg, sizeof(msg),
           "The model '%s' does not exist or you do not have access to it.",
           clean);
  openai_error(rp, 404, msg, "invalid_request_error", "model_not_found");
}

static void openai_answer(const struct api_env *env,
                          const struct scenario *sc, const struct request *r,
                          struct reply *rp)
{
  size_t pathlen = strcspn(r->target, "?");
  char id[128];

  if (openai_checks(env, sc, r, rp))
    return;
  if (model_path_id(r->target, pathlen, id, sizeof(id))) {
    if (strcmp(id, "gpt-x")) {
      openai_no_model(rp, id);
      return;
    }
    buf_str(&rp->body, "{\"id\":\"gpt-x\",\"object\":\"model\","
                       "\"created\":1686935002,\"owned_by\":\"openai\"}");
    return;
  }
  buf_str(&rp->body, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-x\","
                     "\"object\":\"model\",\"created\":1686935002,"
                     "\"owned_by\":\"openai\"}]}");
}

/* A whole (not streamed) Messages answer, for a request without
 * "stream": true. */
static void answer_message(const struct api_env *env, const char *model,
                           struct reply *rp)
{
  char id[25];

  rand_base58(id, 24);
  rp->status = 200;
  rp->api = 1;
  rp->edge = 1;
  org_header(rp, env);
  ratelimit_headers(rp, 1000, 999, 60);
  buf_printf(&rp->body,
             "{\"id\":\"msg_%s\",\"type\":\"message\",\"role\":"
             "\"assistant\",\"model\":\"%s\",\"content\":[{\"type\":"
             "\"text\",\"text\":\"Hi\"}],\"stop_reason\":\"max_tokens\","
             "\"stop_sequence\":null,\"usage\":{\"input_tokens\":%d,"
             "\"output_tokens\":1}}",
             id, model, API_INPUT_TOKENS);
}

static void generation_model(const struct request *r, char *model,
                             size_t modellen, long *max_tokens)
{
  char v[32];

  model[0] = '\0';
  *max_tokens = 16;
  api_body_str(r->body, "model", model, modellen);
  if ((!api_body_str(r->body, "max_tokens", v, sizeof(v)) ||
       !api_body_str(r->body, "max_completion_tokens", v, sizeof(v))) &&
      parse_long(v, 1, 1000000, max_tokens))
    *max_tokens = 16;
}

int api_generation_begin(const struct api_env *env, const struct scenario *sc,
                         const struct request *r, unsigned long seq,
                         struct buf *out, char *model, size_t modellen,
                         long *max_tokens)
{
  struct reply rp;
  char stream[16];
  int streaming = 0;

  reply_init(&rp, sc);
  generation_model(r, model, modellen, max_tokens);
  if (api_body_str(r->body, "stream", stream, sizeof(stream)))
    stream[0] = '\0';
  if (sc->kind == SCN_OPENAI) {
    if (openai_checks(env, sc, r, &rp))
      ;
    else if (strcmp(model, "gpt-x"))
      openai_no_model(&rp, model);
    else if (strcmp(stream, "true"))
      buf_str(&rp.body, "{\"object\":\"chat.completion\",\"choices\":[]}");
    else
      streaming = 1;
  } else if (fixed_answer(sc, &rp) || api_checks(env, r, &rp))
    ;
  else if (scenario_fails(sc, seq))
    api_answer(env, sc, seq, &rp);
  else if (!model[0])
    api_error(&rp, 400, "invalid_request_error", "model: Field required",
              NULL);
  else if (api_model_find(model) < 0 || !models[api_model_find(model)].name) {
    char msg[200];

    snprintf(msg, sizeof(msg), "model: %.150s", model);
    api_error(&rp, 404, "not_found_error", msg, NULL);
  } else if (strcmp(stream, "true"))
    answer_message(env, model, &rp);
  else {
    streaming = 1;
    rp.status = 200;
    rp.api = 1;
    rp.edge = 1;
    org_header(&rp, env);
    ratelimit_headers(&rp, 1000, 999, 60);
  }
  if (streaming) {
    rp.status = 200;
    rp.ctype = "text/event-stream; charset=utf-8";
    rp.length = -1;
    buf_str(&rp.hdr, "cache-control: no-cache\r\n");
  }
  reply_render(&rp, streaming, out);
  reply_free(&rp);
  return !streaming;
}

void api_respond(const struct api_env *env, const struct scenario *sc,
                 const struct request *r, unsigned long seq, struct buf *out)
{
  struct reply rp;

  reply_init(&rp, sc);
  if (sc->kind == SCN_OPENAI)
    openai_answer(env, sc, r, &rp);
  else if (!fixed_answer(sc, &rp) && !api_checks(env, r, &rp))
    api_route(env, sc, r, seq, &rp);
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
