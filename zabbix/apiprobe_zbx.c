/* apiprobe_zbx.c -- the Zabbix agent (zabbix_agentd 6.0, C agent) loadable
 * module: targets come from an ini-style file read at init ([target NAME]
 * sections of CLI long options), items name a target (never a secret),
 * each listener process keeps its last result per target for a short
 * window so several items share one probe, and every probe is capped
 * below the agent's Timeout (the agent does not cut modules off).
 */
#include "apiprobe.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
#define ZM_LINE_MAX 2047        /* longest config line, without its LF */
#define ZM_CONF_MAX (1u << 20) /* largest config file */

struct zm_target {
  struct ap_target t;
  char section[64];    /* the name as written in [target NAME] */
  int line;            /* where that section starts */
  char error[AP_TEXT]; /* config problem: its items answer this */
  struct ap_result r;
  double at;           /* monotonic time of r, 0 never */
};

/* Module state: set at init in the agent's main process, copied into each
 * listener by fork; each listener then owns its copy (no sharing). */
static struct zm_target *zm_targets;
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

static char *zm_trim(char *s)
{
  char *e;
  while(isspace((unsigned char)*s))
    s++;
  e = s + strlen(s);
  while(e > s && isspace((unsigned char)e[-1]))
    *--e = '\0';
  if(e - s >= 2 && *s == '"' && e[-1] == '"') {
    e[-1] = '\0';
    s++;
  }
  return s;
}

static int zm_name_ok(const char *s)
{
  size_t n = strlen(s);
  return n && n <= 63 &&
         strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789_.-") == n;
}

/* Log a config problem (the agent puts stderr in its log) and keep it on
 * the target, if any, for its items to answer. */
static void zm_conf_error(struct zm_target *zt, const char *path, int line,
                          const char *what)
{
  fprintf(stderr, "apiprobe module: %s:%d: %s\n", path, line, what);
  if(zt && !zt->error[0])
    snprintf(zt->error, sizeof(zt->error), "%s:%d: %s", path, line, what);
}

static struct zm_target *zm_new_target(const char *name, const char *path,
                                       int line)
{
  struct zm_target *zt;
  char err[AP_TEXT];
  if(zm_ntargets >= ZM_MAX_TARGETS) {
    zm_conf_error(NULL, path, line, "too many targets");
    return NULL;
  }
  zt = &zm_targets[zm_ntargets++];
  memset(zt, 0, sizeof(*zt));
  ap_target_init(&zt->t);
  snprintf(zt->section, sizeof(zt->section), "%s", name);
  zt->line = line;
  {
    int i;
    for(i = 0; i < zm_ntargets - 1; i++) {
      if(!strcmp(zm_targets[i].section, name)) {
        snprintf(zt->error, sizeof(zt->error),
                 "%s:%d: duplicate target name '%.60s' (first at line %d)",
                 path, line, name, zm_targets[i].line);
        fprintf(stderr, "apiprobe module: %s\n", zt->error);
        return zt;
      }
    }
  }
  if(!zm_name_ok(name)) {
    snprintf(zt->error, sizeof(zt->error),
             "%s:%d: target name '%.60s' must be letters, digits, '.', '_' "
             "or '-'",
             path, line, name);
    fprintf(stderr, "apiprobe module: %s\n", zt->error);
  } else if(ap_target_set(&zt->t, "name", name, err, sizeof(err))) {
    zm_conf_error(zt, path, line, err);
  }
  return zt;
}

static void zm_setting(struct zm_target *zt, int in_module, char *key,
                       char *val, const char *path, int line)
{
  char err[AP_TEXT + 64];
  const char *opt;
  if(in_module) {
    char *end = NULL;
    double v = strtod(val, &end);
    if(strcasecmp(key, "cache") || end == val || *end || v < 0 || v > 3600)
      zm_conf_error(NULL, path, line,
                    "[module] takes only 'cache = SECONDS' (0 to 3600)");
    else
      zm_cache_s = v;
    return;
  }
  if(!zt) {
    zm_conf_error(NULL, path, line, "option outside a [target NAME] section");
    return;
  }
  opt = ap_option_canonical(key);
  if(!opt || !strcmp(opt, "name")) {
    snprintf(err, sizeof(err), "target '%s': unknown option '%.60s'",
             zt->t.name ? zt->t.name : "?", key);
    zm_conf_error(zt, path, line, err);
    return;
  }
  if(ap_target_set(&zt->t, opt, val, err, sizeof(err)))
    zm_conf_error(zt, path, line, err);
}

/* One line of the config (a NUL-terminated copy the caller owns). */
static void zm_conf_line(char *buf, const char *path, int line,
                         struct zm_target **pcur, int *pin_module)
{
  char *s = zm_trim(buf), *eq;
  if(!*s || *s == '#' || *s == ';')
    return;
  if(*s == '[') {
    char *close = strchr(s, ']');
    *pin_module = 0;
    *pcur = NULL;
    if(!close || close[1]) {
      zm_conf_error(NULL, path, line, "a section is [target NAME]");
      return;
    }
    *close = '\0';
    s = zm_trim(s + 1);
    if(!strcasecmp(s, "module"))
      *pin_module = 1;
    else if(!strncasecmp(s, "target", 6) && isspace((unsigned char)s[6]))
      *pcur = zm_new_target(zm_trim(s + 7), path, line);
    else
      zm_conf_error(NULL, path, line, "unknown section (want [target NAME])");
    return;
  }
  eq = strchr(s, '=');
  if(!eq) {
    zm_conf_error(*pcur, path, line, "not 'option = value'");
    return;
  }
  *eq = '\0';
  zm_setting(*pcur, *pin_module, zm_trim(s), zm_trim(eq + 1), path, line);
}

/* The config text BUF[0..LEN) read from PATH: a line longer than
 * ZM_LINE_MAX or holding a NUL is refused whole (never split into a live
 * setting), with its file and line. */
static void zm_parse_conf(const char *buf, size_t len, const char *path)
{
  char copy[ZM_LINE_MAX + 1];
  struct zm_target *cur = NULL;
  int line = 0, in_module = 0;
  size_t pos = 0, n;
  const char *l;
  while(ap_file_next_line(buf, len, &pos, &l, &n)) {
    line++;
    if(n > ZM_LINE_MAX) {
      char what[96];
      snprintf(what, sizeof(what),
               "line too long (%zu bytes, at most %d); refused", n,
               ZM_LINE_MAX);
      zm_conf_error(cur, path, line, what);
      continue;
    }
    if(memchr(l, '\0', n)) {
      zm_conf_error(cur, path, line, "a NUL byte in the line; refused");
      continue;
    }
    memcpy(copy, l, n);
    copy[n] = '\0';
    zm_conf_line(copy, path, line, &cur, &in_module);
  }
}

static void zm_read_conf(const char *path)
{
  char err[AP_TEXT + 64];
  char *buf = NULL;
  size_t len = 0;
  /* no FIFO, no device (APIPROBE_ZABBIX_CONF=/dev/zero), bounded size */
  if(ap_file_read(path, "config", ZM_CONF_MAX, NULL, &buf, &len, err,
                  sizeof(err))) {
    fprintf(stderr, "apiprobe module: %s: no targets\n", err);
    return;
  }
  zm_parse_conf(buf, len, path);
  free(buf);
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
    if(!strcmp(zm_targets[i].section, name)) {
      if(zm_targets[i].error[0]) {
        zm_fail(res, "target misconfigured: ", zm_targets[i].error);
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
  char err[AP_TEXT], v[32];
  double cap = zm_timeout - 0.5 < 0.5 ? 0.5 : zm_timeout - 0.5;
  if(zt->at > 0 && now - zt->at < zm_cache_s)
    return &zt->r;
  if(zt->t.timeout_s > cap) {
    /* the agent does not interrupt a module: stay below its Timeout */
    snprintf(v, sizeof(v), "%.3f", cap);
    ap_target_set(&zt->t, "timeout", v, err, sizeof(err));
  }
  if(zt->t.connect_timeout_s > zt->t.timeout_s) {
    snprintf(v, sizeof(v), "%.3f", zt->t.timeout_s);
    ap_target_set(&zt->t, "connect-timeout", v, err, sizeof(err));
  }
  ap_probe_run(&zt->t, &zt->r);
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

static const char *zm_provider_name(int p)
{
  return p == AP_PROVIDER_OPENAI    ? "openai"
         : p == AP_PROVIDER_HTTPS   ? "https"
         : p == AP_PROVIDER_BEDROCK ? "bedrock"
         : p == AP_PROVIDER_VERTEX  ? "vertex"
                                    : "anthropic";
}

/* JSON string escaping for the discovery list. */
static size_t zm_json_str(char *out, size_t n, const char *s)
{
  size_t o = 0;
  if(n < 3)
    return 0;
  out[o++] = '"';
  for(; *s && o + 8 < n; s++) {
    unsigned char c = (unsigned char)*s;
    if(c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if(c < 0x20) {
      o += (size_t)snprintf(out + o, n - o, "\\u%04x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  out[o++] = '"';
  out[o] = '\0';
  return o;
}

static int zm_item_discovery(struct zm_request *req, struct zm_result *res)
{
  /* each entry fits: names and URLs are bounded, escaping at most 6x */
  size_t per = 128 + 6 * (64 + 2 * AP_TARGET_TEXT + 3 * 64);
  size_t cap = 8 + (size_t)zm_ntargets * per;
  char *buf = malloc(cap);
  size_t used = 0;
  int i, first = 1;
  (void)req;
  if(!buf)
    return zm_fail(res, "out of memory", "");
  buf[used++] = '[';
  for(i = 0; i < zm_ntargets && cap - used > per; i++) {
    const struct zm_target *zt = &zm_targets[i];
    if(!zt->t.name || zt->error[0])
      continue;
    if(!first)
      buf[used++] = ',';
    memcpy(buf + used, "{\"{#TARGET}\":", 13);
    used += 13;
    used += zm_json_str(buf + used, cap - used, zt->t.name);
    memcpy(buf + used, ",\"{#URL}\":", 10);
    used += 10;
    used += zm_json_str(buf + used, cap - used, zt->t.url_shown);
    /* the clouds' where: {#PROVIDER}, {#REGION}, {#PROJECT} ("" else) */
    memcpy(buf + used, ",\"{#PROVIDER}\":", 15);
    used += 15;
    used += zm_json_str(buf + used, cap - used,
                        zm_provider_name(zt->t.provider));
    memcpy(buf + used, ",\"{#REGION}\":", 13);
    used += 13;
    used += zm_json_str(buf + used, cap - used,
                        zt->t.region ? zt->t.region : "");
    memcpy(buf + used, ",\"{#PROJECT}\":", 14);
    used += 14;
    used += zm_json_str(buf + used, cap - used,
                        zt->t.project ? zt->t.project : "");
    buf[used++] = '}';
    first = 0;
  }
  buf[used++] = ']';
  buf[used] = '\0';
  return zm_text(res, buf);
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
    any |= !zm_targets[i].error[0] && zm_targets[i].t.canary;
  if(!any)
    return;
  zm_canaries = ap_canary_shared_new((size_t)zm_ntargets);
  if(!zm_canaries) {
    fprintf(stderr, "apiprobe module: no shared memory for the canaries: "
                    "each listener keeps --canary-interval on its own\n");
    return;
  }
  for(i = 0; i < zm_ntargets; i++)
    if(!zm_targets[i].error[0] && zm_targets[i].t.canary)
      ap_target_canary_share(&zm_targets[i].t, zm_canaries, (size_t)i);
}

int zbx_module_init(void)
{
  const char *path = getenv("APIPROBE_ZABBIX_CONF");
  int i;
  char err[AP_TEXT];
  if(!path || !*path)
    path = ZM_DEFAULT_CONF;
  /* a bad config never stops the agent: its items say what is wrong */
  if(ap_global_init() != AP_OK) {
    fprintf(stderr, "apiprobe module: cannot initialise libcurl with "
                    "OpenSSL; every item will fail\n");
    return ZM_MODULE_OK;
  }
  zm_targets = calloc(ZM_MAX_TARGETS, sizeof(*zm_targets));
  if(!zm_targets) {
    fprintf(stderr, "apiprobe module: out of memory\n");
    return ZM_MODULE_OK;
  }
  zm_read_conf(path);
  for(i = 0; i < zm_ntargets; i++) {
    struct zm_target *zt = &zm_targets[i];
    if(zt->error[0])
      continue;
    if(ap_target_finish(&zt->t, err, sizeof(err))) {
      char what[AP_TEXT + 96];
      snprintf(what, sizeof(what), "target '%s': %s", zt->section, err);
      zm_conf_error(zt, path, zt->line, what);
    }
  }
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
  int i;
  for(i = 0; i < zm_ntargets; i++)
    ap_target_free(&zm_targets[i].t);
  free(zm_targets);
  zm_targets = NULL;
  zm_ntargets = 0;
  ap_canary_shared_free(zm_canaries);
  zm_canaries = NULL;
  ap_global_cleanup();
  return ZM_MODULE_OK;
}
