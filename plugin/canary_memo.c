/* canary_memo.c -- the canary's cost guard: a target's last canary run,
 * kept for --canary-interval so resident faces (collectd, Zabbix) that
 * probe again and again spend tokens at most once per interval. In a host
 * that forks its workers after init the slot lives in memory they share
 * (ap_canary_shared_new) behind a process-shared mutex, so one run serves
 * them all and two workers never send the same canary at once.
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A target's last canary run. In a host that forks its workers after
 * init, the slot sits in memory they share (ap_canary_shared_new), with a
 * process-shared mutex; otherwise in the memo itself, unlocked (one
 * thread probes a target at a time). */
struct ap_canary_slot {
  pthread_mutex_t mu;  /* used only when shared */
  int used;            /* res holds a run */
  double at;           /* mono time of that run (CLOCK_MONOTONIC is the
                          same in every process) */
  double claimed_at;   /* a process runs one since then, 0 none */
  struct ap_inference_result res;
};

struct ap_canary_memo {
  struct ap_canary_slot *slot; /* &own, or a shared slot (not owned) */
  int shared;
  struct ap_canary_slot own;
};

struct ap_canary_shared {
  size_t n;
  size_t bytes;                 /* of the whole mapping */
  struct ap_canary_slot slots[];
};

void ap_canary_memo_free(struct ap_canary_memo *m)
{
  free(m);
}

struct ap_canary_shared *ap_canary_shared_new(size_t n)
{
  size_t bytes = sizeof(struct ap_canary_shared) +
                 (n ? n : 1) * sizeof(struct ap_canary_slot);
  struct ap_canary_shared *s;
  pthread_mutexattr_t a;
  size_t i;
  void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if(m == MAP_FAILED)
    return NULL;
  s = m; /* zero-filled by mmap */
  s->n = n;
  s->bytes = bytes;
  if(pthread_mutexattr_init(&a)) {
    munmap(m, bytes);
    return NULL;
  }
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  for(i = 0; i < n; i++)
    pthread_mutex_init(&s->slots[i].mu, &a);
  pthread_mutexattr_destroy(&a);
  return s;
}

void ap_canary_shared_free(struct ap_canary_shared *s)
{
  size_t i;
  if(!s)
    return;
  for(i = 0; i < s->n; i++)
    pthread_mutex_destroy(&s->slots[i].mu);
  munmap(s, s->bytes);
}

enum ap_code ap_target_canary_share(struct ap_target *t,
                                    struct ap_canary_shared *s, size_t i)
{
  struct ap_canary_memo *m;
  if(!s || i >= s->n)
    return AP_E_ARG;
  m = t->canary_memo ? t->canary_memo : calloc(1, sizeof(*m));
  if(!m)
    return AP_E_NOMEM;
  m->slot = &s->slots[i];
  m->shared = 1;
  t->canary_memo = m;
  return AP_OK;
}

static void slot_lock(struct ap_canary_memo *m)
{
  if(m->shared)
    pthread_mutex_lock(&m->slot->mu);
}

static void slot_unlock(struct ap_canary_memo *m)
{
  if(m->shared)
    pthread_mutex_unlock(&m->slot->mu);
}

/* Within --canary-interval of the slot's run (or while another process
 * runs one): copy that result into IN, marked reused. 1 when reused;
 * else the slot is claimed for this run. Called locked. */
static int reuse(const struct ap_target *t, struct ap_canary_slot *s,
                 struct ap_inference_result *in, double now)
{
  int same = s->used && !strcmp(s->res.model, t->canary);
  int fresh = same && t->canary_interval_s > 0 &&
              now - s->at < t->canary_interval_s;
  int running = same && s->claimed_at > 0 &&
                now - s->claimed_at < t->timeout_s + 1;
  if(fresh || running) {
    *in = s->res;
    in->reused = 1;
    in->age_s = now - s->at;
    return 1;
  }
  s->claimed_at = now;
  return 0;
}

/* T's memo, made on first use (NULL when out of memory: no memo). */
static struct ap_canary_memo *memo_of(struct ap_target *t)
{
  if(!t->canary_memo) {
    t->canary_memo = calloc(1, sizeof(*t->canary_memo));
    if(t->canary_memo)
      t->canary_memo->slot = &t->canary_memo->own;
  }
  return t->canary_memo;
}

int ap_canary_memo_claim(struct ap_target *t, struct ap_inference_result *in,
                         double now)
{
  struct ap_canary_memo *m = memo_of(t);
  int reused;
  if(!m)
    return 0;
  slot_lock(m);
  reused = reuse(t, m->slot, in, now);
  slot_unlock(m);
  return reused;
}

void ap_canary_memo_keep(struct ap_target *t,
                         const struct ap_inference_result *in, double at)
{
  struct ap_canary_memo *m = t->canary_memo;
  if(!m)
    return;
  slot_lock(m);
  if(in) {
    m->slot->at = at;
    m->slot->res = *in;
    m->slot->used = 1;
  }
  m->slot->claimed_at = 0;
  slot_unlock(m);
}
