/* runner.h -- the stages of one probe, shared by runner.c (one target:
 * ap_probe_run) and many.c (many targets in one multi loop:
 * ap_probe_many). Private to plugin/.
 *
 *   ap_run_begin     result initialised, env judged, DNS lookup started
 *   ap_run_ready     DNS finished, addresses pinned, the transfer set up
 *   ap_run_complete  the transfer's facts read once, layers filled/judged
 *   ap_run_end       the attempt's last judges (other family, the path)
 *   ap_run_retries   --retries while the outcome is transient
 *   ap_run_after_auth  the model and inference layers
 *   ap_run_finish    thresholds, status page, scrub, the verdict (once)
 */
#ifndef AP_RUNNER_H
#define AP_RUNNER_H

#include "internal.h"

#include <curl/curl.h>

/* One attempt of one target under way; owned by the runner (begin
 * allocates, end frees). */
struct ap_run {
  int launched;                /* ap_probe_many: its transfer was set up */
  struct ap_target *t;
  struct ap_result *r;
  struct ap_transfer x;
  char host[AP_TEXT];
  int port;
  char proxy[AP_TEXT * 2];     /* proxy URL to use, "" none */
  struct curl_slist *resolve;  /* pinned addresses for libcurl */
  struct ap_dns_job *dns_job;  /* lookup under way (begin -> ready) */
  struct ap_family_job *fam_job; /* per-family connects (ready -> end) */
  int dns_started;
  int failed;                  /* could not probe: the result says why */
  int completed;
  int transferring;            /* the transfer was set up */
  double t0;                   /* mono, start of the probe */
  double limit_s;              /* this attempt's share of --timeout */
};

/* Begin a probe of T into R within LIMIT_S: a new context (NULL when out
 * of memory: R then says so), *PRC the could-not-probe code. */
struct ap_run *ap_run_begin(struct ap_target *t, struct ap_result *r,
                            double limit_s, enum ap_code *prc);
/* Finish DNS and set the transfer up. 0 when the transfer should run. */
int ap_run_ready(struct ap_run *c);
/* After the transfer ended with CODE: every layer's fill, then the
 * failure classified or the judges. */
void ap_run_complete(struct ap_run *c, CURLcode code);
/* The attempt's last judges; frees C (NULL accepted). */
void ap_run_end(struct ap_run *c);
/* --retries after the first attempt (begun at T0, ended with RC). */
enum ap_code ap_run_retries(struct ap_target *t, struct ap_result *r,
                            double t0, enum ap_code rc);
/* The layers after auth (--model, --canary) within T0 + --timeout. */
void ap_run_after_auth(struct ap_target *t, struct ap_result *r, double t0);
/* The status page's job for T (NULL: none asked, or it cannot start). */
struct ap_statuspage_job *ap_run_status_begin(struct ap_target *t);
/* The probe's end: thresholds, the status page (JOB, consumed), the
 * scrub, then the verdict, the one time it is computed. */
void ap_run_finish(struct ap_statuspage_job *job, struct ap_target *t,
                   struct ap_result *r);

#endif
