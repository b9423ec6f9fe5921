/* option.c -- the one option table every face uses (argv, collectd
 * <Target> blocks, the Zabbix module's config) and its strict setters:
 * each row names its option, its help, the field of struct ap_target it
 * sets and the setter that checks the value (a number's range is in the
 * row). ap_target_set() is the only way a face changes a target.
 */
#include "apiprobe.h"
#include "internal.h"
#include "strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AP_PROBE_PATH "/v1/models?limit=1"

struct opt_row;
/* Check VALUE and set it in T; AP_OK or an error with ERR. */
typedef enum ap_code (*opt_setter)(struct ap_target *t,
                                   const struct opt_row *o,
                                   const char *value, char *err,
                                   size_t errlen);

/* A number's range and what the error calls it. */
struct opt_range {
  double lo, hi;
  const char *what;
};

struct opt_row {
  struct ap_option_info info;
  opt_setter set;
  size_t off;                    /* the field in struct ap_target */
  const struct opt_range *range; /* set_double, set_int */
  int arg;                       /* set_family: 4 or 6; set_text: 1 when
                                    "" is a value */
};

#define OFF(f) offsetof(struct ap_target, f)
#define FIELD(t, o, type) ((type *)(void *)((char *)(t) + (o)->off))

static const struct opt_range seconds = {
  0.001, 3600, "a number of seconds between 0.001 and 3600"};
static const struct opt_range span = {
  0, 86400, "a number of seconds between 0 and 86400"};
static const struct opt_range days = {
  0, 3650, "a number of days between 0 and 3650"};
static const struct opt_range price = {
  0, 1e6, "a price in USD per million tokens"};
static const struct opt_range httpcode = {
  100, 599, "an HTTP status (100-599)"};
static const struct opt_range count = {0, 10, "a count from 0 to 10"};

/* ---- the setters -------------------------------------------------------- */

static enum ap_code set_str(char **field, const char *value, char *err,
                            size_t errlen)
{
  if(ap_str_set(field, value)) {
    snprintf(err, errlen, "out of memory");
    return AP_E_NOMEM;
  }
  return AP_OK;
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

static enum ap_code set_url(struct ap_target *t, const struct opt_row *o,
                            const char *value, char *err, size_t errlen)
{
  char *url = NULL;
  enum ap_code rc = ap_url_target(value, &url, err, errlen);
  (void)o;
  if(rc)
    return rc;
  free(t->url);
  t->url = url;
  return AP_OK;
}

static enum ap_code set_text(struct ap_target *t, const struct opt_row *o,
                             const char *value, char *err, size_t errlen)
{
  if(ap_has_ctl(value)) {
    snprintf(err, errlen, "--%s: control characters are not allowed",
             o->info.name);
    return AP_E_ARG;
  }
  if(!*value && !o->arg) {
    snprintf(err, errlen, "--%s: the value is empty", o->info.name);
    return AP_E_ARG;
  }
  return set_str(FIELD(t, o, char *), value, err, errlen);
}

static enum ap_code set_envname(struct ap_target *t, const struct opt_row *o,
                                const char *value, char *err, size_t errlen)
{
  if(!envname_ok(value)) {
    /* never echoed: a key pasted here by mistake must not reach a log */
    snprintf(err, errlen,
             "--%s: not an environment variable name (letters, digits, "
             "'_'; the value is not shown)",
             o->info.name);
    return AP_E_ARG;
  }
  return set_str(FIELD(t, o, char *), value, err, errlen);
}

static enum ap_code set_path(struct ap_target *t, const struct opt_row *o,
                             const char *value, char *err, size_t errlen)
{
  if(!*value || ap_has_ctl(value)) {
    snprintf(err, errlen, "--%s: a file name is needed", o->info.name);
    return AP_E_ARG;
  }
  return set_str(FIELD(t, o, char *), value, err, errlen);
}

static int get_bool(const struct opt_row *o, const char *value, int *flag,
                    char *err, size_t errlen)
{
  if(!ap_parse_bool(value, flag))
    return 0;
  snprintf(err, errlen, "--%s: '%s' is not a yes/no value", o->info.name,
           value);
  return -1;
}

static enum ap_code set_flag(struct ap_target *t, const struct opt_row *o,
                             const char *value, char *err, size_t errlen)
{
  int flag;
  if(get_bool(o, value, &flag, err, errlen))
    return AP_E_ARG;
  *FIELD(t, o, int) = flag;
  return AP_OK;
}

/* --ipv4 / --ipv6 (O->arg): on picks the family, off drops only its own. */
static enum ap_code set_family(struct ap_target *t, const struct opt_row *o,
                               const char *value, char *err, size_t errlen)
{
  int flag;
  if(get_bool(o, value, &flag, err, errlen))
    return AP_E_ARG;
  if(flag)
    t->ip_family = o->arg;
  else if(t->ip_family == o->arg)
    t->ip_family = 0;
  return AP_OK;
}

static enum ap_code set_double(struct ap_target *t, const struct opt_row *o,
                               const char *value, char *err, size_t errlen)
{
  double d;
  if(ap_parse_double(value, o->range->lo, o->range->hi, &d)) {
    snprintf(err, errlen, "--%s: '%s' is not %s", o->info.name, value,
             o->range->what);
    return AP_E_ARG;
  }
  *FIELD(t, o, double) = d;
  return AP_OK;
}

static enum ap_code set_int(struct ap_target *t, const struct opt_row *o,
                            const char *value, char *err, size_t errlen)
{
  long v;
  if(ap_parse_long(value, (long)o->range->lo, (long)o->range->hi, &v)) {
    snprintf(err, errlen, "--%s: '%s' is not %s", o->info.name, value,
             o->range->what);
    return AP_E_ARG;
  }
  *FIELD(t, o, int) = (int)v;
  return AP_OK;
}

static enum ap_code set_tls(struct ap_target *t, const struct opt_row *o,
                            const char *value, char *err, size_t errlen)
{
  static const char *const names[] = {"1.0", "1.1", "1.2", "1.3"};
  int i;
  for(i = 0; i < 4; i++) {
    if(!strcmp(value, names[i])) {
      t->min_tls = 10 + i;
      return AP_OK;
    }
  }
  snprintf(err, errlen,
           "--%s: '%s' is not a TLS version (1.0, 1.1, 1.2 or 1.3)",
           o->info.name, value);
  return AP_E_ARG;
}

static enum ap_code set_resolve(struct ap_target *t, const struct opt_row *o,
                                const char *value, char *err, size_t errlen)
{
  const char *n = o->info.name;
  if(!ap_resolve_ok(value)) {
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
}

static int model_ok(const struct opt_row *o, const char *value, char *err,
                    size_t errlen)
{
  if(ap_model_id_ok(value))
    return 1;
  snprintf(err, errlen,
           "--%s: '%.64s' is not a model id (letters, digits, '.', '-', "
           "'_', ':', '@'; at most %d)",
           o->info.name, ap_has_ctl(value) ? "?" : value,
           AP_MODEL_ID_MAX - 1);
  return 0;
}

static enum ap_code set_model(struct ap_target *t, const struct opt_row *o,
                              const char *value, char *err, size_t errlen)
{
  char *copy;
  if(!model_ok(o, value, err, errlen))
    return AP_E_ARG;
  if(t->model_count >= AP_MAX_MODELS) {
    snprintf(err, errlen, "--%s: at most %d models", o->info.name,
             AP_MAX_MODELS);
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

static enum ap_code set_canary(struct ap_target *t, const struct opt_row *o,
                               const char *value, char *err, size_t errlen)
{
  if(!model_ok(o, value, err, errlen))
    return AP_E_ARG;
  return set_str(&t->canary, value, err, errlen);
}

/* "" no check, else ap_url_statuspage's. */
static enum ap_code set_status(struct ap_target *t, const struct opt_row *o,
                               const char *value, char *err, size_t errlen)
{
  char *url = NULL;
  enum ap_code rc = AP_OK;
  (void)o;
  if(*value)
    rc = ap_url_statuspage(value, &url, err, errlen);
  if(rc)
    return rc;
  free(t->status_page);
  t->status_page = url;
  return AP_OK;
}

static enum ap_code set_provider(struct ap_target *t,
                                 const struct opt_row *o, const char *value,
                                 char *err, size_t errlen)
{
  const struct ap_provider_row *p = ap_provider_by_name(value);
  if(!p) {
    snprintf(err, errlen,
             "--%s: '%s' is not anthropic, openai, https, bedrock or "
             "vertex",
             o->info.name, value);
    return AP_E_ARG;
  }
  t->provider = p->id;
  return AP_OK;
}

static enum ap_code set_proxy(struct ap_target *t, const struct opt_row *o,
                              const char *value, char *err, size_t errlen)
{
  if(ap_has_ctl(value)) {
    snprintf(err, errlen, "--%s: control characters are not allowed",
             o->info.name);
    return AP_E_ARG;
  }
  if(*value && !ap_proxy_url_ok(value)) {
    char shown[AP_TARGET_TEXT];
    ap_url_redact(value, shown, sizeof(shown));
    snprintf(err, errlen,
             "--%s: '%s' is not a proxy URL (http://HOST:PORT or "
             "https://HOST:PORT)",
             o->info.name, shown);
    return AP_E_ARG;
  }
  return set_str(&t->proxy, value, err, errlen);
}

/* ---- the table ---------------------------------------------------------- */

static const struct opt_row opts[] = {
  {{"url", 'u', "URL",
    "HTTPS URL to probe (default " AP_DEFAULT_URL
    "; https://HOST alone gets " AP_PROBE_PATH ")"},
   set_url, OFF(url), NULL, 0},
  {{"name", 'n', "NAME", "label used in outputs (default: the URL's host)"},
   set_text, OFF(name), NULL, 0},
  {{"key-env", 'E', "VAR",
    "read the API key from environment variable VAR (default "
    "ANTHROPIC_API_KEY)"},
   set_envname, OFF(key_env), NULL, 0},
  {{"key-file", 'K', "FILE",
    "read the API key from FILE (first line; should be mode 0600)"},
   set_path, OFF(key_file), NULL, 0},
  {{"ca-file", 'C', "FILE",
    "trust the CAs in PEM FILE instead of the system store"},
   set_path, OFF(ca_file), NULL, 0},
  {{"insecure", 'k', NULL,
    "do not verify the certificate (reported as a warning)"},
   set_flag, OFF(insecure), NULL, 0},
  {{"connect-timeout", 'T', "SECONDS",
    "limit for DNS + TCP connect + TLS handshake (default 5)"},
   set_double, OFF(connect_timeout_s), &seconds, 0},
  {{"timeout", 't', "SECONDS", "limit for the whole probe (default 10)"},
   set_double, OFF(timeout_s), &seconds, 0},
  {{"ipv4", '4', NULL, "use IPv4 addresses only"},
   set_family, OFF(ip_family), NULL, 4},
  {{"ipv6", '6', NULL, "use IPv6 addresses only"},
   set_family, OFF(ip_family), NULL, 6},
  {{"min-tls", 'm', "VERSION",
    "lowest TLS version accepted: 1.0, 1.1, 1.2 (default) or 1.3"},
   set_tls, OFF(min_tls), NULL, 0},
  {{"resolve", 'r', "HOST:PORT:ADDR",
    "use ADDR for HOST:PORT instead of DNS, as curl's --resolve "
    "(repeatable)"},
   set_resolve, OFF(resolve), NULL, 0},
  {{"proxy", 'x', "URL",
    "use this HTTP(S) proxy (\"\" for none; default: HTTPS_PROXY, "
    "ALL_PROXY)"},
   set_proxy, OFF(proxy), NULL, 0},
  {{"noproxy", 'N', "HOSTS",
    "comma-separated hosts that bypass the proxy (default: NO_PROXY)"},
   set_text, OFF(noproxy), NULL, 1},
  {{"cert-warn-days", 0, "DAYS",
    "warn when a certificate expires within DAYS (default 21)"},
   set_double, OFF(cert_warn_days), &days, 0},
  {{"cert-crit-days", 0, "DAYS",
    "critical when a certificate expires within DAYS (default 7)"},
   set_double, OFF(cert_crit_days), &days, 0},
  {{"skew-warn", 0, "SECONDS",
    "warn when this host's clock is off the server's Date by more than "
    "SECONDS (default 60; 0 off)"},
   set_double, OFF(skew_warn_s), &span, 0},
  {{"skew-crit", 0, "SECONDS",
    "critical beyond SECONDS of clock skew (default: only where the skew "
    "breaks the requests, beyond a time-signed provider's window; 0 off)"},
   set_double, OFF(skew_crit_s), &span, 0},
  {{"idle-timeout", 0, "SECONDS",
    "idle timeout of the NAT/firewalls on the path (default 300): advice "
    "when TCP keepalive starts later; 0 no advice"},
   set_double, OFF(idle_timeout_s), &span, 0},
  {{"provider", 0, "NAME",
    "anthropic (default: x-api-key, anthropic-version), openai "
    "(Authorization: Bearer, x-ratelimit-*) or https (no auth layer)"},
   set_provider, OFF(provider), NULL, 0},
  {{"expect-status", 0, "CODE",
    "with --provider https: the HTTP status that is ok (default 200)"},
   set_int, OFF(expect_status), &httpcode, 0},
  {{"retries", 0, "N",
    "retry transient failures up to N times with the SDKs' backoff, within "
    "--timeout (default 0)"},
   set_int, OFF(retries), &count, 0},
  {{"status-page", 0, "URL",
    "also read the provider's Statuspage (its base URL or summary.json; "
    "\"anthropic\" for status.claude.com) and say whether it is them or us"},
   set_status, OFF(status_page), NULL, 0},
  {{"region", 0, "REGION",
    "bedrock/vertex: the cloud region (bedrock default: AWS_REGION, "
    "AWS_DEFAULT_REGION; vertex default: us-east5)"},
   set_text, OFF(region), NULL, 0},
  {{"project", 0, "PROJECT",
    "vertex: the Google Cloud project id (default: the service account "
    "file's project_id)"},
   set_text, OFF(project), NULL, 0},
  {{"trace", 0, NULL,
    "trace the route to the API's port (TTL-limited SYNs) on every "
    "outcome, not only when the connection fails"},
   set_flag, OFF(trace), NULL, 0},
  {{"model", 0, "ID",
    "check that the provider serves model ID to this key (GET "
    "/v1/models/ID; free, no tokens; repeatable, at most 8)"},
   set_model, OFF(models), NULL, 0},
  {{"canary", 0, "MODEL",
    "SPENDS TOKENS: send one streaming generation to MODEL (a one-word "
    "prompt, max 1 output token: about 8 input + 1 output tokens per run) "
    "and time it; everything else apiprobe does is free"},
   set_canary, OFF(canary), NULL, 0},
  {{"stream-idle-timeout", 0, "SECONDS",
    "the canary's stream is stalled after SECONDS without an event "
    "(default 10)"},
   set_double, OFF(stream_idle_timeout_s), &seconds, 0},
  {{"canary-interval", 0, "SECONDS",
    "run a target's canary at most once per SECONDS; in between the last "
    "result is reused and marked with its age (default 300; the resident "
    "collectd and Zabbix modules, which probe again and again)"},
   set_double, OFF(canary_interval_s), &span, 0},
  {{"price-input", 0, "USD",
    "price per million input tokens, to estimate the canary's cost (no "
    "price table is built in: prices change)"},
   set_double, OFF(price_input), &price, 0},
  {{"price-output", 0, "USD", "price per million output tokens"},
   set_double, OFF(price_output), &price, 0},
  {{"anthropic-version", 0, "VERSION",
    "anthropic-version header sent (default 2023-06-01)"},
   set_text, OFF(anthropic_version), NULL, 0},
  {{NULL, 0, NULL, NULL}, NULL, 0, NULL, 0},
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
  rc = o->set(t, o, value, err, errlen);
  /* every error says something, out of memory included (a setter's
   * helper may return AP_E_NOMEM from deep inside curl's URL API) */
  if(rc && errlen && !err[0])
    snprintf(err, errlen, "--%s: %s", name,
             rc == AP_E_NOMEM ? "out of memory" : "not accepted");
  return rc;
}

