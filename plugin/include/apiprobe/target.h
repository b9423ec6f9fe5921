/* apiprobe/target.h -- what to probe: the target, set through one option
 * table, finished (key loaded), labelled and freed; the canary memo a
 * forking host shares. Faces include apiprobe.h, the umbrella over this
 * header. */
#ifndef APIPROBE_TARGET_H
#define APIPROBE_TARGET_H

#include <stddef.h>

#include "apiprobe/codes.h"

struct ap_secret; /* common/secret.h: a loaded key, wiped on free */
struct ap_prober; /* plugin/: handles kept between probes */
struct ap_canary_memo; /* plugin/canary_memo.c: the last canary run */

#define AP_MAX_RESOLVE 8
#define AP_MAX_MODELS 8
#define AP_MODEL_ID_MAX 128

/* What answers at the URL: decides headers, the probe path, the rate-limit
 * headers and the classifier, nothing else. */
enum ap_provider {
  AP_PROVIDER_ANTHROPIC = 0, /* x-api-key, anthropic-version */
  AP_PROVIDER_OPENAI = 1,    /* Authorization: Bearer, x-ratelimit-* */
  AP_PROVIDER_HTTPS = 2,     /* no auth layer; --expect-status */
  AP_PROVIDER_BEDROCK = 3,   /* AWS SigV4, CountTokens (cloud_bedrock.c) */
  AP_PROVIDER_VERTEX = 4     /* Google OAuth bearer, count-tokens */
};
/* The provider's --provider name ("anthropic" for an unknown one). */
const char *ap_provider_name(int provider);
#define AP_TARGET_TEXT 256

/* Values are owned by the target; set them only through ap_target_set(). */
struct ap_target {
  char *name;          /* label for outputs (default: the URL's host) */
  char *url;           /* https URL probed */
  char *key_env;       /* environment variable with the key */
  char *key_file;      /* file with the key (wins over key_env) */
  char *ca_file;       /* PEM bundle to trust instead of the system store */
  char *proxy;         /* proxy URL; NULL = the environment; "" = none */
  char *noproxy;       /* hosts that bypass the proxy; NULL = environment */
  char *resolve[AP_MAX_RESOLVE]; /* HOST:PORT:ADDR[,ADDR] as curl's */
  int resolve_count;
  char *anthropic_version;
  int insecure;         /* skip certificate verification (loudly) */
  int ip_family;        /* 0 any, 4 or 6 */
  int min_tls;          /* 10, 11, 12 or 13 */
  double connect_timeout_s; /* TCP connect + TLS handshake (and DNS) */
  double timeout_s;         /* whole probe */
  double cert_warn_days;
  double cert_crit_days;
  double skew_warn_s;   /* clock skew warning threshold, 0 = off (60) */
  double skew_crit_s;   /* critical threshold, 0 = off; -1 (default): by
                           what the skew breaks, beyond a time-signed
                           provider's window, never for the others */
  double idle_timeout_s; /* middleboxes' idle timeout for the keepalive
                            advice (300), 0 = no advice */
  int retries;          /* extra attempts for transient outcomes (0) */
  int provider;         /* enum ap_provider */
  int expect_status;    /* https provider: the status that is ok (200) */
  char *status_page;    /* Statuspage summary.json URL, NULL = no check */
  char *region;         /* bedrock/vertex: the cloud region */
  char *project;        /* vertex: the Google Cloud project id */
  char *cloud_model;    /* bedrock/vertex: the model counted against
                           (--model's first, else a default; at finish) */
  struct ap_cloud *cloud; /* credentials and token cache; private */
  int trace;            /* trace the route on every outcome (0: only when
                           the connection fails) */
  char *models[AP_MAX_MODELS]; /* --model: ids checked for by the model
                                  layer (free) */
  int model_count;
  char *canary;         /* --canary MODEL: the inference layer's model
                           (spends tokens); NULL = no canary */
  double stream_idle_timeout_s; /* no event for this long: stalled (10) */
  double canary_interval_s; /* a target's canary runs at most this often;
                               within it the last result is reused (300) */
  double price_input;   /* USD per million input tokens, NAN unknown */
  double price_output;  /* USD per million output tokens, NAN unknown */
  struct ap_canary_memo *canary_memo; /* last canary; private to plugin/ */
  const struct ap_thresholds *thresholds; /* borrowed, NULL none; set by
                                             ap_target_use_thresholds() */
  /* filled by ap_target_finish(): */
  struct ap_secret *key; /* NULL when no key was found */
  char key_source[128];  /* "env:NAME", "file:PATH" or "none" */
  char key_fingerprint[24];
  int key_file_mode_warning;
  char url_host[AP_TARGET_TEXT]; /* the URL's host, without brackets */
  int url_port;
  char url_shown[AP_TARGET_TEXT * 2]; /* the URL with userinfo removed */
  struct ap_prober *prober; /* reusable handles; private to plugin/ */
};

/* Set the defaults. Never fails; the target owns nothing yet. */
void ap_target_init(struct ap_target *t);

/* Set option NAME (the CLI's long option without dashes: "url",
 * "key-env", "connect-timeout" ...; case-insensitive, '_' accepted for '-')
 * to VALUE. Flags take "", "1"/"0", "true"/"false", "yes"/"no", "on"/"off".
 * Returns AP_E_ARG with a message naming the option in ERR when the name is
 * unknown or the value bad; the target is unchanged then. */
enum ap_code ap_target_set(struct ap_target *t, const char *name,
                           const char *value, char *err, size_t errlen);

/* Check the option combination and load the key (from key_file, else
 * key_env). A missing key is not an error (the auth layer reports no_key).
 * Returns AP_E_CONFIG or AP_E_IO with ERR set on failure. */
enum ap_code ap_target_finish(struct ap_target *t, char *err, size_t errlen);

/* Free everything the target owns (wiping the key); t is reusable after
 * ap_target_init(). Accepts a target that was only initialised. */
void ap_target_free(struct ap_target *t);

/* Make the labels (name) of the N finished targets TS unique, each naming
 * its target: targets left with the default label (the host) that share a
 * host all get host:port, or host and path, or more, whichever tells them
 * apart; --name labels are kept. Whatever still clashes is numbered
 * ("#N"). AP_E_NOMEM when only the numbering could be done. */
enum ap_code ap_targets_label(struct ap_target *ts, size_t n);

/* Is S a target name a host can carry in its item keys and series: 1 to
 * AP_TARGET_NAME_MAX letters, digits, '.', '_' or '-'? 1 yes, 0 no
 * (plugin/label.c). */
#define AP_TARGET_NAME_MAX 63
int ap_target_name_ok(const char *s);

/* How a host bounds a probe (plugin/fit.c): the probe has to end before
 * LIMIT_S (a scheduler's timeout, a daemon's read interval, an agent's
 * item timeout), keeping a margin of MARGIN_FRAC x LIMIT_S, at most
 * MARGIN_MAX_S (0: no cap), for the host's own work; it never gets less
 * than FLOOR_S. */
struct ap_fit {
  double limit_s;
  double margin_frac;
  double margin_max_s;
  double floor_s;
  int refuse; /* the user chose the timeout: not lowered, refused
                 (AP_E_CONFIG) unless below LIMIT_S */
};
/* Lower T's timeout to what F leaves (rounded to the millisecond) when it
 * is longer, and the connect timeout to the timeout; or, with F->refuse,
 * check it. Through ap_target_set() only. AP_OK, AP_E_CONFIG (refused) or
 * AP_E_ARG (what is left is below a millisecond) with ERR set. */
enum ap_code ap_target_fit_timeout(struct ap_target *t, const struct ap_fit *f,
                                   char *err, size_t errlen);

/* One row of the option table, for --help texts and config docs. */
struct ap_option_info {
  const char *name;    /* long option without dashes */
  char short_name;     /* 0 when none */
  const char *arg;     /* NULL for a flag */
  const char *help;
};
/* Row I of the option table, NULL past the end. */
const struct ap_option_info *ap_option_get(size_t i);
/* Is NAME a flag (takes no value)? -1 when NAME is unknown. */
int ap_option_is_flag(const char *name);

/* The option a host's config key means, matched loosely: case, '-' and '_'
 * ignored, so collectd's "CaFile" and Zabbix's "ca-file" both give
 * "ca-file". NULL when no option matches. */
const char *ap_option_canonical(const char *key);

/* A target's last canary run (for --canary-interval) lives in private
 * memory. A host that forks its workers after init (zabbix_agentd's
 * listeners each probe) puts it in memory they share instead, so the
 * interval holds for the host as a whole: ap_canary_shared_new(N) maps
 * room for N targets before the fork (NULL when that fails), and
 * ap_target_canary_share(T, S, I) gives finished target T slot I (again
 * after every ap_target_finish). ap_canary_shared_free() only after every
 * target using it is freed. */
struct ap_canary_shared;
struct ap_canary_shared *ap_canary_shared_new(size_t n);
enum ap_code ap_target_canary_share(struct ap_target *t,
                                    struct ap_canary_shared *s, size_t i);
void ap_canary_shared_free(struct ap_canary_shared *s);

#endif
