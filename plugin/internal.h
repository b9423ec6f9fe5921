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

/* ---- label.c ---- */
/* T's label in FORM (0 host:port, 1 host+path, 2 host:port+path, 3 URL). */
void ap_label_form(const struct ap_target *t, int form, char *out,
                   size_t outlen);

/* ---- env.c: which proxy applies ---- */
/* Decide the proxy for HOST from T's options or the environment (as curl:
 * https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY; no_proxy, NO_PROXY).
 * Fills ENV (state ok) and writes the proxy URL to use into PROXY ("" =
 * none). Returns -1 when the environment's proxy is not an http(s) proxy
 * URL (judged like --proxy): ENV->h.reason says which variable, with
 * its credentials masked, and PROXY is "". */
int ap_env_eval(const struct ap_target *t, const char *host,
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
/* The skew limits for T when its provider's requests are time-signed
 * for WINDOW_S seconds (0: not time-signed): warning beyond --skew-warn;
 * critical beyond --skew-crit when given, else beyond the window (what the
 * skew breaks), else never. 0 = off. */
void ap_skew_limits(const struct ap_target *t, double window_s,
                    double *warn_s, double *crit_s);
/* After the answer: the skew into the env layer, judged by T's limits and
 * its provider's signing window. */
void ap_env_judge_clock(struct ap_result *r, const struct ap_target *t);
/* The same with the signing window WINDOW_S given (0: not time-signed). */
void ap_env_judge_skew(struct ap_result *r, const struct ap_target *t,
                       double window_s);

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
/* The rcode (0-15) of the DNS answer A of ALEN bytes from the server;
 * AP_RCODE_SILENT when it is too short or not an answer. */
int ap_dns_answer_rcode(const unsigned char *a, size_t alen);
/* getaddrinfo's list RES into DNS's addresses (deduplicated, at most
 * AP_ADDR_MAX, IPv4 and IPv6 only) and its A/AAAA counts. */
struct addrinfo;
void ap_dns_fill_addresses(struct ap_dns_result *dns,
                           const struct addrinfo *res);
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
/* Finish stops waiting for the family TCP->family (the probe's own
 * connection went through it), waits for the other (at most the start's
 * TIMEOUT_S) and returns when the job ended (mono), 0 for no job. */
double ap_family_finish(struct ap_family_job *job, struct ap_tcp_result *tcp);
/* A family the probe's own connection went through is never failing: its
 * check's SYNs were unlucky. Marks it ok. */
void ap_family_spare_used(struct ap_tcp_result *tcp);
/* After the probe: when one family failed and the other connected, the
 * tcp layer gets the family_failed warning (never over a failure). */
void ap_family_judge(struct ap_result *r);

/* IP literal ADDRESS and PORT into SS; its length, 0 when not a literal. */
struct sockaddr_storage;
unsigned int ap_tcp_sockaddr(const char *address, int port,
                             struct sockaddr_storage *ss);

/* ---- route.c: where packets stop (TTL-limited SYNs, no root) ---- */
enum ap_hop_kind {
  AP_HOP_NONE,    /* no ICMP answer */
  AP_HOP_EXPIRED, /* time exceeded: a router on the way */
  AP_HOP_UNREACH, /* destination unreachable: it rejects */
  AP_HOP_OTHER
};
/* An error-queue message's SO_EE_ORIGIN_* and ICMP(v6) type -> kind. */
enum ap_hop_kind ap_route_icmp_kind(int origin, int type);
/* Trace the path to ADDRESS (an IP literal) port PORT within BUDGET_S
 * seconds into TCP->route / route_last_hop (route_error when it could not
 * run). 0 on success. */
int ap_route_trace(const char *address, int port, double budget_s,
                   struct ap_tcp_result *tcp);
/* Trim TCP->route (up to the API or a rejecting hop; one silent hop after
 * the last answer) and set route_last_hop. */
void ap_route_finish(struct ap_tcp_result *tcp);
/* A tcp timeout/unreachable: add where packets stop to its reason. */
void ap_route_explain(struct ap_tcp_result *tcp, int port);
/* After the transfer: trace when the tcp layer failed with timeout or
 * unreachable (the proxy's connect failed, with PROXY_PORT > 0: the route
 * to PROXY_ADDR), or always when TRACE; within BUDGET_S seconds. */
void ap_route_after(struct ap_result *r, int trace, const char *proxy_addr,
                    int proxy_port, int port, double budget_s);

/* ---- pmtu.c: a PMTU black hole told from a stalled server ---- */
/* A TLS handshake (no verification: only delivery counts) with SNI to
 * ADDRESS:PORT with the MSS clamped to MSS, within TIMEOUT_S. 1 when it
 * completed, 0 when it stalled or failed. */
int ap_pmtu_try(const char *address, int port, const char *sni, int mss,
                double timeout_s);
/* After the transfer: when TCP connected and the TLS handshake timed out,
 * try clamped MSSs (1200, then 536), each within TRY_S and all within
 * BUDGET_S; one that completes makes the tcp layer pmtu_blackhole with
 * working_mss. */
void ap_pmtu_after(struct ap_result *r, const char *sni, double try_s,
                   double budget_s);

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
  const struct ap_secret *key; /* redacted from the message before any cut
                                 (NULL: none) */
  int provider; /* enum ap_provider */
};
/* Classify the answer: fills AUTH (state, error, reason, error_type,
 * error_code) and returns the http-layer error (AP_ERR_NONE when the
 * answer came from the API, so http is ok). */
enum ap_error ap_auth_classify(const struct ap_answer *a,
                               struct ap_auth_result *auth);

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

/* ---- scrub.c ---- */
/* Every text of R that can carry network or URL text: KEY (may be NULL)
 * and key-looking tokens redacted, URL credentials masked, control
 * characters and invalid UTF-8 replaced. Called once, when the probe
 * ends (after the last layer, before the last verdict). */
void ap_result_scrub(struct ap_result *r, const struct ap_secret *key);

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
/* Subject, issuer and SANs of the certificate X509 (an X509 *) into
 * OUT->cert_subject, cert_issuer and cert_sans, printable and cut on
 * character boundaries. */
void ap_tls_cert_names(void *x509, struct ap_tls_result *out);
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
/* The prober's header list (with the key: never print it) and trust store
 * (X509_STORE *), for the follow-up requests; NULLs when T has none. */
void ap_prober_parts(const struct ap_target *t, struct curl_slist **headers,
                     void **store);

/* ---- followup.c: requests after the probe on its settings (model and
 * inference layers) ---- */
/* A transfer of its own: easy handle, headers (a copy of the prober's,
 * plus extra ones), proxy and pinned addresses as the probe's. */
struct ap_followup {
  void *easy;                  /* CURL * */
  void *multi;                 /* CURLM *, for ap_followup_run() */
  struct curl_slist *headers;  /* copy holding the key: wiped on free */
  struct curl_slist *resolve;
  void *store;                 /* not owned */
  char proxy[AP_TEXT * 2];
  char errbuf[256];
  char *body;                  /* an answer that is not a stream */
  size_t body_len;
  int body_capped;
  long status;
  char content_type[96];
  char request_id[96];
};
/* Set F up for URL on T's settings (T probed already: its prober exists),
 * with the header line ACCEPT instead of the probe's (NULL keep it), a
 * JSON content-type when JSON_BODY, the whole transfer limited to
 * TIMEOUT_S. AP_E_NOMEM or AP_E_INTERNAL with ERR set on failure; F must
 * be freed with ap_followup_free() either way. */
enum ap_code ap_followup_init(struct ap_followup *f, const struct ap_target *t,
                              const char *url, const char *accept,
                              int json_body, double timeout_s, char *err,
                              size_t errlen);
void ap_followup_free(struct ap_followup *f);
/* Collect the body into F (capped at AP_BODY_MAX): a write callback. */
size_t ap_followup_on_body(char *buf, size_t size, size_t n, void *ud);
/* Header callback: status, content-type, request id into F. */
size_t ap_followup_on_header(char *buf, size_t size, size_t n, void *ud);
/* The URL of PATH ("/v1/models/ID") on T's API: T's URL with its path
 * before "/v1/" kept (a gateway prefix), query dropped. 0 on success. */
int ap_api_url(const struct ap_target *t, const char *path, char *out,
               size_t outlen);
/* An error answer (STATUS with F's body) as the auth classifier sees it:
 * the auth/http error that names it, and its reason in REASON. */
enum ap_error ap_followup_classify(const struct ap_followup *f, int provider,
                                   char *reason, size_t reasonlen);
/* A transport failure (curl CODE) as an http error with a reason. */
enum ap_error ap_followup_failure(const struct ap_followup *f, long code,
                                  char *reason, size_t reasonlen);

/* ap_text_clean (copy network text, printable, cut on a character
 * boundary) is common/strutil.h's. */

/* ---- model.c: --model ids, free ---- */
/* Is V a model id we send (letters, digits, . - _ : @; bounded)? */
int ap_model_id_ok(const char *v);
/* Fill R->model for T's --model ids (n/a without; skipped when auth did
 * not pass), each check ending by DEADLINE (mono seconds: the probe's
 * --timeout). */
void ap_model_run(struct ap_target *t, struct ap_result *r, double deadline);

/* ---- inference.c: the --canary (spends tokens) ---- */
/* What the stream said so far; fed one event at a time. */
struct ap_stream {
  int provider;          /* enum ap_provider */
  double sent_at;        /* mono, the request went out */
  double last_event_at;  /* mono, the last event (or sent_at) */
  double first_delta_at; /* mono, first content delta, 0 none */
  double done_at;        /* mono, message_stop / [DONE], 0 none */
  double max_gap_s;
  long events;
  int started;           /* message_start (Anthropic) / first chunk */
  int done;
  double input_tokens, output_tokens; /* NAN none */
  char stop_reason[32];
  char error_type[64];   /* an error event's type */
  char reason[AP_TEXT];  /* why the stream failed */
};
void ap_stream_init(struct ap_stream *s, int provider, double sent_at);
/* One event (TYPE as the SSE said, DATA of LEN bytes) at mono time NOW.
 * Returns AP_ERR_NONE to go on (S->done tells the end), or the inference
 * error that ends the stream (S->reason says why). */
enum ap_error ap_stream_event(struct ap_stream *s, const char *type,
                              const char *data, size_t len, double now);
/* The request body of the canary for PROVIDER and MODEL into OUT. */
int ap_canary_body(int provider, const char *model, char *out, size_t n);
/* Fill R->inference for T's --canary (n/a without; skipped when auth did
 * not pass; the last result, marked reused, within --canary-interval). */
void ap_inference_run(struct ap_target *t, struct ap_result *r,
                      double deadline);
/* Less than this left of --timeout: a follow-up is not started. */
#define AP_FOLLOWUP_MIN_S 0.2
void ap_canary_memo_free(struct ap_canary_memo *m);

#endif
