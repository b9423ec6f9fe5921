/* metrics.c -- the one metric table every face maps from: perfdata labels
 * (Nagios), values (collectd), items (Zabbix) and Prometheus names all use
 * these names, units and JSON paths, so a metric means the same thing
 * everywhere. A metric that was not measured is NAN.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

#define M(name, json, uom, layer, min, max, help, cdt, cdi)                    \
  {name, json, uom, AP_LAYER_##layer, min, max, help, cdt, cdi}

static const struct ap_metric metrics[] = {
  M("dns_time", "layers.dns.time_s", "s", DNS, 0, NAN,
    "name resolution time", "latency", "dns"),
  M("tcp_time", "layers.tcp.time_s", "s", TCP, 0, NAN, "TCP connect time", "latency", "connect"),
  M("proxy_time", "layers.proxy.time_s", "s", PROXY, 0, NAN,
    "proxy connect + CONNECT time", "latency", "proxy"),
  M("tls_time", "layers.tls.time_s", "s", TLS, 0, NAN, "TLS handshake time", "latency", "tls"),
  M("ttfb", "layers.http.ttfb_s", "s", HTTP, 0, NAN,
    "request sent to first byte", "latency", "ttfb"),
  M("total_time", "total_s", "s", HTTP, 0, NAN, "whole probe time", "latency", "total"),
  M("cert_days_left", "layers.tls.cert_days_left", "", TLS, NAN, NAN,
    "days until the leaf certificate expires", "apiprobe_days", "cert"),
  M("chain_min_days_left", "layers.tls.chain_min_days_left", "", TLS, NAN,
    NAN, "days until the first chain certificate expires", "apiprobe_days",
    "chain_min"),
  M("http_status", "layers.http.status", "", HTTP, 100, 999,
    "HTTP status of the answer", "response_code", "http"),
  M("ratelimit_requests_remaining",
    "layers.auth.ratelimit_requests_remaining", "", AUTH, 0, NAN,
    "requests left in the rate-limit window", "apiprobe_remaining",
    "requests"),
  M("ratelimit_tokens_remaining", "layers.auth.ratelimit_tokens_remaining",
    "", AUTH, 0, NAN, "tokens left in the rate-limit window", "apiprobe_remaining", "tokens"),
  M("retry_after", "layers.auth.retry_after_s", "s", AUTH, 0, NAN,
    "retry-after the API asked for", "apiprobe_seconds", "retry_after"),
  M("clock_skew", "layers.http.clock_skew_s", "s", HTTP, NAN, NAN,
    "server Date minus the local clock", "apiprobe_seconds", "clock_skew"),
  M("up", "verdict.state", "", AUTH, 0, 1,
    "1 when the API accepted (or throttled) the key", "bool", "up"),
  M("path_mtu", "layers.tcp.path_mtu", "B", TCP, 0, NAN,
    "path MTU of the connection (to the proxy when one is used)", "bytes",
    "path_mtu"),
  M("ttft", "layers.inference.ttft_s", "s", INFERENCE, 0, NAN,
    "canary: request sent to the first generated token", "latency",
    "inference_ttft"),
  M("stream_time", "layers.inference.stream_s", "s", INFERENCE, 0, NAN,
    "canary: request sent to the end of the stream", "latency",
    "inference_stream"),
  M("max_gap", "layers.inference.max_gap_s", "s", INFERENCE, 0, NAN,
    "canary: longest silence between two stream events", "latency",
    "inference_max_gap"),
  M("input_tokens", "layers.inference.input_tokens", "", INFERENCE, 0, NAN,
    "canary: input tokens the provider counted (spent)", "apiprobe_tokens",
    "input"),
  M("output_tokens", "layers.inference.output_tokens", "", INFERENCE, 0,
    NAN, "canary: output tokens the provider counted (spent)",
    "apiprobe_tokens", "output"),
  M("canary_age", "layers.inference.age_s", "s", INFERENCE, 0, NAN,
    "age of the canary result: 0 when run by this probe, else reused "
    "within --canary-interval",
    "apiprobe_seconds", "canary_age"),
  M("tcp_retransmits", "layers.tcp.retransmits", "", TCP, 0, NAN,
    "segments sent again on the connection, SYNs included (a lossy path)",
    "count", "tcp_retransmits"),
  M("syn_retransmits", "layers.tcp.syn_retransmits", "", TCP, 0, NAN,
    "SYNs sent again before the connection was up", "count",
    "syn_retransmits"),
};

#define METRIC_COUNT (sizeof(metrics) / sizeof(metrics[0]))

const struct ap_metric *ap_metric_get(size_t i)
{
  if(i >= METRIC_COUNT || i >= AP_METRIC_MAX)
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

double ap_metric_value(const struct ap_result *r, size_t i)
{
  const struct ap_auth_result *a = &r->auth;
  switch(i) {
  case 0:
    return r->dns.h.time_s;
  case 1:
    return r->tcp.h.time_s;
  case 2:
    return r->proxy.h.time_s;
  case 3:
    return r->tls.h.time_s;
  case 4:
    return r->http.ttfb_s;
  case 5:
    return r->total_s;
  case 6:
    return r->tls.cert_days_left;
  case 7:
    return r->tls.chain_min_days_left;
  case 8:
    return r->http.status ? (double)r->http.status : NAN;
  case 9:
    return a->rl.requests_remaining;
  case 10:
    return a->rl.tokens_remaining;
  case 11:
    return a->retry_after_s;
  case 12:
    return r->http.clock_skew_s;
  case 13:
    return a->h.state == AP_STATE_OK || a->h.state == AP_STATE_WARNING ||
                   (a->h.state == AP_STATE_CRITICAL &&
                    a->h.error == AP_ERR_THRESHOLD)
             ? 1
             : 0;
  case 14:
    return r->tcp.path_mtu > 0 ? (double)r->tcp.path_mtu : NAN;
  case 15:
    return r->inference.ttft_s;
  case 16:
    return r->inference.stream_s;
  case 17:
    return r->inference.max_gap_s;
  case 18:
    return r->inference.input_tokens;
  case 19:
    return r->inference.output_tokens;
  case 20:
    return r->inference.h.state == AP_STATE_NA ||
               r->inference.h.state == AP_STATE_SKIPPED
             ? NAN
             : r->inference.age_s;
  case 21:
    return r->tcp.retransmits >= 0 ? (double)r->tcp.retransmits : NAN;
  case 22:
    return r->tcp.syn_retransmits >= 0 ? (double)r->tcp.syn_retransmits
                                       : NAN;
  default:
    return NAN;
  }
}
