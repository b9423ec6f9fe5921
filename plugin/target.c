/* target.c -- the one option table every face uses (argv, collectd
 * <Target> blocks, the Zabbix module's config) and its strict setter.
 * Defaults live only in ap_target_init(); ap_target_finish() checks the
 * combination and loads the key.
 */
#include "apiprobe.h"
#include "internal.h"
#include "file.h"
#include "secret.h"
#include "strutil.h"

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define AP_PROBE_PATH "/v1/models?limit=1"

enum opt_type {
  OPT_URL,
  OPT_STR,
  OPT_ENVNAME,
  OPT_PATH,
  OPT_FLAG,
  OPT_SECONDS,
  OPT_SPAN,
  OPT_DAYS,
  OPT_FAMILY4,
  OPT_FAMILY6,
  OPT_TLS,
  OPT_RESOLVE,
  OPT_PROXY,
  OPT_COUNT,
  OPT_STATUS,
  OPT_PROVIDER,
  OPT_HTTPCODE,
  OPT_MODEL,
  OPT_CANARY,
  OPT_PRICE
};

struct opt_row {
  struct ap_option_info info;
  enum opt_type type;
  size_t off; /* offset of the field in struct ap_target */
};

#define OFF(f) offsetof(struct ap_target, f)

static const struct opt_row opts[] = {
  {{"url", 'u', "URL",
    "HTTPS URL to probe (default " AP_DEFAULT_URL
    "; https://HOST alone gets " AP_PROBE_PATH ")"},
   OPT_URL, OFF(url)},
  {{"name", 'n', "NAME", "label used in outputs (default: the URL's host)"},
   OPT_STR, OFF(name)},
  {{"key-env", 'E', "VAR",
    "read the API key from environment variable VAR (default "
    "ANTHROPIC_API_KEY)"},
   OPT_ENVNAME, OFF(key_env)},
  {{"key-file", 'K', "FILE",
    "read the API key from FILE (first line; should be mode 0600)"},
   OPT_PATH, OFF(key_file)},
  {{"ca-file", 'C', "FILE",
    "trust the CAs in PEM FILE instead of the system store"},
   OPT_PATH, OFF(ca_file)},
  {{"insecure", 'k', NULL,
    "do not verify the certificate (reported as a warning)"},
   OPT_FLAG, OFF(insecure)},
  {{"connect-timeout", 'T', "SECONDS",
    "limit for DNS + TCP connect + TLS handshake (default 5)"},
   OPT_SECONDS, OFF(connect_timeout_s)},
  {{"timeout", 't', "SECONDS", "limit for the whole probe (default 10)"},
   OPT_SECONDS, OFF(timeout_s)},
  {{"ipv4", '4', NULL, "use IPv4 addresses only"}, OPT_FAMILY4,
   OFF(ip_family)},
  {{"ipv6", '6', NULL, "use IPv6 addresses only"}, OPT_FAMILY6,
   OFF(ip_family)},
  {{"min-tls", 'm', "VERSION",
    "lowest TLS version accepted: 1.0, 1.1, 1.2 (default) or 1.3"},
   OPT_TLS, OFF(min_tls)},
  {{"resolve", 'r', "HOST:PORT:ADDR",
    "use ADDR for HOST:PORT instead of DNS, as curl's --resolve "
    "(repeatable)"},
   OPT_RESOLVE, OFF(resolve)},
  {{"proxy", 'x', "URL",
    "use this HTTP(S) proxy (\"\" for none; default: HTTPS_PROXY, "
    "ALL_PROXY)"},
   OPT_PROXY, OFF(proxy)},
  {{"noproxy", 'N', "HOSTS",
    "comma-separated hosts that bypass the proxy (default: NO_PROXY)"},
   OPT_STR, OFF(noproxy)},
  {{"cert-warn-days", 0, "DAYS",
    "warn when a certificate expires within DAYS (default 21)"},
   OPT_DAYS, OFF(cert_warn_days)},
  {{"cert-crit-days", 0, "DAYS",
    "critical when a certificate expires within DAYS (default 7)"},
   OPT_DAYS, OFF(cert_crit_days)},
  {{"skew-warn", 0, "SECONDS",
    "warn when this host's clock is off the server's Date by more than "
    "SECONDS (default 60; 0 off)"},
   OPT_SPAN, OFF(skew_warn_s)},
  {{"skew-crit", 0, "SECONDS",
    "critical beyond SECONDS of clock skew (default: only where the skew "
    "breaks the requests, beyond a time-signed provider's window; 0 off)"},
   OPT_SPAN, OFF(skew_crit_s)},
  {{"idle-timeout", 0, "SECONDS",
    "idle timeout of the NAT/firewalls on the path (default 300): advice "
    "when TCP keepalive starts later; 0 no advice"},
   OPT_SPAN, OFF(idle_timeout_s)},
  {{"provider", 0, "NAME",
    "anthropic (default: x-api-key, anthropic-version), openai "
    "(Authorization: Bearer, x-ratelimit-*) or https (no auth layer)"},
   OPT_PROVIDER, OFF(provider)},
  {{"expect-status", 0, "CODE",
    "with --provider https: the HTTP status that is ok (default 200)"},
   OPT_HTTPCODE, OFF(expect_status)},
  {{"retries", 0, "N",
    "retry transient failures up to N times with the SDKs' backoff, within "
    "--timeout (default 0)"},
   OPT_COUNT, OFF(retries)},
  {{"status-page", 0, "URL",
    "also read the provider's Statuspage (its base URL or summary.json; "
    "\"anthropic\" for status.claude.com) and say whether it is them or us"},
   OPT_STATUS, OFF(status_page)},
  {{"region", 0, "REGION",
    "bedrock/vertex: the cloud region (bedrock default: AWS_REGION, "
    "AWS_DEFAULT_REGION; vertex default: us-east5)"},
   OPT_STR, OFF(region)},
  {{"project", 0, "PROJECT",
    "vertex: the Google Cloud project id (default: the service account "
    "file's project_id)"},
   OPT_STR, OFF(project)},
  {{"trace", 0, NULL,
    "trace the route to the API's port (TTL-limited SYNs) on every "
    "outcome, not only when the connection fails"},
   OPT_FLAG, OFF(trace)},
  {{"model", 0, "ID",
    "check that the provider serves model ID to this key (GET "
    "/v1/models/ID; free, no tokens; repeatable, at most 8)"},
   OPT_MODEL, OFF(models)},
  {{"canary", 0, "MODEL",
    "SPENDS TOKENS: send one streaming generation to MODEL (a one-word "
    "prompt, max 1 output token: about 8 input + 1 output tokens per run) "
    "and time it; everything else apiprobe does is free"},
   OPT_CANARY, OFF(canary)},
  {{"stream-idle-timeout", 0, "SECONDS",
    "the canary's stream is stalled after SECONDS without an event "
    "(default 10)"},
   OPT_SECONDS, OFF(stream_idle_timeout_s)},
  {{"canary-interval", 0, "SECONDS",
    "run a target's canary at most once per SECONDS; in between the last "
    "result is reused and marked with its age (default 300; the resident "
    "collectd and Zabbix modules, which probe again and again)"},
   OPT_SPAN, OFF(canary_interval_s)},
  {{"price-input", 0, "USD",
    "price per million input tokens, to estimate the canary's cost (no "
    "price table is built in: prices change)"},
   OPT_PRICE, OFF(price_input)},
  {{"price-output", 0, "USD", "price per million output tokens"},
   OPT_PRICE, OFF(price_output)},
  {{"anthropic-version", 0, "VERSION",
    "anthropic-version header sent (default 2023-06-01)"},
   OPT_STR, OFF(anthropic_version)},
  {{NULL, 0, NULL, NULL}, OPT_STR, 0},
};

const struct ap_option_info *ap_option_get(size_t i)
{
  if(i >= sizeof(opts) / sizeof(opts[0]) - 1)
    return NULL;
  return &opts[i].info;
}

static const struct opt_row *opt_find(const char *name)
{
  size_t i;
  for(i = 0; opts[i].info.name; i++) {
    if(ap_optname_eq(opts[i].info.name, name))
      return &opts[i];
  }
  return NULL;
}

/* Compare ignoring case, '-' and '_'. */
static int loose_eq(const char *a, const char *b)
{
  for(;;) {
    while(*a == '-' || *a == '_')
      a++;
    while(*b == '-' || *b == '_')
      b++;
    if(!*a || !*b)
      return *a == *b;
    if(tolower((unsigned char)*a) != tolower((unsigned char)*b))
      return 0;
    a++;
    b++;
  }
}

const char *ap_option_canonical(const char *key)
{
  size_t i;
  for(i = 0; opts[i].info.name; i++) {
    if(loose_eq(opts[i].info.name, key))
      return opts[i].info.name;
  }
  return NULL;
}

int ap_option_is_flag(const char *name)
{
  const struct opt_row *o = opt_find(name);
  if(!o)
    return -1;
  return o->info.arg == NULL;
}

void ap_target_init(struct ap_target *t)
{
  memset(t, 0, sizeof(*t));
  t->min_tls = 12;
  t->connect_timeout_s = 5;
  t->timeout_s = 10;
  t->cert_warn_days = 21;
  t->cert_crit_days = 7;
  t->skew_warn_s = 60;
  t->skew_crit_s = -1; /* by what the skew breaks (ap_skew_limits) */
  t->idle_timeout_s = 300;
  t->expect_status = 200;
  t->stream_idle_timeout_s = 10;
  t->canary_interval_s = 300;
  t->price_input = t->price_output = NAN;
  ap_strlcpy(t->key_source, "none", sizeof(t->key_source));
}

static enum ap_code set_str(char **field, const char *value, char *err,
                            size_t errlen)
{
  char *copy = strdup(value);
  if(!copy) {
    snprintf(err, errlen, "out of memory");
    return AP_E_NOMEM;
  }
  free(*field);
  *field = copy;
  return AP_OK;
}

/* Parse and normalise an https URL into a new string (*POUT). */
static enum ap_code url_normalise(const char *value, char **pout, char *err,
                                  size_t errlen)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *path = NULL, *full = NULL;
  enum ap_code result = AP_E_ARG;

  *pout = NULL;
  if(!u) {
    snprintf(err, errlen, "out of memory");
    return AP_E_NOMEM;
  }
  if(ap_has_ctl(value) ||
     curl_url_set(u, CURLUPART_URL, value, CURLU_NON_SUPPORT_SCHEME)) {
    snprintf(err, errlen, "--url: '%s' is not a valid URL", value);
    goto out;
  }
  if(curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
     strcmp(scheme, "https")) {
    snprintf(err, errlen, "--url: only https:// URLs can be probed");
    goto out;
  }
  if(curl_url_get(u, CURLUPART_HOST, &host, 0) || !*host) {
    snprintf(err, errlen, "--url: '%s' has no host", value);
    goto out;
  }
  if(!curl_url_get(u, CURLUPART_USER, &path, 0)) {
    snprintf(err, errlen,
             "--url: credentials in the URL are refused; use --key-env or "
             "--key-file");
    goto out;
  }
  curl_free(path);
  path = NULL;
  curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
  if(curl_url_get(u, CURLUPART_URL, &full, 0)) {
    snprintf(err, errlen, "--url: '%s' is not a valid URL", value);
    goto out;
  }
  *pout = strdup(full);
  result = *pout ? AP_OK : AP_E_NOMEM;
out:
  curl_free(scheme);
  curl_free(host);
  curl_free(path);
  curl_free(full);
  curl_url_cleanup(u);
  return result;
}

/* U's path, when it names no .json document, gets Statuspage's
 * /api/v2/summary.json appended (a page's base address, as a user copies
 * it from the browser, https://status.example.com). 0 on success. */
static int status_summary_path(CURLU *u)
{
  char *path = NULL;
  char full[AP_TARGET_TEXT];
  size_t n;
  int rc = 0;
  if(curl_url_get(u, CURLUPART_PATH, &path, 0))
    return -1;
  n = strlen(path);
  if(n < 5 || strcasecmp(path + n - 5, ".json")) {
    while(n > 0 && path[n - 1] == '/')
      n--;
    if(n + sizeof("/api/v2/summary.json") > sizeof(full))
      rc = -1;
    else {
      snprintf(full, sizeof(full), "%.*s/api/v2/summary.json", (int)n,
               path);
      rc = curl_url_set(u, CURLUPART_PATH, full, 0) ? -1 : 0;
    }
  }
  curl_free(path);
  return rc;
}

/* An https URL without credentials: a Statuspage summary.json, or the
 * page's base address (its summary.json is read). */
static enum ap_code status_url(const char *v, char **pout, char *err,
                               size_t errlen)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *user = NULL, *full = NULL;
  enum ap_code rc = AP_E_ARG;
  *pout = NULL;
  if(!u)
    return AP_E_NOMEM;
  if(ap_has_ctl(v) || curl_url_set(u, CURLUPART_URL, v, 0) ||
     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
     strcmp(scheme, "https") ||
     !curl_url_get(u, CURLUPART_USER, &user, 0) || status_summary_path(u) ||
     curl_url_get(u, CURLUPART_URL, &full, 0)) {
    snprintf(err, errlen,
             "--status-page: '%s' is not an https URL without credentials "
             "(a Statuspage base address or its summary.json, or "
             "\"anthropic\")",
             v);
  } else {
    *pout = strdup(full);
    rc = *pout ? AP_OK : AP_E_NOMEM;
  }
  curl_free(scheme);
  curl_free(user);
  curl_free(full);
  curl_url_cleanup(u);
  return rc;
}

/* A bare https://HOST[:PORT][/] gets the provider's probe path (at finish,
 * when the provider is known). */
static enum ap_code default_path(struct ap_target *t, char *err,
                                 size_t errlen)
{
  CURLU *u;
  char *path = NULL, *query = NULL, *full = NULL;
  const char *p = ap_provider(t->provider)->probe_path;
  const char *q = ap_provider(t->provider)->probe_query;
  enum ap_code rc = AP_OK;
  if(!p)
    return AP_OK;
  u = curl_url();
  if(!u)
    return AP_E_NOMEM;
  if(curl_url_set(u, CURLUPART_URL, t->url, 0)) {
    rc = AP_E_CONFIG;
    snprintf(err, errlen, "--url: cannot parse %s", t->url);
    goto out;
  }
  if(!curl_url_get(u, CURLUPART_PATH, &path, 0) &&
     (!*path || !strcmp(path, "/")) &&
     curl_url_get(u, CURLUPART_QUERY, &query, 0)) {
    curl_url_set(u, CURLUPART_PATH, p, 0);
    if(q)
      curl_url_set(u, CURLUPART_QUERY, q, 0);
    if(!curl_url_get(u, CURLUPART_URL, &full, 0)) {
      char *copy = strdup(full);
      if(!copy) {
        rc = AP_E_NOMEM;
        goto out;
      }
      free(t->url);
      t->url = copy;
    }
  }
out:
  curl_free(path);
  curl_free(query);
  curl_free(full);
  curl_url_cleanup(u);
  return rc;
}

static int envname_ok(const char *v)
{
  if(!*v || (*v >= '0' && *v <= '9'))
    return 0;
  for(; *v; v++) {
    if(!(*v == '_' || (*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') ||
         (*v >= '0' && *v <= '9')))
      return 0;
  }
  return 1;
}

/* HOST:PORT:ADDR[,ADDR...] with ADDR an IP literal ([v6] allowed). */
static int resolve_ok(const char *v)
{
  const char *c1 = strchr(v, ':');
  const char *c2;
  char port[8];
  long p;
  if(!c1 || c1 == v)
    return 0;
  c2 = strchr(c1 + 1, ':');
  if(!c2 || (size_t)(c2 - c1 - 1) >= sizeof(port) || c2 == c1 + 1)
    return 0;
  memcpy(port, c1 + 1, (size_t)(c2 - c1 - 1));
  port[c2 - c1 - 1] = '\0';
  if(ap_parse_long(port, 1, 65535, &p))
    return 0;
  return ap_addr_list_ok(c2 + 1);
}

static enum ap_code set_typed(struct ap_target *t, const struct opt_row *o,
                              const char *value, char *err, size_t errlen)
{
  char *base = (char *)t;
  const char *n = o->info.name;
  double d;
  int flag;

  switch(o->type) {
  case OPT_URL: {
    char *url = NULL;
    enum ap_code rc = url_normalise(value, &url, err, errlen);
    if(rc)
      return rc;
    free(t->url);
    t->url = url;
    return AP_OK;
  }
  case OPT_STR:
    if(ap_has_ctl(value)) {
      snprintf(err, errlen, "--%s: control characters are not allowed", n);
      return AP_E_ARG;
    }
    if(!*value && o->off != OFF(noproxy)) {
      snprintf(err, errlen, "--%s: the value is empty", n);
      return AP_E_ARG;
    }
    return set_str((char **)(void *)(base + o->off), value, err, errlen);
  case OPT_ENVNAME:
    if(!envname_ok(value)) {
      /* never echoed: a key pasted here by mistake must not reach a log */
      snprintf(err, errlen,
               "--%s: not an environment variable name (letters, digits, "
               "'_'; the value is not shown)",
               n);
      return AP_E_ARG;
    }
    return set_str((char **)(void *)(base + o->off), value, err, errlen);
  case OPT_PATH:
    if(!*value || ap_has_ctl(value)) {
      snprintf(err, errlen, "--%s: a file name is needed", n);
      return AP_E_ARG;
    }
    return set_str((char **)(void *)(base + o->off), value, err, errlen);
  case OPT_FLAG:
    if(ap_parse_bool(value, &flag)) {
      snprintf(err, errlen, "--%s: '%s' is not a yes/no value", n, value);
      return AP_E_ARG;
    }
    *(int *)(void *)(base + o->off) = flag;
    return AP_OK;
  case OPT_FAMILY4:
  case OPT_FAMILY6:
    if(ap_parse_bool(value, &flag)) {
      snprintf(err, errlen, "--%s: '%s' is not a yes/no value", n, value);
      return AP_E_ARG;
    }
    if(flag)
      t->ip_family = o->type == OPT_FAMILY4 ? 4 : 6;
    else if(t->ip_family == (o->type == OPT_FAMILY4 ? 4 : 6))
      t->ip_family = 0;
    return AP_OK;
  case OPT_SECONDS:
    if(ap_parse_double(value, 0.001, 3600, &d)) {
      snprintf(err, errlen,
               "--%s: '%s' is not a number of seconds between 0.001 and "
               "3600",
               n, value);
      return AP_E_ARG;
    }
    *(double *)(void *)(base + o->off) = d;
    return AP_OK;
  case OPT_SPAN:
    if(ap_parse_double(value, 0, 86400, &d)) {
      snprintf(err, errlen,
               "--%s: '%s' is not a number of seconds between 0 and 86400",
               n, value);
      return AP_E_ARG;
    }
    *(double *)(void *)(base + o->off) = d;
    return AP_OK;
  case OPT_DAYS:
    if(ap_parse_double(value, 0, 3650, &d)) {
      snprintf(err, errlen,
               "--%s: '%s' is not a number of days between 0 and 3650", n,
               value);
      return AP_E_ARG;
    }
    *(double *)(void *)(base + o->off) = d;
    return AP_OK;
  case OPT_TLS:
    if(!strcmp(value, "1.0"))
      t->min_tls = 10;
    else if(!strcmp(value, "1.1"))
      t->min_tls = 11;
    else if(!strcmp(value, "1.2"))
      t->min_tls = 12;
    else if(!strcmp(value, "1.3"))
      t->min_tls = 13;
    else {
      snprintf(err, errlen,
               "--%s: '%s' is not a TLS version (1.0, 1.1, 1.2 or 1.3)", n,
               value);
      return AP_E_ARG;
    }
    return AP_OK;
  case OPT_RESOLVE:
    if(!resolve_ok(value)) {
      snprintf(err, errlen,
               "--%s: '%s' is not HOST:PORT:ADDR with ADDR an IP address", n,
               value);
      return AP_E_ARG;
    }
    if(t->resolve_count >= AP_MAX_RESOLVE) {
      snprintf(err, errlen, "--%s: at most %d entries", n, AP_MAX_RESOLVE);
      return AP_E_ARG;
    }
    t->resolve[t->resolve_count] = strdup(value);
    if(!t->resolve[t->resolve_count]) {
      snprintf(err, errlen, "out of memory");
      return AP_E_NOMEM;
    }
    t->resolve_count++;
    return AP_OK;
  case OPT_MODEL:
  case OPT_CANARY: {
    char *copy;
    if(!ap_model_id_ok(value)) {
      snprintf(err, errlen,
               "--%s: '%.64s' is not a model id (letters, digits, '.', '-', "
               "'_', ':', '@'; at most %d)",
               n, ap_has_ctl(value) ? "?" : value, AP_MODEL_ID_MAX - 1);
      return AP_E_ARG;
    }
    if(o->type == OPT_CANARY)
      return set_str(&t->canary, value, err, errlen);
    if(t->model_count >= AP_MAX_MODELS) {
      snprintf(err, errlen, "--%s: at most %d models", n, AP_MAX_MODELS);
      return AP_E_ARG;
    }
    copy = strdup(value);
    if(!copy) {
      snprintf(err, errlen, "out of memory");
      return AP_E_NOMEM;
    }
    t->models[t->model_count++] = copy;
    return AP_OK;
  }
  case OPT_PRICE:
    if(ap_parse_double(value, 0, 1e6, &d)) {
      snprintf(err, errlen,
               "--%s: '%s' is not a price in USD per million tokens", n,
               value);
      return AP_E_ARG;
    }
    *(double *)(void *)(base + o->off) = d;
    return AP_OK;
  case OPT_STATUS: {
    char *url = NULL;
    const char *v = !strcasecmp(value, "anthropic")
                      ? "https://status.claude.com/api/v2/summary.json"
                      : value;
    enum ap_code rc;
    if(!*value) { /* "" = no check */
      free(t->status_page);
      t->status_page = NULL;
      return AP_OK;
    }
    rc = status_url(v, &url, err, errlen);
    if(rc)
      return rc;
    free(t->status_page);
    t->status_page = url;
    return AP_OK;
  }
  case OPT_PROVIDER:
    if(ap_provider_by_name(value))
      t->provider = ap_provider_by_name(value)->id;
    else {
      snprintf(err, errlen,
               "--%s: '%s' is not anthropic, openai, https, bedrock or "
               "vertex",
               n, value);
      return AP_E_ARG;
    }
    return AP_OK;
  case OPT_HTTPCODE: {
    long v;
    if(ap_parse_long(value, 100, 599, &v)) {
      snprintf(err, errlen, "--%s: '%s' is not an HTTP status (100-599)", n,
               value);
      return AP_E_ARG;
    }
    t->expect_status = (int)v;
    return AP_OK;
  }
  case OPT_COUNT: {
    long v;
    if(ap_parse_long(value, 0, 10, &v)) {
      snprintf(err, errlen, "--%s: '%s' is not a count from 0 to 10", n,
               value);
      return AP_E_ARG;
    }
    *(int *)(void *)(base + o->off) = (int)v;
    return AP_OK;
  }
  case OPT_PROXY:
    if(ap_has_ctl(value)) {
      snprintf(err, errlen, "--%s: control characters are not allowed", n);
      return AP_E_ARG;
    }
    if(*value && !ap_proxy_url_ok(value)) {
      char shown[AP_TARGET_TEXT];
      ap_url_redact(value, shown, sizeof(shown));
      snprintf(err, errlen,
               "--%s: '%s' is not a proxy URL (http://HOST:PORT or "
               "https://HOST:PORT)",
               n, shown);
      return AP_E_ARG;
    }
    return set_str(&t->proxy, value, err, errlen);
  }
  snprintf(err, errlen, "--%s: unsupported option", n);
  return AP_E_INTERNAL;
}

enum ap_code ap_target_set(struct ap_target *t, const char *name,
                           const char *value, char *err, size_t errlen)
{
  const struct opt_row *o;
  enum ap_code rc;
  if(!name || !value) {
    snprintf(err, errlen, "option name and value are required");
    return AP_E_ARG;
  }
  o = opt_find(name);
  if(!o) {
    snprintf(err, errlen, "unknown option '%s'", name);
    return AP_E_ARG;
  }
  if(errlen)
    err[0] = '\0';
  rc = set_typed(t, o, value, err, errlen);
  /* every error says something, out of memory included (a setter's
   * helper may return AP_E_NOMEM from deep inside curl's URL API) */
  if(rc && errlen && !err[0])
    snprintf(err, errlen, "--%s: %s", name,
             rc == AP_E_NOMEM ? "out of memory" : "not accepted");
  return rc;
}

static enum ap_code load_key(struct ap_target *t, char *err, size_t errlen)
{
  const char *env =
    t->key_env ? t->key_env : ap_provider(t->provider)->key_env;
  int rc;
  if(t->key_file) {
    if(ap_secret_from_file(t->key_file, &t->key, &t->key_file_mode_warning,
                           err, errlen))
      return AP_E_IO;
    snprintf(t->key_source, sizeof(t->key_source), "file:%s", t->key_file);
  } else if(!env) {
    ap_strlcpy(t->key_source, "none", sizeof(t->key_source));
  } else {
    rc = ap_secret_from_env(env, &t->key, err, errlen);
    if(rc < 0)
      return AP_E_CONFIG;
    if(rc == 0)
      snprintf(t->key_source, sizeof(t->key_source), "env:%s", env);
    else
      ap_strlcpy(t->key_source, "none", sizeof(t->key_source));
  }
  if(t->key)
    ap_secret_fingerprint(t->key, t->key_fingerprint,
                          sizeof(t->key_fingerprint));
  return AP_OK;
}

static enum ap_code finish_target(struct ap_target *t, char *err,
                                  size_t errlen)
{
  enum ap_code rc;
  if(ap_cloud_provider(t->provider)) {
    /* region, project, model and the URL they make (plugin/cloud.c) */
    char *url = NULL;
    rc = ap_cloud_finish(t, &url, err, errlen);
    if(rc)
      return rc;
    free(t->url);
    t->url = url;
  }
  if(!t->url) {
    const struct ap_provider_row *pr = ap_provider(t->provider);
    if(!pr->default_url) {
      snprintf(err, errlen, "--provider %s needs a URL", pr->name);
      return AP_E_CONFIG;
    }
    rc = set_str(&t->url, pr->default_url, err, errlen);
    if(rc)
      return rc;
  }
  rc = default_path(t, err, errlen);
  if(rc)
    return rc;
  if(!t->anthropic_version) {
    rc = set_str(&t->anthropic_version, "2023-06-01", err, errlen);
    if(rc)
      return rc;
  }
  if(t->connect_timeout_s > t->timeout_s)
    t->connect_timeout_s = t->timeout_s;
  if(t->cert_crit_days > t->cert_warn_days) {
    snprintf(err, errlen,
             "--cert-crit-days (%g) must not exceed --cert-warn-days (%g)",
             t->cert_crit_days, t->cert_warn_days);
    return AP_E_CONFIG;
  }
  if(t->skew_warn_s > 0 && t->skew_crit_s > 0 &&
     t->skew_crit_s < t->skew_warn_s) {
    snprintf(err, errlen,
             "--skew-crit (%g) must not be below --skew-warn (%g)",
             t->skew_crit_s, t->skew_warn_s);
    return AP_E_CONFIG;
  }
  if(t->ca_file) {
    /* a FIFO or device would block OpenSSL's read past --timeout */
    int fd = ap_file_open(t->ca_file, "--ca-file", NULL, err, errlen);
    if(fd < 0)
      return AP_E_IO;
    close(fd);
  }
  if((t->canary || t->model_count) && t->provider == AP_PROVIDER_HTTPS) {
    snprintf(err, errlen,
             "--model and --canary need an API provider (anthropic, openai)");
    return AP_E_CONFIG;
  }
  if(t->key_file && t->key_env) {
    snprintf(err, errlen, "--key-file and --key-env exclude each other");
    return AP_E_CONFIG;
  }
  ap_secret_free(t->key);
  t->key = NULL;
  t->key_fingerprint[0] = '\0';
  rc = load_key(t, err, errlen);
  if(rc)
    return rc;
  /* parsed once here, not on every probe */
  if(ap_url_host(t->url, t->url_host, sizeof(t->url_host)) ||
     ap_url_port(t->url, &t->url_port)) {
    snprintf(err, errlen, "--url: cannot parse %s", t->url);
    return AP_E_CONFIG;
  }
  ap_url_redact(t->url, t->url_shown, sizeof(t->url_shown));
  ap_prober_free(t->prober);
  t->prober = NULL;
  ap_canary_memo_free(t->canary_memo); /* a new configuration */
  t->canary_memo = NULL;
  if(!t->name)
    rc = set_str(&t->name, t->url_host, err, errlen);
  return rc;
}

enum ap_code ap_target_finish(struct ap_target *t, char *err, size_t errlen)
{
  enum ap_code rc;
  if(errlen)
    err[0] = '\0';
  rc = finish_target(t, err, errlen);
  if(rc && errlen && !err[0])
    snprintf(err, errlen, "%s",
             rc == AP_E_NOMEM ? "out of memory" : "the target is not usable");
  return rc;
}

void ap_target_free(struct ap_target *t)
{
  int i;
  ap_prober_free(t->prober);
  free(t->name);
  free(t->url);
  free(t->key_env);
  free(t->key_file);
  free(t->ca_file);
  free(t->proxy);
  free(t->noproxy);
  free(t->anthropic_version);
  free(t->status_page);
  free(t->region);
  free(t->project);
  free(t->cloud_model);
  ap_cloud_free(t->cloud);
  for(i = 0; i < t->resolve_count; i++)
    free(t->resolve[i]);
  for(i = 0; i < t->model_count; i++)
    free(t->models[i]);
  free(t->canary);
  ap_canary_memo_free(t->canary_memo);
  ap_secret_free(t->key);
  ap_target_init(t);
}
