/* collectd_cycle.c - an LD_PRELOAD shim that times the apiprobe plugin's
 * read cycles inside an unmodified collectd (bench/collectd.sh; not part of
 * the product, nothing is added to the plugin).
 *
 * The plugin's read callback starts each cycle with curl_multi_init() (the
 * first call of ap_probe_many) and ends its probe phase with
 * curl_multi_cleanup(); it then dispatches the values and returns, and the
 * read thread goes back to pthread_cond_(timed)wait for the next callback.
 * The shim interposes those calls and, per thread, writes one line per event
 * to the file named by APB_CYCLE_LOG:
 *
 *   P <cycle> <wall_ms> <cpu_ms> <tid> 0
 *        probe phase (multi init -> cleanup)
 *   C <cycle> <wall_ms> <cpu_ms> <tid> <heap_kb>
 *        whole read callback as far as the read thread is concerned: multi
 *        init -> the thread's next condition wait (so the dispatch of every
 *        value is included); heap_kb is what malloc has handed out and not
 *        got back, all arenas (mallinfo2 uordblks + hblkhd), at that moment
 *
 * cpu_ms is the read thread's own CPU time (CLOCK_THREAD_CPUTIME_ID); the
 * write threads' share of the dispatch is not in it.  Under callgrind,
 * APB_CG_ZERO=K zeroes the counters when cycle K starts and APB_CG_DUMP=M
 * dumps them when cycle M ends (client requests; no-ops natively), so the
 * dump holds exactly the instructions of cycles K..M, all threads.
 *
 *   cc -O2 -shared -fPIC -o collectd_cycle.so collectd_cycle.c -ldl
 *   LD_PRELOAD=./collectd_cycle.so APB_CYCLE_LOG=cycles.txt collectd -f ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_ZERO_STATS
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s)
#endif

typedef void CURLM;
typedef int CURLMcode;

static atomic_int cycles;
static __thread int open_cycle;   /* cycle number + 1 while one is open */
static __thread int probe_done;
static __thread double w0, c0;

static double clk(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int env_int(const char *name)
{
  const char *v = getenv(name);
  return v && *v ? atoi(v) : -1;
}

static void emit(char kind, int cycle, double wall, double cpu, long heap_kb)
{
  static int fd = -2;
  char line[128];
  int n;
  if(fd == -2) {
    const char *path = getenv("APB_CYCLE_LOG");
    fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)
              : -1;
  }
  if(fd < 0)
    return;
  n = snprintf(line, sizeof(line), "%c %d %.3f %.3f %ld %ld\n", kind, cycle,
               wall, cpu, (long)gettid(), heap_kb);
  if(write(fd, line, (size_t)n) != n) {
    /* a benchmark log: nothing to do about a short write */
  }
}

/* libcurl comes in with the plugin (dlopen'ed without RTLD_GLOBAL), so
 * RTLD_NEXT does not see it: look it up in the already loaded library. */
static void *curl_sym(const char *name)
{
  void *h = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_NOLOAD);
  void *f = h ? dlsym(h, name) : NULL;
  if(!f) {
    static const char msg[] = "collectd_cycle: libcurl.so.4 not loaded\n";
    if(write(2, msg, sizeof(msg) - 1) < 0) {
      /* nothing else to say */
    }
    abort();
  }
  return f;
}

CURLM *curl_multi_init(void);
CURLM *curl_multi_init(void)
{
  static CURLM *(*real)(void);
  int k;
  if(!real)
    *(void **)&real = curl_sym("curl_multi_init");
  k = atomic_fetch_add(&cycles, 1) + 1;
  if(k == env_int("APB_CG_ZERO"))
    CALLGRIND_ZERO_STATS;
  open_cycle = k;
  probe_done = 0;
  w0 = clk(CLOCK_MONOTONIC);
  c0 = clk(CLOCK_THREAD_CPUTIME_ID);
  return real();
}

CURLMcode curl_multi_cleanup(CURLM *m);
CURLMcode curl_multi_cleanup(CURLM *m)
{
  static CURLMcode (*real)(CURLM *);
  CURLMcode rc;
  if(!real)
    *(void **)&real = curl_sym("curl_multi_cleanup");
  rc = real(m);
  if(open_cycle && !probe_done) {
    probe_done = 1;
    emit('P', open_cycle, clk(CLOCK_MONOTONIC) - w0,
         clk(CLOCK_THREAD_CPUTIME_ID) - c0, 0);
  }
  return rc;
}

static void cycle_end(void)
{
  int k = open_cycle;
  double wall, cpu;
  struct mallinfo2 mi;
  if(!k || !probe_done)
    return;
  open_cycle = 0;
  wall = clk(CLOCK_MONOTONIC) - w0;
  cpu = clk(CLOCK_THREAD_CPUTIME_ID) - c0;
  mi = mallinfo2(); /* after the clocks: its arena locks are not timed */
  emit('C', k, wall, cpu, (long)((mi.uordblks + mi.hblkhd) / 1024));
  if(k == env_int("APB_CG_DUMP"))
    CALLGRIND_DUMP_STATS_AT("apiprobe cycles");
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
  static int (*real)(pthread_cond_t *, pthread_mutex_t *);
  if(!real)
    *(void **)&real = dlvsym(RTLD_NEXT, "pthread_cond_wait", "GLIBC_2.3.2");
  cycle_end();
  return real(c, m);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                           const struct timespec *t)
{
  static int (*real)(pthread_cond_t *, pthread_mutex_t *,
                     const struct timespec *);
  if(!real)
    *(void **)&real =
      dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
  cycle_end();
  return real(c, m, t);
}
