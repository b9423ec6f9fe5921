/* apiprobe_collectd.c -- the collectd face: <Plugin apiprobe> <Target
 * "name"> blocks
 * become targets through the core's option table (CamelCase keys matched
 * loosely: CaFile is --ca-file), targets are grouped by Interval, and each
 * group is one read callback that probes all its targets at once
 * (ap_probe_many) and dispatches every metric of the shared table plus
 * each layer's state. A failed probe is data: up=0, the read returns 0.
 */
#include "collectd/core/daemon/plugin.h"

#include "apiprobe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CD_NAME "apiprobe"
#define CD_MAX_TARGETS 4096
/* A larger Interval (or inf) would overflow cdtime_t: one day is the most. */
#define CD_MAX_INTERVAL_S 86400

/* Targets that share an interval, probed together by one read callback.
 * Owned by collectd's read heap once registered (cd_group_free). */
struct cd_group {
  cdtime_t interval;
  size_t n;
  struct ap_target **targets;
  struct ap_result *results;
  enum ap_error *last;      /* last verdict error, to log changes only */
  enum ap_state *last_state;
};

static void cd_group_free(void *p)
{
  struct cd_group *g = p;
  size_t i;
  if(!g)
    return;
  for(i = 0; i < g->n; i++) {
    ap_target_free(g->targets[i]);
    free(g->targets[i]);
  }
  free(g->targets);
  free(g->results);
  free(g->last);
  free(g->last_state);
  free(g);
}

static void cd_put(value_list_t *vl, const char *type, const char *inst,
                   gauge_t v)
{
  value_t val;
  val.gauge = v;
  vl->values = &val;
  vl->values_len = 1;
  snprintf(vl->type, sizeof(vl->type), "%s", type);
  snprintf(vl->type_instance, sizeof(vl->type_instance), "%s", inst);
  plugin_dispatch_values(vl);
  vl->values = NULL;
}

static void cd_dispatch(const struct ap_target *t, const struct ap_result *r)
{
  value_list_t vl = VALUE_LIST_INIT;
  const struct ap_metric *m;
  size_t i;
  vl.time = cdtime();
  snprintf(vl.plugin, sizeof(vl.plugin), "%s", CD_NAME);
  snprintf(vl.plugin_instance, sizeof(vl.plugin_instance), "%s", t->name);
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++)
    cd_put(&vl, m->cd_type, m->cd_inst, ap_metric_value(r, i));
  for(i = 0; i < AP_LAYER_COUNT; i++)
    cd_put(&vl, "apiprobe_state", ap_layer_name((enum ap_layer)i),
           ap_state_number(ap_result_layer(r, (enum ap_layer)i)->state));
  cd_put(&vl, "apiprobe_state", "verdict", ap_state_number(r->verdict.state));
}

/* Set by a successful init (main thread, before the readers start); a
 * read that runs anyway after a failed init (collectd -T does) probes
 * nothing. */
static int cd_ready;

static int cd_read(user_data_t *ud)
{
  struct cd_group *g = ud->data;
  size_t i;
  if(!cd_ready)
    return -1;
  ap_probe_many(g->targets, g->n, g->results);
  for(i = 0; i < g->n; i++) {
    const struct ap_result *r = &g->results[i];
    /* log a change of verdict, not every failing read */
    if(r->verdict.error != g->last[i] ||
       r->verdict.state != g->last_state[i]) {
      char line[AP_TEXT * 2];
      ap_verdict_line(r, 1, line, sizeof(line));
      plugin_log(r->verdict.state == AP_STATE_OK ? LOG_INFO : LOG_WARNING,
                 CD_NAME " plugin: %s: %s", g->targets[i]->name, line);
    }
    g->last[i] = r->verdict.error;
    g->last_state[i] = r->verdict.state;
    cd_dispatch(g->targets[i], r);
  }
  return 0; /* a failed probe is data, never a failed read */
}

/* One config value as the text the option table takes; -1 for a type
 * the table does not take, -2 for a string longer than N - 1 bytes (never
 * cut: a cut value could still be valid and mean something else). */
static int cd_value_text(const oconfig_value_t *v, char *out, size_t n)
{
  switch(v->type) {
  case OCONFIG_TYPE_STRING:
    if(strlen(v->value.string) >= n)
      return -2;
    snprintf(out, n, "%s", v->value.string);
    return 0;
  case OCONFIG_TYPE_NUMBER:
    ap_num_general(out, n, v->value.number, 15); /* '.' in any locale */
    return 0;
  case OCONFIG_TYPE_BOOLEAN:
    snprintf(out, n, "%s", v->value.boolean ? "true" : "false");
    return 0;
  default:
    return -1;
  }
}

/* One <Target> child: an option of the core table, or Interval. */
static int cd_option(struct ap_target *t, const oconfig_item_t *k,
                     double *interval, int *timeout_set)
{
  const char *opt = ap_option_canonical(k->key);
  char val[1024], err[512];
  int i;
  if(!strcasecmp(k->key, "Interval")) {
    if(k->values_num != 1 || k->values[0].type != OCONFIG_TYPE_NUMBER ||
       !(k->values[0].value.number > 0 &&
         k->values[0].value.number <= CD_MAX_INTERVAL_S)) {
      ERROR(CD_NAME " plugin: target \"%s\": Interval needs a positive "
                    "number of seconds up to %d; target refused",
            t->name, CD_MAX_INTERVAL_S);
      return -1;
    }
    *interval = k->values[0].value.number;
    return 0;
  }
  if(!opt) {
    ERROR(CD_NAME " plugin: target \"%s\": unknown option \"%s\"; target "
                  "refused",
          t->name, k->key);
    return -1;
  }
  if(!strcmp(opt, "name")) {
    ERROR(CD_NAME " plugin: target \"%s\": the name is the <Target> "
                  "argument; target refused",
          t->name);
    return -1;
  }
  if(k->values_num == 0 && ap_option_is_flag(opt) == 1)
    return ap_target_set(t, opt, "true", err, sizeof(err)) ? -1 : 0;
  if(k->values_num == 0) {
    ERROR(CD_NAME " plugin: target \"%s\": %s needs a value; target refused",
          t->name, k->key);
    return -1;
  }
  for(i = 0; i < k->values_num; i++) {
    int vrc = cd_value_text(&k->values[i], val, sizeof(val));
    if(vrc == -2) {
      ERROR(CD_NAME " plugin: target \"%s\": %s: value %d too long (%zu "
                    "bytes, at most %zu); target refused",
            t->name, k->key, i + 1, strlen(k->values[i].value.string),
            sizeof(val) - 1);
      return -1;
    }
    if(vrc || ap_target_set(t, opt, val, err, sizeof(err))) {
      ERROR(CD_NAME " plugin: target \"%s\": %s: %s; target refused",
            t->name, k->key, vrc ? "bad value" : err);
      return -1;
    }
  }
  if(!strcmp(opt, "timeout"))
    *timeout_set = 1;
  return 0;
}

/* Build one target from its block; NULL (logged) when refused. */
static struct ap_target *cd_target(const oconfig_item_t *ci,
                                   double *pinterval)
{
  struct ap_target *t;
  double interval = CDTIME_T_TO_DOUBLE(plugin_get_interval());
  int timeout_set = 0;
  struct ap_fit fit = {0, 0, 0, 0, 0};
  enum ap_code rc;
  char err[512], v[32], iv[32];
  int i;

  if(ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING ||
     !ap_target_name_ok(ci->values[0].value.string)) {
    ERROR(CD_NAME " plugin: <Target> needs one name of letters, digits, "
                  "'.', '_' or '-' (at most 63); target refused");
    return NULL;
  }
  t = calloc(1, sizeof(*t));
  if(!t)
    return NULL;
  ap_target_init(t);
  if(ap_target_set(t, "name", ci->values[0].value.string, err, sizeof(err)))
    goto refuse;
  for(i = 0; i < ci->children_num; i++) {
    if(cd_option(t, &ci->children[i], &interval, &timeout_set))
      goto refuse;
  }
  /* collectd never interrupts a read: the default 10 s is kept below the
   * interval (a fifth of it free), a Timeout given must stay below it */
  fit.limit_s = interval;
  fit.margin_frac = 0.2;
  fit.refuse = timeout_set;
  rc = ap_target_fit_timeout(t, &fit, err, sizeof(err));
  if(rc == AP_E_CONFIG) {
    ap_num_general(v, sizeof(v), t->timeout_s, 6);
    ap_num_general(iv, sizeof(iv), interval, 6);
    ERROR(CD_NAME " plugin: target \"%s\": Timeout %s must stay below its "
                  "Interval %s; target refused",
          t->name, v, iv);
    goto refuse;
  } else if(rc) {
    goto refuse_err;
  }
  if(ap_target_finish(t, err, sizeof(err)))
    goto refuse_err;
  *pinterval = interval;
  return t;
refuse_err:
  ERROR(CD_NAME " plugin: target \"%s\": %s; target refused", t->name, err);
refuse:
  ap_target_free(t);
  free(t);
  return NULL;
}

static struct cd_group *cd_group_for(struct cd_group **gs, size_t *ng,
                                     size_t max, cdtime_t interval)
{
  size_t i;
  for(i = 0; i < *ng; i++) {
    if(gs[i]->interval == interval)
      return gs[i];
  }
  if(*ng >= max)
    return NULL;
  gs[*ng] = calloc(1, sizeof(**gs));
  if(!gs[*ng])
    return NULL;
  gs[*ng]->interval = interval;
  return gs[(*ng)++];
}

static int cd_group_add(struct cd_group *g, struct ap_target *t)
{
  struct ap_target **ts = realloc(g->targets, (g->n + 1) * sizeof(*ts));
  struct ap_result *rs;
  if(!ts)
    return -1;
  g->targets = ts;
  rs = realloc(g->results, (g->n + 1) * sizeof(*rs));
  if(!rs)
    return -1;
  g->results = rs;
  if(!(g->last = realloc(g->last, (g->n + 1) * sizeof(*g->last))) ||
     !(g->last_state =
         realloc(g->last_state, (g->n + 1) * sizeof(*g->last_state))))
    return -1;
  g->last[g->n] = AP_ERR_NONE;
  g->last_state[g->n] = AP_STATE_OK;
  g->targets[g->n++] = t;
  return 0;
}

static void cd_register(struct cd_group *g)
{
  char name[64];
  user_data_t ud = {.data = g, .free_func = cd_group_free};
  /* unique even for a second <Plugin> block with the same interval */
  snprintf(name, sizeof(name), "%.0fms-%p",
           CDTIME_T_TO_DOUBLE(g->interval) * 1000.0, (void *)g);
  if(plugin_register_complex_read(CD_NAME, name, cd_read, g->interval,
                                  &ud)) {
    /* collectd 5.12 frees the user data of a refused callback itself */
    ERROR(CD_NAME " plugin: cannot register the read callback %s", name);
    return;
  }
  INFO(CD_NAME " plugin: %zu target(s) every %.3f s", g->n,
       CDTIME_T_TO_DOUBLE(g->interval));
}

static int cd_config(oconfig_item_t *ci)
{
  struct cd_group *gs[64];
  size_t ng = 0, i, total = 0;
  int k;
  for(k = 0; k < ci->children_num; k++) {
    const oconfig_item_t *c = &ci->children[k];
    struct ap_target *t;
    struct cd_group *g;
    double interval = 0;
    if(strcasecmp(c->key, "Target")) {
      ERROR(CD_NAME " plugin: unknown option \"%s\" (only <Target> blocks)",
            c->key);
      continue;
    }
    if(total >= CD_MAX_TARGETS) {
      ERROR(CD_NAME " plugin: more than %d targets; the rest are refused",
            CD_MAX_TARGETS);
      break;
    }
    t = cd_target(c, &interval);
    if(!t)
      continue;
    g = cd_group_for(gs, &ng, sizeof(gs) / sizeof(gs[0]),
                     DOUBLE_TO_CDTIME_T(interval));
    if(!g || cd_group_add(g, t)) {
      ERROR(CD_NAME " plugin: target \"%s\": out of memory or too many "
                    "intervals; target refused",
            t->name);
      ap_target_free(t);
      free(t);
      continue;
    }
    total++;
  }
  for(i = 0; i < ng; i++)
    cd_register(gs[i]);
  return 0;
}

static int cd_init(void)
{
  static const char *const types[] = {"apiprobe_days", "apiprobe_state",
                                      "apiprobe_remaining",
                                      "apiprobe_seconds"};
  size_t i;
  for(i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    if(!plugin_get_ds(types[i])) {
      ERROR(CD_NAME " plugin: type \"%s\" is unknown: add apiprobe-types.db "
                    "to TypesDB (after the default types.db)",
            types[i]);
      /* collectd unregisters only a read named like the plugin */
      plugin_unregister_read_group(CD_NAME);
      return -1;
    }
  }
  if(ap_global_init() != AP_OK) {
    ERROR(CD_NAME " plugin: cannot initialise libcurl with OpenSSL");
    plugin_unregister_read_group(CD_NAME);
    return -1;
  }
  cd_ready = 1;
  return 0;
}

static int cd_shutdown(void)
{
  if(!cd_ready)
    return 0;
  cd_ready = 0;
  ap_global_cleanup();
  return 0;
}

/* the one symbol the .so exports */
__attribute__((visibility("default"))) void module_register(void);
__attribute__((visibility("default"))) void module_register(void)
{
  plugin_register_complex_config(CD_NAME, cd_config);
  plugin_register_init(CD_NAME, cd_init);
  plugin_register_shutdown(CD_NAME, cd_shutdown);
}
