/* apiprobe/codes.h -- what can happen: the could-not-probe codes, the layer
 * and verdict states, the layers and every failure the probe names, with
 * their stable names and hints. Faces include apiprobe.h, the umbrella over
 * this header. */
#ifndef APIPROBE_CODES_H
#define APIPROBE_CODES_H

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
  AP_LAYER_COUNT,
  /* not a layer: what an error that any layer can carry (a threshold) is
   * filed under; never an index into the layers */
  AP_LAYER_ANY
};

/* Every failure the probe can name: (id, layer, name, state, hint).
 * The name is the stable machine name in the JSON ("error"); the hint is
 * the remedy printed with the verdict. Append-only within a layer. */
#define AP_ERROR_MAP(XX)                                                       \
  XX(NONE, ENV, "none", OK, "")                                                \
  XX(ENV_KEY_FILE_MODE, ENV, "key_file_readable", WARNING,                     \
     "the key file is readable by group or others: chmod 600 it")              \
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
     "proxy rewriting it, or an incompatible endpoint")                     \
  XX(THRESHOLD, ANY, "threshold", WARNING,                                     \
     "a measurement crossed its threshold (-w/-c, --warn/--crit)")

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

/* A state as a metric value: 0 ok, 1 warning, 2 critical, 3 unknown; NAN
 * for skipped and n/a (not measured). */
double ap_state_number(enum ap_state s);

/* Exit code a process-per-check face uses for a state (0..3). */
int ap_state_exit_code(enum ap_state s);

/* Parse "ok", "warning", "critical", "unknown" (case-insensitive). 0 on
 * success. */
int ap_state_parse(const char *s, enum ap_state *out);

#endif
