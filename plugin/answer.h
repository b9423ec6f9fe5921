/* answer.h -- what the answer means, private to plugin/: the transfer
 * outcome classifier, the response header parser, the auth layer, the
 * clouds, the status page, thresholds and the retry policy. Included through
 * internal.h. */
#ifndef AP_ANSWER_H
#define AP_ANSWER_H

#include "apiprobe.h"
#include "net.h"

#include <stddef.h>

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
/* Classify the answer by its provider's row: fills AUTH (state, error,
 * reason, error_type, error_code) and returns the http-layer error
 * (AP_ERR_NONE when the answer came from the API, so http is ok). */
enum ap_error ap_auth_classify(const struct ap_answer *a,
                               struct ap_auth_result *auth);
/* The key-based APIs' classifiers, one per dialect (the provider rows
 * point at them; TYPE, a cloud header, is unused). */
enum ap_error ap_auth_classify_anthropic(const struct ap_answer *a,
                                         const char *type,
                                         struct ap_auth_result *auth);
enum ap_error ap_auth_classify_openai(const struct ap_answer *a,
                                      const char *type,
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

#endif
