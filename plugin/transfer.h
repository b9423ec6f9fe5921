/* transfer.h -- the requests, private to plugin/: the probe's libcurl
 * transfer (setup, callbacks, facts), the initial result, the follow-up
 * requests, the model and inference layers, the canary's stream and its cost
 * guard. Included through internal.h. */
#ifndef AP_TRANSFER_H
#define AP_TRANSFER_H

#include "apiprobe.h"
#include "layers.h"

#include <stddef.h>

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
/* Run EASY (a CURL *) to its end like curl_easy_perform, in a multi handle
 * of its own that is freed after: curl_easy_perform keeps its multi (and
 * that multi's wake-up socket pair) in the easy handle, so every handle a
 * resident host keeps per target would hold two descriptors between
 * probes. Returns the CURLcode. */
long ap_curl_perform(void *easy);
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
