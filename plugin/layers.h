/* layers.h -- the layers' shared machinery, private to plugin/: the one
 * state setter and the verdict, the scrub, the tls layer's capture, the
 * facts one transfer observed and each layer's fill, reason and judge, the
 * proxy's CONNECT watch, addresses given rather than looked up, and the
 * wiping of secrets. Included through internal.h. */
#ifndef AP_LAYERS_H
#define AP_LAYERS_H

#include "apiprobe.h"
#include "answer.h"

#include <stddef.h>

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

#endif
