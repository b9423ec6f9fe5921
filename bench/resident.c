/* resident.c -- ap_resident, the benchmark's in-process driver: the core
 * used the way a resident host (collectd read callback, Zabbix loadable
 * module) uses it. One ap_global_init(), one target configured once through
 * the option table, then N probes of that same target in one process.
 *
 *   ap_resident [-n N] [-m] [-x] [NAME=VALUE | FLAG] ...
 *
 * NAME is a core option ("url", "ca-file", "resolve", "key-env" ...; see
 * apiprobe --help); a bare NAME sets a flag ("insecure"). Repeatable
 * options (resolve) may be given more than once.
 *   -n N  probes to run (default 1)
 *   -m    print VmRSS (kB, from /proc/self/status) after probe 1, after
 *         probe N, and after probes 2, 5, 10, 20, 50, 100 ... in between
 *         (to tell warm-up from steady growth), with what malloc counts
 *         as in use: "rss probe=I vmrss_kb=K malloc_kb=H"
 *   -x    leave right after the probes (_exit) without freeing anything, so
 *         valgrind's "still reachable" is the live heap after N probes:
 *         compare two N to see whether anything accumulates per probe
 * Exit: 0 when every probe's verdict is ok; 2 when any is not (the first
 * such verdict is printed on stderr); 3 on bad usage or setup failure.
 * Prints nothing else on success, so callgrind and runbench measure the
 * probes, not the output.
 */
#include "apiprobe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static void usage(FILE *f)
{
  fprintf(f, "usage: ap_resident [-n N] [-m] [-x] NAME=VALUE ...\n"
             "  e.g. ap_resident -n 101 url=https://api.test:8443/v1/models "
             "ca-file=ca.pem resolve=api.test:8443:127.0.0.1\n");
}

/* VmRSS of this process in kB, -1 when /proc is unreadable. */
static long vmrss_kb(void)
{
  char line[256];
  long kb = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if(!f)
    return -1;
  while(fgets(line, sizeof(line), f)) {
    if(!strncmp(line, "VmRSS:", 6)) {
      kb = strtol(line + 6, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kb;
}

/* What glibc malloc counts as in use, in kB (all arenas + mmapped chunks);
 * -1 elsewhere. It includes chunks parked in the per-thread caches and
 * chunk overhead, so it follows the allocator's footprint (what RSS
 * follows), not only live blocks: for those use -x under valgrind. */
static long malloc_kb(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  struct mallinfo2 mi = mallinfo2();
  return (long)((mi.uordblks + mi.hblkhd) / 1024);
#else
  return -1;
#endif
}

/* 1, 2, 5, 10, 20, 50, 100 ...: where -m reports besides the last probe */
static int checkpoint(long i)
{
  while(i >= 10 && i % 10 == 0)
    i /= 10;
  return i == 1 || i == 2 || i == 5;
}

static int set_option(struct ap_target *t, const char *arg)
{
  char name[64];
  char err[512];
  const char *eq = strchr(arg, '=');
  const char *value = "";
  size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
  if(n == 0 || n >= sizeof(name)) {
    fprintf(stderr, "ap_resident: bad option '%s' (want NAME=VALUE)\n", arg);
    return -1;
  }
  memcpy(name, arg, n);
  name[n] = '\0';
  if(eq)
    value = eq + 1;
  else if(ap_option_is_flag(name) == 0) {
    fprintf(stderr, "ap_resident: option '%s' needs a value (%s=VALUE)\n",
            name, name);
    return -1;
  }
  if(ap_target_set(t, name, value, err, sizeof(err)) != AP_OK) {
    fprintf(stderr, "ap_resident: %s\n", err);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  struct ap_target t;
  static struct ap_result r; /* ~10 kB: keep it off the stack */
  char err[512];
  long n = 1, i, failed = 0;
  int memory = 0, no_cleanup = 0, c, rc = 3;
  char *end;

  while((c = getopt(argc, argv, "n:mxh")) != -1) {
    switch(c) {
    case 'n':
      errno = 0;
      n = strtol(optarg, &end, 10);
      if(errno || *end || n < 1) {
        fprintf(stderr, "ap_resident: -n wants a count >= 1\n");
        return 3;
      }
      break;
    case 'm':
      memory = 1;
      break;
    case 'x':
      no_cleanup = 1;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 3;
    }
  }

  if(ap_global_init() != AP_OK) {
    fprintf(stderr, "ap_resident: ap_global_init failed\n");
    return 3;
  }
  ap_target_init(&t);
  for(; optind < argc; optind++) {
    if(set_option(&t, argv[optind]))
      goto out;
  }
  if(ap_target_finish(&t, err, sizeof(err)) != AP_OK) {
    fprintf(stderr, "ap_resident: %s\n", err);
    goto out;
  }

  for(i = 1; i <= n; i++) {
    enum ap_code code = ap_probe_run(&t, &r);
    if(code != AP_OK || r.verdict.state != AP_STATE_OK) {
      if(!failed++)
        fprintf(stderr,
                "ap_resident: probe %ld: %s (code %s) at %s (%s): %s\n", i,
                ap_state_name(r.verdict.state), ap_code_name(code),
                ap_layer_name(r.verdict.layer),
                ap_error_name(r.verdict.error), r.verdict.reason);
    }
    if(memory && (i == n || checkpoint(i)))
      printf("rss probe=%ld vmrss_kb=%ld malloc_kb=%ld\n", i, vmrss_kb(),
             malloc_kb());
  }
  if(failed)
    fprintf(stderr, "ap_resident: %ld of %ld probes not ok\n", failed, n);
  rc = failed ? 2 : 0;
  if(no_cleanup) {
    fflush(stdout);
    _exit(rc);
  }
out:
  ap_target_free(&t);
  ap_global_cleanup();
  return rc;
}
