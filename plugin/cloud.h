/* cloud.h -- what the cloud files share, private to them: the state a
 * target keeps between probes, each cloud's row of hooks (the row of
 * --provider bedrock in cloud_bedrock.c, of vertex in cloud_vertex.c),
 * the side transfer (cloud_fetch.c) and the helpers for untrusted JSON
 * and for header lists that hold secrets (cloud.c).
 *
 *   cloud.c          the glue: finish the target, prepare, classify, scrub
 *   cloud_fetch.c    one side transfer (IMDS, metadata server, token host)
 *   cloud_bedrock.c  AWS credentials, the SigV4-signed request, AWS errors
 *   cloud_vertex.c   Google credentials, the OAuth token, Google errors
 */
#ifndef AP_CLOUD_H
#define AP_CLOUD_H

#include "internal.h"

#include <curl/curl.h>

#define AP_CLOUD_BODY_MAX 65536
/* cached credentials and tokens are renewed this long before they expire */
#define AP_CLOUD_TOKEN_MARGIN_S 300.0

/* What a target keeps between probes (resident faces): the credentials
 * read from an instance and the access token, each until it expires. */
struct ap_cloud {
  struct ap_aws_creds aws;     /* from IMDS (env credentials are re-read) */
  char aws_source[128];
  struct ap_secret *token;     /* vertex access token */
  double token_expires;        /* epoch */
  char token_source[128];
  char token_host[AP_TEXT];    /* where the token came from */
  char *body;                  /* the request body (no secret) */
};

/* One cloud: what finishing a target, preparing the request and reading
 * the answer need to know of it. The provider row points at it. */
struct ap_cloud_ops {
  const char *default_model;   /* without --model */
  const char *region_env[2];   /* read when --region is absent, NULL none */
  const char *default_region;  /* NULL: a region must be given */
  const char *region_missing;  /* the error when there is none */
  const char *host_head;       /* the host without --url: HEAD REGION */
  const char *host_tail;       /* TAIL */
  /* More of the target after region and model (vertex: the project);
   * AP_OK or an error with ERR. NULL: nothing more. */
  enum ap_code (*finish)(struct ap_target *t, char *err, size_t errlen);
  /* The request path for T with its model escaped as MODEL_ENC. */
  void (*path)(const struct ap_target *t, const char *model_enc, char *out,
               size_t cap);
  /* Credentials and the request: *PHDRS, T->cloud->body. 0, or -1 with
   * a layer of R failed (arguments as ap_cloud_prepare's). */
  int (*prepare)(struct ap_target *t, struct ap_result *r, double budget,
                 void *store, struct curl_slist *resolve, const char *proxy,
                 struct curl_slist **phdrs);
  /* The service's error TYPE (and MSG) of an answer with STATUS. */
  enum ap_error (*error)(const char *type, const char *msg, long status);
  const char *tokens_field;    /* the input tokens in a 2xx answer */
  int type_header;             /* x-amzn-ErrorType names the type */
};
extern const struct ap_cloud_ops ap_cloud_bedrock;
extern const struct ap_cloud_ops ap_cloud_vertex;

/* ---- cloud.c: helpers ---- */
/* A struct ap_secret holding a copy of V (caller frees); NULL with ERR. */
struct ap_secret *ap_cloud_secret_dup(const char *v, char *err,
                                      size_t errlen);
/* LEN bytes of untrusted JSON as an object (caller puts), NULL when it
 * is not one or longer than AP_CLOUD_BODY_MAX. */
struct json_object *ap_cloud_json(const char *json, size_t len);
/* A printable copy of network text S (NULL: "") cut within CAP. */
void ap_cloud_clean(char *out, size_t cap, const char *s);
/* V into OUT when it is one printable ASCII word shorter than CAP (an
 * e-mail, a URL, an id, a role name); -1 otherwise (refused, not
 * cleaned). */
int ap_cloud_plain(const char *v, char *out, size_t cap);
/* Is R a region (or project) name: [a-z0-9-], 1 to 40 bytes? */
int ap_cloud_region_ok(const char *r);
/* A whole regular file, at most AP_CLOUD_BODY_MAX bytes, never blocking;
 * the caller wipes and frees it. NULL with ERR. */
char *ap_cloud_read_file(const char *path, size_t *plen, char *err,
                         size_t errlen);
/* (Header lists: ap_wipe_slist_header and ap_wipe_slist_free, wipe.c.) */

/* ---- cloud_fetch.c: one side transfer ---- */
struct ap_cloud_fetch {
  CURL *easy;
  long status;
  char body[AP_CLOUD_BODY_MAX + 1];
  size_t len;
  int capped;
  char errbuf[CURL_ERROR_SIZE];
  CURLcode code;
  struct ap_tls_capture tls;
  struct ap_tls_result tlsr;
  char host[AP_TEXT];
};
/* METHOD URL with HDRS and BODY (NULL: none) within TIMEOUT_S, trusting
 * STORE (NULL: the default), pinned by RESOLVE, through PROXY ("" none).
 * 0 when an answer came (any status), -1 when the transfer failed
 * (f->code). */
int ap_cloud_fetch_run(struct ap_cloud_fetch *f, const char *method,
                       const char *url, struct curl_slist *hdrs,
                       const char *body, double timeout_s, void *store,
                       struct curl_slist *resolve, const char *proxy);
/* A failed side transfer -> the layer it broke in R, named WHAT and its
 * host. */
void ap_cloud_fetch_fail(struct ap_cloud_fetch *f, struct ap_result *r,
                         const char *what);
/* The handle freed and the answer wiped; F can run again. */
void ap_cloud_fetch_end(struct ap_cloud_fetch *f);

/* ---- cloud_bedrock.c ---- */
/* The three secrets of C freed, C zeroed. */
void ap_bedrock_creds_clear(struct ap_aws_creds *c);

#endif
