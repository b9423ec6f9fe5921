/* statuspage.c -- the provider's Statuspage check (--status-page URL, off by
 * default): summary.json fetched on its own thread while the live probe
 * runs, its indicator and the API component's status turned into a state,
 * and the verdict's reason told whether the provider sees an outage ("it's
 * them") or is green ("it's us"). It never changes the live verdict's state
 * and its failure never hides the live result.
 */
#include "internal.h"
#include "strutil.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <math.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_BODY_MAX (512 * 1024)

struct status_job {
  pthread_t tid;
  int started;
  CURL *easy;
  void *store; /* X509_STORE * of the target (not owned) */
  struct curl_slist *resolve;
  char url[AP_TARGET_TEXT * 2];
  char proxy[AP_TEXT * 2];
  double timeout_s;
  char *body;
  size_t len;
  int capped;
  CURLcode code;
  long status;
  char errbuf[CURL_ERROR_SIZE];
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
  struct status_job *j = ud;
  return ap_buf_append(&j->body, &j->len, STATUS_BODY_MAX, &j->capped, p,
                       sz * n);
}

static CURLcode on_ctx(CURL *curl, void *sslctx, void *ud)
{
  struct status_job *j = ud;
  (void)curl;
  if(j->store)
    SSL_CTX_set1_cert_store(sslctx, j->store);
  return CURLE_OK;
}

static void *run(void *arg)
{
  struct status_job *j = arg;
  CURL *e = j->easy;
  long ms = (long)(j->timeout_s * 1000.0);
  struct ap_dns_result dns;
  int timed_out = 0;
  /* the status page's name (or its proxy's) through the bounded lookup:
   * libcurl's own resolver has no limit of ours */
  if(ap_url_pin(j->proxy[0] ? j->proxy : j->url, j->proxy[0] ? 1080 : 443,
                0, j->timeout_s, &j->resolve, &dns, &timed_out)) {
    j->code = timed_out ? CURLE_OPERATION_TIMEDOUT
                        : CURLE_COULDNT_RESOLVE_HOST;
    snprintf(j->errbuf, sizeof(j->errbuf), "name lookup: %s",
             dns.h.reason[0] ? dns.h.reason : "failed");
    return NULL;
  }
  ap_curl_base(e, j->url, j->proxy, j->resolve);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms < 1 ? 1 : ms);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ctx);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, j);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "apiprobe/" AP_VERSION);
  j->code = (CURLcode)ap_curl_perform(e);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &j->status);
  return NULL;
}

struct ap_statuspage_job *ap_statuspage_start(const struct ap_target *t,
                                      void *easy, void *store)
{
  struct status_job *j;
  struct ap_env_result env;
  char host[AP_TEXT];
  int i;
  if(!t->status_page || !easy)
    return NULL;
  j = calloc(1, sizeof(*j));
  if(!j)
    return NULL;
  j->easy = easy;
  j->store = store;
  j->timeout_s = t->timeout_s;
  ap_strlcpy(j->url, t->status_page, sizeof(j->url));
  memset(&env, 0, sizeof(env));
  if(ap_url_host(j->url, host, sizeof(host)))
    host[0] = '\0';
  ap_env_eval(t, host, &env, j->proxy, sizeof(j->proxy));
  for(i = 0; i < t->resolve_count; i++)
    j->resolve = curl_slist_append(j->resolve, t->resolve[i]);
  j->started = !pthread_create(&j->tid, NULL, run, j);
  if(!j->started)
    run(j);
  return (struct ap_statuspage_job *)j;
}

static enum ap_state indicator_state(const char *v)
{
  if(!strcmp(v, "none"))
    return AP_STATE_OK;
  if(!strcmp(v, "minor") || !strcmp(v, "maintenance"))
    return AP_STATE_WARNING;
  if(!strcmp(v, "major") || !strcmp(v, "critical"))
    return AP_STATE_CRITICAL;
  return AP_STATE_UNKNOWN; /* an unknown value is never ok */
}

static enum ap_state component_state(const char *v)
{
  if(!strcmp(v, "operational"))
    return AP_STATE_OK;
  if(!strcmp(v, "degraded_performance") || !strcmp(v, "under_maintenance"))
    return AP_STATE_WARNING;
  if(!strcmp(v, "partial_outage") || !strcmp(v, "major_outage"))
    return AP_STATE_CRITICAL;
  return AP_STATE_UNKNOWN;
}

static const char *jstr(struct json_object *o, const char *k)
{
  struct json_object *v = NULL;
  if(!o || !json_object_object_get_ex(o, k, &v) ||
     !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

/* The API's component: by id, else by name. */
static const char *api_component(struct json_object *root)
{
  struct json_object *cs = NULL;
  size_t i, n;
  const char *byname = NULL;
  if(!json_object_object_get_ex(root, "components", &cs) ||
     !json_object_is_type(cs, json_type_array))
    return NULL;
  n = json_object_array_length(cs);
  for(i = 0; i < n; i++) {
    struct json_object *c = json_object_array_get_idx(cs, i);
    const char *id = jstr(c, "id"), *name = jstr(c, "name");
    if(id && !strcmp(id, "k8w3r06qmzrp"))
      return jstr(c, "status");
    if(name && !byname &&
       (strstr(name, "api.anthropic.com") || strstr(name, "Claude API")))
      byname = jstr(c, "status");
  }
  return byname;
}

void ap_statuspage_parse(const char *body, size_t len,
                     struct ap_statuspage_result *s)
{
  struct json_tokener *tok = json_tokener_new();
  struct json_object *root = NULL, *st = NULL, *inc = NULL;
  const char *ind, *comp;
  enum ap_state a, b;
  s->state = AP_STATE_UNKNOWN;
  if(tok && body)
    root = json_tokener_parse_ex(tok, body, (int)len);
  if(!root || !json_object_is_type(root, json_type_object) ||
     !json_object_object_get_ex(root, "status", &st)) {
    ap_strlcpy(s->reason, "the status page is not Statuspage JSON",
               sizeof(s->reason));
    goto out;
  }
  ind = jstr(st, "indicator");
  /* network text: printable, cut on character boundaries */
  ind = ind ? ind : "";
  ap_text_copy(s->indicator, sizeof(s->indicator), ind, strlen(ind), 0);
  {
    const char *d = jstr(st, "description") ? jstr(st, "description") : "";
    ap_text_copy(s->description, sizeof(s->description), d, strlen(d), 0);
  }
  comp = api_component(root);
  ap_text_copy(s->component_status, sizeof(s->component_status),
               comp ? comp : "", comp ? strlen(comp) : 0, 0);
  if(json_object_object_get_ex(root, "incidents", &inc) &&
     json_object_is_type(inc, json_type_array))
    s->incidents = (int)json_object_array_length(inc);
  a = *ind ? indicator_state(ind) : AP_STATE_UNKNOWN;
  b = comp ? component_state(comp) : AP_STATE_OK;
  s->state = ap_state_rank(b) > ap_state_rank(a) ? b : a;
  snprintf(s->reason, sizeof(s->reason),
           "status page: %s (indicator %s, API component %s, %d unresolved "
           "incident%s)",
           s->description[0] ? s->description : "?",
           s->indicator[0] ? s->indicator : "?",
           comp ? s->component_status : "not listed", s->incidents,
           s->incidents == 1 ? "" : "s");
out:
  if(root)
    json_object_put(root);
  if(tok)
    json_tokener_free(tok);
}

void ap_statuspage_finish(struct ap_statuspage_job *job, struct ap_result *r)
{
  struct status_job *j = (struct status_job *)job;
  struct ap_statuspage_result *s = &r->status_page;
  if(!j)
    return;
  if(j->started)
    pthread_join(j->tid, NULL);
  s->checked = 1;
  ap_url_redact(j->url, s->url, sizeof(s->url));
  if(j->code != CURLE_OK || j->status != 200) {
    s->state = AP_STATE_UNKNOWN;
    if(j->code != CURLE_OK)
      snprintf(s->reason, sizeof(s->reason), "status page unreachable: %s",
               j->errbuf[0] ? j->errbuf : curl_easy_strerror(j->code));
    else
      snprintf(s->reason, sizeof(s->reason), "status page answered HTTP %ld",
               j->status);
  } else {
    ap_statuspage_parse(j->body, j->len, s);
  }
  curl_slist_free_all(j->resolve);
  free(j->body);
  free(j);
}

void ap_statuspage_fold(struct ap_result *r)
{
  struct ap_verdict *v = &r->verdict;
  const struct ap_statuspage_result *s = &r->status_page;
  const char *add = NULL;
  size_t n;
  if(!s->checked)
    return;
  if(v->state == AP_STATE_OK) {
    if(s->state == AP_STATE_WARNING || s->state == AP_STATE_CRITICAL)
      add = "; note: the provider's status page reports a problem";
  } else if(s->state == AP_STATE_CRITICAL) {
    add = "; the provider reports a major outage: it is on their side";
  } else if(s->state == AP_STATE_WARNING) {
    add = "; the provider reports degraded service";
  } else if(s->state == AP_STATE_OK) {
    add = "; the provider is green: the problem is on this side";
  } else if(s->indicator[0]) {
    add = "; the provider's status page shows an unknown state";
  } else {
    add = "; the provider's status page could not be read";
  }
  n = strlen(v->reason);
  if(add && n < sizeof(v->reason) - 1)
    snprintf(v->reason + n, sizeof(v->reason) - n, "%s", add);
}
