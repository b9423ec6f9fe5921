/* apiprobe.h -- the only header the faces (cli, nagios, collectd, zabbix)
 * include. A target (what to probe, set through one option table) is probed
 * into a result (one struct per layer: env dns tcp proxy tls http auth),
 * which the shared renderers turn into JSON. Nothing here prints, exits or
 * touches global state outside ap_global_init()/ap_global_cleanup().
 */
#ifndef APIPROBE_H
#define APIPROBE_H

#include <stddef.h>
#include <stdint.h>

#define AP_VERSION "0.1.0"

struct ap_secret; /* common/secret.h: a loaded key, wiped on free */
struct ap_prober; /* plugin/: handles kept between probes */
struct ap_canary_memo; /* plugin/inference.c: the last canary run */

/* Could-not-probe codes (target health is data in the result, not these).
 * Append-only: never renumber or remove. */
enum ap_code {
  AP_OK = 0,
  AP_E_NOMEM = 1,    /* an allocation failed */
  AP_E_ARG = 2,      /* bad option name or value */
  AP_E_CONFIG = 3,   /* target inconsistent or unusable as a whole */
  AP_E_INTERNAL = 4, /* a library call failed unexpectedly */
  AP_E_IO = 5        /* a file could not be read */
};

/* Stable name of a code ("ok", "nomem" ...). Never NULL. */
const char *ap_code_name(enum ap_code code);

/* Layer and verdict states, in the order of the result model. */
#define AP_STATE_MAP(XX)                                                       \
  XX(OK, "ok")                                                                 \
  XX(WARNING, "warning")                                                       \
  XX(CRITICAL, "critical")                                                     \
  XX(UNKNOWN, "unknown")                                                       \
  XX(SKIPPED, "skipped")                                                       \
  XX(NA, "n/a")

enum ap_state {
#define AP_STATE_GEN(id, name) AP_STATE_##id,
  AP_STATE_MAP(AP_STATE_GEN)
#undef AP_STATE_GEN
};

/* The layers, in the order a connection walks them. */
#define AP_LAYER_MAP(XX)                                                       \
  XX(ENV, "env")                                                               \
  XX(DNS, "dns")                                                               \
  XX(TCP, "tcp")                                                               \
  XX(PROXY, "proxy")                                                           \
  XX(TLS, "tls")                                                               \
  XX(HTTP, "http")                                                             \
  XX(AUTH, "auth")                                                             \
  XX(MODEL, "model")                                                           \
  XX(INFERENCE, "inference")

enum ap_layer {
#define AP_LAYER_GEN(id, name) AP_LAYER_##id,
  AP_LAYER_MAP(AP_LAYER_GEN)
#undef AP_LAYER_GEN
  AP_LAYER_COUNT
};

/* Every failure the probe can name: (id, layer, name, state, hint).
 * The name is the stable machine name in the JSON ("error"); the hint is
 * the remedy printed with the verdict. Append-only within a layer. */
#define AP_ERROR_MAP(XX)                                                       \
  XX(NONE, ENV, "none", OK, "")                                                \
  XX(ENV_KEY_FILE_MODE, ENV, "key_file_readable", WARNING,                     \
     "the key file is readable by group or others: chmod 600 it")              \
  XX(THRESHOLD, ENV, "threshold", WARNING,                                     \
     "a measurement crossed its threshold (-w/-c, --warn/--crit)")            \
  XX(ENV_CLOCK_SKEW, ENV, "clock_skew", WARNING,                               \
     "this host's clock is off: enable NTP (chrony, systemd-timesyncd); "     \
     "certificates and signed requests depend on it")                          \
  XX(ENV_CLOCK_SKEW_CRIT, ENV, "clock_skew_large", CRITICAL,                   \
     "this host's clock is far off: fix NTP now; certificate checks and "      \
     "signed requests fail with such a clock")                                 \
  XX(ENV_PROXY_INVALID, ENV, "proxy_url_invalid", CRITICAL,                    \
     "the proxy variable is not an http:// or https:// proxy URL: fix it, "    \
     "or unset it, or give --proxy")                                           \
  XX(ENV_CREDENTIALS, ENV, "credentials_unavailable", CRITICAL,                \
     "the instance metadata service gave no credentials: check the instance "  \
     "role / service account, or set the credentials in the environment")     \
  XX(DNS_NXDOMAIN, DNS, "nxdomain", CRITICAL,                                  \
     "the name does not exist: check the URL's host name and the resolver")    \
  XX(DNS_NO_ADDRESS, DNS, "no_address", CRITICAL,                              \
     "the name has no address of the wanted family: try without -4/-6")       \
  XX(DNS_TEMPORARY, DNS, "temporary_failure", CRITICAL,                        \
     "the resolver failed (SERVFAIL/REFUSED?): check /etc/resolv.conf and "    \
     "the DNS server")                                                         \
  XX(DNS_TIMEOUT, DNS, "timeout", CRITICAL,                                    \
     "the resolver did not answer in time: check the DNS server is reachable") \
  XX(DNS_FAILED, DNS, "failed", CRITICAL,                                      \
     "name resolution failed: check /etc/nsswitch.conf and the resolver")      \
  XX(DNS_SERVFAIL, DNS, "servfail", CRITICAL,                                  \
     "the DNS server answered SERVFAIL: its upstream or the zone's servers "   \
     "fail; check the resolver in /etc/resolv.conf or try another")            \
  XX(DNS_REFUSED, DNS, "refused", CRITICAL,                                    \
     "the DNS server refused the query: it does not serve this client or "     \
     "name; check /etc/resolv.conf and the server's ACLs")                     \
  XX(DNS_UNREACHABLE, DNS, "server_unreachable", CRITICAL,                     \
     "no DNS server takes queries (port 53 closed or no route): check the "    \
     "resolver service (systemd-resolved, dnsmasq) and the nameserver lines "  \
     "of /etc/resolv.conf")                                                    \
  XX(TCP_REFUSED, TCP, "refused", CRITICAL,                                    \
     "nothing listens on that port, or a firewall rejects it")                 \
  XX(TCP_TIMEOUT, TCP, "timeout", CRITICAL,                                    \
     "no answer to the connection attempt: a firewall drops it (allow "        \
     "outbound 443) or the host is down")                                      \
  XX(TCP_UNREACHABLE, TCP, "unreachable", CRITICAL,                            \
     "no route to the host: check the routing table, the VPN and IPv6")        \
  XX(TCP_RESET, TCP, "reset", CRITICAL,                                        \
     "the connection was reset: a middlebox may be interfering")               \
  XX(TCP_FAILED, TCP, "failed", CRITICAL,                                      \
     "the connection failed: check the network path")                         \
  XX(TCP_FAMILY, TCP, "family_failed", WARNING,                                \
     "one address family fails while the other works: clients that try it "    \
     "first stall or fail; fix its route/firewall (or stop using it)")         \
  XX(TCP_PMTU_BLACKHOLE, TCP, "pmtu_blackhole", CRITICAL,                      \
     "full-size packets are lost on the path while ICMP 'fragmentation "       \
     "needed' does not come back (a PMTU black hole, often a VPN/tunnel): "    \
     "lower the interface or tunnel MTU, clamp the MSS on the router, or "     \
     "allow ICMP fragmentation-needed / packet-too-big")                      \
  XX(PROXY_RESOLVE, PROXY, "resolve_failed", CRITICAL,                         \
     "the proxy's host name does not resolve: check HTTPS_PROXY/--proxy")      \
  XX(PROXY_CONNECT, PROXY, "connect_failed", CRITICAL,                         \
     "the proxy does not accept connections: check it runs and the port")     \
  XX(PROXY_AUTH, PROXY, "auth_required", CRITICAL,                             \
     "the proxy wants credentials (407): put them in the proxy URL")          \
  XX(PROXY_REJECTED, PROXY, "connect_rejected", CRITICAL,                      \
     "the proxy refused to tunnel to the API: ask for the host to be allowed") \
  XX(PROXY_TIMEOUT, PROXY, "timeout", CRITICAL,                                \
     "the proxy did not answer in time")                                       \
  XX(PROXY_TLS, PROXY, "tls_failed", CRITICAL,                                 \
     "the TLS connection to the https:// proxy failed: trust its CA with "     \
     "--ca-file, or check whether it speaks TLS at all (http:// proxy?)")     \
  XX(TLS_HANDSHAKE, TLS, "handshake_failed", CRITICAL,                         \
     "the TLS handshake failed: a middlebox or an incompatible server?")      \
  XX(TLS_PROTOCOL_VERSION, TLS, "protocol_version", CRITICAL,                  \
     "no common TLS version: the server or a middlebox offers less than "      \
     "--min-tls")                                                              \
  XX(TLS_NOT_TLS, TLS, "not_tls", CRITICAL,                                    \
     "the server does not speak TLS on this port: check the URL's scheme "     \
     "and port")                                                               \
  XX(TLS_EXPIRED, TLS, "cert_expired", CRITICAL,                               \
     "the server's certificate has expired; if it is valid elsewhere, check "  \
     "this host's clock")                                                      \
  XX(TLS_NOT_YET_VALID, TLS, "cert_not_yet_valid", CRITICAL,                   \
     "the certificate is not valid yet: check this host's clock (NTP)")       \
  XX(TLS_UNTRUSTED, TLS, "untrusted_issuer", CRITICAL,                         \
     "an intercepting proxy? add its CA with --ca-file")                       \
  XX(TLS_HOSTNAME, TLS, "hostname_mismatch", CRITICAL,                         \
     "the certificate is for another name: a captive portal, a proxy or the "  \
     "wrong URL")                                                              \
  XX(TLS_CERT_INVALID, TLS, "cert_invalid", CRITICAL,                          \
     "the certificate chain is invalid")                                       \
  XX(TLS_EXPIRING, TLS, "cert_expiring", WARNING,                              \
     "renew the certificate (or tell the provider) before it expires")        \
  XX(TLS_EXPIRING_CRIT, TLS, "cert_expiring_soon", CRITICAL,                   \
     "the certificate expires within days: renew it now")                      \
  XX(TLS_INSECURE, TLS, "verify_disabled", WARNING,                            \
     "--insecure hides certificate problems: use --ca-file instead")           \
  XX(TLS_TIMEOUT, TLS, "timeout", CRITICAL,                                    \
     "the TLS handshake did not finish in time: a middlebox may be stalling "  \
     "it")                                                                     \
  XX(TLS_RESET, TLS, "reset", CRITICAL,                                        \
     "the connection was reset during the TLS handshake: a firewall or DPI "   \
     "box?")                                                                   \
  XX(TLS_CLOSED, TLS, "closed", CRITICAL,                                      \
     "the server closed the connection during the TLS handshake")             \
  XX(HTTP_TIMEOUT, HTTP, "timeout", CRITICAL,                                  \
     "the server accepted the request but did not answer in time")            \
  XX(HTTP_BODY_TIMEOUT, HTTP, "body_timeout", CRITICAL,                        \
     "the response body stalled: a proxy or the server stopped sending")      \
  XX(HTTP_RESET, HTTP, "reset", CRITICAL,                                      \
     "the connection was reset after the request was sent")                    \
  XX(HTTP_CLOSED, HTTP, "closed", CRITICAL,                                    \
     "the server closed the connection without answering")                    \
  XX(HTTP_BAD_RESPONSE, HTTP, "bad_response", CRITICAL,                        \
     "the answer is not valid HTTP: something other than the API is on this "  \
     "port")                                                                   \
  XX(HTTP_TRUNCATED, HTTP, "truncated", CRITICAL,                              \
     "the response ended before its announced length")                         \
  XX(HTTP_TOO_LARGE, HTTP, "body_too_large", CRITICAL,                         \
     "the response is larger than any API answer: a proxy page or a wrong "    \
     "URL?")                                                                   \
  XX(HTTP_5XX, HTTP, "status_5xx", CRITICAL,                                   \
     "a gateway or the edge failed before the API: usually the provider's "    \
     "side, check its status page")                                            \
  XX(HTTP_EDGE_BLOCKED, HTTP, "edge_blocked", CRITICAL,                        \
     "the provider's edge refused the request (region or IP blocked?)")        \
  XX(HTTP_NOT_API, HTTP, "not_api", CRITICAL,                                  \
     "the answer did not come from the API: a captive portal or proxy page?")  \
  XX(HTTP_REDIRECT, HTTP, "redirect", CRITICAL,                                \
     "the URL redirects elsewhere; redirects are not followed with the key: "  \
     "fix the URL")                                                            \
  XX(HTTP_FAILED, HTTP, "failed", CRITICAL, "the HTTP exchange failed")        \
  XX(HTTP_UNEXPECTED_STATUS, HTTP, "unexpected_status", CRITICAL,              \
     "the URL answered another status than --expect-status")                   \
  XX(AUTH_NO_KEY, AUTH, "no_key", UNKNOWN,                                     \
     "no API key configured: set ANTHROPIC_API_KEY (OPENAI_API_KEY) or use "   \
     "--key-env/--key-file")                                                   \
  XX(AUTH_INVALID_KEY, AUTH, "invalid_key", CRITICAL,                          \
     "the key was rejected: rotate it, or check a proxy is not stripping the " \
     "x-api-key header")                                                       \
  XX(AUTH_FORBIDDEN, AUTH, "forbidden", CRITICAL,                              \
     "the key lacks permission: check its workspace and role")                 \
  XX(AUTH_RATE_LIMITED, AUTH, "rate_limited", WARNING,                         \
     "the key is being rate limited: lower the request rate or raise the "     \
     "limits")                                                                 \
  XX(AUTH_SPEND_LIMIT, AUTH, "spend_limit", CRITICAL,                          \
     "the organisation reached its usage limit: raise it in the console")     \
  XX(AUTH_BILLING, AUTH, "billing", CRITICAL,                                  \
     "billing problem or no credit left: check Plans & Billing")              \
  XX(AUTH_OVERLOADED, AUTH, "overloaded", WARNING,                             \
     "the API is overloaded (529): transient, retry with backoff")            \
  XX(AUTH_SERVER_ERROR, AUTH, "server_error", CRITICAL,                        \
     "the API failed (5xx): the provider's side, check its status page")     \
  XX(AUTH_NOT_FOUND, AUTH, "not_found", UNKNOWN,                               \
     "the API has no such path: check the URL (does it include /v1?)")        \
  XX(AUTH_BAD_REQUEST, AUTH, "bad_request", UNKNOWN,                           \
     "the API rejected the request: a proxy may be altering headers "          \
     "(anthropic-version)")                                                    \
  XX(AUTH_UNEXPECTED, AUTH, "unexpected", UNKNOWN,                             \
     "the API answered something unexpected: see the reason")                  \
  XX(AUTH_NO_CREDENTIALS, AUTH, "no_credentials", UNKNOWN,                     \
     "no cloud credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or "   \
     "GOOGLE_APPLICATION_CREDENTIALS, or run on an instance with a role")      \
  XX(AUTH_UNKNOWN_ACCESS_KEY, AUTH, "unknown_access_key", CRITICAL,            \
     "AWS does not know this access key id: it was deleted, or belongs to "    \
     "another partition; rotate the credentials")                               \
  XX(AUTH_SIGNATURE_MISMATCH, AUTH, "signature_mismatch", CRITICAL,            \
     "the request signature does not match: the secret access key is wrong "   \
     "(or a proxy altered the request)")                                       \
  XX(AUTH_SIGNATURE_EXPIRED, AUTH, "signature_expired", CRITICAL,              \
     "the signature is outside the service's 5 minute window: this host's "    \
     "clock is off, fix NTP")                                                  \
  XX(AUTH_TOKEN_EXPIRED, AUTH, "session_token_expired", CRITICAL,              \
     "the session token has expired: refresh the temporary credentials")       \
  XX(AUTH_ACCESS_DENIED, AUTH, "access_denied", CRITICAL,                      \
     "denied: grant the IAM permission (bedrock:CountTokens / "                \
     "bedrock:InvokeModel) and request model access in this region")           \
  XX(AUTH_MODEL_NOT_FOUND, AUTH, "model_not_found", CRITICAL,                  \
     "the model is not offered in this region (or the id is wrong): check "    \
     "--model and --region")                                                   \
  XX(AUTH_THROTTLED, AUTH, "throttled", WARNING,                               \
     "the service is throttling these credentials: lower the rate or raise "   \
     "the quota")                                                              \
  XX(AUTH_UNAVAILABLE, AUTH, "unavailable", CRITICAL,                          \
     "the service is unavailable in this region: the provider's side, check "  \
     "its health dashboard")                                                   \
  XX(AUTH_TOKEN_REFUSED, AUTH, "token_refused", CRITICAL,                      \
     "the token endpoint refused the service account's assertion: the key "    \
     "was deleted or disabled, or the account is wrong")                       \
  XX(AUTH_JWT_CLOCK_SKEW, AUTH, "jwt_clock_skew", CRITICAL,                    \
     "the token endpoint refused the assertion's iat/exp: this host's clock "  \
     "is off, fix NTP")                                                        \
  XX(AUTH_PERMISSION_DENIED, AUTH, "permission_denied", CRITICAL,              \
     "the service account lacks aiplatform.endpoints.predict on the project "  \
     "(roles/aiplatform.user), or the model is not enabled")                   \
  XX(AUTH_QUOTA_EXCEEDED, AUTH, "quota_exceeded", WARNING,                     \
     "the project's quota for this model and region is exhausted: wait or "    \
     "request more quota")                                                     \
  XX(MODEL_NOT_FOUND, MODEL, "model_not_found", CRITICAL,                      \
     "the model is retired, misspelt or not available to this key: list "      \
     "the models the key can use (GET /v1/models) and update the id")          \
  XX(INF_STALLED, INFERENCE, "stream_stalled", CRITICAL,                       \
     "the stream went silent for --stream-idle-timeout: clients hang like "    \
     "this; a proxy buffering event streams, or the provider stalls")         \
  XX(INF_TRUNCATED, INFERENCE, "stream_truncated", CRITICAL,                   \
     "the stream ended before its final event: a proxy or load balancer cut "  \
     "it, or the provider dropped it")                                         \
  XX(INF_OVERLOADED, INFERENCE, "overloaded", WARNING,                         \
     "the model is overloaded (529 or an overloaded_error event): transient, " \
     "retry with backoff; persistent means capacity trouble")                  \
  XX(INF_RATE_LIMITED, INFERENCE, "rate_limited", WARNING,                     \
     "generation requests are rate limited for this key: lower the rate or "   \
     "raise the limits")                                                       \
  XX(INF_MODEL_NOT_FOUND, INFERENCE, "model_not_found", CRITICAL,              \
     "the canary's model is retired, misspelt or not available to this key")   \
  XX(INF_API_ERROR, INFERENCE, "api_error", CRITICAL,                          \
     "the API failed to generate (5xx or an error event): the provider's "     \
     "side, check its status page")                                            \
  XX(INF_BAD_RESPONSE, INFERENCE, "bad_response", CRITICAL,                    \
     "the answer is not a valid event stream (SSE or JSON malformed): a "      \
     "proxy rewriting it, or an incompatible endpoint")

enum ap_error {
#define AP_ERROR_GEN(id, layer, name, state, hint) AP_ERR_##id,
  AP_ERROR_MAP(AP_ERROR_GEN)
#undef AP_ERROR_GEN
  AP_ERR_COUNT
};

const char *ap_state_name(enum ap_state s);
const char *ap_layer_name(enum ap_layer l);
const char *ap_error_name(enum ap_error e);
enum ap_layer ap_error_layer(enum ap_error e);
enum ap_state ap_error_state(enum ap_error e);
const char *ap_error_hint(enum ap_error e);
/* Severity order for "worst of": ok < warning < unknown < critical;
 * skipped and n/a rank below ok. */
int ap_state_rank(enum ap_state s);

/* ---- the target: what to probe, filled through the option table ------- */

#define AP_MAX_RESOLVE 8
#define AP_MAX_MODELS 8
#define AP_MODEL_ID_MAX 128

/* What answers at the URL: decides headers, the probe path, the rate-limit
 * headers and the classifier, nothing else. */
enum ap_provider {
  AP_PROVIDER_ANTHROPIC = 0, /* x-api-key, anthropic-version */
  AP_PROVIDER_OPENAI = 1,    /* Authorization: Bearer, x-ratelimit-* */
  AP_PROVIDER_HTTPS = 2,     /* no auth layer; --expect-status */
  AP_PROVIDER_BEDROCK = 3,   /* AWS SigV4, CountTokens (plugin/cloud.c) */
  AP_PROVIDER_VERTEX = 4     /* Google OAuth bearer, count-tokens */
};
#define AP_TARGET_TEXT 256

/* Values are owned by the target; set them only through ap_target_set(). */
struct ap_target {
  char *name;          /* label for outputs (default: the URL's host) */
  char *url;           /* https URL probed */
  char *key_env;       /* environment variable with the key */
  char *key_file;      /* file with the key (wins over key_env) */
  char *ca_file;       /* PEM bundle to trust instead of the system store */
  char *proxy;         /* proxy URL; NULL = the environment; "" = none */
  char *noproxy;       /* hosts that bypass the proxy; NULL = environment */
  char *resolve[AP_MAX_RESOLVE]; /* HOST:PORT:ADDR[,ADDR] as curl's */
  int resolve_count;
  char *anthropic_version;
  int insecure;         /* skip certificate verification (loudly) */
  int ip_family;        /* 0 any, 4 or 6 */
  int min_tls;          /* 10, 11, 12 or 13 */
  double connect_timeout_s; /* TCP connect + TLS handshake (and DNS) */
  double timeout_s;         /* whole probe */
  double cert_warn_days;
  double cert_crit_days;
  double skew_warn_s;   /* clock skew warning threshold, 0 = off (60) */
  double skew_crit_s;   /* critical threshold, 0 = off; -1 (default): by
                           what the skew breaks, beyond a time-signed
                           provider's window, never for the others */
  double idle_timeout_s; /* middleboxes' idle timeout for the keepalive
                            advice (300), 0 = no advice */
  int retries;          /* extra attempts for transient outcomes (0) */
  int provider;         /* enum ap_provider */
  int expect_status;    /* https provider: the status that is ok (200) */
  char *status_page;    /* Statuspage summary.json URL, NULL = no check */
  char *region;         /* bedrock/vertex: the cloud region */
  char *project;        /* vertex: the Google Cloud project id */
  char *cloud_model;    /* bedrock/vertex: the model counted against
                           (--model's first, else a default; at finish) */
  struct ap_cloud *cloud; /* credentials and token cache; private */
  int trace;            /* trace the route on every outcome (0: only when
                           the connection fails) */
  char *models[AP_MAX_MODELS]; /* --model: ids checked for by the model
                                  layer (free) */
  int model_count;
  char *canary;         /* --canary MODEL: the inference layer's model
                           (spends tokens); NULL = no canary */
  double stream_idle_timeout_s; /* no event for this long: stalled (10) */
  double canary_interval_s; /* a target's canary runs at most this often;
                               within it the last result is reused (300) */
  double price_input;   /* USD per million input tokens, NAN unknown */
  double price_output;  /* USD per million output tokens, NAN unknown */
  struct ap_canary_memo *canary_memo; /* last canary; private to plugin/ */
  /* filled by ap_target_finish(): */
  struct ap_secret *key; /* NULL when no key was found */
  char key_source[128];  /* "env:NAME", "file:PATH" or "none" */
  char key_fingerprint[24];
  int key_file_mode_warning;
  char url_host[AP_TARGET_TEXT]; /* the URL's host, without brackets */
  int url_port;
  char url_shown[AP_TARGET_TEXT * 2]; /* the URL with userinfo removed */
  struct ap_prober *prober; /* reusable handles; private to plugin/ */
};

/* Set the defaults. Never fails; the target owns nothing yet. */
void ap_target_init(struct ap_target *t);

/* Set option NAME (the CLI's long option without dashes: "url",
 * "key-env", "connect-timeout" ...; case-insensitive, '_' accepted for '-')
 * to VALUE. Flags take "", "1"/"0", "true"/"false", "yes"/"no", "on"/"off".
 * Returns AP_E_ARG with a message naming the option in ERR when the name is
 * unknown or the value bad; the target is unchanged then. */
enum ap_code ap_target_set(struct ap_target *t, const char *name,
                           const char *value, char *err, size_t errlen);

/* Check the option combination and load the key (from key_file, else
 * key_env). A missing key is not an error (the auth layer reports no_key).
 * Returns AP_E_CONFIG or AP_E_IO with ERR set on failure. */
enum ap_code ap_target_finish(struct ap_target *t, char *err, size_t errlen);

/* Free everything the target owns (wiping the key); t is reusable after
 * ap_target_init(). Accepts a target that was only initialised. */
void ap_target_free(struct ap_target *t);

/* Make the labels (name) of the N finished targets TS unique, each naming
 * its target: targets left with the default label (the host) that share a
 * host all get host:port, or host and path, or more, whichever tells them
 * apart; --name labels are kept. Whatever still clashes is numbered
 * ("#N"). AP_E_NOMEM when only the numbering could be done. */
enum ap_code ap_targets_label(struct ap_target *ts, size_t n);

/* One row of the option table, for --help texts and config docs. */
struct ap_option_info {
  const char *name;    /* long option without dashes */
  char short_name;     /* 0 when none */
  const char *arg;     /* NULL for a flag */
  const char *help;
};
/* Row I of the option table, NULL past the end. */
const struct ap_option_info *ap_option_get(size_t i);
/* Is NAME a flag (takes no value)? -1 when NAME is unknown. */
int ap_option_is_flag(const char *name);

/* The option a host's config key means, matched loosely: case, '-' and '_'
 * ignored, so collectd's "CaFile" and Zabbix's "ca-file" both give
 * "ca-file". NULL when no option matches. */
const char *ap_option_canonical(const char *key);

/* ---- command lines of the process faces (plugin/argv.c) ---------------- */

/* A face's own option (beside the core's): ID is handed to the callback. */
struct ap_argv_extra {
  const char *name;   /* long option without dashes; NULL ends the list */
  char short_name;    /* 0 when none */
  const char *arg;    /* NULL for a flag */
  const char *help;
  int id;
};
/* Called for each face option; VALUE is NULL for a flag. Return 0 to go
 * on, anything else to stop parsing with that value (ERR set if < 0). */
typedef int (*ap_argv_cb)(void *ud, int id, const char *value, char *err,
                          size_t errlen);

/* The callback's ID for a second, third ... positional URL. */
#define AP_ARGV_MORE_URL 0

/* Parse ARGV: core options go to ap_target_set(T), the face's EXTRA to CB,
 * the first positional argument is the URL and any further one goes to CB
 * with AP_ARGV_MORE_URL (a face that takes one URL returns -1 there). Returns 0, -1 with ERR naming the
 * option, or what CB returned. Uses getopt's globals: process faces
 * only. */
int ap_argv_parse(int argc, char **argv, struct ap_target *t,
                  const struct ap_argv_extra *extra, ap_argv_cb cb, void *ud,
                  char *err, size_t errlen);

/* Write one help line per option (core, then EXTRA) into BUF. Returns the
 * length it needed. */
size_t ap_argv_help(const struct ap_argv_extra *extra, char *buf,
                    size_t buflen);

/* ---- the result: one struct per layer ---------------------------------- */

#define AP_ADDR_MAX 16
#define AP_TEXT 256

struct ap_layer_head {
  enum ap_state state;
  enum ap_error error;     /* AP_ERR_NONE when none */
  char reason[AP_TEXT];    /* one line, never contains the key */
  double time_s;           /* NAN when not measured */
};

struct ap_env_result {
  struct ap_layer_head h;
  char proxy[AP_TEXT];     /* proxy in use, credentials removed; "" none */
  char proxy_source[32];   /* "option", "env:HTTPS_PROXY" ..., "" */
  int noproxy_match;       /* target matched NO_PROXY / --noproxy */
  char noproxy_source[32]; /* "option", "env:NO_PROXY" ... when matched */
  char proxy_note[AP_TEXT]; /* e.g. only http_proxy set: unused, "" none */
  int insecure;
  int clock_synced;        /* adjtimex: 1 synchronised, 0 not, -1 unknown */
  double clock_maxerror_s; /* adjtimex maximum error, NAN unknown */
  double clock_skew_s;     /* server Date - local clock, NAN none */
  int keepalive_time_s;    /* net.ipv4.tcp_keepalive_*, -1 unreadable */
  int keepalive_intvl_s;
  int keepalive_probes;
  char advice[AP_TEXT * 2]; /* keepalive advice, "" none */
};

struct ap_dns_result {
  struct ap_layer_head h;
  char host[AP_TEXT];
  char source[16];         /* "resolver", "resolve_option", "literal", "proxy" */
  char addresses[AP_ADDR_MAX][48];
  int address_count;
  int a_count, aaaa_count;
  char rcode[12];          /* the server's answer when the lookup failed:
                              "SERVFAIL", "REFUSED", "none" (no answer),
                              "unreachable" (no server took the query) */
  char server[48];         /* the resolver's first nameserver, when a
                              failed lookup was asked again */
};

/* One hop of a TTL-limited TCP SYN trace (plugin/route.c). */
#define AP_ROUTE_MAX 30
struct ap_route_hop {
  int ttl;
  char address[48];        /* who answered, "" none (rendered null) */
  double rtt_s;            /* SYN sent -> answer, NAN none */
  int reached;             /* the destination itself answered */
  int unreachable;         /* the hop answered "unreachable" */
};

/* One address family's own connect, when the name has both. */
struct ap_family_result {
  int family;              /* 4 or 6 */
  char address[48];
  enum ap_state state;     /* ok, critical, or n/a: no route on this host */
  enum ap_error error;     /* AP_ERR_NONE or a tcp error */
  double time_s;           /* connect time, NAN when it failed */
  char reason[96];
};

struct ap_tcp_result {
  struct ap_layer_head h;
  char address[48];
  int port;
  int family;              /* 4, 6 or 0 */
  int os_errno;
  int path_mtu;            /* the connection's path MTU, 0 unknown */
  int mss;                 /* TCP maximum segment size sent, 0 unknown */
  double rtt_s;            /* kernel's smoothed RTT, NAN unknown */
  int family_count;        /* 2 when both families were tried, else 0 */
  struct ap_family_result families[2]; /* IPv4 first */
  int syn_retransmits;     /* SYNs sent again before the connect, -1 unknown */
  int retransmits;         /* segments sent again on the connection (total
                              incl. SYNs, TCP_INFO), -1 unknown */
  int working_mss;         /* pmtu_blackhole: the clamped MSS that worked */
  int route_traced;        /* 1 when a route was traced (route may be empty) */
  int route_count;         /* hops in route[], TTL order */
  struct ap_route_hop route[AP_ROUTE_MAX];
  char route_last_hop[48]; /* last address that answered, "" none */
  char route_error[64];    /* why a trace could not run, "" none */
};

struct ap_proxy_result {
  struct ap_layer_head h;
  char url[AP_TEXT];       /* credentials removed */
  int connect_status;      /* status of the CONNECT answer, 0 if none */
  char address[48];        /* the proxy's address connected to */
  double resolve_s;        /* the proxy's name lookup, NAN not reached */
  double connect_s;        /* TCP connect to the proxy */
  double tunnel_s;         /* CONNECT sent -> answered */
};

struct ap_tls_result {
  struct ap_layer_head h;
  char version[16];
  char cipher[64];
  char alpn[16];
  char cert_subject[AP_TEXT];
  char cert_issuer[AP_TEXT];
  char cert_sans[AP_TEXT];      /* comma-separated, truncated */
  char verify_detail[AP_TEXT];  /* OpenSSL's words for a verify failure */
  int verify_code;              /* X509_V_* of the first failure, 0 ok */
  double cert_days_left;        /* NAN when no certificate seen */
  double chain_min_days_left;   /* earliest-expiring certificate sent */
  char chain_min_subject[AP_TEXT];
  int insecure;
};

struct ap_http_result {
  struct ap_layer_head h;
  long status;                  /* 0 when no status line */
  char http_version[8];
  double ttfb_s;                /* request sent -> first byte */
  double transfer_s;            /* first byte -> end of body */
  char request_id[96];
  char content_type[96];
  char server[64];
  char location_host[AP_TEXT];  /* for redirects: where to (host only) */
  double clock_skew_s;          /* server Date - local clock; NAN none */
  long body_bytes;
};

/* The provider's rate-limit headers (anthropic-ratelimit-*,
 * x-ratelimit-*): one name per quantity from the header parser to the
 * renderers; NAN when the header was absent. */
struct ap_ratelimit {
  double requests_limit, requests_remaining, requests_reset_s;
  double tokens_limit, tokens_remaining, tokens_reset_s;
  double input_tokens_limit, input_tokens_remaining;
  double output_tokens_limit, output_tokens_remaining;
};

struct ap_auth_result {
  struct ap_layer_head h;
  char error_type[64];          /* the API's error.type, "" when none */
  char error_code[64];          /* error.details.error_code when present */
  int key_sent;
  struct ap_ratelimit rl;        /* the rate-limit headers */
  double retry_after_s;
  int should_retry;             /* x-should-retry: 1 true, 0 false, -1 none */
};

/* One --model id as the provider answered for it. */
struct ap_model_entry {
  char id[AP_MODEL_ID_MAX];
  enum ap_state state;
  enum ap_error error;          /* model_not_found, or an http/auth error */
  char display_name[AP_TEXT / 2]; /* when the provider gives one */
  long status;                  /* HTTP status of the answer, 0 none */
  char reason[AP_TEXT / 2];
};

/* --model: is each model served to this key (GET /v1/models/{id}, free).
 * The layer's state is the worst of its models'. */
struct ap_model_result {
  struct ap_layer_head h;
  int count;
  struct ap_model_entry models[AP_MAX_MODELS];
};

/* --canary: one streaming generation of max 1 token (spends tokens). */
struct ap_inference_result {
  struct ap_layer_head h;       /* time_s: the whole canary request */
  char model[AP_MODEL_ID_MAX];
  long status;
  char request_id[96];
  double ttft_s;                /* request sent -> first content delta */
  double stream_s;              /* request sent -> message_stop / [DONE] */
  double max_gap_s;             /* longest silence between two events */
  char stop_reason[32];
  double input_tokens;          /* from the usage events, NAN none */
  double output_tokens;
  double cost_usd;              /* only with --price-input/--price-output */
  long events;                  /* server-sent events received */
  char error_type[64];          /* the API's error.type, "" none */
  int reused;                   /* within --canary-interval: the last
                                   run's result, not a new request */
  double age_s;                 /* how old that run is (0 when fresh) */
};

/* The provider's status page (--status-page): beside the live probe, it
 * never changes the verdict's state, only its reason. */
struct ap_status_result {
  int checked;
  enum ap_state state;          /* none ok, minor/maintenance warning,
                                   major/critical critical, else unknown */
  char url[AP_TEXT];
  char indicator[24];
  char description[96];
  char component_status[32];    /* the API component's status */
  int incidents;                /* unresolved */
  char reason[AP_TEXT];
};

struct ap_verdict {
  enum ap_state state;
  enum ap_layer layer;          /* first failing layer (AUTH when all ok) */
  enum ap_error error;
  char reason[AP_TEXT];
  char hint[AP_TEXT];
};

struct ap_result {
  char name[AP_TEXT];
  char url[AP_TEXT * 2];        /* as probed, userinfo removed */
  char provider[32];
  char key_source[128];
  char key_fingerprint[24];
  char region[64];              /* bedrock/vertex, "" otherwise */
  char project[128];            /* vertex, "" otherwise */
  char token_host[AP_TEXT];     /* vertex: the token endpoint's host */
  int token_cached;             /* vertex: the access token came from cache */
  struct ap_verdict verdict;
  struct ap_env_result env;
  struct ap_dns_result dns;
  struct ap_tcp_result tcp;
  struct ap_proxy_result proxy;
  struct ap_tls_result tls;
  struct ap_http_result http;
  struct ap_auth_result auth;
  struct ap_model_result model;
  struct ap_inference_result inference;
  struct ap_status_result status_page;
  double total_s;
  int attempts;
  struct ap_verdict first_attempt; /* what the first attempt saw */
  long curl_code;               /* for --verbose diagnosis */
  char curl_error[AP_TEXT];
};

/* The traced route as one line for a human face ("route: 1 192.0.2.1 0.3
 * ms, 2 *"), "" when none was traced. Returns the length written. */
size_t ap_route_text(const struct ap_tcp_result *tcp, char *out,
                     size_t outlen);
/* The tcp layer's path facts as words ("works with MSS 1200, 2
 * retransmits (1 of the SYN)"), "" when there are none. */
size_t ap_tcp_text(const struct ap_tcp_result *tcp, char *out,
                   size_t outlen);

/* Files a face reads itself (a config file): common/file.h declares these
 * (documented there); repeated here so a face includes this header only.
 * ap_file_read never blocks on a FIFO or device and refuses any file that
 * is not regular or is bigger than MAX; ap_file_next_line walks lines
 * without cutting them. */
struct stat;
int ap_file_read(const char *path, const char *what, size_t max,
                 struct stat *pst, char **pbuf, size_t *plen, char *err,
                 size_t errlen);
int ap_file_next_line(const char *buf, size_t len, size_t *pos,
                      const char **pline, size_t *plinelen);

/* Initialise the library (curl, OpenSSL). Call once per process before any
 * other call, from one thread (a host's init hook). */
enum ap_code ap_global_init(void);
void ap_global_cleanup(void);

/* Probe T once and fill R completely (every layer has a state). One fresh
 * DNS lookup, connection and TLS handshake per call; handles and the
 * parsed CA store are kept in T between calls. Returns AP_OK whenever R is
 * filled, including when the target is unreachable; an ap_code only when
 * the probe could not run (R then holds a verdict "unknown").
 * T must have passed ap_target_finish(). Different targets may be probed
 * on different threads at once; one target by one thread at a time. */
enum ap_code ap_probe_run(struct ap_target *t, struct ap_result *r);

/* Probe N targets at once (DNS lookups in parallel, then one libcurl
 * multi loop), filling RESULTS[i] for TARGETS[i] exactly as ap_probe_run()
 * would; each target keeps its own timeouts. The targets must not be in
 * use elsewhere meanwhile. Returns the first could-not-probe code. */
enum ap_code ap_probe_many(struct ap_target **targets, size_t n,
                           struct ap_result *results);

/* The verdict as one line for every face: "[STATE ]LAYER ERROR: REASON",
 * or "[STATE: ]REASON" when there is no error (WITH_STATE adds the state).
 * Returns what snprintf returns. */
int ap_verdict_line(const struct ap_result *r, int with_state, char *buf,
                    size_t n);

/* One line on the model layer's ids ("claude-x ok (Claude X), old-id
 * model_not_found") and on the canary ("claude-x: first token 0.41 s,
 * stream 0.44 s, max gap 0.30 s, 8+1 tokens, stop max_tokens; reused, 120
 * s old") for the human faces; "" when the layer was not run. Return what
 * snprintf returns. */
int ap_model_summary(const struct ap_result *r, char *buf, size_t n);
int ap_inference_summary(const struct ap_result *r, char *buf, size_t n);

/* What every --help says about cost: the canary spends tokens, nothing
 * else does. */
#define AP_COST_NOTE                                                           \
  "Cost: every check is free (no tokens) except --canary MODEL, which "       \
  "sends one\nstreaming generation of at most 1 output token to MODEL: "      \
  "about 8 input + 1\noutput tokens per run (billed by the provider), at "    \
  "most once per\n--canary-interval (300 s) in the collectd and Zabbix "      \
  "modules.\n"

/* A target's last canary run (for --canary-interval) lives in private
 * memory. A host that forks its workers after init (zabbix_agentd's
 * listeners each probe) puts it in memory they share instead, so the
 * interval holds for the host as a whole: ap_canary_shared_new(N) maps
 * room for N targets before the fork (NULL when that fails), and
 * ap_target_canary_share(T, S, I) gives finished target T slot I (again
 * after every ap_target_finish). ap_canary_shared_free() only after every
 * target using it is freed. */
struct ap_canary_shared;
struct ap_canary_shared *ap_canary_shared_new(size_t n);
enum ap_code ap_target_canary_share(struct ap_target *t,
                                    struct ap_canary_shared *s, size_t i);
void ap_canary_shared_free(struct ap_canary_shared *s);

/* Layer head by index, for renderers and adapters. */
const struct ap_layer_head *ap_result_layer(const struct ap_result *r,
                                            enum ap_layer l);

/* Render R as the JSON of docs/json.md into a new string (caller frees with
 * free()). PRETTY: indented. Returns AP_E_NOMEM on failure. */
enum ap_code ap_render_json(const struct ap_result *r, int pretty,
                            char **pout);

/* Render N results in the Prometheus text format (families grouped, HELP
 * and TYPE each, unmeasured metrics without a sample) into a new string
 * (caller frees). AP_E_NOMEM on failure. */
enum ap_code ap_render_prom(const struct ap_result *rs, size_t n,
                            char **pout);

/* A state as a metric value: 0 ok, 1 warning, 2 critical, 3 unknown; NAN
 * for skipped and n/a (not measured). */
double ap_state_number(enum ap_state s);

/* Exit code a process-per-check face uses for a state (0..3). */
int ap_state_exit_code(enum ap_state s);

/* Parse "ok", "warning", "critical", "unknown" (case-insensitive). 0 on
 * success. */
int ap_state_parse(const char *s, enum ap_state *out);

/* ---- metrics: one table every face maps from (plugin/metrics.c) ------- */

struct ap_metric {
  const char *name;     /* perfdata label, threshold name, metric suffix */
  const char *json;     /* where it is in the JSON */
  const char *uom;      /* "s" or "" */
  enum ap_layer layer;  /* the layer a threshold on it judges */
  double min, max;      /* NAN when none */
  const char *help;
  const char *cd_type;  /* collectd type (types.db) */
  const char *cd_inst;  /* collectd type instance */
};
/* Row I of the metric table, NULL past the end. */
const struct ap_metric *ap_metric_get(size_t i);
/* Index of metric NAME, -1 when unknown. */
int ap_metric_find(const char *name);
/* Value of metric I in R; NAN when it was not measured. */
double ap_metric_value(const struct ap_result *r, size_t i);

/* ---- thresholds in Nagios range syntax (plugin/thresholds.c) ---------- */

#define AP_METRIC_MAX 32

/* [@]start:end, "~" for -infinity, end omitted for +infinity; alerts when
 * the value is outside [start, end] (inside with '@'). */
struct ap_range {
  int set;
  int inside;
  double start, end;    /* -INFINITY / INFINITY when open */
  char text[48];        /* as given, for perfdata */
};
/* Parse S strictly into R. AP_E_ARG with ERR on any junk. */
enum ap_code ap_range_parse(const char *s, struct ap_range *r, char *err,
                            size_t errlen);
/* Does V raise an alert under R? 0 when R is not set or V is NAN. */
int ap_range_alert(const struct ap_range *r, double v);

struct ap_thresholds {
  struct ap_range warn[AP_METRIC_MAX];
  struct ap_range crit[AP_METRIC_MAX];
  enum ap_state rate_limited_state; /* default warning */
  enum ap_state overloaded_state;   /* default warning */
};
/* Defaults: certificate days from T (warn below --cert-warn-days, critical
 * below --cert-crit-days), rate-limited and overloaded are warnings. */
void ap_thresholds_init(struct ap_thresholds *th, const struct ap_target *t);
/* Set a range from "METRIC=RANGE" (CRIT: critical, else warning). */
enum ap_code ap_thresholds_set(struct ap_thresholds *th, int crit,
                               const char *spec, char *err, size_t errlen);
/* Judge R's metrics and the auth states by TH, update the layers and the
 * verdict. */
void ap_thresholds_apply(const struct ap_thresholds *th, struct ap_result *r);

#endif
