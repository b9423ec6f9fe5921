/* metric_values.h -- a result in which every metric of plugin/metrics.c
 * reads its own value, for the tests that check each face shows row I's
 * value under row I's names (a row that reads another row's field, or a
 * face that maps a row to the wrong name, shows a wrong number).
 *
 * The fields are set by hand here, keyed by the JSON path docs/json.md
 * gives them, never through the table's getters: the table is what is
 * under test. mv_fill() sets them; mv_list says what each face must show
 * for the row with that JSON path: its value (1 for "up": the key was
 * accepted, so every value is distinct) under its names.
 */
#ifndef AP_METRIC_VALUES_H
#define AP_METRIC_VALUES_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* One metric as every face must show it: the JSON path, its value, the
 * perfdata label (also the threshold and Zabbix item name), the collectd
 * type and type instance, the Prometheus family and phase label. The
 * names are what docs/ promise the users; the table must match them. */
struct mv_entry {
  const char *json;
  double value;
  const char *name;
  const char *cd_type, *cd_inst;
  const char *prom, *phase;
};

/* whole numbers: every face shows them without rounding */
static const struct mv_entry mv_list[] = {
  {"layers.dns.time_s", 1001, "dns_time", "latency", "dns",
   "apiprobe_duration_seconds", "dns"},
  {"layers.tcp.time_s", 1002, "tcp_time", "latency", "connect",
   "apiprobe_duration_seconds", "tcp"},
  {"layers.proxy.time_s", 1003, "proxy_time", "latency", "proxy",
   "apiprobe_duration_seconds", "proxy"},
  {"layers.tls.time_s", 1004, "tls_time", "latency", "tls",
   "apiprobe_duration_seconds", "tls"},
  {"layers.http.ttfb_s", 1005, "ttfb", "latency", "ttfb",
   "apiprobe_duration_seconds", "ttfb"},
  {"total_s", 1006, "total_time", "latency", "total",
   "apiprobe_duration_seconds", "total"},
  {"layers.tls.cert_days_left", 1007, "cert_days_left", "apiprobe_days", "cert",
   "apiprobe_cert_expiry_timestamp_seconds", NULL},
  {"layers.tls.chain_min_days_left", 1008, "chain_min_days_left", "apiprobe_days", "chain_min",
   "apiprobe_chain_earliest_expiry_timestamp_seconds", NULL},
  {"layers.http.status", 1009, "http_status", "response_code", "http",
   "apiprobe_http_status_code", NULL},
  {"layers.auth.ratelimit_requests_remaining", 1010, "ratelimit_requests_remaining", "apiprobe_remaining", "requests",
   "apiprobe_ratelimit_requests_remaining", NULL},
  {"layers.auth.ratelimit_tokens_remaining", 1011, "ratelimit_tokens_remaining", "apiprobe_remaining", "tokens",
   "apiprobe_ratelimit_tokens_remaining", NULL},
  {"layers.auth.retry_after_s", 1012, "retry_after", "apiprobe_seconds", "retry_after",
   "apiprobe_retry_after_seconds", NULL},
  {"layers.http.clock_skew_s", 1013, "clock_skew", "apiprobe_seconds", "clock_skew",
   "apiprobe_clock_skew_seconds", NULL},
  {"verdict.state", 1, "up", "bool", "up",
   "apiprobe_up", NULL},
  {"layers.tcp.path_mtu", 1014, "path_mtu", "bytes", "path_mtu",
   "apiprobe_path_mtu_bytes", NULL},
  {"layers.inference.ttft_s", 1015, "ttft", "latency", "inference_ttft",
   "apiprobe_ttft_seconds", NULL},
  {"layers.inference.stream_s", 1016, "stream_time", "latency", "inference_stream",
   "apiprobe_stream_time_seconds", NULL},
  {"layers.inference.max_gap_s", 1017, "max_gap", "latency", "inference_max_gap",
   "apiprobe_max_gap_seconds", NULL},
  {"layers.inference.input_tokens", 1018, "input_tokens", "apiprobe_tokens", "input",
   "apiprobe_input_tokens", NULL},
  {"layers.inference.output_tokens", 1019, "output_tokens", "apiprobe_tokens", "output",
   "apiprobe_output_tokens", NULL},
  {"layers.inference.age_s", 1020, "canary_age", "apiprobe_seconds", "canary_age",
   "apiprobe_canary_age_seconds", NULL},
  {"layers.tcp.retransmits", 1021, "tcp_retransmits", "count", "tcp_retransmits",
   "apiprobe_tcp_retransmits", NULL},
  {"layers.tcp.syn_retransmits", 1022, "syn_retransmits", "count", "syn_retransmits",
   "apiprobe_syn_retransmits", NULL},
};

#define MV_COUNT (sizeof(mv_list) / sizeof(mv_list[0]))

/* The entry of JSON path PATH, NULL when the list does not have it (a new
 * row needs a line above and a field set in mv_fill). */
static const struct mv_entry *mv_entry(const char *path)
{
  size_t i;
  for(i = 0; i < MV_COUNT; i++) {
    if(!strcmp(mv_list[i].json, path))
      return &mv_list[i];
  }
  return NULL;
}

/* The value the row with JSON path PATH shows. */
static double mv_value(const char *path)
{
  const struct mv_entry *e = mv_entry(path);
  return e ? e->value : NAN;
}

/* R as a probe that measured everything, each field from mv_list. */
static void mv_fill(struct ap_result *r, const char *name)
{
  ap_result_init(r, NULL);
  snprintf(r->name, sizeof(r->name), "%s", name);
  r->dns.h.state = r->tcp.h.state = r->tls.h.state = AP_STATE_OK;
  r->http.h.state = r->auth.h.state = AP_STATE_OK;
  r->inference.h.state = AP_STATE_OK;
  r->proxy.h.state = AP_STATE_OK;
  r->verdict.state = AP_STATE_OK;
  r->dns.h.time_s = mv_value("layers.dns.time_s");
  r->tcp.h.time_s = mv_value("layers.tcp.time_s");
  r->proxy.h.time_s = mv_value("layers.proxy.time_s");
  r->tls.h.time_s = mv_value("layers.tls.time_s");
  r->http.ttfb_s = mv_value("layers.http.ttfb_s");
  r->total_s = mv_value("total_s");
  r->tls.cert_days_left = mv_value("layers.tls.cert_days_left");
  r->tls.chain_min_days_left = mv_value("layers.tls.chain_min_days_left");
  r->http.status = (long)mv_value("layers.http.status");
  r->auth.rl.requests_remaining =
    mv_value("layers.auth.ratelimit_requests_remaining");
  r->auth.rl.tokens_remaining =
    mv_value("layers.auth.ratelimit_tokens_remaining");
  r->auth.retry_after_s = mv_value("layers.auth.retry_after_s");
  r->http.clock_skew_s = mv_value("layers.http.clock_skew_s");
  r->tcp.path_mtu = (int)mv_value("layers.tcp.path_mtu");
  r->inference.ttft_s = mv_value("layers.inference.ttft_s");
  r->inference.stream_s = mv_value("layers.inference.stream_s");
  r->inference.max_gap_s = mv_value("layers.inference.max_gap_s");
  r->inference.input_tokens = mv_value("layers.inference.input_tokens");
  r->inference.output_tokens = mv_value("layers.inference.output_tokens");
  r->inference.age_s = mv_value("layers.inference.age_s");
  r->tcp.retransmits = (int)mv_value("layers.tcp.retransmits");
  r->tcp.syn_retransmits = (int)mv_value("layers.tcp.syn_retransmits");
}

/* The table and the list agree: one row per entry, with the entry's
 * names. The faces are then checked by the list's names, so a row that
 * reads another row's field, or carries another row's name, fails. */
static void mv_check_list(void)
{
  const struct ap_metric *m;
  const struct mv_entry *e;
  size_t i;
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    e = mv_entry(m->json);
    if(!e)
      fail_msg("metric %s: no entry for %s in metric_values.h", m->name,
               m->json);
    assert_string_equal(m->name, e->name);
    assert_string_equal(m->cd_type, e->cd_type);
    assert_string_equal(m->cd_inst, e->cd_inst);
    assert_string_equal(m->prom_name, e->prom);
    if(e->phase || m->prom_phase)
      assert_string_equal(m->prom_phase ? m->prom_phase : "(none)",
                          e->phase ? e->phase : "(none)");
  }
  assert_int_equal(i, MV_COUNT);
}

#endif
