/* test_metrics.c -- plugin/metrics.c: the table every face maps from has
 * unique names that are valid perfdata labels and Prometheus suffixes, a
 * unit of "s" or none, a JSON path, and a value for each row that is NAN
 * exactly when the result did not measure it. With every field set to its
 * own value (metric_values.h), each row shows that value in the
 * Prometheus text under its family and phase, in the JSON at its path and
 * in the Nagios perfdata under its label (collectd and Zabbix:
 * test_collectd_conf.c, test_zabbix_items.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"
#include "metric_values.h"

static void test_table_shape(void **state)
{
  size_t i, j;
  const struct ap_metric *m;
  (void)state;
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    assert_true(i < AP_METRIC_MAX);
    assert_true(strlen(m->name) > 1);
    assert_int_equal(strspn(m->name, "abcdefghijklmnopqrstuvwxyz_"),
                     strlen(m->name));
    /* Nagios UOMs: seconds, bytes or none */
    assert_true(!strcmp(m->uom, "s") || !strcmp(m->uom, "B") ||
                !strcmp(m->uom, ""));
    assert_true(m->json && *m->json && m->help && *m->help);
    assert_true(m->layer < AP_LAYER_COUNT);
    assert_int_equal(ap_metric_find(m->name), (int)i);
    for(j = 0; j < i; j++)
      assert_string_not_equal(ap_metric_get(j)->name, m->name);
  }
  assert_true(i >= 14);
  assert_int_equal(ap_metric_find("nosuch"), -1);
}

static double value_of(const struct ap_result *r, const char *name)
{
  int i = ap_metric_find(name);
  assert_true(i >= 0);
  return ap_metric_value(r, (size_t)i);
}

static void test_values(void **state)
{
  struct ap_result r;
  size_t i;
  (void)state;
  memset(&r, 0, sizeof(r));
  r.dns.h.time_s = r.tcp.h.time_s = r.proxy.h.time_s = NAN;
  r.tls.h.time_s = r.http.ttfb_s = r.total_s = NAN;
  r.tls.cert_days_left = r.tls.chain_min_days_left = NAN;
  r.auth.rl.requests_remaining = r.auth.rl.tokens_remaining = NAN;
  r.auth.retry_after_s = r.http.clock_skew_s = NAN;
  r.auth.h.state = AP_STATE_SKIPPED;
  r.inference.ttft_s = r.inference.stream_s = r.inference.max_gap_s = NAN;
  r.inference.input_tokens = r.inference.output_tokens = NAN;
  r.inference.h.state = AP_STATE_NA;
  r.inference.age_s = 0; /* n/a: no age whatever the field says */
  r.tcp.retransmits = r.tcp.syn_retransmits = -1; /* no connection */
  /* nothing measured: every metric is NAN except up, which is 0 */
  for(i = 0; ap_metric_get(i); i++) {
    if(!strcmp(ap_metric_get(i)->name, "up"))
      assert_true(ap_metric_value(&r, i) == 0);
    else if(!isnan(ap_metric_value(&r, i)))
      fail_msg("%s is not NAN", ap_metric_get(i)->name);
  }
  r.dns.h.time_s = 0.01;
  r.tcp.h.time_s = 0.02;
  r.tls.h.time_s = 0.03;
  r.http.ttfb_s = 0.04;
  r.total_s = 0.1;
  r.http.status = 429;
  r.tls.cert_days_left = 40;
  r.tls.chain_min_days_left = 5;
  r.auth.rl.requests_remaining = 0;
  r.auth.retry_after_s = 17;
  r.http.clock_skew_s = -2;
  r.auth.h.state = AP_STATE_WARNING;
  assert_true(value_of(&r, "dns_time") == 0.01);
  assert_true(value_of(&r, "tcp_time") == 0.02);
  assert_true(value_of(&r, "tls_time") == 0.03);
  assert_true(value_of(&r, "ttfb") == 0.04);
  assert_true(value_of(&r, "total_time") == 0.1);
  assert_true(value_of(&r, "http_status") == 429);
  assert_true(value_of(&r, "cert_days_left") == 40);
  assert_true(value_of(&r, "chain_min_days_left") == 5);
  assert_true(value_of(&r, "ratelimit_requests_remaining") == 0);
  assert_true(value_of(&r, "retry_after") == 17);
  assert_true(value_of(&r, "clock_skew") == -2);
  assert_true(value_of(&r, "up") == 1);
  r.inference.h.state = AP_STATE_OK;
  r.inference.ttft_s = 1.5;
  r.inference.stream_s = 1.6;
  r.inference.max_gap_s = 1.4;
  r.inference.input_tokens = 8;
  r.inference.output_tokens = 1;
  r.inference.age_s = 42;
  assert_true(value_of(&r, "ttft") == 1.5);
  assert_true(value_of(&r, "stream_time") == 1.6);
  assert_true(value_of(&r, "max_gap") == 1.4);
  assert_true(value_of(&r, "input_tokens") == 8);
  assert_true(value_of(&r, "output_tokens") == 1);
  assert_true(value_of(&r, "canary_age") == 42);
  r.tcp.retransmits = 3;
  r.tcp.syn_retransmits = 1;
  assert_true(value_of(&r, "tcp_retransmits") == 3);
  assert_true(value_of(&r, "syn_retransmits") == 1);
  r.auth.h.state = AP_STATE_CRITICAL;
  assert_true(value_of(&r, "up") == 0);
  assert_true(isnan(ap_metric_value(&r, 999)));
}

/* Row M's sample in the Prometheus TEXT of one target "x", as a number. */
static double prom_sample(const char *text, const struct ap_metric *m)
{
  char head[160];
  const char *p;
  if(m->prom_phase)
    snprintf(head, sizeof(head), "\n%s{target=\"x\",phase=\"%s\"} ",
             m->prom_name, m->prom_phase);
  else
    snprintf(head, sizeof(head), "\n%s{target=\"x\"} ", m->prom_name);
  p = strstr(text, head);
  if(!p)
    fail_msg("metric %s: no sample %s", m->name, head + 1);
  return strtod(p + strlen(head), NULL);
}

static void test_each_row_in_prom(void **state)
{
  static struct ap_result r;
  const struct ap_metric *m;
  char *text = NULL;
  time_t before = time(NULL), after;
  size_t i;
  (void)state;
  mv_check_list();
  mv_fill(&r, "x");
  assert_int_equal(ap_render_prom(&r, 1, &text), AP_OK);
  after = time(NULL);
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    double want = mv_value(m->json);
    double got = prom_sample(text, m);
    if(m->prom_value == AP_PROM_EXPIRY) {
      /* days left as the time they run out */
      want *= 86400;
      got -= (double)before;
      if(got < want || got > want + (double)(after - before) + 1)
        fail_msg("metric %s: %s shows %.0f s from now, not %.0f", m->name,
                 m->prom_name, got, want);
    } else if(got != want) {
      fail_msg("metric %s: %s shows %g, not %g", m->name, m->prom_name, got,
               want);
    }
  }
  free(text);
}

/* The node at the dotted PATH of O, NULL when there is none. */
static struct json_object *json_at(struct json_object *o, const char *path)
{
  char key[128];
  const char *dot;
  while(o && *path) {
    dot = strchr(path, '.');
    snprintf(key, sizeof(key), "%.*s",
             (int)(dot ? (size_t)(dot - path) : strlen(path)), path);
    if(!json_object_object_get_ex(o, key, &o))
      return NULL;
    path = dot ? dot + 1 : "";
  }
  return o;
}

static void test_each_row_in_json(void **state)
{
  static struct ap_result r;
  const struct ap_metric *m;
  struct json_object *root, *v;
  char *text = NULL;
  size_t i;
  (void)state;
  mv_check_list();
  mv_fill(&r, "x");
  assert_int_equal(ap_render_json(&r, 0, &text), AP_OK);
  root = json_tokener_parse(text);
  assert_non_null(root);
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    double want = mv_value(m->json);
    v = json_at(root, m->json);
    if(!v)
      fail_msg("metric %s: nothing at %s", m->name, m->json);
    if(json_object_is_type(v, json_type_string)) {
      /* up: the verdict's word, "ok" for 1 */
      assert_string_equal(m->name, "up");
      assert_true(want == 1);
      assert_string_equal(json_object_get_string(v), "ok");
    } else if(json_object_get_double(v) != want) {
      fail_msg("metric %s: %s is %g, not %g", m->name, m->json,
               json_object_get_double(v), want);
    }
  }
  json_object_put(root);
  free(text);
}

static void test_each_row_in_perfdata(void **state)
{
  static struct ap_result r;
  const struct ap_metric *m;
  char *text = NULL, head[64], *end;
  const char *p;
  size_t i;
  (void)state;
  mv_check_list();
  mv_fill(&r, "x");
  assert_int_equal(ap_render_perfdata(&r, NULL, &text), AP_OK);
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    double got;
    snprintf(head, sizeof(head), "%s%s=", i ? " " : "", m->name);
    p = strstr(text, head);
    if(!p || (!i && p != text))
      fail_msg("metric %s: no perfdata label in %s", m->name, text);
    got = strtod(p + strlen(head), &end);
    if(got != mv_value(m->json))
      fail_msg("metric %s: perfdata shows %g, not %g", m->name, got,
               mv_value(m->json));
    /* then the unit and the four threshold fields */
    assert_memory_equal(end, m->uom, strlen(m->uom));
    assert_int_equal(end[strlen(m->uom)], ';');
  }
  free(text);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_table_shape),
    cmocka_unit_test(test_values),
    cmocka_unit_test(test_each_row_in_prom),
    cmocka_unit_test(test_each_row_in_json),
    cmocka_unit_test(test_each_row_in_perfdata),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
