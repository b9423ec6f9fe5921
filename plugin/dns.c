/* dns.c -- the dns layer: one fresh getaddrinfo() per probe, run on a
 * helper thread so the probe can stop waiting at its timeout (a resolver
 * that never answers must not hold the probe). The job is reference
 * counted: whoever finishes last (waiter or resolver thread) frees it.
 *
 * glibc folds SERVFAIL, REFUSED and "no answer" into one EAI_AGAIN. When a
 * lookup fails that way, the same thread asks the configured servers once
 * more itself (res_nsend) to read the answer's rcode, so each has its own
 * error name.
 */
#include "internal.h"
#include "strutil.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <pthread.h>
#include <stdatomic.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct dns_job {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int refs; /* 2 while both sides hold it */
  int done;
  int rc;
  int rcode;    /* AP_RCODE_* or the diagnostic answer's rcode */
  char server[48]; /* the nameserver asked by the diagnostic query */
  int family;
  struct addrinfo *res;
  pthread_t tid;
  int started;  /* a thread runs the lookup */
  double t0;    /* monotonic start */
  char host[AP_TEXT];
};

/* Lookup threads alive in this process, stuck ones included: a resolver
 * that never answers leaves each lookup's thread behind (detached), so
 * they are bounded; past the bound a lookup fails at once instead of
 * piling up another thread. Process-wide by nature (the resolver is). */
#define DNS_THREADS_MAX 32
static atomic_int dns_threads;

static void job_release(struct dns_job *j)
{
  int last;
  pthread_mutex_lock(&j->mu);
  last = --j->refs == 0;
  pthread_mutex_unlock(&j->mu);
  if(!last)
    return;
  if(j->res)
    freeaddrinfo(j->res);
  pthread_cond_destroy(&j->cv);
  pthread_mutex_destroy(&j->mu);
  free(j);
}

static int lookup(const char *host, int family, struct addrinfo **pres)
{
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family == 4   ? AF_INET
                    : family == 6 ? AF_INET6
                                  : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  return getaddrinfo(host, NULL, &hints, pres);
}

/* A name that exists but lacks the wanted family answers EAI_NONAME from
 * /etc/hosts: ask once more for any family to tell no_address from
 * nxdomain. */
static int family_check(const char *host, int family, int rc)
{
  struct addrinfo *any = NULL;
  if(rc != EAI_NONAME || !family)
    return rc;
  if(lookup(host, 0, &any) == 0) {
    freeaddrinfo(any);
#ifdef EAI_NODATA
    return EAI_NODATA;
#else
    return EAI_ADDRFAMILY;
#endif
  }
  return rc;
}

/* After a failed lookup that took ELAPSED_S: the rcode the resolver's
 * servers answer for HOST, AP_RCODE_SILENT when none answers. Our own
 * resolver state (res_ninit), so threads do not share one. */
/* The first nameserver of ST as text into OUT ("" when none). */
static void first_server(const struct __res_state *st, char *out, size_t n)
{
  out[0] = '\0';
  if(st->nscount < 1)
    return;
  if(st->nsaddr_list[0].sin_family == AF_INET)
    inet_ntop(AF_INET, &st->nsaddr_list[0].sin_addr, out, (socklen_t)n);
  else if(st->_u._ext.nsaddrs[0] &&
          st->_u._ext.nsaddrs[0]->sin6_family == AF_INET6)
    inet_ntop(AF_INET6, &st->_u._ext.nsaddrs[0]->sin6_addr, out,
              (socklen_t)n);
}

static int rcode_probe(const char *host, int family, double elapsed_s,
                       char *server, size_t serverlen)
{
  struct __res_state st;
  unsigned char q[512], a[512];
  int qlen, alen, rcode = AP_RCODE_NONE;

  memset(&st, 0, sizeof(st));
  if(res_ninit(&st))
    return AP_RCODE_NONE;
  first_server(&st, server, serverlen);
  /* the lookup already waited a whole server timeout: nobody answered */
  if(elapsed_s >= 0.9 * st.retrans) {
    res_nclose(&st);
    return AP_RCODE_SILENT;
  }
  st.retry = 1;
  /* glibc's hook for dig: hand back a SERVFAIL/REFUSED answer instead of
   * trying the next server and failing without it */
  st.pfcode = RES_PRF_HEAD1;
  qlen = res_nmkquery(&st, ns_o_query, host, ns_c_in,
                      family == 6 ? ns_t_aaaa : ns_t_a, NULL, 0, NULL, q,
                      sizeof(q));
  if(qlen > 0) {
    alen = res_nsend(&st, q, qlen, a, sizeof(a));
    if(alen >= NS_HFIXEDSZ)
      rcode = ap_dns_answer_rcode(a, (size_t)alen);
    else if(errno == ETIMEDOUT)
      rcode = AP_RCODE_SILENT;
    else if(errno == ECONNREFUSED) /* glibc: no server got the query */
      rcode = AP_RCODE_UNREACH;
  }
  res_nclose(&st);
  return rcode;
}

int ap_dns_answer_rcode(const unsigned char *a, size_t alen)
{
  if(!a || alen < NS_HFIXEDSZ || !(a[2] & 0x80))
    return AP_RCODE_SILENT; /* too short, or a query, not an answer */
  return a[3] & 0x0f;
}

const char *ap_dns_rcode_name(int rcode)
{
  static const char *const names[16] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
    "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "RCODE11",
    "RCODE12", "RCODE13", "RCODE14", "RCODE15"};
  return rcode >= 0 && rcode < 16 ? names[rcode] : "?";
}

static void *job_thread(void *arg)
{
  struct dns_job *j = arg;
  struct addrinfo *res = NULL;
  double t0 = ap_mono_s();
  int rc = lookup(j->host, j->family, &res);
  int rcode = AP_RCODE_NONE;
  char server[48] = "";
  rc = family_check(j->host, j->family, rc);
  if(rc == EAI_AGAIN || rc == EAI_FAIL)
    rcode = rcode_probe(j->host, j->family, ap_mono_s() - t0, server,
                        sizeof(server));
  pthread_mutex_lock(&j->mu);
  j->rcode = rcode;
  memcpy(j->server, server, sizeof(j->server));
  j->rc = rc;
  j->res = res;
  j->done = 1;
  pthread_cond_signal(&j->cv);
  pthread_mutex_unlock(&j->mu);
  job_release(j);
  atomic_fetch_sub(&dns_threads, 1);
  return NULL;
}

enum ap_error ap_dns_classify(int gai_rc, int timed_out, double elapsed_s,
                              int rcode)
{
  if(timed_out)
    return AP_ERR_DNS_TIMEOUT;
  if(gai_rc == EAI_AGAIN || gai_rc == EAI_FAIL) {
    switch(rcode) {
    case AP_RCODE_SILENT:
      return AP_ERR_DNS_TIMEOUT;
    case ns_r_servfail:
      return AP_ERR_DNS_SERVFAIL;
    case ns_r_refused:
      return AP_ERR_DNS_REFUSED;
    case AP_RCODE_UNREACH:
      return AP_ERR_DNS_UNREACHABLE;
    default:
      break;
    }
  }
  switch(gai_rc) {
  case 0:
    return AP_ERR_NONE;
  case EAI_NONAME:
    return AP_ERR_DNS_NXDOMAIN;
#ifdef EAI_NODATA
  case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
  case EAI_ADDRFAMILY:
#endif
    return AP_ERR_DNS_NO_ADDRESS;
  case EAI_AGAIN:
    /* glibc answers EAI_AGAIN both for SERVFAIL/REFUSED and after every
     * server timed out (5 s each by default): a long wait means the
     * resolver never answered. */
    return elapsed_s >= 4.5 ? AP_ERR_DNS_TIMEOUT : AP_ERR_DNS_TEMPORARY;
  case EAI_FAIL:
    return AP_ERR_DNS_TEMPORARY;
  default:
    return AP_ERR_DNS_FAILED;
  }
}

void ap_dns_fill_addresses(struct ap_dns_result *dns,
                           const struct addrinfo *res)
{
  const struct addrinfo *ai;
  for(ai = res; ai && dns->address_count < AP_ADDR_MAX; ai = ai->ai_next) {
    char buf[48];
    const void *src;
    int i, dup = 0;
    if(ai->ai_family == AF_INET)
      src = &((const struct sockaddr_in *)(const void *)ai->ai_addr)
                 ->sin_addr;
    else if(ai->ai_family == AF_INET6)
      src = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)
                 ->sin6_addr;
    else
      continue;
    if(!inet_ntop(ai->ai_family, src, buf, sizeof(buf)))
      continue;
    for(i = 0; i < dns->address_count; i++)
      dup |= !strcmp(dns->addresses[i], buf);
    if(dup)
      continue;
    ap_strlcpy(dns->addresses[dns->address_count++], buf, sizeof(buf));
    if(ai->ai_family == AF_INET)
      dns->a_count++;
    else
      dns->aaaa_count++;
  }
}

/* CLOCK_MONOTONIC time T0 + TIMEOUT_S as a timespec. */
static void deadline_ts(double t0, double timeout_s, struct timespec *ts)
{
  double at = t0 + timeout_s;
  ts->tv_sec = (time_t)at;
  ts->tv_nsec = (long)((at - (double)ts->tv_sec) * 1e9);
  if(ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

struct ap_dns_job *ap_dns_start(const char *host, int family)
{
  struct dns_job *j = calloc(1, sizeof(*j));
  pthread_attr_t attr;
  pthread_condattr_t ca;
  if(!j)
    return NULL;
  ap_strlcpy(j->host, host, sizeof(j->host));
  j->family = family;
  j->t0 = ap_mono_s();
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&j->cv, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&j->mu, NULL);
  j->refs = 2;
  if(atomic_fetch_add(&dns_threads, 1) >= DNS_THREADS_MAX) {
    /* the resolver holds DNS_THREADS_MAX lookups already: fail this one
     * now (a timeout) rather than add a thread that would stick too */
    atomic_fetch_sub(&dns_threads, 1);
    j->refs = 1;
    j->rc = EAI_AGAIN;
    j->rcode = AP_RCODE_SILENT;
    j->done = 1;
    return (struct ap_dns_job *)j;
  }
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  j->started = !pthread_create(&j->tid, &attr, job_thread, j);
  pthread_attr_destroy(&attr);
  if(!j->started)
    atomic_fetch_sub(&dns_threads, 1);
  if(!j->started) {
    /* no thread: resolve here, unbounded but correct */
    j->refs = 1;
    j->rc = family_check(j->host, j->family,
                         lookup(j->host, j->family, &j->res));
    j->rcode = j->rc == EAI_AGAIN || j->rc == EAI_FAIL
                 ? rcode_probe(j->host, j->family, ap_mono_s() - j->t0,
                               j->server, sizeof(j->server))
                 : AP_RCODE_NONE;
    j->done = 1;
  }
  return (struct ap_dns_job *)j;
}

/* Wait for J until its start + TIMEOUT_S. Returns 1 on timeout; on success
 * the job's result moves to the caller through *PRES. Consumes J. */
static int job_wait(struct dns_job *j, double timeout_s,
                    struct addrinfo **pres, int *prc, int *prcode,
                    char *server, size_t serverlen)
{
  struct timespec until;
  int timed_out = 0;
  int started = j->started;
  pthread_t tid = j->tid;

  deadline_ts(j->t0, timeout_s, &until);
  pthread_mutex_lock(&j->mu);
  while(!j->done) {
    if(pthread_cond_timedwait(&j->cv, &j->mu, &until) == ETIMEDOUT) {
      timed_out = !j->done;
      break;
    }
  }
  if(!timed_out) {
    *pres = j->res;
    *prc = j->rc;
    *prcode = j->rcode;
    ap_strlcpy(server, j->server, serverlen);
    j->res = NULL;
  }
  pthread_mutex_unlock(&j->mu);
  job_release(j);
  /* a finished resolver thread is joined (nothing outlives the probe); a
   * stuck one is detached and frees the job itself when getaddrinfo
   * returns */
  if(started && !timed_out)
    pthread_join(tid, NULL);
  else if(started)
    pthread_detach(tid);
  return timed_out;
}

int ap_dns_job_done(struct ap_dns_job *job)
{
  struct dns_job *j = (struct dns_job *)job;
  int done;
  if(!j)
    return 1;
  pthread_mutex_lock(&j->mu);
  done = j->done;
  pthread_mutex_unlock(&j->mu);
  return done;
}

/* The failed lookup's error E and reason into DNS. */
static void lookup_reason(struct ap_dns_result *dns, enum ap_error e,
                          const char *host, int family, double elapsed,
                          int rc)
{
  char reason[AP_TEXT];
  if(e == AP_ERR_DNS_TIMEOUT)
    snprintf(reason, sizeof(reason), "no answer resolving %s within %.1f s",
             host, elapsed);
  else if(e == AP_ERR_DNS_NO_ADDRESS)
    snprintf(reason, sizeof(reason), "%s has no %s address", host,
             family == 4   ? "IPv4"
             : family == 6 ? "IPv6"
                           : "IPv4 or IPv6");
  else if(e == AP_ERR_DNS_SERVFAIL || e == AP_ERR_DNS_REFUSED)
    snprintf(reason, sizeof(reason), "the DNS server %s answered %s for %s",
             dns->server, dns->rcode, host);
  else if(e == AP_ERR_DNS_UNREACHABLE)
    snprintf(reason, sizeof(reason),
             "no DNS server takes queries (first: %s) resolving %s",
             dns->server[0] ? dns->server : "none configured", host);
  else
    snprintf(reason, sizeof(reason), "resolving %s: %s", host,
             gai_strerror(rc));
  ap_head_set(&dns->h, ap_error_state(e), e, reason);
}

int ap_dns_finish(struct ap_dns_job *job, const char *host, int family,
                  double timeout_s, struct ap_dns_result *dns)
{
  struct dns_job *j = (struct dns_job *)job;
  struct addrinfo *res = NULL;
  int rc = EAI_MEMORY;
  int rcode = AP_RCODE_NONE;
  int timed_out = 0;
  double t0 = j ? j->t0 : ap_mono_s();
  double elapsed;
  enum ap_error e;

  ap_strlcpy(dns->host, host, sizeof(dns->host));
  ap_strlcpy(dns->source, "resolver", sizeof(dns->source));
  if(j)
    timed_out = job_wait(j, timeout_s, &res, &rc, &rcode, dns->server,
                         sizeof(dns->server));
  elapsed = ap_mono_s() - t0;
  dns->h.time_s = elapsed;
  e = ap_dns_classify(rc, timed_out, elapsed, rcode);
  if(!timed_out && rcode != AP_RCODE_NONE)
    ap_strlcpy(dns->rcode,
               rcode == AP_RCODE_SILENT    ? "none"
               : rcode == AP_RCODE_UNREACH ? "unreachable"
               : rcode >= 0 && rcode < 16  ? ap_dns_rcode_name(rcode)
                                           : "?",
               sizeof(dns->rcode));
  if(e == AP_ERR_NONE) {
    ap_dns_fill_addresses(dns, res);
    if(!dns->address_count)
      e = AP_ERR_DNS_NO_ADDRESS;
  }
  if(res)
    freeaddrinfo(res);
  if(e != AP_ERR_NONE) {
    lookup_reason(dns, e, host, family, elapsed, rc);
    return -1;
  }
  ap_head_set(&dns->h, AP_STATE_OK, dns->h.error, NULL);
  return 0;
}

int ap_dns_resolve(const char *host, int family, double timeout_s,
                   struct ap_dns_result *dns)
{
  return ap_dns_finish(ap_dns_start(host, family), host, family, timeout_s,
                       dns);
}
