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

struct ap_thresholds;
/* R's metrics as Nagios performance data, one item per row of the metric
 * table in order, space-separated: NAME=VALUE[UOM];WARN;CRIT;MIN;MAX, "U"
 * for a value not measured, WARN and CRIT the ranges of TH as given (TH
 * NULL: none). Into a new string (caller frees); AP_E_NOMEM on failure. */
enum ap_code ap_render_perfdata(const struct ap_result *r,
                                const struct ap_thresholds *th,
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

/* How Prometheus shows a row's value. */
enum ap_metric_prom {
  AP_PROM_VALUE,  /* as it is */
  AP_PROM_EXPIRY  /* days left, shown as the Unix time they run out */
};

/* One metric: where its value lives and what every face calls it. A face
 * reads these fields and nothing else, so a row means the same thing in
 * the perfdata, the collectd values, the Zabbix items, the JSON and the
 * Prometheus text.
 *
 *   row --get/offset--> value --> perfdata  NAME=VALUE UOM;warn;crit;MIN;MAX
 *                               \-> collectd  CD_TYPE-CD_INST
 *                               \-> Zabbix    apiprobe.metric[target,NAME]
 *                               \-> Prometheus PROM_NAME{target,phase=PROM_PHASE}
 *   JSON: the renderer's own layout; JSON says where the value is in it. */
struct ap_metric {
  const char *name;     /* perfdata label, threshold name, Zabbix item */
  const char *json;     /* dotted path of the value in the JSON */
  const char *uom;      /* Nagios unit: "s", "B" or "" */
  enum ap_layer layer;  /* the layer a threshold on it judges */
  double min, max;      /* NAN when none */
  const char *help;
  /* the value: GET(r) when GET is set (a derived value), else the double
   * at OFFSET in struct ap_result; NAN when not measured */
  double (*get)(const struct ap_result *r);
  size_t offset;
  const char *cd_type;  /* collectd type (types.db) */
  const char *cd_inst;  /* collectd type instance */
  const char *prom_name;  /* Prometheus family (rows may share one) */
  const char *prom_type;  /* "gauge" */
  const char *prom_phase; /* the "phase" label's value, NULL none */
  enum ap_metric_prom prom_value;
  const char *prom_help;  /* the family's HELP when not HELP */
};
/* Row I of the metric table, NULL past the end. */
const struct ap_metric *ap_metric_get(size_t i);
/* Index of metric NAME, -1 when unknown. */
int ap_metric_find(const char *name);
/* Value of metric I in R; NAN when it was not measured (or no such row). */
double ap_metric_value(const struct ap_result *r, size_t i);
/* Value of row M (of the table or laid out like it) in R. */
double ap_metric_read(const struct ap_metric *m, const struct ap_result *r);

#endif
