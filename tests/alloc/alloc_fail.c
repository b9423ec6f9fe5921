/* alloc_fail.c -- allocation failure along a whole config load and a
 * whole probe: for every n, the n-th allocation made after arming fails
 * (malloc, calloc, realloc, aligned forms; ours, libcurl's, OpenSSL's and
 * json-c's alike: this executable interposes glibc's allocator), and the
 * run must end without a crash, with a clean error or a complete result,
 * and with every allocation it made freed again (the live count returns
 * to where it was). It stops at the first n that no longer fails anything.
 *   alloc_fail config KEYFILE CAFILE
 *   alloc_fail probe  CAFILE PORT      (the fake API's "ok" scenario)
 */
#include "apiprobe.h"

#include <execinfo.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the allocator: glibc's, counted, with one failure on demand ---- */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
void *memalign(size_t al, size_t n); /* <malloc.h>, not included */

static atomic_long af_count;   /* allocations since arming */
static atomic_long af_fail_at; /* fail this one (0: never) */
static atomic_long af_failed;  /* how many were failed */
static atomic_long af_live;    /* allocations not yet freed */
static long af_trace;          /* AP_ALLOC_TRACE: only that n, traced */

/* AP_ALLOC_TRACE: each allocation of the traced run and where it was
 * made, so what is still live at its end can be shown (linear, slow:
 * for diagnosis only). */
#define AF_SITES 32768
struct af_site {
  void *p;
  void *bt[10];
  int n;
};
static struct af_site *af_sites;
static int af_tracking;

static void af_track(void *p)
{
  int i;
  if(!af_tracking || !p)
    return;
  for(i = 0; i < AF_SITES; i++) {
    if(!af_sites[i].p) {
      af_sites[i].p = p;
      af_tracking = 0; /* backtrace may allocate */
      af_sites[i].n = backtrace(af_sites[i].bt, 10);
      af_tracking = 1;
      return;
    }
  }
}

static void af_untrack(void *p)
{
  int i;
  if(!af_sites || !p)
    return;
  for(i = 0; i < AF_SITES; i++) {
    if(af_sites[i].p == p) {
      af_sites[i].p = NULL;
      return;
    }
  }
}

static void af_show_live(void)
{
  int i;
  af_tracking = 0;
  for(i = 0; i < AF_SITES; i++) {
    if(af_sites[i].p) {
      fprintf(stderr, "live after the run:\n");
      backtrace_symbols_fd(af_sites[i].bt, af_sites[i].n, 2);
    }
  }
}

static int af_should_fail(void)
{
  long n = atomic_fetch_add(&af_count, 1) + 1;
  if(n == atomic_load(&af_fail_at)) {
    atomic_fetch_add(&af_failed, 1);
    if(af_trace) { /* AP_ALLOC_TRACE=N: where the N-th one is made */
      void *bt[24];
      backtrace_symbols_fd(bt, backtrace(bt, 24), 2);
    }
    return 1;
  }
  return 0;
}

void *malloc(size_t n)
{
  void *p;
  if(af_should_fail())
    return NULL;
  p = __libc_malloc(n);
  if(p)
    atomic_fetch_add(&af_live, 1);
  af_track(p);
  return p;
}

void *calloc(size_t a, size_t b)
{
  void *p;
  if(af_should_fail())
    return NULL;
  p = __libc_calloc(a, b);
  if(p)
    atomic_fetch_add(&af_live, 1);
  af_track(p);
  return p;
}

void *realloc(void *old, size_t n)
{
  void *p;
  if(old && n == 0) {
    atomic_fetch_sub(&af_live, 1);
    return __libc_realloc(old, 0);
  }
  if(af_should_fail())
    return NULL;
  p = __libc_realloc(old, n);
  if(p && !old)
    atomic_fetch_add(&af_live, 1);
  if(p) {
    af_untrack(old);
    af_track(p);
  }
  return p;
}

void free(void *p)
{
  if(p)
    atomic_fetch_sub(&af_live, 1);
  af_untrack(p);
  __libc_free(p);
}

void *memalign(size_t al, size_t n)
{
  void *p;
  if(af_should_fail())
    return NULL;
  p = __libc_memalign(al, n);
  if(p)
    atomic_fetch_add(&af_live, 1);
  af_track(p);
  return p;
}

void *aligned_alloc(size_t al, size_t n)
{
  return memalign(al, n);
}

int posix_memalign(void **pp, size_t al, size_t n)
{
  void *p = memalign(al, n);
  if(!p)
    return 12; /* ENOMEM */
  *pp = p;
  return 0;
}

static void af_arm(long fail_at)
{
  atomic_store(&af_count, 0);
  atomic_store(&af_failed, 0);
  atomic_store(&af_fail_at, fail_at);
}

static void af_disarm(void)
{
  atomic_store(&af_fail_at, 0);
}

/* ---- the two runs ------------------------------------------------------ */

/* A config load: every kind of option, then finish (key file, CA file). */
static int run_config(const char *keyfile, const char *cafile, char *why,
                      size_t whylen)
{
  static const char *const opts[][2] = {
    {"url", "https://api.test:8443/v1/models?limit=1"},
    {"name", "alloc"},
    {"timeout", "2.5"},
    {"connect-timeout", "1"},
    {"resolve", "api.test:8443:127.0.0.1,::1"},
    {"proxy", "http://user:pw@proxy.test:3128"},
    {"noproxy", "localhost,.internal"},
    {"status-page", "https://status.test/api/v2/summary.json"},
    {"cert-warn-days", "30"},
    {"model", "claude-x"},
    {"key-file", NULL},
    {"ca-file", NULL},
  };
  struct ap_target t;
  char err[512];
  size_t i;
  enum ap_code rc = AP_OK;
  ap_target_init(&t);
  for(i = 0; i < sizeof(opts) / sizeof(opts[0]) && !rc; i++) {
    const char *v = opts[i][1] ? opts[i][1]
                    : !strcmp(opts[i][0], "key-file") ? keyfile : cafile;
    err[0] = '\0';
    rc = ap_target_set(&t, opts[i][0], v, err, sizeof(err));
  }
  if(!rc)
    rc = ap_target_finish(&t, err, sizeof(err));
  if(rc && !err[0])
    snprintf(why, whylen, "error %s without a message", ap_code_name(rc));
  ap_target_free(&t);
  return rc ? 1 : 0;
}

/* A whole probe of the fake's "ok" scenario (pinned address: no resolver
 * thread outlives the run), the prober made and freed inside the run. */
static int run_probe(const char *cafile, const char *port, char *why,
                     size_t whylen)
{
  struct ap_target t;
  struct ap_result r;
  char err[512], url[128], pin[128];
  enum ap_code rc;
  snprintf(url, sizeof(url), "https://api.test:%s/v1/models", port);
  snprintf(pin, sizeof(pin), "api.test:%s:127.0.0.1", port);
  ap_target_init(&t);
  if(ap_target_set(&t, "url", url, err, sizeof(err)) ||
     ap_target_set(&t, "resolve", pin, err, sizeof(err)) ||
     ap_target_set(&t, "ca-file", cafile, err, sizeof(err)) ||
     ap_target_set(&t, "timeout", "5", err, sizeof(err)) ||
     ap_target_finish(&t, err, sizeof(err))) {
    ap_target_free(&t);
    return 1; /* a clean configuration error */
  }
  memset(&r, 0xa5, sizeof(r));
  rc = ap_probe_run(&t, &r);
  if((unsigned)r.verdict.state > (unsigned)AP_STATE_NA ||
     !memchr(r.verdict.reason, '\0', sizeof(r.verdict.reason)))
    snprintf(why, whylen, "no complete verdict (rc %s)", ap_code_name(rc));
  ap_target_free(&t);
  return rc == AP_OK && r.verdict.state == AP_STATE_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
  long n, warm;
  int probe;
  if(argc != 4 || (strcmp(argv[1], "config") && strcmp(argv[1], "probe"))) {
    fprintf(stderr, "usage: alloc_fail config KEYFILE CAFILE | probe CAFILE "
                    "PORT\n");
    return 2;
  }
  probe = !strcmp(argv[1], "probe");
  if(ap_global_init() != AP_OK)
    return 1;
  /* warm up twice: one-time allocations (OpenSSL's per-thread state,
   * the C locale) are made before the live count is taken */
  for(n = 0; n < 2; n++) {
    char why[256] = "";
    int failed = probe ? run_probe(argv[2], argv[3], why, sizeof(why))
                       : run_config(argv[2], argv[3], why, sizeof(why));
    if(failed || why[0]) {
      fprintf(stderr, "alloc_fail: the %s run fails without injected "
                      "failures: %s\n", argv[1], why);
      return 1;
    }
  }
  warm = atomic_load(&af_count);
  (void)warm;
  if(getenv("AP_ALLOC_TRACE"))
    af_trace = atol(getenv("AP_ALLOC_TRACE"));
  for(n = af_trace ? af_trace : 1;; n++) {
    char why[256] = "";
    long before, after, failed_n;
    /* OpenSSL keeps per-thread state (the error ring of 16 entries with
     * their text buffers, random generators) for the thread's life:
     * released before and after each run, so only the run's own
     * allocations are compared */
    OPENSSL_thread_stop();
    before = atomic_load(&af_live);
    if(af_trace) {
      void *bt[4];
      backtrace(bt, 4); /* loads the unwinder (its allocations stay) */
      before = atomic_load(&af_live);
      af_sites = __libc_calloc(AF_SITES, sizeof(*af_sites));
      af_tracking = af_sites != NULL;
    }
    af_arm(n);
    if(probe)
      run_probe(argv[2], argv[3], why, sizeof(why));
    else
      run_config(argv[2], argv[3], why, sizeof(why));
    af_disarm();
    OPENSSL_thread_stop();
    failed_n = atomic_load(&af_failed);
    after = atomic_load(&af_live);
    if(why[0]) {
      fprintf(stderr, "alloc_fail %s: allocation %ld failed: %s\n", argv[1],
              n, why);
      return 1;
    }
    if(af_trace)
      af_show_live();
    if(after != before) {
      fprintf(stderr, "alloc_fail %s: allocation %ld failed: %ld "
                      "allocation(s) leaked\n",
              argv[1], n, after - before);
      return 1;
    }
    if(!failed_n)
      break; /* past the run's last allocation */
  }
  ap_global_cleanup();
  printf("alloc_fail %s: %ld allocations, each failed once: no crash, no "
         "leak, a clean error every time\n",
         argv[1], n - 1);
  return 0;
}
