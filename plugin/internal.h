/* internal.h -- what the files of plugin/ share with each other and with
 * the unit tests; never included by a face. Pure functions (classifiers,
 * parsers) take plain values so the tests can feed them tables.
 */
#ifndef AP_INTERNAL_H
#define AP_INTERNAL_H

#include "apiprobe.h"

#include <stddef.h>

#define AP_BODY_MAX 65536 /* larger answers are an error, not a hog */

/* ---- provider.c: one row per provider ---- */
#define AP_DEFAULT_URL "https://api.anthropic.com/v1/models?limit=1"
struct ap_cloud_ops;
struct ap_ratelimit;
struct ap_answer;
struct ap_auth_result;
struct ap_stream;
struct json_object;
struct ap_provider_row {
  int id;                      /* enum ap_provider */
  const char *name;            /* --provider NAME, result's provider */
  const char *default_url;     /* without --url; NULL: --url is required */
  const char *probe_path;      /* for a bare https://HOST[:PORT][/] */
  const char *probe_query;     /* with it, NULL none */
  const char *key_env;         /* the key's variable, NULL: no key */
  const char *auth_header;     /* "name: " the key follows, NULL none */
  const char *version_header;  /* its value is --anthropic-version */
  const char *ratelimit_prefix; /* the rate-limit header family */
  /* its parser: the header named PREFIX+REST with value V into RL (NOW:
   * wall seconds), NULL none */
  void (*ratelimit)(struct ap_ratelimit *rl, const char *rest, const char *v,
                    double now);
  /* the error classifier of its answers (like ap_auth_classify; TYPE the
   * x-amzn-ErrorType header's type, "" none), NULL: no auth layer */
  enum ap_error (*classify)(const struct ap_answer *a, const char *type,
                            struct ap_auth_result *auth);
  int auth_layer;              /* 0: the status alone decides (https) */
  int time_signed;             /* requests signed with the clock */
  double signed_window_s;      /* how long such a signature holds */
  /* the canary (inference.c), NULL: none for this provider: where the
   * streamed generation goes, its body around the model id (checked,
   * nothing to escape), the event that ends its stream */
  const char *canary_path;
  const char *canary_body_head;
  const char *canary_body_tail;
  const char *canary_final_event;
  /* its stream (stream.c): one event's JSON O of SSE type TYPE read into
   * S; the data that ends the stream without JSON, NULL none */
  enum ap_error (*stream_event)(struct ap_stream *s, const char *type,
                                struct json_object *o, double now);
  const char *stream_done_data;
  /* bedrock/vertex: the cloud's hooks (cloud.h), NULL for the others */
  const struct ap_cloud_ops *cloud;
};
/* The row of provider ID (the first row for an unknown id). */
const struct ap_provider_row *ap_provider(int id);
/* Row I of the table, NULL past the end. */
const struct ap_provider_row *ap_provider_at(size_t i);
/* The row named NAME (case-insensitive), NULL when none. */
const struct ap_provider_row *ap_provider_by_name(const char *name);

/* ---- target.c ---- */
/* *FIELD replaced by a copy of VALUE (the old one freed); -1 when out of
 * memory (*FIELD unchanged). */
int ap_str_set(char **field, const char *value);

/* ---- url.c: small URL helpers over curl's URL API ---- */
/* Host of URL without brackets. 0 on success. */
int ap_url_host(const char *url, char *host, size_t hostlen);
/* Port of URL (443 when absent). 0 on success. */
int ap_url_port(const char *url, int *port);
/* Copy URL into OUT (normalised by curl when it parses) with any
 * user:password masked (ap_mask_url_userinfo, common/strutil.c). */
void ap_url_redact(const char *url, char *out, size_t outlen);
/* --url's VALUE checked (https, a host, no credentials) and normalised
 * (no fragment) into *POUT (malloc'd). AP_OK or an error with ERR. */
enum ap_code ap_url_target(const char *value, char **pout, char *err,
                           size_t errlen);
/* --status-page's V: "anthropic" (status.claude.com), or an https URL
 * without credentials, a Statuspage summary.json or the page's base
 * address (its summary.json is read), into *POUT (malloc'd). AP_OK or an
 * error with ERR. */
enum ap_code ap_url_statuspage(const char *v, char **pout, char *err,
                               size_t errlen);
/* A bare https://HOST[:PORT][/] in *PURL gets PATH (and QUERY, NULL
 * none); *PURL is replaced. AP_OK or an error with ERR. */
enum ap_code ap_url_default_path(char **purl, const char *path,
                                 const char *query, char *err,
                                 size_t errlen);
/* --resolve's HOST:PORT:ADDR[,ADDR...] with ADDR an IP literal ([v6]
 * allowed)? */
int ap_resolve_ok(const char *v);
/* Every name through the bounded lookup: resolve the host of URL (the
 * status page, a proxy) with ap_dns_resolve within TIMEOUT_S and append
 * "HOST:PORT:ADDR" to the curl_slist *PLIST (CURLOPT_RESOLVE) so libcurl
 * never runs its own unbounded resolver for it. PORT is the URL's, else
 * DEFAULT_PORT. Nothing to do for a literal or a host already pinned in
 * *PLIST. 0 when pinned or nothing to do; -1 when the lookup failed (DNS
 * filled, *PTIMED_OUT 1 when it ran out of time). */
struct curl_slist;
struct ap_dns_result;
int ap_url_pin(const char *url, int default_port, int family,
               double timeout_s, struct curl_slist **plist,
               struct ap_dns_result *dns, int *ptimed_out);
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
/* Has JOB's lookup ended (finish would not wait)? 1 for NULL. */
int ap_dns_job_done(struct ap_dns_job *job);
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
/* The sockets libcurl holds open for one transfer (happy eyeballs may
 * open several): told of each it opens (its sockopt callback) and of each
 * it closes (its closesocket callback), so TCP_INFO is only ever read
 * from a socket still open for this transfer, never from a number that a
 * closed one left free and another thread's (or another target's) socket
 * took since. The caller zeroes it per transfer. */
struct ap_tcp_socks {
  int fd[8];
  int n;
};
/* FD opened for the transfer (kept when there is room: at most 8). */
void ap_tcp_socks_opened(struct ap_tcp_socks *s, int fd);
/* FD is being closed: forgotten. */
void ap_tcp_socks_closed(struct ap_tcp_socks *s, int fd);
/* TCP_INFO from the newest connected socket still held, into TCP;
 * 0 when one was read, -1 when none is connected. */
int ap_tcp_socks_read(const struct ap_tcp_socks *s, struct ap_tcp_result *tcp);
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

/* ---- headers.c: the response header parser ---- */
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
  struct ap_ratelimit rl;
};
void ap_headers_init(struct ap_headers *h);
/* Every rate limit unknown (NAN). */
void ap_ratelimit_init(struct ap_ratelimit *rl);
/* The rate-limit header families (the provider table's parsers): the
 * header PREFIX+REST with value V into RL; NOW wall seconds. */
void ap_ratelimit_anthropic(struct ap_ratelimit *rl, const char *rest,
                            const char *v, double now);
void ap_ratelimit_openai(struct ap_ratelimit *rl, const char *rest,
                         const char *v, double now);
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
/* Scrub every cloud credential of C from R's texts (scrub.c). */
void ap_cloud_scrub(const struct ap_cloud *c, struct ap_result *r);

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

/* ---- statuspage.c ---- */
struct ap_statuspage_job;
/* Start fetching T's status page on a thread with EASY (a curl handle the
 * caller owns) and the trust STORE; NULL when T has none. */
struct ap_statuspage_job *ap_statuspage_start(const struct ap_target *t, void *easy,
                                      void *store);
/* Wait for JOB (consumed) and fill r->status_page. */
void ap_statuspage_finish(struct ap_statuspage_job *job, struct ap_result *r);
/* Parse a Statuspage summary.json into S. */
void ap_statuspage_parse(const char *body, size_t len,
                     struct ap_statuspage_result *s);
/* Tell the verdict's reason what the status page says. */
void ap_statuspage_fold(struct ap_result *r);

/* ---- thresholds.c ---- */
/* Judge R's metrics and the auth states by TH: the layers only (the
 * runner computes the verdict after it). */
void ap_thresholds_judge(const struct ap_thresholds *th, struct ap_result *r);

/* ---- retry.c ---- */
/* Would the official SDKs retry this outcome? */
int ap_retry_transient(const struct ap_result *r);
/* Seconds before the next attempt after RETRIES_TAKEN retries: retry-after
 * when 0 < it <= 60, else min(0.5 * 2^n, 8) s times a factor in (0.75, 1]
 * from UNIT_RANDOM in [0, 1). */
double ap_retry_delay(const struct ap_result *r, int retries_taken,
                      double unit_random);

/* ---- layer.c (the layer setters) and verdict.c ---- */
/* The one writer of a layer's state: state S, error E and REASON (NULL
 * keeps the reason there is). Every other setter goes through it. */
void ap_head_set(struct ap_layer_head *h, enum ap_state s, enum ap_error e,
                 const char *reason);
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
/* The verdict the layers of R give, into V (R unchanged): what a retry
 * asks of an attempt. */
void ap_verdict_of(const struct ap_result *r, struct ap_verdict *v);
/* Set r->verdict from the layers, with the status page's word folded into
 * its reason: once per probe, after every judge ran (runner.c), and by
 * unit tests. */
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

/* ---- transfer.c / proxy.c / layer files: what one transfer observed --
 * A plain struct of stamps and facts, read once from libcurl when the
 * transfer ends; each layer's fill and reason functions take only this,
 * so they are unit-tested with tables. */
#define AP_ERRBUF 256 /* CURL_ERROR_SIZE */
struct ap_facts {
  struct ap_observed o;   /* how far it got (classify.c's input) */
  const char *host;       /* the target's host and port */
  int port;
  const char *proxy;      /* the proxy URL used, "" none */
  char ip[64];            /* CURLINFO_PRIMARY_IP, "" none */
  long ip_port;           /* CURLINFO_PRIMARY_PORT */
  /* libcurl's timers, seconds from the start of the transfer */
  double t_name, t_conn, t_app, t_pre, t_start, t_total;
  /* our own stamps, monotonic seconds, 0 when not seen */
  double curl_start;      /* the transfer began */
  double tls_started_at;  /* our SSL_CTX callback ran (the API's TLS) */
  double connect_sent_at, connect_answer_at; /* the proxy's CONNECT */
  double request_at;      /* the request about to be sent */
  double first_byte_at;   /* the status line arrived */
  const struct ap_headers *hdr; /* the answer's headers */
  size_t body_len;
  int key_sent;           /* a key or cloud credentials went out */
  double limit_s;         /* the attempt's share of --timeout */
  int min_tls;            /* --min-tls (10..13) */
};
/* When the API's TLS began, seconds from the transfer's start (libcurl's
 * connect time when our callback never ran). */
double ap_facts_tls_start(const struct ap_facts *f);
/* "how long" of B - A, never below 0 */
double ap_span(double a, double b);

/* Each layer's fill (its measurements from F) and reason (the one-line
 * text of its failure E; 0 when it has none of its own, the caller then
 * uses curl's error text). */
void ap_tcp_fill(struct ap_result *r, const struct ap_facts *f);
int ap_tcp_reason(const struct ap_result *r, const struct ap_facts *f,
                  enum ap_error e, char *out, size_t outlen);
void ap_proxy_fill(struct ap_result *r, const struct ap_facts *f);
int ap_proxy_reason(const struct ap_result *r, const struct ap_facts *f,
                    enum ap_error e, char *out, size_t outlen);
void ap_tls_fill(struct ap_result *r, const struct ap_facts *f);
int ap_tls_reason(const struct ap_result *r, const struct ap_facts *f,
                  enum ap_error e, char *out, size_t outlen);
void ap_http_fill(struct ap_result *r, const struct ap_facts *f);
int ap_http_reason(const struct ap_result *r, const struct ap_facts *f,
                   enum ap_error e, char *out, size_t outlen);
/* The rate-limit and retry headers into the auth layer. */
void ap_auth_fill(struct ap_result *r, const struct ap_headers *h);

/* Judges, after the fill, when the transfer got through. */
/* tls: certificate expiry and --insecure (F's verify facts). */
void ap_tls_judge(struct ap_result *r, const struct ap_target *t,
                  const struct ap_facts *f);
/* http and auth: the answer (status, BODY) by T's provider. */
void ap_http_judge(struct ap_result *r, const struct ap_target *t,
                   const struct ap_facts *f, const char *body);
/* env: the target cannot be probed at all (WHY): env unknown. */
void ap_env_unusable(struct ap_result *r, const char *why);

/* ---- proxy.c: the CONNECT watch ---- */
/* libcurl's timers do not say when the CONNECT went out or was answered;
 * the runner feeds the header lines libcurl shows (OUT: sent by us) while
 * the API's TLS has not STARTED. */
struct ap_proxy_watch {
  double sent_at;   /* mono, CONNECT sent, 0 not yet */
  double answer_at; /* mono, the proxy's answer, 0 not yet */
};
void ap_proxy_watch_line(struct ap_proxy_watch *w, int out, const char *data,
                         size_t size, int tls_started, double now);

/* ---- dns_pin.c: addresses given, not looked up ---- */
/* Is HOST an IP literal (FAMILY set to 4 or 6)? */
int ap_dns_is_literal(const char *host, int *family);
/* The --resolve entry of T for HOST:PORT: its address list, or NULL. */
const char *ap_dns_pinned(const struct ap_target *t, const char *host,
                          int port);
/* Addresses of a --resolve list or literal into DNS, by FAMILY. */
void ap_dns_from_list(struct ap_dns_result *dns, const char *list,
                      int family);

/* ---- wipe.c: secrets wiped before their memory is freed ---- */
struct curl_slist;
/* LINE appended to L (a copy); *FAILED set when out of memory, and then
 * (or when *FAILED is set already) L comes back unchanged. Every header
 * list goes through these and ap_wipe_slist_free, none through a plain
 * curl_slist_append/curl_slist_free_all: a line may hold a secret. */
struct curl_slist *ap_wipe_slist_append(struct curl_slist *l,
                                        const char *line, int *failed);
/* "NAME: VALUE" appended to L, built in a buffer wiped after; a line
 * longer than a secret allows is refused (*FAILED), never cut. */
struct curl_slist *ap_wipe_slist_header(struct curl_slist *l, int *failed,
                                        const char *name, const char *value);
/* Wipes every string of L, then frees L. NULL is fine. */
void ap_wipe_slist_free(struct curl_slist *l);
/* curl_global_init(FLAGS) with allocator functions that wipe every block
 * libcurl frees or moves (its request buffer holds the key). Only the
 * process's first initialiser of libcurl sets them: later calls only
 * count. 0, or -1 when libcurl cannot initialise. */
int ap_wipe_curl_init(long flags);

/* ---- transfer.c: libcurl setup and callbacks ---- */
/* The handles a target keeps between probes (prober.c makes and frees
 * them; transfer.c uses them). */
struct ap_prober {
  void *easy;                  /* CURL * */
  void *store;                 /* X509_STORE * */
  struct curl_slist *headers;  /* holds the key: wiped on free */
  struct ap_leaf_cache leaf;   /* names of the last certificate */
  struct ap_tcp_socks socks;   /* the sockets libcurl holds for easy */
  void *status_easy;           /* CURL *: the status page's, if any */
  char *body;                  /* grown to what answers need (<= 64 KiB) */
  size_t body_cap;
};
/* The options every transfer of apiprobe shares, on EASY (a CURL *): URL,
 * https only, no signals, no redirects, a fresh connection closed after,
 * addresses pinned by RESOLVE, no libcurl CA paths (our store is set in
 * the SSL_CTX callback), PROXY ("" = none). */
void ap_curl_base(void *easy, const char *url, const char *proxy,
                  struct curl_slist *resolve);
/* What every request to T's API shares, probe or follow-up: T's address
 * family, TLS floor and verification, the CA for an https:// PROXY, the
 * proxy's CONNECT answer kept out of the headers, and the timeouts
 * (TOTAL_S, connect CONN_S bounded by it), in whole milliseconds rounded
 * up. */
void ap_curl_target(void *easy, const struct ap_target *t, const char *proxy,
                    double total_s, double conn_s);
/* The handles a target keeps between probes (T->prober). */
enum ap_code ap_prober_new(const struct ap_target *t, struct ap_prober **pp,
                           char *err, size_t errlen);
void ap_prober_free(struct ap_prober *p);
/* The prober's status-page handle and trust store. */
void *ap_prober_status_easy(const struct ap_prober *p);
void *ap_prober_store(const struct ap_prober *p);
/* The prober's header list (with the key: never print it) and trust store
 * (X509_STORE *), for the follow-up requests; NULLs when T has none. */
void ap_prober_parts(const struct ap_target *t, struct curl_slist **headers,
                     void **store);

/* One transfer of a probe: the state its callbacks write. */
struct ap_transfer {
  const struct ap_target *t;
  struct ap_result *r;
  struct ap_prober *p;
  struct ap_tls_capture tls;
  struct ap_headers hdr;
  struct ap_proxy_watch pw;
  size_t body_len;
  int body_capped;
  int got_status;
  double tls_started_at;       /* mono, when our SSL_CTX callback ran */
  double request_at;           /* mono, the request about to be sent */
  double first_byte_at;        /* mono, the status line arrived */
  double curl_start;           /* mono */
  int proxy_tls;               /* the proxy URL is https:// */
  int proxy_tls_seen;          /* its TLS context went by (the first) */
  struct curl_slist *cloud_hdrs; /* bedrock/vertex: signed, wiped at end */
  const char *cloud_body;      /* bedrock/vertex: the POST body */
  char errbuf[AP_ERRBUF];
};
/* Bind X to T, R and T's prober P (for HOST, checked by --insecure). */
void ap_transfer_init(struct ap_transfer *x, const struct ap_target *t,
                      struct ap_result *r, struct ap_prober *p,
                      const char *host);
/* The prober's easy handle (CURL *). */
void *ap_transfer_easy(const struct ap_transfer *x);
/* The libcurl resolve list pinning DNS's addresses for HOST:PORT (or T's
 * --resolve entries when PINNED); -1 when out of memory. */
int ap_transfer_pin(const struct ap_target *t, const struct ap_dns_result *dns,
                    int pinned, const char *host, int port,
                    struct curl_slist **res);
/* Set the easy handle up for X: PROXY ("" none), REMAINING seconds in
 * all, CONN_BUDGET to connect. */
void ap_transfer_setup(struct ap_transfer *x, struct curl_slist *resolve,
                       const char *proxy, double remaining,
                       double conn_budget);
/* bedrock/vertex: credentials (maybe a token from a second host) and the
 * signed request into X, within BUDGET, for RESOLVE and PROXY. 0, or -1
 * with a layer of X's result failed. */
int ap_transfer_cloud(struct ap_transfer *x, double budget,
                      struct curl_slist *resolve, const char *proxy);
/* After the transfer ended with CODE (a CURLcode): the facts, read once
 * (Bedrock's request id taken from x-amzn-RequestId when there is no
 * other). */
void ap_transfer_facts(struct ap_transfer *x, long code,
                       const char *host, int port, const char *proxy,
                       double limit_s, struct ap_facts *f);
/* The answer's body (owned by the prober, wiped at the end). */
const char *ap_transfer_body(const struct ap_transfer *x);
/* The end of X: the body wiped, the signed headers wiped and freed. */
void ap_transfer_wipe(struct ap_transfer *x);

/* ---- layer.c: the initial result ---- */
/* The result before any layer ran: every layer skipped (proxy n/a), every
 * measurement unknown (NAN, -1), T's names copied (T may be NULL). */
void ap_result_init(struct ap_result *r, const struct ap_target *t);

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
/* ---- stream.c: what the canary's stream says ---- */
void ap_stream_init(struct ap_stream *s, int provider, double sent_at);
/* S fails with E: its reason WHAT[: DETAIL (cleaned)]; returns E. */
enum ap_error ap_stream_fail(struct ap_stream *s, enum ap_error e,
                             const char *what, const char *detail);
/* The provider table's event readers (ap_stream_event's cases). */
enum ap_error ap_stream_anthropic(struct ap_stream *s, const char *type,
                                  struct json_object *o, double now);
enum ap_error ap_stream_openai(struct ap_stream *s, const char *type,
                               struct json_object *o, double now);
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

/* ---- canary_memo.c: one canary per --canary-interval ---- */
void ap_canary_memo_free(struct ap_canary_memo *m);
/* Within --canary-interval of the last run of T's canary (or while
 * another process runs it): IN gets that result, marked reused, and 1
 * is returned. Else T's slot is claimed for this run (0). */
int ap_canary_memo_claim(struct ap_target *t, struct ap_inference_result *in,
                         double now);
/* The claim released; with IN (NULL: nothing ran) kept as the run of
 * time AT. */
void ap_canary_memo_keep(struct ap_target *t,
                         const struct ap_inference_result *in, double at);

#endif
