/* many.c -- ap_probe_many: many targets probed at once, each through the
 * runner's stages (runner.h): every DNS lookup starts at once, each
 * transfer joins one libcurl multi loop as soon as its own lookup is done
 * (a slow name never holds the others back), then retries, the layers
 * after auth and the end of each probe, one target after the other.
 */
#include "runner.h"
#include "strutil.h"
#include "timeutil.h"

#include <stdlib.h>

/* Start the transfer of every context in CS whose lookup has ended (or
 * whose lookup budget is spent: finish then fails it at once), each once;
 * *PPENDING counts those not started yet. Returns how many were added to
 * MULTI. */
static size_t start_ready(CURLM *multi, struct ap_run **cs, size_t n,
                          size_t *ppending)
{
  size_t i, added = 0;
  double now = ap_mono_s();
  for(i = 0; i < n; i++) {
    struct ap_run *c = cs[i];
    double budget;
    void *easy;
    if(!c || c->launched)
      continue;
    budget = c->t->connect_timeout_s < c->limit_s ? c->t->connect_timeout_s
                                                   : c->limit_s;
    if(c->dns_started && !ap_dns_job_done(c->dns_job) &&
       now < c->t0 + budget)
      continue;
    c->launched = 1;
    (*ppending)--;
    if(ap_run_ready(c))
      continue;
    easy = ap_transfer_easy(&c->x);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, c);
    if(curl_multi_add_handle(multi, easy) == CURLM_OK) {
      added++;
    } else {
      ap_run_complete(c, CURLE_FAILED_INIT);
      c->completed = 1;
    }
  }
  return added;
}

/* Run the transfers of CS[0..N) in one multi loop; each starts as soon as
 * its own lookup is done, so a slow name never holds the others back. */
static void many_transfers(CURLM *multi, struct ap_run **cs, size_t n)
{
  size_t i, running = 0, pending = 0;
  int still = 0;
  for(i = 0; i < n; i++)
    pending += cs[i] != NULL;
  running += start_ready(multi, cs, n, &pending);
  while(running || pending) {
    CURLMsg *m;
    int left;
    if(curl_multi_perform(multi, &still) != CURLM_OK)
      break;
    while((m = curl_multi_info_read(multi, &left)) != NULL) {
      struct ap_run *c = NULL;
      if(m->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
      curl_multi_remove_handle(multi, m->easy_handle);
      running--;
      if(c) {
        ap_run_complete(c, m->data.result);
        c->completed = 1;
      }
    }
    if(pending)
      running += start_ready(multi, cs, n, &pending);
    if((running || pending) &&
       curl_multi_poll(multi, NULL, 0, pending ? 10 : 100, NULL) !=
         CURLM_OK)
      break;
  }
  for(i = 0; i < n; i++) {
    if(cs[i] && cs[i]->transferring && !cs[i]->completed) {
      /* the loop broke: never leave a handle in the multi */
      curl_multi_remove_handle(multi, ap_transfer_easy(&cs[i]->x));
      ap_run_complete(cs[i], CURLE_FAILED_INIT);
    }
  }
}

enum ap_code ap_probe_many(struct ap_target **targets, size_t n,
                           struct ap_result *results)
{
  struct ap_run **cs = calloc(n ? n : 1, sizeof(*cs));
  struct ap_statuspage_job **sj = calloc(n ? n : 1, sizeof(*sj));
  CURLM *multi = curl_multi_init();
  enum ap_code rc = AP_OK;
  size_t i;
  double t0 = ap_mono_s();
  void *loc;

  if(!cs || !multi || !sj) {
    free(cs);
    free(sj);
    if(multi)
      curl_multi_cleanup(multi);
    for(i = 0; i < n; i++) /* fall back to one at a time */
      ap_probe_run(targets[i], &results[i]);
    return AP_E_NOMEM;
  }
  loc = ap_locale_c_enter(); /* numbers in reasons: '.' always */
  for(i = 0; i < n; i++)
    sj[i] = ap_run_status_begin(targets[i]);
  for(i = 0; i < n; i++) {
    enum ap_code one;
    cs[i] = ap_run_begin(targets[i], &results[i], targets[i]->timeout_s, &one);
    if(one && !rc)
      rc = one;
  }
  many_transfers(multi, cs, n);
  for(i = 0; i < n; i++)
    ap_run_end(cs[i]);
  /* retries, one target after the other, each within its own timeout */
  for(i = 0; i < n; i++) {
    if(targets[i]->retries)
      ap_run_retries(targets[i], &results[i], t0, AP_OK);
    ap_run_after_auth(targets[i], &results[i], t0);
    ap_run_finish(sj[i], targets[i], &results[i]);
  }
  curl_multi_cleanup(multi);
  free(cs);
  free(sj);
  ap_locale_leave(loc);
  return rc;
}
