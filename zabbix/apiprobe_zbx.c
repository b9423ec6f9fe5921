/* apiprobe_zbx.c -- the Zabbix agent (zabbix_agentd 6.0, C agent) loadable
 * module: targets come from an ini-style file read at init ([target NAME]
 * sections of CLI long options), items name a target (never a secret),
 * each listener process keeps its last result per target for a short
 * window so several items share one probe, and every probe is capped
 * below the agent's Timeout (the agent does not cut modules off).
 */
#include "apiprobe.h"
#include "apiprobe_conf.h"

#include <json-c/json.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the module ABI (Zabbix include/module.h, API version 2) ---- */
#define ZM_MODULE_OK 0
#define ZM_API_VERSION 2
#define ZM_RET_OK 0
#define ZM_RET_FAIL 1
#define ZM_CF_HAVEPARAMS 0x01
#define ZM_AR_UINT64 0x01
#define ZM_AR_DOUBLE 0x02
#define ZM_AR_TEXT 0x08
#define ZM_AR_MESSAGE 0x20

struct zm_request { /* AGENT_REQUEST prefix: the agent allocates it */
  char *key;
  int nparam;
  char **params;
  uint64_t lastlogsize;
  int mtime;
};

struct zm_result { /* AGENT_RESULT prefix: the agent allocates it */
  uint64_t lastlogsize;
  uint64_t ui64;
  double dbl;
  char *str;
  char *text;
  char *msg;
  void *log;
  int type;
  int mtime;
};

struct zm_metric { /* ZBX_METRIC */
  char *key;
  unsigned flags;
  int (*function)(struct zm_request *, struct zm_result *);
  char *test_param;
};

#define ZM_MAX_TARGETS 256
#define ZM_DEFAULT_CONF "/etc/zabbix/apiprobe.conf"

struct zm_target {
  struct ap_conf_target *c; /* in zm_conf: target, name, config error */
  struct ap_result r;
  double at;                /* monotonic time of r, 0 never */
};

/* Module state: set at init in the agent's main process, copied into each
 * listener by fork; each listener then owns its copy (no sharing). */
static struct ap_conf zm_conf;
static struct zm_target *zm_targets; /* one per zm_conf target */
static int zm_ntargets;
/* The targets' last canary runs, shared by the listeners (mapped before
 * the fork): --canary-interval holds for the agent, not per listener. */
static struct ap_canary_shared *zm_canaries;
static int zm_timeout = 3;
static double zm_cache_s = 5;

static double zm_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* NOTSUPPORTED with MSG, then DETAIL (heap copies: the agent frees). */
static int zm_fail(struct zm_result *res, const char *msg,
                   const char *detail)
{
  char buf[AP_TEXT * 2];
  snprintf(buf, sizeof(buf), "%s%s", msg, detail);
  res->msg = strdup(buf);
  if(res->msg)
    res->type |= ZM_AR_MESSAGE;
  return ZM_RET_FAIL;
}

/* The agent puts the module's stderr in its log. */
static void zm_log(void *ud, const char *msg)
{
  (void)ud;
  fprintf(stderr, "apiprobe module: %s\n", msg);
}

static struct zm_target *zm_find(struct zm_request *req,
                                 struct zm_result *res)
{
  int i;
  const char *name = req->nparam > 0 ? req->params[0] : NULL;
  if(!name || !*name) {
    zm_fail(res, "the first parameter is the target name", "");
    return NULL;
  }
  for(i = 0; i < zm_ntargets; i++) {
    /* the first section of that name (a duplicate only carries an error) */
    if(!strcmp(zm_targets[i].c->section, name)) {
      if(zm_targets[i].c->error[0]) {
        zm_fail(res, "target misconfigured: ", zm_targets[i].c->error);
        return NULL;
      }
      return &zm_targets[i];
    }
  }
  {
    char msg[128];
    snprintf(msg, sizeof(msg), "unknown target '%.60s' (see "
                               "apiprobe.discovery)", name);
    zm_fail(res, msg, "");
  }
  return NULL;
}

/* The target's result, probed now unless a fresh one is cached. */
static const struct ap_result *zm_result(struct zm_target *zt)
{
  double now = zm_now();
  char err[AP_TEXT];
  /* the agent does not interrupt a module: stay half a second below its
   * Timeout (never under half a second) */
  struct ap_fit fit = {zm_timeout, 1, 0.5, 0.5, 0};
  if(zt->at > 0 && now - zt->at < zm_cache_s)
    return &zt->r;
  ap_target_fit_timeout(&zt->c->t, &fit, err, sizeof(err));
  ap_probe_run(&zt->c->t, &zt->r);
  zt->at = zm_now();
  return &zt->r;
}

static int zm_text(struct zm_result *res, char *s)
{
  if(!s)
    return zm_fail(res, "out of memory", "");
  res->text = s;
  res->type |= ZM_AR_TEXT;
  return ZM_RET_OK;
}

static int zm_uint(struct zm_result *res, uint64_t v)
{
  res->ui64 = v;
  res->type |= ZM_AR_UINT64;
  return ZM_RET_OK;
}

/* The shared state numbers; an unsigned item needs 4 for skipped and 5
 * for n/a where the others have no sample. */
static uint64_t zm_state_code(enum ap_state s)
{
  double v = ap_state_number(s);
  if(v == v)
    return (uint64_t)v;
  return s == AP_STATE_SKIPPED ? 4 : 5;
}

static int zm_item_probe(struct zm_request *req, struct zm_result *res)
{
  struct zm_target *zt = zm_find(req, res);
  char *json = NULL;
  if(!zt)
    return ZM_RET_FAIL;
  if(ap_render_json(zm_result(zt), 0, &json))
    return zm_fail(res, "out of memory", "");
  return zm_text(res, json);
}

static int zm_item_state(struct zm_request *req, struct zm_result *res)
{
  struct zm_target *zt = zm_find(req, res);
  if(!zt)
    return ZM_RET_FAIL;
  return zm_uint(res, zm_state_code(zm_result(zt)->verdict.state));
}

static int zm_item_layer(struct zm_request *req, struct zm_result *res)
{
  struct zm_target *zt = zm_find(req, res);
  int l;
  if(!zt)
    return ZM_RET_FAIL;
  for(l = 0; l < AP_LAYER_COUNT; l++) {
    if(req->nparam > 1 && !strcmp(req->params[1], ap_layer_name(l)))
      return zm_uint(res, zm_state_code(
                            ap_result_layer(zm_result(zt), l)->state));
  }
  return zm_fail(res,
                 "second parameter: a layer (env dns tcp proxy tls http "
                 "auth)",
                 "");
}

static int zm_item_metric(struct zm_request *req, struct zm_result *res)
{
  struct zm_target *zt = zm_find(req, res);
  const struct ap_result *r;
  int i;
  double v;
  if(!zt)
    return ZM_RET_FAIL;
  i = req->nparam > 1 ? ap_metric_find(req->params[1]) : -1;
  if(i < 0)
    return zm_fail(res, "second parameter: a metric (see the template)", "");
  r = zm_result(zt);
  v = ap_metric_value(r, (size_t)i);
  if(v != v) { /* NAN */
    char msg[AP_TEXT + 96];
    const struct ap_metric *m = ap_metric_get((size_t)i);
    const struct ap_layer_head *h = ap_result_layer(r, m->layer);
    snprintf(msg, sizeof(msg), "not measured: %s (%s layer %s)%s%s",
             m->name, ap_layer_name(m->layer), ap_state_name(h->state),
             r->verdict.state != AP_STATE_OK ? "; " : "",
             r->verdict.state != AP_STATE_OK ? r->verdict.reason : "");
    return zm_fail(res, msg, "");
  }
  res->dbl = v;
  res->type |= ZM_AR_DOUBLE;
  return ZM_RET_OK;
}

static int zm_item_verdict(struct zm_request *req, struct zm_result *res)
{
  struct zm_target *zt = zm_find(req, res);
  const struct ap_result *r;
  char buf[AP_TEXT * 2];
  if(!zt)
    return ZM_RET_FAIL;
  r = zm_result(zt);
  ap_verdict_line(r, 1, buf, sizeof(buf));
  return zm_text(res, strdup(buf));
}

static void zm_json_add(struct json_object *o, const char *k, const char *v)
{
  json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

/* [{"{#TARGET}":..,"{#URL}":..,"{#PROVIDER}":..,"{#REGION}":..,
 * "{#PROJECT}":..},...]: every well-configured target, the clouds' where
 * ("" else). */
static int zm_item_discovery(struct zm_request *req, struct zm_result *res)
{
  struct json_object *a = json_object_new_array();
  char *out = NULL;
  int i;
  (void)req;
  for(i = 0; a && i < zm_ntargets; i++) {
    const struct ap_target *t = &zm_targets[i].c->t;
    struct json_object *o;
    if(!t->name || zm_targets[i].c->error[0])
      continue;
    o = json_object_new_object();
    if(!o || json_object_array_add(a, o)) {
      json_object_put(o);
      json_object_put(a);
      a = NULL;
      break;
    }
    zm_json_add(o, "{#TARGET}", t->name);
    zm_json_add(o, "{#URL}", t->url_shown);
    zm_json_add(o, "{#PROVIDER}", ap_provider_name(t->provider));
    zm_json_add(o, "{#REGION}", t->region);
    zm_json_add(o, "{#PROJECT}", t->project);
  }
  if(a) {
    const char *text = json_object_to_json_string_ext(
      a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    out = text ? strdup(text) : NULL;
  }
  json_object_put(a);
  return zm_text(res, out);
}

static struct zm_metric zm_items[] = {
  {(char *)(uintptr_t) "apiprobe.discovery", 0, zm_item_discovery, NULL},
  {(char *)(uintptr_t) "apiprobe.probe", ZM_CF_HAVEPARAMS, zm_item_probe,
   (char *)(uintptr_t) "none"},
  {(char *)(uintptr_t) "apiprobe.state", ZM_CF_HAVEPARAMS, zm_item_state,
   (char *)(uintptr_t) "none"},
  {(char *)(uintptr_t) "apiprobe.layer", ZM_CF_HAVEPARAMS, zm_item_layer,
   (char *)(uintptr_t) "none,dns"},
  {(char *)(uintptr_t) "apiprobe.metric", ZM_CF_HAVEPARAMS, zm_item_metric,
   (char *)(uintptr_t) "none,total_time"},
  {(char *)(uintptr_t) "apiprobe.verdict", ZM_CF_HAVEPARAMS, zm_item_verdict,
   (char *)(uintptr_t) "none"},
  {NULL, 0, NULL, NULL},
};

#define ZM_EXPORT __attribute__((visibility("default")))

ZM_EXPORT int zbx_module_api_version(void);
ZM_EXPORT int zbx_module_init(void);
ZM_EXPORT struct zm_metric *zbx_module_item_list(void);
ZM_EXPORT void zbx_module_item_timeout(int timeout);
ZM_EXPORT int zbx_module_uninit(void);

int zbx_module_api_version(void)
{
  return ZM_API_VERSION;
}

/* Targets with a canary keep its last run where every listener sees it;
 * without the mapping each listener guards its own (and says so). */
static void zm_share_canaries(void)
{
  int i, any = 0;
  for(i = 0; i < zm_ntargets; i++)
    any |= !zm_targets[i].c->error[0] && zm_targets[i].c->t.canary;
  if(!any)
    return;
  zm_canaries = ap_canary_shared_new((size_t)zm_ntargets);
  if(!zm_canaries) {
    fprintf(stderr, "apiprobe module: no shared memory for the canaries: "
                    "each listener keeps --canary-interval on its own\n");
    return;
  }
  for(i = 0; i < zm_ntargets; i++)
    if(!zm_targets[i].c->error[0] && zm_targets[i].c->t.canary)
      ap_target_canary_share(&zm_targets[i].c->t, zm_canaries, (size_t)i);
}

int zbx_module_init(void)
{
  const char *path = getenv("APIPROBE_ZABBIX_CONF");
  int i;
  if(!path || !*path)
    path = ZM_DEFAULT_CONF;
  /* a bad config never stops the agent: its items say what is wrong */
  if(ap_global_init() != AP_OK) {
    fprintf(stderr, "apiprobe module: cannot initialise libcurl with "
                    "OpenSSL; every item will fail\n");
    return ZM_MODULE_OK;
  }
  ap_conf_read(path, ZM_MAX_TARGETS, NULL, zm_log, NULL, &zm_conf);
  if(zm_conf.cache_s >= 0)
    zm_cache_s = zm_conf.cache_s;
  zm_targets = calloc(ZM_MAX_TARGETS, sizeof(*zm_targets));
  if(!zm_targets) {
    fprintf(stderr, "apiprobe module: out of memory\n");
    ap_conf_free(&zm_conf);
    return ZM_MODULE_OK;
  }
  for(i = 0; i < zm_conf.ntargets; i++)
    zm_targets[i].c = &zm_conf.targets[i];
  zm_ntargets = zm_conf.ntargets;
  zm_share_canaries();
  fprintf(stderr, "apiprobe module: %d target(s) from %s\n", zm_ntargets,
          path);
  return ZM_MODULE_OK;
}

struct zm_metric *zbx_module_item_list(void)
{
  return zm_items;
}

void zbx_module_item_timeout(int timeout)
{
  if(timeout > 0)
    zm_timeout = timeout;
}

int zbx_module_uninit(void)
{
  ap_conf_free(&zm_conf);
  free(zm_targets);
  zm_targets = NULL;
  zm_ntargets = 0;
  ap_canary_shared_free(zm_canaries);
  zm_canaries = NULL;
  ap_global_cleanup();
  return ZM_MODULE_OK;
}
