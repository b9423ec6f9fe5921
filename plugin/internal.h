/* internal.h -- what the files of plugin/ share with each other and with
 * the unit tests; never included by a face. Pure functions (classifiers,
 * parsers) take plain values so the tests can feed them tables.
 */
#ifndef AP_INTERNAL_H
#define AP_INTERNAL_H

#include "apiprobe.h"

#include <stddef.h>

#define AP_BODY_MAX 65536 /* larger answers are an error, not a hog */

/* ---- url.c: small URL helpers over curl's URL API ---- */
/* Host of URL without brackets. 0 on success. */
int ap_url_host(const char *url, char *host, size_t hostlen);
/* Port of URL (443 when absent). 0 on success. */
int ap_url_port(const char *url, int *port);
/* Copy URL into OUT with any user:password replaced by "***". */
void ap_url_redact(const char *url, char *out, size_t outlen);
/* Is V an http:// or https:// proxy URL with a host? */
int ap_proxy_url_ok(const char *v);
/* Is V a comma-separated list of IP literals ([v6] allowed)? */
int ap_addr_list_ok(const char *v);

/* ---- env.c: which proxy applies ---- */
/* Decide the proxy for HOST from T's options or the environment (as curl:
 * https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY; no_proxy, NO_PROXY).
 * Fills ENV (state ok) and writes the proxy URL to use into PROXY ("" =
 * none). */
void ap_env_eval(const struct ap_target *t, const char *host,
                 struct ap_env_result *env, char *proxy, size_t proxylen);
/* Does HOST match the NO_PROXY-style LIST? */
int ap_noproxy_match(const char *host, const char *list);
/* adjtimex()'s return code and status -> 1 synchronised, 0 not, -1 unknown */
int ap_clock_synced(int adjtimex_rc, int status);
/* Advice into OUT (1) when keepalive starts at or after IDLE_TIMEOUT_S. */
int ap_keepalive_advice(int time_s, int intvl_s, int probes,
                        double idle_timeout_s, char *out, size_t outlen);
/* Clock skew -> env error by the thresholds (0 = off). */
enum ap_error ap_skew_error(double skew_s, double warn_s, double crit_s);
/* After the answer: the skew into the env layer, judged by T's limits. */
void ap_env_judge_clock(struct ap_result *r, const struct ap_target *t);

/* ---- dns.c: a fresh lookup, bounded by a timeout ---- */
/* Resolve HOST for FAMILY (0, 4, 6) within TIMEOUT_S seconds, filling DNS
 * (state, error, time, addresses). Returns 0 when addresses were found. */
int ap_dns_resolve(const char *host, int family, double timeout_s,
                   struct ap_dns_result *dns);
/* The same in two steps, so many lookups can run at once: start a lookup
 * (NULL when out of memory: finish then reports a failure), then finish it,
 * waiting until its start + TIMEOUT_S at most. Finish consumes JOB. */
struct ap_dns_job;
struct ap_dns_job *ap_dns_start(const char *host, int family);
int ap_dns_finish(struct ap_dns_job *job, const char *host, int family,
                  double timeout_s, struct ap_dns_result *dns);
/* The dns error of a lookup: getaddrinfo's code, whether our own wait ran
 * out, how long it took and the server's rcode from the diagnostic query
 * (AP_RCODE_NONE not asked, AP_RCODE_SILENT no answer, else 0-15). */
#define AP_RCODE_NONE (-1)
#define AP_RCODE_SILENT (-2)
#define AP_RCODE_UNREACH (-3)
enum ap_error ap_dns_classify(int gai_rc, int timed_out, double elapsed_s,
                              int rcode);
/* "NOERROR", "SERVFAIL" ... for a DNS rcode 0-15. */
const char *ap_dns_rcode_name(int rcode);

/* ---- tcp.c: socket facts and the per-family connects ---- */
/* Path MTU, MSS and smoothed RTT of the connected TCP socket FD into TCP
 * (left as they are when FD is not a connected TCP socket). 0 on success. */
int ap_tcp_sockinfo(int fd, struct ap_tcp_result *tcp);
/* When DNS has both IPv4 and IPv6 addresses, connect to the first of each
 * family at PORT at once, on a thread, for at most TIMEOUT_S; else NULL.
 * Finish waits for it and fills TCP->families (consumes JOB). */
struct ap_family_job;
struct ap_family_job *ap_family_start(const struct ap_dns_result *dns,
                                      int port, double timeout_s);
void ap_family_finish(struct ap_family_job *job, struct ap_tcp_result *tcp);
/* After the probe: when one family failed and the other connected, the
 * tcp layer gets the family_failed warning (never over a failure). */
void ap_family_judge(struct ap_result *r);

/* ---- classify.c: transfer outcome -> failing layer and error ---- */
struct ap_observed {
  long curl_code;      /* CURLcode of the transfer */
  long os_errno;       /* CURLINFO_OS_ERRNO */
  int proxy_used;
  int proxy_tls;       /* an https:// proxy: TLS to it before CONNECT */
  int connect_sent;    /* the CONNECT request went out */
  long connect_code;   /* CURLINFO_HTTP_CONNECTCODE (proxy CONNECT) */
  int tcp_connected;   /* a TCP connection was made (to server or proxy) */
  int tls_started;     /* our SSL_CTX callback ran */
  int tls_done;        /* handshake finished */
  int got_status;      /* a status line arrived */
  int body_capped;     /* our body cap stopped the transfer */
  int verify_code;     /* first X509_V_ERR_* seen, 0 none */
  int host_mismatch;   /* the leaf does not match the host */
  int alert_protocol;  /* a protocol_version alert was sent or received */
  const char *errbuf;  /* curl's error text (for OpenSSL reason words) */
};
enum ap_error ap_classify(const struct ap_observed *o);
/* X509_V_ERR_* -> tls error. */
enum ap_error ap_classify_verify(int verify_code);
/* errno of a failed connect -> tcp error. */
enum ap_error ap_classify_errno(long os_errno);

/* ---- http.c: response headers ---- */
struct ap_headers {
  long status;
  char http_version[8];
  char request_id[96];
  char amzn_error_type[64]; /* AWS: x-amzn-ErrorType without its URL */
  char amzn_request_id[96]; /* AWS: x-amzn-RequestId */
  char content_type[96];
  char server[64];
  char location[AP_TEXT];
  double date;         /* epoch seconds, NAN when absent */
  double date_seen_at; /* local wall clock when the Date header arrived */
  double retry_after_s;
  int should_retry;    /* -1 absent */
  /* anthropic-ratelimit-* */
  double rl_req_limit, rl_req_remaining, rl_req_reset;
  double rl_tok_limit, rl_tok_remaining, rl_tok_reset;
  double rl_in_limit, rl_in_remaining, rl_out_limit, rl_out_remaining;
};
void ap_headers_init(struct ap_headers *h);
/* Feed one raw header line (with or without CRLF). A status line resets
 * the captured headers (a later response replaces an earlier one). NOW is
 * the local wall clock (for Date and HTTP-date retry-after). */
void ap_headers_feed(struct ap_headers *h, const char *line, size_t len,
                     double now);
/* Parse an OpenAI reset duration ("6m0s", "12ms", "1h2m3.5s") to seconds;
 * -1 when unusable. */
double ap_parse_duration(const char *v);
/* Parse retry-after (seconds, float accepted, or HTTP-date) to seconds
 * from NOW. -1 when unusable. */
double ap_parse_retry_after(const char *v, double now);

/* ---- auth.c: the answer -> http and auth layer states ---- */
struct ap_answer {
  long status;
  const char *body;
  size_t body_len;
  const char *content_type;
  int has_request_id;
  int key_sent;
  int provider; /* enum ap_provider */
};
struct json_object;
/* The string member KEY of json-c object O, NULL when absent or not a
 * string (the text is O's). */
const char *ap_json_str(struct json_object *o, const char *key);
/* Classify the answer: fills AUTH (state, error, reason, error_type,
 * error_code) and returns the http-layer error (AP_ERR_NONE when the
 * answer came from the API, so http is ok). */
enum ap_error ap_auth_classify(const struct ap_answer *a,
                               struct ap_auth_result *auth);

/* ---- cloud.c: --provider bedrock and vertex ---- */
struct ap_cloud;
struct curl_slist;
/* Is PROVIDER one of the clouds (bedrock, vertex)? */
int ap_cloud_provider(int provider);
/* At ap_target_finish: region (bedrock: --region, AWS_REGION,
 * AWS_DEFAULT_REGION), project, model, and the URL they make (a given
 * https://HOST[:PORT] keeps its host and gets the provider's path).
 * *PURL is malloc'd. Drops any cached credentials. */
enum ap_code ap_cloud_finish(struct ap_target *t, char **purl, char *err,
                             size_t errlen);
void ap_cloud_free(struct ap_cloud *c);
/* Before the transfer, within BUDGET seconds: the credentials (AWS:
 * environment, else IMDSv2; Google: GOOGLE_APPLICATION_CREDENTIALS and the
 * token endpoint, else the GCE metadata server; tokens cached until
 * shortly before they expire), then the request: *PHDRS (a new list the
 * caller frees with wiping: it holds credentials) and *PBODY (owned by
 * T's cloud state). STORE is the X509_STORE for the token endpoint,
 * RESOLVE the pinned addresses, PROXY the proxy ("" none). Returns 0, or
 * -1 with a layer of R failed (the token host named in its reason). */
int ap_cloud_prepare(struct ap_target *t, struct ap_result *r, double budget,
                     void *store, struct curl_slist *resolve,
                     const char *proxy, struct curl_slist **phdrs,
                     const char **pbody);
/* The answer of the cloud's free request -> AUTH (like ap_auth_classify);
 * AMZN_TYPE is the x-amzn-ErrorType header's type ("" none). */
enum ap_error ap_cloud_classify(const struct ap_answer *a,
                                const char *amzn_type,
                                struct ap_auth_result *auth);
/* Scrub every cloud credential of C from TEXT (size CAP). */
void ap_cloud_redact(const struct ap_cloud *c, char *text, size_t cap);

/* Parsers of what the cloud sends (fuzzed in tests/fuzz). All take
 * LEN bytes of untrusted text; 0 on success. */
struct ap_gcp_sa {
  char client_email[256];
  char private_key_id[128];
  char token_uri[256];
  char project_id[128];
  struct ap_secret *private_key; /* PEM; caller frees */
};
int ap_cloud_parse_sa(const char *json, size_t len, struct ap_gcp_sa *sa,
                      char *err, size_t errlen);
/* IMDS role credentials {"Code","AccessKeyId","SecretAccessKey","Token",
 * "Expiration"}: the three secrets (caller frees) and the expiry (epoch). */
struct ap_aws_creds {
  struct ap_secret *akid, *secret, *token;
  double expires; /* epoch seconds, 0 none */
};
int ap_cloud_parse_imds(const char *json, size_t len, struct ap_aws_creds *c,
                        char *err, size_t errlen);
/* A token answer (token endpoint or metadata server): the access token
 * (caller frees) and expires_in, or the OAuth error and description. */
struct ap_token_answer {
  struct ap_secret *access_token;
  double expires_in;
  char error[64];
  char error_description[192];
};
int ap_cloud_parse_token(const char *json, size_t len,
                         struct ap_token_answer *ta);
/* An error body of Bedrock ({"message"}, "__type") or Vertex
 * ({"error":{"code","message","status"}}): type and message. */
void ap_cloud_parse_error(const char *json, size_t len, char *type,
                          size_t typelen, char *msg, size_t msglen);

/* ---- status.c ---- */
struct ap_status_job;
/* Start fetching T's status page on a thread with EASY (a curl handle the
 * caller owns) and the trust STORE; NULL when T has none. */
struct ap_status_job *ap_status_start(const struct ap_target *t, void *easy,
                                      void *store);
/* Wait for JOB (consumed) and fill r->status_page. */
void ap_status_finish(struct ap_status_job *job, struct ap_result *r);
/* Parse a Statuspage summary.json into S. */
void ap_status_parse(const char *body, size_t len,
                     struct ap_status_result *s);
/* Tell the verdict's reason what the status page says. */
void ap_status_fold(struct ap_result *r);

/* ---- retry.c ---- */
/* Would the official SDKs retry this outcome? */
int ap_retry_transient(const struct ap_result *r);
/* Seconds before the next attempt after RETRIES_TAKEN retries: retry-after
 * when 0 < it <= 60, else min(0.5 * 2^n, 8) s times a factor in (0.75, 1]
 * from UNIT_RANDOM in [0, 1). */
double ap_retry_delay(const struct ap_result *r, int retries_taken,
                      double unit_random);

/* ---- verdict.c ---- */
/* Set layer L's state from E, with REASON; other layers untouched (for a
 * finding on a layer the connection went through, e.g. expiry soon). */
void ap_layer_set(struct ap_result *r, enum ap_layer l, enum ap_error e,
                  const char *reason);
/* Mark layer L failed with E and REASON; later layers not yet set become
 * skipped. */
void ap_layer_fail(struct ap_result *r, enum ap_layer l, enum ap_error e,
                   const char *reason);
struct ap_layer_head *ap_result_layer_mut(struct ap_result *r,
                                          enum ap_layer l);
/* Compute r->verdict from the layers. */
void ap_verdict_compute(struct ap_result *r);

/* ---- tls.c ---- */
/* The last leaf seen and its printed names: a resident probe meets the
 * same certificate again and again, and printing names is most of what
 * recording a certificate costs. Owned by the prober. */
struct ap_leaf_cache {
  void *leaf; /* X509 *, one reference held */
  char subject[AP_TEXT];
  char issuer[AP_TEXT];
  char sans[AP_TEXT];
};
void ap_leaf_cache_clear(struct ap_leaf_cache *lc);

struct ap_tls_capture {
  struct ap_leaf_cache *cache; /* may be NULL */
  int started, done;
  int verify_code, verify_depth;
  int host_mismatch;
  int alert_protocol;
  int captured;        /* leaf details recorded */
  const char *host;    /* host name to check the leaf against */
  int check_host;      /* check it ourselves (--insecure) */
  void *store;         /* X509_STORE * to install (not owned) */
  struct ap_tls_result *out;
};
/* Create the trust store for CA_FILE (NULL: the system's hashed directory,
 * loaded lazily). Returns an X509_STORE * (caller frees with
 * ap_tls_store_free) or NULL with ERR set. */
void *ap_tls_store_new(const char *ca_file, char *err, size_t errlen);
void ap_tls_store_free(void *store);
/* CURLOPT_SSL_CTX_FUNCTION: installs the store and our callbacks. PARM is
 * a struct ap_tls_capture. */
int ap_tls_ctx_cb(void *curl, void *sslctx, void *parm);
/* Record version, cipher and ALPN from an SSL * into OUT. */
void ap_tls_session_info(const void *ssl, struct ap_tls_result *out);

/* ---- prober (probe.c) ---- */
struct curl_slist;
/* The options every transfer of apiprobe shares, on EASY (a CURL *): URL,
 * https only, no signals, no redirects, a fresh connection closed after,
 * addresses pinned by RESOLVE, no libcurl CA paths (our store is set in
 * the SSL_CTX callback), PROXY ("" = none). */
void ap_curl_base(void *easy, const char *url, const char *proxy,
                  struct curl_slist *resolve);
void ap_prober_free(struct ap_prober *p);

#endif
