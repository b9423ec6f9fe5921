/* runner.c -- one probe of one target (ap_probe_run), walking the layers
 * in order (many.c runs the same stages for many targets at once):
 *
 *   env -> dns -> tcp -> (proxy) -> tls -> http -> auth -> model, inference
 *          |      |       |          |      |       |
 *          |      |<-tcp->|<-CONNECT>|<tls->|<ttfb->|  (libcurl timers)
 *
 *   begin     result initialised, env judged, DNS lookup started on its
 *             thread (many targets resolve at once)
 *   ready     DNS finished (or given), addresses pinned, the transfer set
 *             up (transfer.c), per-family connects started (tcp.c)
 *   complete  the transfer's facts read once; every layer fills itself
 *             from them; the first failing layer named (classify.c) with
 *             its reason, or else the judges run (clock, tls, answer)
 *   end       the other family's check judged, the path traced when the
 *             connection failed (route.c, pmtu.c)
 *   finish    thresholds, the status page folded in, secrets scrubbed,
 *             then the verdict, computed once (verdict.c)
 *
 * Retries (--retries) repeat begin..end while the outcome is transient;
 * the layers after auth run once, after them; the status page is fetched
 * beside everything and folded in at the very end.
 */
#include "runner.h"
#include "strutil.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* The dns layer when the addresses are given (an IP literal, --resolve):
 * 1 when given (-1 then when the probe stops), 0 when to look up. */
static int dns_given(struct ap_run *c, int *rc)
{
  struct ap_dns_result *dns = &c->r->dns;
  const char *pinned = NULL;
  const char *list;
  char reason[AP_TEXT * 2];
  int fam;
  int literal = ap_dns_is_literal(c->host, &fam);
  if(!literal)
    pinned = ap_dns_pinned(c->t, c->host, c->port);
  if(!literal && !pinned)
    return 0;
  list = pinned ? pinned : c->host;
  ap_strlcpy(dns->source, pinned ? "resolve_option" : "literal",
             sizeof(dns->source));
  ap_dns_from_list(dns, list, c->t->ip_family);
  dns->h.time_s = 0;
  *rc = 0;
  if(!dns->address_count) {
    snprintf(reason, sizeof(reason), "%s gives no IPv%d address (%s)",
             pinned ? "--resolve" : "the URL", c->t->ip_family, list);
    ap_layer_fail(c->r, AP_LAYER_DNS, AP_ERR_DNS_NO_ADDRESS, reason);
    *rc = -1;
  } else if(pinned) {
    *rc = ap_transfer_pin(c->t, dns, 1, c->host, c->port, &c->resolve);
  }
  return 1;
}

/* The proxy's name through the bounded lookup (libcurl's resolver has no
 * limit of ours): pinned in c->resolve, or the proxy layer fails with
 * resolve_failed / timeout. 0 when the transfer may go on. */
static int pin_proxy(struct ap_run *c, double budget)
{
  struct ap_dns_result pdns;
  char reason[AP_TEXT];
  int timed_out = 0;
  if(!ap_url_pin(c->proxy, 1080, c->t->ip_family, budget, &c->resolve,
                 &pdns, &timed_out))
    return 0;
  snprintf(reason, sizeof(reason), "the proxy's name %s: %s", pdns.host,
           pdns.h.reason[0] ? pdns.h.reason : "no address");
  ap_layer_fail(c->r, AP_LAYER_PROXY,
                timed_out ? AP_ERR_PROXY_TIMEOUT : AP_ERR_PROXY_RESOLVE,
                reason);
  return -1;
}

/* The dns layer; pins its addresses for libcurl. 0 when the probe goes
 * on. */
static int step_dns(struct ap_run *c, double budget)
{
  struct ap_dns_result *dns = &c->r->dns;
  int rc;
  ap_strlcpy(dns->host, c->host, sizeof(dns->host));
  if(c->proxy[0]) {
    ap_head_set(&dns->h, AP_STATE_NA, dns->h.error, NULL);
    ap_strlcpy(dns->source, "proxy", sizeof(dns->source));
    return pin_proxy(c, budget);
  }
  ap_head_set(&dns->h, AP_STATE_OK, dns->h.error, NULL);
  if(dns_given(c, &rc))
    return rc;
  if(!c->dns_started)
    c->dns_job = ap_dns_start(c->host, c->t->ip_family);
  c->dns_started = 0; /* finish consumes the job */
  if(ap_dns_finish(c->dns_job, c->host, c->t->ip_family, budget, dns)) {
    ap_layer_fail(c->r, AP_LAYER_DNS, dns->h.error, dns->h.reason);
    return -1;
  }
  return ap_transfer_pin(c->t, dns, 0, c->host, c->port, &c->resolve);
}

/* Each layer's own reasons for its failures (NULL: none of its own). */
typedef int (*reason_fn)(const struct ap_result *r, const struct ap_facts *f,
                         enum ap_error e, char *out, size_t outlen);
static const reason_fn layer_reason[AP_LAYER_COUNT] = {
  [AP_LAYER_TCP] = ap_tcp_reason,
  [AP_LAYER_PROXY] = ap_proxy_reason,
  [AP_LAYER_TLS] = ap_tls_reason,
  [AP_LAYER_HTTP] = ap_http_reason,
};

/* The failing layer's own reason for E, else curl's words. */
static void fail_reason(const struct ap_result *r, const struct ap_facts *f,
                        enum ap_error e, char *out, size_t outlen)
{
  enum ap_layer l = ap_error_layer(e);
  reason_fn fn = l < AP_LAYER_COUNT ? layer_reason[l] : NULL;
  if(!fn || !fn(r, f, e, out, outlen))
    snprintf(out, outlen, "%s",
             f->o.errbuf[0] ? f->o.errbuf : ap_error_name(e));
}

/* After the transfer: the facts, every layer's fill, then the failure
 * classified or the judges. */
void ap_run_complete(struct ap_run *c, CURLcode code)
{
  struct ap_facts f;
  struct ap_result *r = c->r;
  enum ap_error err;
  char reason[AP_TEXT];

  r->total_s = ap_mono_s() - c->t0;
  ap_transfer_facts(&c->x, code, c->host, c->port, c->proxy, c->limit_s, &f);
  r->curl_code = code;
  ap_strlcpy(r->curl_error, c->x.errbuf, sizeof(r->curl_error));
  ap_proxy_fill(r, &f);
  ap_tcp_fill(r, &f);
  ap_tls_fill(r, &f);
  ap_http_fill(r, &f);
  ap_env_judge_clock(r, c->t);
  err = ap_classify(&f.o);
  if(err != AP_ERR_NONE) {
    fail_reason(r, &f, err, reason, sizeof(reason));
    ap_layer_fail(r, ap_error_layer(err), err, reason);
    return;
  }
  ap_tls_judge(r, c->t, &f);
  ap_http_judge(r, c->t, &f, ap_transfer_body(&c->x));
}

/* A probe that cannot run: R says WHY, C (when any) marked failed. */
static void cannot_probe(struct ap_run *c, struct ap_result *r,
                         const char *why)
{
  ap_env_unusable(r, why);
  if(c)
    c->failed = 1;
}

/* The prober, the env layer and the proxy for C. 0 when it goes on. */
static enum ap_code begin_env(struct ap_run *c)
{
  struct ap_target *t = c->t;
  struct ap_result *r = c->r;
  char err[AP_TEXT];
  enum ap_code rc = AP_OK;
  if(ap_env_eval(t, c->host, &r->env, c->proxy, sizeof(c->proxy))) {
    char why[AP_TEXT];
    ap_strlcpy(why, r->env.h.reason, sizeof(why));
    ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_ENV_PROXY_INVALID, why);
    c->failed = 1;
    return AP_OK;
  }
  if(t->key_file_mode_warning)
    ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_ENV_KEY_FILE_MODE,
                  "the key file is readable by group or others");
  if(c->proxy[0])
    ap_head_set(&r->proxy.h, AP_STATE_SKIPPED, r->proxy.h.error, NULL);
  if(!t->prober)
    rc = ap_prober_new(t, &t->prober, err, sizeof(err));
  if(rc)
    cannot_probe(c, r, err);
  return rc;
}

/* Begin a probe of T into R within LIMIT_S: result, env layer, prober,
 * and the DNS lookup started on its thread. Returns a new context (NULL
 * when out of memory: R then says so). */
struct ap_run *ap_run_begin(struct ap_target *t, struct ap_result *r,
                               double limit_s, enum ap_code *prc)
{
  struct ap_run *c;
  int fam;

  *prc = AP_OK;
  ap_result_init(r, t);
  c = calloc(1, sizeof(*c));
  if(!c) {
    cannot_probe(NULL, r, "out of memory");
    *prc = AP_E_NOMEM;
    return NULL;
  }
  c->t0 = ap_mono_s();
  c->limit_s = limit_s;
  c->t = t;
  c->r = r;
  if(!t->url || !t->anthropic_version || !t->url_host[0] || !t->url_port) {
    cannot_probe(c, r, "target not finished (ap_target_finish)");
    *prc = AP_E_CONFIG;
    return c;
  }
  ap_strlcpy(c->host, t->url_host, sizeof(c->host));
  c->port = t->url_port;
  *prc = begin_env(c);
  if(*prc || c->failed)
    return c;
  ap_transfer_init(&c->x, t, r, t->prober, c->host);
  /* start the lookup now, so many targets resolve at once */
  if(!c->proxy[0] && !ap_dns_is_literal(c->host, &fam) &&
     !ap_dns_pinned(t, c->host, c->port)) {
    c->dns_job = ap_dns_start(c->host, t->ip_family);
    c->dns_started = 1;
  }
  return c;
}

/* Finish DNS and set the transfer up. 0 when the transfer should run. */
int ap_run_ready(struct ap_run *c)
{
  const struct ap_target *t = c->t;
  double budget = t->connect_timeout_s < c->limit_s ? t->connect_timeout_s
                                                     : c->limit_s;
  double remaining, spent;
  if(c->failed)
    return -1;
  if(step_dns(c, budget))
    return -1;
  spent = ap_mono_s() - c->t0;
  remaining = c->limit_s - spent;
  budget -= spent;
  if(remaining <= 0.001 || budget <= 0.001) {
    ap_layer_fail(c->r, AP_LAYER_DNS, AP_ERR_DNS_TIMEOUT,
                  "name resolution used the whole timeout");
    return -1;
  }
  /* bedrock/vertex: credentials (maybe a token from a second host) and
   * the signed request, before the transfer */
  if(ap_cloud_provider(t->provider)) {
    if(ap_transfer_cloud(&c->x, budget, c->resolve, c->proxy))
      return -1;
    remaining = c->limit_s - (ap_mono_s() - c->t0);
    if(remaining <= 0.001) {
      ap_layer_fail(c->r, AP_LAYER_AUTH, AP_ERR_AUTH_UNEXPECTED,
                    "fetching credentials used the whole timeout");
      return -1;
    }
  }
  /* both families in the answer: connect to each beside the transfer */
  if(!c->proxy[0])
    c->fam_job = ap_family_start(&c->r->dns, c->port, budget);
  ap_transfer_setup(&c->x, c->resolve, c->proxy, remaining, budget);
  c->x.curl_start = ap_mono_s();
  c->transferring = 1;
  return 0;
}

/* After the transfer, what the path adds: a PMTU black hole behind a
 * stalled handshake, the route where packets stop (or always with
 * --trace), each within what is left of --timeout; total_s grows by it. */
static void path_after(struct ap_run *c)
{
  double t = ap_mono_s();
  double left = c->limit_s - (t - c->t0);
  int pport = 0;
  if(c->proxy[0] && ap_url_port(c->proxy, &pport))
    pport = 0;
  if(!c->proxy[0])
    ap_pmtu_after(c->r, c->host, c->t->connect_timeout_s, left);
  left = c->limit_s - (ap_mono_s() - c->t0);
  ap_route_after(c->r, c->t->trace, c->r->proxy.address, pport, c->port,
                 left);
  if(!isnan(c->r->total_s))
    c->r->total_s += ap_mono_s() - t;
}

/* The attempt's last judges (the other family, the path); the verdict
 * waits for the probe's end (finish). */
void ap_run_end(struct ap_run *c)
{
  if(!c)
    return;
  if(c->dns_started && c->dns_job) /* begun, never finished */
    ap_dns_finish(c->dns_job, c->host, 0, 0, &c->r->dns);
  curl_slist_free_all(c->resolve);
  if(c->fam_job) {
    /* the verdict waits for the other family's check (total_s says so) */
    double done = ap_family_finish(c->fam_job, &c->r->tcp);
    ap_family_judge(c->r);
    if(!isnan(c->r->total_s) && done - c->t0 > c->r->total_s)
      c->r->total_s = done - c->t0;
  }
  if(c->transferring)
    path_after(c);
  /* a transfer sets it when it ends (many probes end at different times) */
  if(isnan(c->r->total_s))
    c->r->total_s = ap_mono_s() - c->t0;
  ap_transfer_wipe(&c->x);
  free(c);
}

/* One attempt within LIMIT_S seconds. */
static enum ap_code attempt(struct ap_target *t, struct ap_result *r,
                            double limit_s)
{
  enum ap_code rc;
  struct ap_run *c = ap_run_begin(t, r, limit_s, &rc);
  if(c && !ap_run_ready(c))
    ap_run_complete(c, (CURLcode)ap_curl_perform(ap_transfer_easy(&c->x)));
  ap_run_end(c);
  return rc;
}

/* A uniform number in [0, 1) from OpenSSL's thread-safe generator. */
static double unit_random(void)
{
  unsigned int v = 0;
  if(RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
    return 0.5;
  return (double)v / 4294967296.0;
}

/* The status page's job for T, with the prober made if needed. */
struct ap_statuspage_job *ap_run_status_begin(struct ap_target *t)
{
  char err[AP_TEXT];
  if(!t->status_page)
    return NULL;
  if(!t->prober && ap_prober_new(t, &t->prober, err, sizeof(err)))
    return NULL;
  return ap_statuspage_start(t, ap_prober_status_easy(t->prober),
                         ap_prober_store(t->prober));
}

/* The end of every probe: the face's thresholds judge the metrics (the
 * last judge), the status page is folded in, every text of R is scrubbed
 * (scrub.c: the one place a probe's result is made safe to print, after
 * the last layer that can add text), and then the verdict is computed,
 * the one time it is: it copies the scrubbed reasons and the status
 * page's word. */
void ap_run_finish(struct ap_statuspage_job *job, struct ap_target *t,
                   struct ap_result *r)
{
  if(t->thresholds)
    ap_thresholds_judge(t->thresholds, r);
  if(job)
    ap_statuspage_finish(job, r);
  ap_result_scrub(r, t->key);
  ap_cloud_scrub(t->cloud, r);
  ap_verdict_compute(r);
}

/* Sleep DELAY seconds (through signals). */
static void pause_s(double delay)
{
  struct timespec ts;
  ts.tv_sec = (time_t)delay;
  ts.tv_nsec = (long)((delay - (double)ts.tv_sec) * 1e9);
  while(nanosleep(&ts, &ts) && errno == EINTR)
    ;
}

/* --retries: more attempts after the first (in R, started at T0) while
 * the outcome is transient and the timeout leaves room. */
enum ap_code ap_run_retries(struct ap_target *t, struct ap_result *r,
                               double t0, enum ap_code rc)
{
  struct ap_verdict first;
  int n = 1;
  ap_verdict_of(r, &first);
  while(rc == AP_OK && n <= t->retries && ap_retry_transient(r)) {
    double delay = ap_retry_delay(r, n - 1, unit_random());
    double left = t->timeout_s - (ap_mono_s() - t0) - delay;
    /* never past --timeout: a retry that cannot finish is not made */
    if(left < 0.05)
      break;
    pause_s(delay);
    rc = attempt(t, r, left);
    n++;
  }
  r->attempts = n;
  r->first_attempt = first;
  r->total_s = ap_mono_s() - t0;
  return rc;
}

/* The layers after auth, each n/a unless asked for: --model (free) and
 * --canary (tokens), on the probe's settings (model.c, inference.c). */
void ap_run_after_auth(struct ap_target *t, struct ap_result *r, double t0)
{
  /* within the same --timeout: a host's read or item stays bounded */
  double deadline = t0 + t->timeout_s;
  ap_model_run(t, r, deadline);
  ap_inference_run(t, r, deadline);
}

enum ap_code ap_probe_run(struct ap_target *t, struct ap_result *r)
{
  void *loc = ap_locale_c_enter(); /* numbers in reasons: '.' always */
  double t0 = ap_mono_s();
  struct ap_statuspage_job *sj = ap_run_status_begin(t);
  enum ap_code rc = attempt(t, r, t->timeout_s);
  if(t->retries)
    rc = ap_run_retries(t, r, t0, rc);
  ap_run_after_auth(t, r, t0);
  ap_run_finish(sj, t, r);
  ap_locale_leave(loc);
  return rc;
}

