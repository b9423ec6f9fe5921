/* net.h -- the target and the network side of a probe, private to plugin/:
 * the provider table, the option setters, URL helpers, labels, the env
 * layer's proxy choice, the bounded DNS lookup, the tcp layer's socket facts
 * and per-family connects, the route trace and the PMTU check. Included
 * through internal.h. */
#ifndef AP_NET_H
#define AP_NET_H

#include "apiprobe.h"

#include <stddef.h>

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
  int amzn_request_id;         /* its request id is x-amzn-RequestId */
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

#endif
