/* test_runner.c -- plugin/runner.c: the real initial result (what every
 * layer and measurement starts as), a target that was never finished
 * (unknown at env, nothing else reached), and a whole probe of a closed
 * port on 127.0.0.1 (literal address: dns given, tcp refused with its
 * reason, later layers skipped, one attempt), plus ap_probe_many giving
 * each target its own result, and the face's thresholds judged inside
 * the probe, before its one verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static void test_result_init(void **state)
{
  struct ap_result r;
  int i;
  (void)state;
  ap_result_init(&r, NULL);
  for(i = 0; i < AP_LAYER_COUNT; i++) {
    const struct ap_layer_head *h = ap_result_layer(&r, (enum ap_layer)i);
    assert_int_equal(h->state, i == AP_LAYER_PROXY ? AP_STATE_NA
                                                   : AP_STATE_SKIPPED);
    assert_int_equal(h->error, AP_ERR_NONE);
    assert_true(isnan(h->time_s));
  }
  assert_int_equal(r.attempts, 1);
  assert_true(isnan(r.total_s));
  assert_true(isnan(r.tls.cert_days_left));
  assert_true(isnan(r.auth.rl.tokens_remaining));
  assert_int_equal(r.auth.should_retry, -1);
  assert_int_equal(r.env.clock_synced, -1);
  assert_int_equal(r.env.keepalive_probes, -1);
  /* every metric row reads "not measured" from a blank result (a probe
   * cut short, Nagios's timeout line): none reads a 0 it never measured */
  for(i = 0; ap_metric_get((size_t)i); i++) {
    double v = ap_metric_value(&r, (size_t)i);
    if(!isnan(v) && strcmp(ap_metric_get((size_t)i)->name, "up"))
      fail_msg("metric %s reads %g from a blank result",
               ap_metric_get((size_t)i)->name, v);
  }
}

static void test_unfinished(void **state)
{
  struct ap_target t;
  struct ap_result r;
  (void)state;
  ap_target_init(&t);
  assert_int_equal(ap_probe_run(&t, &r), AP_E_CONFIG);
  assert_int_equal(r.env.h.state, AP_STATE_UNKNOWN);
  assert_string_equal(r.env.h.reason,
                      "target not finished (ap_target_finish)");
  assert_int_equal(r.dns.h.state, AP_STATE_SKIPPED);
  assert_int_equal(r.verdict.state, AP_STATE_UNKNOWN);
  assert_int_equal(r.verdict.layer, AP_LAYER_ENV);
  ap_target_free(&t);
}

/* A port on 127.0.0.1 that nothing listens on. */
static int closed_port(void)
{
  struct sockaddr_in a;
  socklen_t l = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port;
  assert_true(fd >= 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
  port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static void refused_target(struct ap_target *t, int port)
{
  char url[64], err[AP_TEXT];
  ap_target_init(t);
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1/models", port);
  assert_int_equal(ap_target_set(t, "url", url, err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_set(t, "key-env", "AP_TEST_NO_SUCH_KEY", err,
                                 sizeof(err)), AP_OK);
  assert_int_equal(ap_target_set(t, "proxy", "", err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_set(t, "timeout", "5", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(t, err, sizeof(err)), AP_OK);
}

static void check_refused(const struct ap_result *r, int port)
{
  char want[AP_TEXT];
  assert_int_equal(r->dns.h.state, AP_STATE_OK);
  assert_string_equal(r->dns.source, "literal");
  assert_int_equal(r->tcp.h.state, AP_STATE_CRITICAL);
  assert_int_equal(r->tcp.h.error, AP_ERR_TCP_REFUSED);
  snprintf(want, sizeof(want), "connect to 127.0.0.1 port %d: %s", port,
           strerror(ECONNREFUSED));
  assert_string_equal(r->tcp.h.reason, want);
  assert_int_equal(r->tls.h.state, AP_STATE_SKIPPED);
  assert_int_equal(r->auth.h.state, AP_STATE_SKIPPED);
  assert_int_equal(r->verdict.state, AP_STATE_CRITICAL);
  assert_int_equal(r->verdict.layer, AP_LAYER_TCP);
  assert_int_equal(r->attempts, 1);
  assert_true(r->total_s >= 0 && r->total_s < 5);
}

static void test_refused(void **state)
{
  struct ap_target t;
  struct ap_result r;
  int port = closed_port();
  (void)state;
  refused_target(&t, port);
  assert_int_equal(ap_probe_run(&t, &r), AP_OK);
  check_refused(&r, port);
  ap_target_free(&t);
}

static void test_many(void **state)
{
  struct ap_target t[2];
  struct ap_target *tp[2] = {&t[0], &t[1]};
  struct ap_result r[2];
  int p0 = closed_port(), p1 = closed_port();
  (void)state;
  refused_target(&t[0], p0);
  refused_target(&t[1], p1);
  assert_int_equal(ap_probe_many(tp, 2, r), AP_OK);
  check_refused(&r[0], p0);
  check_refused(&r[1], p1);
  ap_target_free(&t[0]);
  ap_target_free(&t[1]);
}

/* The face's thresholds are the probe's last judge, before its one
 * verdict: a critical range around the literal's 0 s lookup fires on the
 * dns layer, which then names the verdict (dns comes before the refused
 * tcp), in ap_probe_run and ap_probe_many alike. */
static void test_thresholds_judged(void **state)
{
  struct ap_target t[2];
  struct ap_target *tp[2] = {&t[0], &t[1]};
  struct ap_result r[2];
  struct ap_thresholds th;
  char err[AP_TEXT];
  int i;
  (void)state;
  refused_target(&t[0], closed_port());
  refused_target(&t[1], closed_port());
  ap_thresholds_init(&th, &t[0]);
  assert_int_equal(ap_thresholds_set(&th, 1, "dns_time=@0:1", err,
                                     sizeof(err)), AP_OK);
  ap_target_use_thresholds(&t[0], &th);
  ap_target_use_thresholds(&t[1], &th);
  assert_int_equal(ap_probe_run(&t[0], &r[0]), AP_OK);
  for(i = 0; i < 2; i++) {
    assert_int_equal(r[i].dns.h.state, AP_STATE_CRITICAL);
    assert_int_equal(r[i].dns.h.error, AP_ERR_THRESHOLD);
    assert_int_equal(r[i].tcp.h.error, AP_ERR_TCP_REFUSED);
    assert_int_equal(r[i].verdict.layer, AP_LAYER_DNS);
    assert_int_equal(r[i].verdict.error, AP_ERR_THRESHOLD);
    assert_non_null(strstr(r[i].verdict.reason, "dns_time"));
    if(!i)
      assert_int_equal(ap_probe_many(tp + 1, 1, &r[1]), AP_OK);
  }
  /* without them, the same probe is the plain refused one */
  ap_target_use_thresholds(&t[0], NULL);
  assert_int_equal(ap_probe_run(&t[0], &r[0]), AP_OK);
  assert_int_equal(r[0].verdict.layer, AP_LAYER_TCP);
  ap_target_free(&t[0]);
  ap_target_free(&t[1]);
}

/* Open descriptors of this process. */
static int fd_count(void)
{
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  assert_non_null(d);
  while(readdir(d))
    n++;
  closedir(d);
  return n;
}

/* A target's kept handles hold no descriptor between probes (a resident
 * host keeps one prober per target: curl_easy_perform's own multi handle
 * kept a wake-up socket pair in each). */
static void test_no_descriptor_kept(void **state)
{
  struct ap_target t;
  struct ap_result r;
  int i, before;
  (void)state;
  refused_target(&t, closed_port());
  before = fd_count();
  for(i = 0; i < 3; i++)
    assert_int_equal(ap_probe_run(&t, &r), AP_OK);
  assert_non_null(t.prober);
  assert_int_equal(fd_count(), before);
  ap_target_free(&t);
}

static int setup(void **state)
{
  (void)state;
  return ap_global_init() == AP_OK ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  ap_global_cleanup();
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_result_init),
    cmocka_unit_test(test_unfinished),
    cmocka_unit_test(test_refused),
    cmocka_unit_test(test_many),
    cmocka_unit_test(test_thresholds_judged),
    cmocka_unit_test(test_no_descriptor_kept),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
