/* metrics.c -- the one metric table every face maps from: perfdata labels
 * (Nagios), values (collectd), items (Zabbix), Prometheus families and
 * JSON paths all come from these rows, so a metric means the same thing
 * everywhere. Each row says where its value lives: a double of struct
 * ap_result (AT) or an accessor for a derived value (BY), as collectd's
 * curl_stats table does. A metric that was not measured is NAN.
 */
#include "internal.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ---- accessors of the derived values ---------------------------------- */

static double http_status(const struct ap_result *r)
{
  return r->http.status ? (double)r->http.status : NAN;
}

/* 1 when the API accepted the key: ok, warning, or critical only by a
 * threshold (a throttled key counts as up) */
static double up(const struct ap_result *r)
{
  const struct ap_layer_head *a = &r->auth.h;
  return a->state == AP_STATE_OK || a->state == AP_STATE_WARNING ||
             (a->state == AP_STATE_CRITICAL && a->error == AP_ERR_THRESHOLD)
           ? 1
           : 0;
}

static double path_mtu(const struct ap_result *r)
{
  return r->tcp.path_mtu > 0 ? (double)r->tcp.path_mtu : NAN;
}

/* no age when the canary did not run, whatever the field says */
static double canary_age(const struct ap_result *r)
{
  enum ap_state s = r->inference.h.state;
  return s == AP_STATE_NA || s == AP_STATE_SKIPPED ? NAN : r->inference.age_s;
}

/* a count the kernel may not tell: -1 unknown */
static double count(int n)
{
  return n >= 0 ? (double)n : NAN;
}

static double tcp_retransmits(const struct ap_result *r)
{
  return count(r->tcp.retransmits);
}

static double syn_retransmits(const struct ap_result *r)
{
  return count(r->tcp.syn_retransmits);
}

/* ---- the table ---------------------------------------------------------- */

/* AT(field): a double of struct ap_result (anything else does not
 * compile); BY(fn): an accessor above. */
#define AT(f)                                                                 \
  .offset = offsetof(struct ap_result, f) +                                   \
            0 * sizeof(_Generic(((struct ap_result *)0)->f, double: 0))
#define BY(fn) .get = fn
#define ROW(n, j, u, l, lo, hi, h)                                            \
  .name = n, .json = j, .uom = u, .layer = AP_LAYER_##l, .min = lo,          \
  .max = hi, .help = h
#define CD(type, inst) .cd_type = type, .cd_inst = inst
#define PROM(fam) .prom_name = fam, .prom_type = "gauge"
#define PHASE(fam, ph) PROM(fam), .prom_phase = ph

static const struct ap_metric metrics[] = {
  {ROW("dns_time", "layers.dns.time_s", "s", DNS, 0, NAN,
       "name resolution time"),
   AT(dns.h.time_s), CD("latency", "dns"),
   PHASE("apiprobe_duration_seconds", "dns"),
   .prom_help = "time of each probe phase: dns lookup, tcp connect, proxy "
                "CONNECT, tls handshake, ttfb (request to first byte), "
                "total"},
  {ROW("tcp_time", "layers.tcp.time_s", "s", TCP, 0, NAN,
       "TCP connect time"),
   AT(tcp.h.time_s), CD("latency", "connect"),
   PHASE("apiprobe_duration_seconds", "tcp")},
  {ROW("proxy_time", "layers.proxy.time_s", "s", PROXY, 0, NAN,
       "proxy connect + CONNECT time"),
   AT(proxy.h.time_s), CD("latency", "proxy"),
   PHASE("apiprobe_duration_seconds", "proxy")},
  {ROW("tls_time", "layers.tls.time_s", "s", TLS, 0, NAN,
       "TLS handshake time"),
   AT(tls.h.time_s), CD("latency", "tls"),
   PHASE("apiprobe_duration_seconds", "tls")},
  {ROW("ttfb", "layers.http.ttfb_s", "s", HTTP, 0, NAN,
       "request sent to first byte"),
   AT(http.ttfb_s), CD("latency", "ttfb"),
   PHASE("apiprobe_duration_seconds", "ttfb")},
  {ROW("total_time", "total_s", "s", HTTP, 0, NAN, "whole probe time"),
   AT(total_s), CD("latency", "total"),
   PHASE("apiprobe_duration_seconds", "total")},
  {ROW("cert_days_left", "layers.tls.cert_days_left", "", TLS, NAN, NAN,
       "days until the leaf certificate expires"),
   AT(tls.cert_days_left), CD("apiprobe_days", "cert"),
   PROM("apiprobe_cert_expiry_timestamp_seconds"),
   .prom_value = AP_PROM_EXPIRY,
   .prom_help = "when the leaf certificate expires (Unix time)"},
  {ROW("chain_min_days_left", "layers.tls.chain_min_days_left", "", TLS,
       NAN, NAN, "days until the first chain certificate expires"),
   AT(tls.chain_min_days_left), CD("apiprobe_days", "chain_min"),
   PROM("apiprobe_chain_earliest_expiry_timestamp_seconds"),
   .prom_value = AP_PROM_EXPIRY,
   .prom_help = "when the first certificate of the chain sent expires "
                "(Unix time)"},
  {ROW("http_status", "layers.http.status", "", HTTP, 100, 999,
       "HTTP status of the answer"),
   BY(http_status), CD("response_code", "http"),
   PROM("apiprobe_http_status_code")},
  {ROW("ratelimit_requests_remaining",
       "layers.auth.ratelimit_requests_remaining", "", AUTH, 0, NAN,
       "requests left in the rate-limit window"),
   AT(auth.rl.requests_remaining), CD("apiprobe_remaining", "requests"),
   PROM("apiprobe_ratelimit_requests_remaining")},
  {ROW("ratelimit_tokens_remaining",
       "layers.auth.ratelimit_tokens_remaining", "", AUTH, 0, NAN,
       "tokens left in the rate-limit window"),
   AT(auth.rl.tokens_remaining), CD("apiprobe_remaining", "tokens"),
   PROM("apiprobe_ratelimit_tokens_remaining")},
  {ROW("retry_after", "layers.auth.retry_after_s", "s", AUTH, 0, NAN,
       "retry-after the API asked for"),
   AT(auth.retry_after_s), CD("apiprobe_seconds", "retry_after"),
   PROM("apiprobe_retry_after_seconds")},
  {ROW("clock_skew", "layers.http.clock_skew_s", "s", HTTP, NAN, NAN,
       "server Date minus the local clock"),
   AT(http.clock_skew_s), CD("apiprobe_seconds", "clock_skew"),
   PROM("apiprobe_clock_skew_seconds")},
  {ROW("up", "verdict.state", "", AUTH, 0, 1,
       "1 when the API accepted (or throttled) the key"),
   BY(up), CD("bool", "up"), PROM("apiprobe_up")},
  {ROW("path_mtu", "layers.tcp.path_mtu", "B", TCP, 0, NAN,
       "path MTU of the connection (to the proxy when one is used)"),
   BY(path_mtu), CD("bytes", "path_mtu"), PROM("apiprobe_path_mtu_bytes")},
  {ROW("ttft", "layers.inference.ttft_s", "s", INFERENCE, 0, NAN,
       "canary: request sent to the first generated token"),
   AT(inference.ttft_s), CD("latency", "inference_ttft"),
   PROM("apiprobe_ttft_seconds")},
  {ROW("stream_time", "layers.inference.stream_s", "s", INFERENCE, 0, NAN,
       "canary: request sent to the end of the stream"),
   AT(inference.stream_s), CD("latency", "inference_stream"),
   PROM("apiprobe_stream_time_seconds")},
  {ROW("max_gap", "layers.inference.max_gap_s", "s", INFERENCE, 0, NAN,
       "canary: longest silence between two stream events"),
   AT(inference.max_gap_s), CD("latency", "inference_max_gap"),
   PROM("apiprobe_max_gap_seconds")},
  {ROW("input_tokens", "layers.inference.input_tokens", "", INFERENCE, 0,
       NAN, "canary: input tokens the provider counted (spent)"),
   AT(inference.input_tokens), CD("apiprobe_tokens", "input"),
   PROM("apiprobe_input_tokens")},
  {ROW("output_tokens", "layers.inference.output_tokens", "", INFERENCE, 0,
       NAN, "canary: output tokens the provider counted (spent)"),
   AT(inference.output_tokens), CD("apiprobe_tokens", "output"),
   PROM("apiprobe_output_tokens")},
  {ROW("canary_age", "layers.inference.age_s", "s", INFERENCE, 0, NAN,
       "age of the canary result: 0 when run by this probe, else reused "
       "within --canary-interval"),
   BY(canary_age), CD("apiprobe_seconds", "canary_age"),
   PROM("apiprobe_canary_age_seconds")},
  {ROW("tcp_retransmits", "layers.tcp.retransmits", "", TCP, 0, NAN,
       "segments sent again on the connection, SYNs included (a lossy "
       "path)"),
   BY(tcp_retransmits), CD("count", "tcp_retransmits"),
   PROM("apiprobe_tcp_retransmits")},
  {ROW("syn_retransmits", "layers.tcp.syn_retransmits", "", TCP, 0, NAN,
       "SYNs sent again before the connection was up"),
   BY(syn_retransmits), CD("count", "syn_retransmits"),
   PROM("apiprobe_syn_retransmits")},
};

#define METRIC_COUNT (sizeof(metrics) / sizeof(metrics[0]))

_Static_assert(METRIC_COUNT <= AP_METRIC_MAX,
               "the thresholds hold AP_METRIC_MAX metrics");

const struct ap_metric *ap_metric_get(size_t i)
{
  if(i >= METRIC_COUNT)
    return NULL;
  return &metrics[i];
}

int ap_metric_find(const char *name)
{
  size_t i;
  for(i = 0; i < METRIC_COUNT; i++) {
    if(!strcmp(metrics[i].name, name))
      return (int)i;
  }
  return -1;
}

double ap_metric_read(const struct ap_metric *m, const struct ap_result *r)
{
  double v;
  if(m->get)
    return m->get(r);
  memcpy(&v, (const char *)r + m->offset, sizeof(v));
  return v;
}

double ap_metric_value(const struct ap_result *r, size_t i)
{
  const struct ap_metric *m = ap_metric_get(i);
  return m ? ap_metric_read(m, r) : NAN;
}
