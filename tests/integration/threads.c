/* threads.c -- probes of different targets on different threads at once,
 * each target probed again and again (the resident form collectd and
 * zabbix_agentd run): every verdict must stay right, and the sanitizers
 * and valgrind must stay quiet.
 *   threads CA_FILE ROUNDS TIMEOUT SCENARIO=PORT=EXPECTED_ERROR...
 * Then the same targets once more, all at once through ap_probe_many()
 * (one libcurl multi loop), with the same expectations.
 * (EXPECTED_ERROR "none" for an ok verdict). Exits 0 when all verdicts
 * match.
 */
#include "apiprobe.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_T 16

struct job {
  struct ap_target t;
  const char *expect;
  int rounds;
  int failures;
};

static void *run(void *arg)
{
  struct job *j = arg;
  int i;
  for(i = 0; i < j->rounds; i++) {
    struct ap_result r;
    const char *got;
    if(ap_probe_run(&j->t, &r) != AP_OK) {
      j->failures++;
      continue;
    }
    got = r.verdict.error == AP_ERR_NONE ? "none"
                                         : ap_error_name(r.verdict.error);
    if(strcmp(got, j->expect)) {
      fprintf(stderr, "%s: expected %s, got %s (%s)\n", j->t.name, j->expect,
              got, r.verdict.reason);
      j->failures++;
    }
  }
  return NULL;
}

/* Every target at once, twice (the second round reuses the handles). */
static int run_many(struct job *jobs, int n)
{
  struct ap_target *ts[MAX_T];
  struct ap_result rs[MAX_T];
  int i, round, failures = 0;
  for(i = 0; i < n; i++)
    ts[i] = &jobs[i].t;
  for(round = 0; round < 2; round++) {
    ap_probe_many(ts, (size_t)n, rs);
    for(i = 0; i < n; i++) {
      const char *got = rs[i].verdict.error == AP_ERR_NONE
                          ? "none"
                          : ap_error_name(rs[i].verdict.error);
      if(strcmp(got, jobs[i].expect)) {
        fprintf(stderr, "many: %s: expected %s, got %s (%s)\n",
                jobs[i].t.name, jobs[i].expect, got, rs[i].verdict.reason);
        failures++;
      }
    }
  }
  return failures;
}

static int setup(struct job *j, const char *ca, const char *timeout,
                 const char *spec, int rounds)
{
  char buf[256], url[128], pin[128], err[256];
  char *scen, *port, *expect;
  snprintf(buf, sizeof(buf), "%s", spec);
  scen = strtok(buf, "=");
  port = strtok(NULL, "=");
  expect = strtok(NULL, "=");
  if(!scen || !port || !expect)
    return -1;
  ap_target_init(&j->t);
  j->rounds = rounds;
  j->expect = strrchr(spec, '=') + 1;
  snprintf(url, sizeof(url), "https://api.test:%s/", port);
  snprintf(pin, sizeof(pin), "api.test:%s:127.0.0.1", port);
  if(ap_target_set(&j->t, "url", url, err, sizeof(err)) ||
     ap_target_set(&j->t, "name", scen, err, sizeof(err)) ||
     ap_target_set(&j->t, "resolve", pin, err, sizeof(err)) ||
     ap_target_set(&j->t, "ca-file", ca, err, sizeof(err)) ||
     ap_target_set(&j->t, "timeout", timeout, err, sizeof(err)) ||
     ap_target_finish(&j->t, err, sizeof(err))) {
    fprintf(stderr, "%s: %s\n", spec, err);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  struct job jobs[MAX_T];
  pthread_t tids[MAX_T];
  int n = argc - 4;
  int i, failures = 0;
  long rounds;
  if(argc < 5 || n > MAX_T) {
    fprintf(stderr,
            "usage: threads CA ROUNDS TIMEOUT SCENARIO=PORT=ERROR...\n");
    return 2;
  }
  rounds = strtol(argv[2], NULL, 10);
  if(ap_global_init())
    return 2;
  memset(jobs, 0, sizeof(jobs));
  for(i = 0; i < n; i++) {
    if(setup(&jobs[i], argv[1], argv[3], argv[i + 4], (int)rounds))
      return 2;
  }
  for(i = 0; i < n; i++)
    pthread_create(&tids[i], NULL, run, &jobs[i]);
  for(i = 0; i < n; i++) {
    pthread_join(tids[i], NULL);
    failures += jobs[i].failures;
  }
  failures += run_many(jobs, n);
  for(i = 0; i < n; i++)
    ap_target_free(&jobs[i].t);
  ap_global_cleanup();
  printf("%d targets x %ld probes on %d threads: %d wrong verdicts\n", n,
         rounds, n, failures);
  return failures ? 1 : 0;
}
