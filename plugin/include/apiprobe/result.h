/* apiprobe/result.h -- what a probe found: one struct per layer, the
 * verdict, and the one-line texts every human face prints from them. Faces
 * include apiprobe.h, the umbrella over this header. */
#ifndef APIPROBE_RESULT_H
#define APIPROBE_RESULT_H

#include <stddef.h>

#include "apiprobe/codes.h"

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
struct ap_statuspage_result {
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
  struct ap_statuspage_result status_page;
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

/* ---- what each layer saw, as lines for the human faces (detail.c) ---- */

enum ap_line_style {
  AP_LINES_FULL, /* apiprobe's terminal view: every fact */
  AP_LINES_BRIEF /* a plugin's long output: the main facts, each text under
                    AP_LINE_BRIEF_MAX bytes */
};
#define AP_LINE_BRIEF_MAX 512

/* In the order made: FULL: insecure, env, note, advice, dns, tcp, route,
 * families, proxy ... inference, status. BRIEF: env, dns, tcp, route,
 * families, proxy ... model, models, inference, canary, note, advice,
 * status. Kinds other than LAYER appear only when they have something to
 * say. */
enum ap_line_kind {
  AP_LINE_INSECURE, /* FULL: certificate verification is off */
  AP_LINE_LAYER,    /* a layer: H is its head, TEXT what it saw ("" none) */
  AP_LINE_NOTE,     /* env: a note on the proxy variables */
  AP_LINE_ADVICE,   /* env: the keepalive advice */
  AP_LINE_ROUTE,    /* tcp: the route traced */
  AP_LINE_FAMILY,   /* tcp: one address family tried (STATE, FAMILY) */
  AP_LINE_MODELS,   /* BRIEF: the model ids when that layer is not ok */
  AP_LINE_CANARY,   /* BRIEF: the canary's run when it ran */
  AP_LINE_STATUS    /* the provider's status page (STATE) */
};

struct ap_line {
  enum ap_line_kind kind;
  enum ap_layer layer;           /* the layer it tells about */
  const struct ap_layer_head *h; /* LAYER: in the result; else NULL */
  enum ap_state state;           /* LAYER, FAMILY and STATUS */
  int family;                    /* FAMILY: 4 or 6 */
  char text[AP_TEXT * 4];        /* as seen, not cleaned for a host */
};
#define AP_LINES_MAX 24 /* more than R can ever make */

/* Fill LINES[0..MAX) with R's lines in STYLE; returns how many. The lines
 * point into R (H): use them while R lives. */
size_t ap_result_lines(const struct ap_result *r, enum ap_line_style style,
                       struct ap_line *lines, size_t max);

/* Layer head by index, for renderers and adapters. */
const struct ap_layer_head *ap_result_layer(const struct ap_result *r,
                                            enum ap_layer l);

#endif
