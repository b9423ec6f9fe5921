/* apiprobe/render.h -- a result as text for machines: the JSON of
 * docs/json.md, the Prometheus text format, and the metric table every face
 * maps from (plugin/metrics.c). Faces include apiprobe.h, the umbrella over
 * this header. */
#ifndef APIPROBE_RENDER_H
#define APIPROBE_RENDER_H

#include <stddef.h>

#include "apiprobe/result.h"

/* Render R as the JSON of docs/json.md into a new string (caller frees with
 * free()). PRETTY: indented. Returns AP_E_NOMEM on failure. */
enum ap_code ap_render_json(const struct ap_result *r, int pretty,
                            char **pout);

/* Render N results in the Prometheus text format (families grouped, HELP
 * and TYPE each, unmeasured metrics without a sample) into a new string
 * (caller frees). AP_E_NOMEM on failure. */
enum ap_code ap_render_prom(const struct ap_result *rs, size_t n,
                            char **pout);

/* ---- numbers as text (plugin/numtext.c) ------------------------------ */

/* V with DECIMALS fixed decimals, trailing zeros (and a bare '.') trimmed,
 * "-0" written "0": "0.25", "10", "-1.5". "" for NaN and infinities. '.'
 * whatever the locale. OUT of size N is always NUL-terminated (N > 0);
 * returns the length written. */
size_t ap_num_fixed(char *out, size_t n, double v, int decimals);
/* V as printf's "%.DIGITSg" in the C locale ("0.5", "1e-05", "nan"). */
size_t ap_num_general(char *out, size_t n, double v, int digits);

/* ---- metrics: one table every face maps from (plugin/metrics.c) ------- */

struct ap_metric {
  const char *name;     /* perfdata label, threshold name, metric suffix */
  const char *json;     /* where it is in the JSON */
  const char *uom;      /* "s" or "" */
  enum ap_layer layer;  /* the layer a threshold on it judges */
  double min, max;      /* NAN when none */
  const char *help;
  const char *cd_type;  /* collectd type (types.db) */
  const char *cd_inst;  /* collectd type instance */
};
/* Row I of the metric table, NULL past the end. */
const struct ap_metric *ap_metric_get(size_t i);
/* Index of metric NAME, -1 when unknown. */
int ap_metric_find(const char *name);
/* Value of metric I in R; NAN when it was not measured. */
double ap_metric_value(const struct ap_result *r, size_t i);

#endif
