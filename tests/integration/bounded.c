/* bounded.c -- every name goes through the bounded lookup and the probe
 * ends within --timeout, with a resolver that never answers for
 * *.slow.test (slowdns.so preloaded) -- issue 13, defect 2:
 *   status   a status page on a slow name: the probe still ends in time
 *   proxy    a proxy on a slow name: proxy resolve timeout, in time
 *   many     ap_probe_many of a slow name and a healthy target: the
 *            healthy one's transfer starts at once (its total well under
 *            the other's lookup)
 *   bounded CA_FILE PORT
 * PORT is the fake API's "ok" scenario. Exits 0 when all hold.
 */
#include "apiprobe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIMIT 2.0

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int target(struct ap_target *t, const char *url, const char *ca,
                  const char *port, const char *opt, const char *val)
{
  char err[512], pin[128];
  ap_target_init(t);
  snprintf(pin, sizeof(pin), "api.test:%s:127.0.0.1", port);
  if(ap_target_set(t, "url", url, err, sizeof(err)) ||
     ap_target_set(t, "ca-file", ca, err, sizeof(err)) ||
     ap_target_set(t, "timeout", "2", err, sizeof(err)) ||
     (strstr(url, "api.test") &&
      ap_target_set(t, "resolve", pin, err, sizeof(err))) ||
     (opt && ap_target_set(t, opt, val, err, sizeof(err))) ||
     ap_target_finish(t, err, sizeof(err))) {
    fprintf(stderr, "setup: %s\n", err);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  struct ap_target t, u;
  struct ap_result r, rs[2];
  struct ap_target *ts[2];
  char url[128];
  double t0, el;
  int bad = 0;
  if(argc != 3 || ap_global_init())
    return 2;
  snprintf(url, sizeof(url), "https://api.test:%s/v1/models", argv[2]);

  if(target(&t, url, argv[1], argv[2], "status-page",
            "https://status.slow.test/api/v2/summary.json"))
    return 2;
  t0 = now();
  ap_probe_run(&t, &r);
  el = now() - t0;
  printf("status: %.2f s (limit %.1f), verdict %s, status page: %s\n", el,
         LIMIT, ap_error_name(r.verdict.error), r.status_page.reason);
  bad |= el > LIMIT + 0.5;
  ap_target_free(&t);

  if(target(&t, url, argv[1], argv[2], "proxy",
            "http://proxy.slow.test:3128"))
    return 2;
  t0 = now();
  ap_probe_run(&t, &r);
  el = now() - t0;
  printf("proxy: %.2f s, verdict %s/%s: %s\n", el,
         ap_layer_name(r.verdict.layer), ap_error_name(r.verdict.error),
         r.verdict.reason);
  bad |= el > LIMIT + 0.5 || r.verdict.layer != AP_LAYER_PROXY ||
         (r.verdict.error != AP_ERR_PROXY_RESOLVE &&
          r.verdict.error != AP_ERR_PROXY_TIMEOUT);
  ap_target_free(&t);

  if(target(&t, "https://api.slow.test/v1/models", argv[1], argv[2], NULL,
            NULL) ||
     target(&u, url, argv[1], argv[2], NULL, NULL))
    return 2;
  ts[0] = &t;
  ts[1] = &u;
  t0 = now();
  ap_probe_many(ts, 2, rs);
  el = now() - t0;
  printf("many: %.2f s; slow: %s; healthy: %s, total %.2f s\n", el,
         ap_error_name(rs[0].verdict.error),
         ap_error_name(rs[1].verdict.error), rs[1].total_s);
  bad |= el > LIMIT + 0.5 || rs[1].verdict.error != AP_ERR_NONE ||
         rs[1].total_s > 1.0;
  ap_target_free(&t);
  ap_target_free(&u);
  /* 40 lookups of a name that never answers: their threads stay behind,
   * at most 32 of them (dns.c), never one per probe */
  {
    int k, thr = 0;
    char line[128];
    FILE *f;
    if(target(&t, "https://api.slow.test/v1/models", argv[1], argv[2],
              "timeout", "0.1"))
      return 2;
    for(k = 0; k < 40; k++)
      ap_probe_run(&t, &r);
    ap_target_free(&t);
    f = fopen("/proc/self/status", "r");
    while(f && fgets(line, sizeof(line), f)) {
      if(!strncmp(line, "Threads:", 8))
        thr = atoi(line + 8);
    }
    if(f)
      fclose(f);
    printf("stuck lookups: 40 probes of a silent name leave %d threads\n",
           thr);
    bad |= thr > 32 + 4 + 1;
  }
  ap_global_cleanup();
  printf("%s\n", bad ? "FAIL" : "ok");
  return bad;
}
