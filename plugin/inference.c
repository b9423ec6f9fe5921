/* inference.c -- the inference layer (--canary MODEL; SPENDS TOKENS):
 * the smallest streaming generation the provider allows (a one-word
 * prompt, at most one output token), read event by event to the end:
 *
 *   request sent --> message_start --> ... first content delta ... --> message_stop
 *   |<------------------ ttft_s ------------------>|                      |
 *   |<------------------------------ stream_s ---------------------------->|
 *                 max_gap_s: the longest silence between two events
 *
 * A silence of --stream-idle-timeout ends it as stream_stalled, an end
 * before the final event is stream_truncated; 529 or an overloaded_error
 * event is overloaded. The events are the SSE parser's (sse.c); what they
 * mean per provider is ap_stream_event(), a pure function the tests feed.
 * Cost guard: one canary per target per --canary-interval; in between the
 * last result is reused, marked with its age.
 */
#include "internal.h"
#include "secret.h"
#include "sse.h"
#include "strutil.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#define CANARY_PROMPT "ping"

/* A target's last canary run. In a host that forks its workers after
 * init, the slot sits in memory they share (ap_canary_shared_new), with a
 * process-shared mutex; otherwise in the memo itself, unlocked (one
 * thread probes a target at a time). */
struct ap_canary_slot {
  pthread_mutex_t mu;  /* used only when shared */
  int used;            /* res holds a run */
  double at;           /* mono time of that run (CLOCK_MONOTONIC is the
                          same in every process) */
  double claimed_at;   /* a process runs one since then, 0 none */
  struct ap_inference_result res;
};

struct ap_canary_memo {
  struct ap_canary_slot *slot; /* &own, or a shared slot (not owned) */
  int shared;
  struct ap_canary_slot own;
};

struct ap_canary_shared {
  size_t n;
  size_t bytes;                 /* of the whole mapping */
  struct ap_canary_slot slots[];
};

void ap_canary_memo_free(struct ap_canary_memo *m)
{
  free(m);
}

struct ap_canary_shared *ap_canary_shared_new(size_t n)
{
  size_t bytes = sizeof(struct ap_canary_shared) +
                 (n ? n : 1) * sizeof(struct ap_canary_slot);
  struct ap_canary_shared *s;
  pthread_mutexattr_t a;
  size_t i;
  void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if(m == MAP_FAILED)
    return NULL;
  s = m; /* zero-filled by mmap */
  s->n = n;
  s->bytes = bytes;
  if(pthread_mutexattr_init(&a)) {
    munmap(m, bytes);
    return NULL;
  }
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  for(i = 0; i < n; i++)
    pthread_mutex_init(&s->slots[i].mu, &a);
  pthread_mutexattr_destroy(&a);
  return s;
}

void ap_canary_shared_free(struct ap_canary_shared *s)
{
  size_t i;
  if(!s)
    return;
  for(i = 0; i < s->n; i++)
    pthread_mutex_destroy(&s->slots[i].mu);
  munmap(s, s->bytes);
}

enum ap_code ap_target_canary_share(struct ap_target *t,
                                    struct ap_canary_shared *s, size_t i)
{
  struct ap_canary_memo *m;
  if(!s || i >= s->n)
    return AP_E_ARG;
  m = t->canary_memo ? t->canary_memo : calloc(1, sizeof(*m));
  if(!m)
    return AP_E_NOMEM;
  m->slot = &s->slots[i];
  m->shared = 1;
  t->canary_memo = m;
  return AP_OK;
}

static void slot_lock(struct ap_canary_memo *m)
{
  if(m->shared)
    pthread_mutex_lock(&m->slot->mu);
}

static void slot_unlock(struct ap_canary_memo *m)
{
  if(m->shared)
    pthread_mutex_unlock(&m->slot->mu);
}

/* What a canary request is, per provider: where it goes, its body around
 * the model id, the event that ends its stream. The rows belong in the
 * provider table once there is one. OpenAI: max_completion_tokens, which
 * reasoning models accept where they reject max_tokens; usage arrives in a
 * last chunk only when asked for. */
struct canary_shape {
  int provider;
  const char *path;
  const char *body_head; /* then the model id (checked: nothing to escape) */
  const char *body_tail;
  const char *final_event;
};

static const struct canary_shape shapes[] = {
  {AP_PROVIDER_ANTHROPIC, "/v1/messages", "{\"model\":\"",
   "\",\"max_tokens\":1,\"stream\":true,\"messages\":[{\"role\":\"user\","
   "\"content\":\"" CANARY_PROMPT "\"}]}",
   "message_stop"},
  {AP_PROVIDER_OPENAI, "/v1/chat/completions", "{\"model\":\"",
   "\",\"max_completion_tokens\":1,\"stream\":true,\"stream_options\":"
   "{\"include_usage\":true},\"messages\":[{\"role\":\"user\","
   "\"content\":\"" CANARY_PROMPT "\"}]}",
   "[DONE]"},
};

static const struct canary_shape *shape_of(int provider)
{
  size_t i;
  for(i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
    if(shapes[i].provider == provider)
      return &shapes[i];
  return &shapes[0];
}

int ap_canary_body(int provider, const char *model, char *out, size_t n)
{
  const struct canary_shape *sh = shape_of(provider);
  return snprintf(out, n, "%s%s%s", sh->body_head, model, sh->body_tail);
}

void ap_stream_init(struct ap_stream *s, int provider, double sent_at)
{
  memset(s, 0, sizeof(*s));
  s->provider = provider;
  s->sent_at = sent_at;
  s->last_event_at = sent_at;
  s->input_tokens = s->output_tokens = NAN;
}

/* ---- JSON helpers over json-c ---- */

static struct json_object *get(struct json_object *o, const char *k)
{
  struct json_object *v = NULL;
  if(!o || !json_object_is_type(o, json_type_object) ||
     !json_object_object_get_ex(o, k, &v))
    return NULL;
  return v;
}

static const char *get_str(struct json_object *o, const char *k)
{
  struct json_object *v = get(o, k);
  return v && json_object_is_type(v, json_type_string)
           ? json_object_get_string(v)
           : NULL;
}

static double get_num(struct json_object *o, const char *k)
{
  struct json_object *v = get(o, k);
  if(v && (json_object_is_type(v, json_type_int) ||
           json_object_is_type(v, json_type_double)))
    return json_object_get_double(v);
  return NAN;
}

static struct json_object *parse(const char *data, size_t len)
{
  struct json_tokener *tok = json_tokener_new();
  struct json_object *o;
  if(!tok)
    return NULL;
  o = json_tokener_parse_ex(tok, data, (int)len);
  if(o && (json_tokener_get_error(tok) != json_tokener_success ||
           tok->char_offset != (int)len ||
           !json_object_is_type(o, json_type_object))) {
    json_object_put(o);
    o = NULL;
  }
  json_tokener_free(tok);
  return o;
}

static enum ap_error stream_fail(struct ap_stream *s, enum ap_error e,
                                 const char *what, const char *detail)
{
  char clean[128];
  ap_text_clean(clean, sizeof(clean), detail ? detail : "");
  snprintf(s->reason, sizeof(s->reason), "%s%s%s", what,
           clean[0] ? ": " : "", clean);
  return e;
}

/* An error object (Anthropic's event or OpenAI's chunk) -> error. */
static enum ap_error error_object(struct ap_stream *s,
                                  struct json_object *err)
{
  const char *type = get_str(err, "type");
  const char *code = get_str(err, "code");
  const char *msg = get_str(err, "message");
  char what[96];
  enum ap_error e = AP_ERR_INF_API_ERROR;
  ap_text_clean(s->error_type, sizeof(s->error_type), type ? type : "");
  if(type && !strcmp(type, "overloaded_error"))
    e = AP_ERR_INF_OVERLOADED;
  else if((type && !strcmp(type, "rate_limit_error")) ||
          (code && !strcmp(code, "rate_limit_exceeded")))
    e = AP_ERR_INF_RATE_LIMITED;
  else if((type && !strcmp(type, "not_found_error")) ||
          (code && !strcmp(code, "model_not_found")))
    e = AP_ERR_INF_MODEL_NOT_FOUND;
  snprintf(what, sizeof(what), "error event %.60s after %ld events",
           s->error_type[0] ? s->error_type : "(no type)", s->events);
  return stream_fail(s, e, what, msg);
}

static enum ap_error anthropic_event(struct ap_stream *s, const char *type,
                                     struct json_object *o, double now)
{
  if(!strcmp(type, "error"))
    return error_object(s, get(o, "error"));
  if(!strcmp(type, "ping"))
    return AP_ERR_NONE;
  if(!s->started && strcmp(type, "message_start"))
    return stream_fail(s, AP_ERR_INF_BAD_RESPONSE,
                       "the stream does not begin with message_start", type);
  if(!strcmp(type, "message_start")) {
    struct json_object *u = get(get(o, "message"), "usage");
    s->started = 1;
    s->input_tokens = get_num(u, "input_tokens");
    s->output_tokens = get_num(u, "output_tokens");
  }
  else if(!strcmp(type, "content_block_delta")) {
    if(!s->first_delta_at)
      s->first_delta_at = now;
  }
  else if(!strcmp(type, "message_delta")) {
    struct json_object *u = get(o, "usage");
    const char *stop = get_str(get(o, "delta"), "stop_reason");
    double v = get_num(u, "output_tokens");
    if(stop)
      ap_text_clean(s->stop_reason, sizeof(s->stop_reason), stop);
    if(!isnan(v))
      s->output_tokens = v; /* cumulative */
    v = get_num(u, "input_tokens");
    if(!isnan(v))
      s->input_tokens = v;
  }
  else if(!strcmp(type, "message_stop")) {
    s->done = 1;
    s->done_at = now;
  }
  /* content_block_start/stop and event types added later: nothing to do
   * (the API's versioning policy allows new event types) */
  return AP_ERR_NONE;
}

static enum ap_error openai_chunk(struct ap_stream *s, struct json_object *o,
                                  double now)
{
  struct json_object *choices = get(o, "choices");
  struct json_object *u = get(o, "usage");
  if(get(o, "error"))
    return error_object(s, get(o, "error"));
  s->started = 1;
  if(choices && json_object_is_type(choices, json_type_array) &&
     json_object_array_length(choices) > 0) {
    struct json_object *c = json_object_array_get_idx(choices, 0);
    struct json_object *d = get(c, "delta");
    const char *text = get_str(d, "content");
    const char *refusal = get_str(d, "refusal");
    const char *fin = get_str(c, "finish_reason");
    if(!s->first_delta_at && ((text && *text) || (refusal && *refusal)))
      s->first_delta_at = now;
    if(fin)
      ap_text_clean(s->stop_reason, sizeof(s->stop_reason), fin);
  }
  if(u && json_object_is_type(u, json_type_object)) {
    s->input_tokens = get_num(u, "prompt_tokens");
    s->output_tokens = get_num(u, "completion_tokens");
  }
  return AP_ERR_NONE;
}

enum ap_error ap_stream_event(struct ap_stream *s, const char *type,
                              const char *data, size_t len, double now)
{
  struct json_object *o;
  enum ap_error e;
  if(s->events && now - s->last_event_at > s->max_gap_s)
    s->max_gap_s = now - s->last_event_at;
  s->last_event_at = now;
  s->events++;
  if(s->done)
    return AP_ERR_NONE; /* nothing counts after the final event */
  if(s->provider == AP_PROVIDER_OPENAI && len == 6 &&
     !memcmp(data, "[DONE]", 6)) {
    s->done = 1;
    s->done_at = now;
    return AP_ERR_NONE;
  }
  o = parse(data, len);
  if(!o) {
    char what[96];
    snprintf(what, sizeof(what), "event %ld (%.40s) is not JSON", s->events,
             type);
    return stream_fail(s, AP_ERR_INF_BAD_RESPONSE, what, NULL);
  }
  e = s->provider == AP_PROVIDER_OPENAI ? openai_chunk(s, o, now)
                                        : anthropic_event(s, type, o, now);
  json_object_put(o);
  return e;
}

/* ---- the transfer ---- */

struct canary {
  struct ap_followup f;
  struct ap_sse sse;
  struct ap_stream st;
  int decided;     /* the first body byte told stream or not */
  int is_stream;
  enum ap_error err; /* from the events, AP_ERR_NONE */
};

static int on_event(void *ud, const struct ap_sse_event *ev)
{
  struct canary *c = ud;
  c->err = ap_stream_event(&c->st, ev->type, ev->data, ev->data_len,
                           ap_mono_s());
  return c->err != AP_ERR_NONE;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
  struct canary *c = ud;
  size_t len = size * n;
  int rv;
  if(!c->decided) {
    c->decided = 1;
    c->is_stream = c->f.status == 200 &&
                   !strncasecmp(c->f.content_type, "text/event-stream", 17);
  }
  if(!c->is_stream)
    return ap_followup_on_body(buf, size, n, &c->f);
  rv = ap_sse_feed(&c->sse, buf, len);
  if(rv == AP_SSE_E_TOO_LARGE && c->err == AP_ERR_NONE)
    c->err = stream_fail(&c->st, AP_ERR_INF_BAD_RESPONSE,
                         "an event is larger than 16 KiB", NULL);
  return rv ? 0 : len;
}

/* Run the transfer in a multi loop of our own, so a silence is seen
 * within 50 ms of --stream-idle-timeout. Returns the curl code; *STALLED
 * when the idle limit ended it. */
static CURLcode pump(struct canary *c, double idle_s, int *stalled)
{
  CURLM *m = curl_multi_init();
  CURLcode code = CURLE_OK;
  int running = 1;
  *stalled = 0;
  if(!m)
    return CURLE_OUT_OF_MEMORY;
  c->f.multi = m;
  if(curl_multi_add_handle(m, c->f.easy) != CURLM_OK)
    return CURLE_FAILED_INIT;
  while(running) {
    CURLMsg *msg;
    int left;
    if(curl_multi_perform(m, &running) != CURLM_OK) {
      code = CURLE_FAILED_INIT;
      break;
    }
    while((msg = curl_multi_info_read(m, &left)) != NULL)
      if(msg->msg == CURLMSG_DONE)
        code = msg->data.result;
    if(!running)
      break;
    if(ap_mono_s() - c->st.last_event_at > idle_s) {
      *stalled = 1;
      break;
    }
    curl_multi_poll(m, NULL, 0, 50, NULL);
  }
  return code;
}

/* The answer was not a stream: what its status and body say. */
static enum ap_error refused(struct canary *c, int provider, char *reason,
                             size_t n)
{
  enum ap_error e;
  long st = c->f.status;
  if(st == 200) {
    char ct[64];
    ap_text_clean(ct, sizeof(ct),
                  c->f.content_type[0] ? c->f.content_type : "none");
    snprintf(reason, n, "HTTP 200 but content-type %s, not an event stream",
             ct);
    return AP_ERR_INF_BAD_RESPONSE;
  }
  e = ap_followup_classify(&c->f, provider, reason, n);
  if(st == 529 || e == AP_ERR_AUTH_OVERLOADED)
    return AP_ERR_INF_OVERLOADED;
  if(e == AP_ERR_AUTH_RATE_LIMITED)
    return AP_ERR_INF_RATE_LIMITED;
  if(st == 404 && e != AP_ERR_HTTP_NOT_API)
    return AP_ERR_INF_MODEL_NOT_FOUND;
  if(st >= 500 && e != AP_ERR_HTTP_NOT_API)
    return AP_ERR_INF_API_ERROR;
  return e; /* invalid key, forbidden, billing ...: the auth classes */
}

static double since_sent(double t_start, double sent_off, double at)
{
  return at > 0 ? at - t_start - sent_off : NAN;
}

static void judge(struct canary *c, const struct ap_target *t,
                  struct ap_inference_result *in, CURLcode code, int stalled,
                  double t_start, double budget_s)
{
  double silent = ap_mono_s() - c->st.last_event_at;
  char reason[AP_TEXT];
  enum ap_error e = AP_ERR_NONE;
  curl_off_t pre = 0;
  double sent_off;
  curl_easy_getinfo(c->f.easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
  sent_off = (double)pre / 1e6;
  in->status = c->f.status;
  ap_text_clean(in->request_id, sizeof(in->request_id), c->f.request_id);
  in->events = c->st.events;
  in->ttft_s = since_sent(t_start, sent_off, c->st.first_delta_at);
  in->stream_s = since_sent(t_start, sent_off, c->st.done_at);
  in->max_gap_s = c->st.events > 1 ? c->st.max_gap_s : NAN;
  in->input_tokens = c->st.input_tokens;
  in->output_tokens = c->st.output_tokens;
  ap_strlcpy(in->stop_reason, c->st.stop_reason, sizeof(in->stop_reason));
  ap_strlcpy(in->error_type, c->st.error_type, sizeof(in->error_type));
  reason[0] = '\0';
  if(c->err != AP_ERR_NONE) {
    e = c->err;
    ap_strlcpy(reason, c->st.reason, sizeof(reason));
  }
  else if(stalled) {
    e = AP_ERR_INF_STALLED;
    snprintf(reason, sizeof(reason),
             "no event for %.1f s (after %ld event%s%s)",
             t->stream_idle_timeout_s, c->st.events,
             c->st.events == 1 ? "" : "s",
             c->decided ? "" : ", no answer yet");
  }
  else if(code == CURLE_OPERATION_TIMEDOUT && c->is_stream && silent >= 1) {
    /* --timeout ran out before --stream-idle-timeout, in a silence */
    e = AP_ERR_INF_STALLED;
    snprintf(reason, sizeof(reason),
             "no event for %.1f s when --timeout ran out (after %ld "
             "events)",
             silent, c->st.events);
  }
  else if(code != CURLE_OK && c->is_stream) {
    e = AP_ERR_INF_TRUNCATED;
    if(code == CURLE_OPERATION_TIMEDOUT)
      snprintf(reason, sizeof(reason),
               "the stream did not end within the %.1f s left of --timeout "
               "(%ld events, no final event)",
               budget_s, c->st.events);
    else
      snprintf(reason, sizeof(reason),
               "the connection ended after %ld events, before the final "
               "event (%s)",
               c->st.events, curl_easy_strerror(code));
  }
  else if(code != CURLE_OK && !c->f.status)
    e = ap_followup_failure(&c->f, (long)code, reason, sizeof(reason));
  else if(!c->is_stream)
    e = refused(c, t->provider, reason, sizeof(reason));
  else if(!c->st.done) {
    e = AP_ERR_INF_TRUNCATED;
    snprintf(reason, sizeof(reason),
             "the stream ended after %ld events without %s", c->st.events,
             shape_of(t->provider)->final_event);
  }
  if(e == AP_ERR_NONE) {
    ap_head_set(&in->h, AP_STATE_OK, AP_ERR_NONE, NULL);
    snprintf(reason, sizeof(reason),
             "first token after %.3f s, stream done after %.3f s (%s)",
             isnan(in->ttft_s) ? 0 : in->ttft_s, in->stream_s,
             in->stop_reason[0] ? in->stop_reason : "no stop reason");
  }
  else {
    ap_head_set(&in->h, ap_error_state(e), e, NULL);
  }
  ap_strlcpy(in->h.reason, reason, sizeof(in->h.reason));
  ap_redact(in->h.reason, sizeof(in->h.reason), t->key);
}

static void cost(const struct ap_target *t, struct ap_inference_result *in)
{
  double c = 0;
  int any = 0;
  if(!isnan(t->price_input) && !isnan(in->input_tokens)) {
    c += in->input_tokens * t->price_input / 1e6;
    any = 1;
  }
  if(!isnan(t->price_output) && !isnan(in->output_tokens)) {
    c += in->output_tokens * t->price_output / 1e6;
    any = 1;
  }
  in->cost_usd = any ? c : NAN;
}

static void canary_run(struct ap_target *t, struct ap_inference_result *in,
                       double budget_s)
{
  struct canary *c = calloc(1, sizeof(*c));
  char url[AP_TARGET_TEXT * 2], body[AP_MODEL_ID_MAX + 256], err[AP_TEXT];
  double t_start;
  CURLcode code;
  int stalled = 0;
  const char *path = shape_of(t->provider)->path;
  if(!c) {
    ap_head_set(&in->h, AP_STATE_UNKNOWN, in->h.error, "out of memory");
    return;
  }
  if(ap_api_url(t, path, url, sizeof(url)) ||
     ap_followup_init(&c->f, t, url, "accept: text/event-stream", 1,
                      budget_s, err, sizeof(err))) {
    ap_head_set(&in->h, AP_STATE_UNKNOWN, in->h.error,
                "cannot set the canary request up");
    goto out;
  }
  ap_canary_body(t->provider, t->canary, body, sizeof(body));
  curl_easy_setopt(c->f.easy, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c->f.easy, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  curl_easy_setopt(c->f.easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c->f.easy, CURLOPT_WRITEDATA, c);
  ap_sse_init(&c->sse, on_event, c);
  t_start = ap_mono_s();
  ap_stream_init(&c->st, t->provider, t_start);
  code = pump(c, t->stream_idle_timeout_s, &stalled);
  in->h.time_s = ap_mono_s() - t_start;
  judge(c, t, in, code, stalled, t_start, budget_s);
  cost(t, in);
out:
  ap_followup_free(&c->f);
  free(c);
}

/* Within --canary-interval of the slot's run (or while another process
 * runs one): copy that result into IN, marked reused. 1 when reused;
 * else the slot is claimed for this run. Called locked. */
static int reuse(const struct ap_target *t, struct ap_canary_slot *s,
                 struct ap_inference_result *in, double now)
{
  int same = s->used && !strcmp(s->res.model, t->canary);
  int fresh = same && t->canary_interval_s > 0 &&
              now - s->at < t->canary_interval_s;
  int running = same && s->claimed_at > 0 &&
                now - s->claimed_at < t->timeout_s + 1;
  if(fresh || running) {
    *in = s->res;
    in->reused = 1;
    in->age_s = now - s->at;
    return 1;
  }
  s->claimed_at = now;
  return 0;
}

void ap_inference_run(struct ap_target *t, struct ap_result *r,
                      double deadline)
{
  struct ap_inference_result *in = &r->inference;
  double now = ap_mono_s();
  struct ap_canary_memo *m;
  int reused;

  in->ttft_s = in->stream_s = in->max_gap_s = in->cost_usd = NAN;
  in->input_tokens = in->output_tokens = NAN;
  in->age_s = NAN;
  if(!t->canary) {
    ap_head_set(&in->h, AP_STATE_NA, in->h.error, NULL);
    return;
  }
  if(r->auth.h.state != AP_STATE_OK && r->auth.h.state != AP_STATE_WARNING)
    return; /* skipped: no tokens spent on a key that did not get through */
  if(!t->canary_memo) {
    t->canary_memo = calloc(1, sizeof(*t->canary_memo));
    if(t->canary_memo)
      t->canary_memo->slot = &t->canary_memo->own;
  }
  m = t->canary_memo;
  if(m) {
    slot_lock(m);
    reused = reuse(t, m->slot, in, now);
    slot_unlock(m);
    if(reused)
      return;
  }
  in->h.time_s = NAN;
  in->age_s = 0;
  ap_strlcpy(in->model, t->canary, sizeof(in->model));
  if(deadline - ap_mono_s() < AP_FOLLOWUP_MIN_S) {
    /* no tokens spent: nothing to remember either */
    ap_head_set(&in->h, AP_STATE_UNKNOWN, AP_ERR_HTTP_TIMEOUT,
                "the canary was not sent: --timeout used up by the layers "
                "before it");
    if(m) {
      slot_lock(m);
      m->slot->claimed_at = 0;
      slot_unlock(m);
    }
    return;
  }
  canary_run(t, in, deadline - ap_mono_s());
  if(m) {
    slot_lock(m);
    m->slot->at = now;
    m->slot->res = *in;
    m->slot->used = 1;
    m->slot->claimed_at = 0;
    slot_unlock(m);
  }
}

/* " NAME X.XXX s" into B when V is measured. */
static size_t put_s(char *b, size_t n, const char *name, double v)
{
  int w;
  if(isnan(v) || !n)
    return 0;
  w = snprintf(b, n, ", %s %.3f s", name, v);
  return w < 0 ? 0 : (size_t)w >= n ? n - 1 : (size_t)w;
}

int ap_inference_summary(const struct ap_result *r, char *buf, size_t n)
{
  const struct ap_inference_result *in = &r->inference;
  size_t u;
  int w;
  if(!n)
    return 0;
  buf[0] = '\0';
  if(in->h.state == AP_STATE_NA || in->h.state == AP_STATE_SKIPPED)
    return 0;
  w = snprintf(buf, n, "%s", in->model);
  u = w < 0 ? 0 : (size_t)w >= n ? n - 1 : (size_t)w;
  u += put_s(buf + u, n - u, "first token", in->ttft_s);
  u += put_s(buf + u, n - u, "stream", in->stream_s);
  u += put_s(buf + u, n - u, "max gap", in->max_gap_s);
  if(!isnan(in->input_tokens) && u < n) {
    w = snprintf(buf + u, n - u, ", %.0f+%.0f tokens", in->input_tokens,
                 isnan(in->output_tokens) ? 0 : in->output_tokens);
    u += w < 0 ? 0 : (size_t)w >= n - u ? n - u - 1 : (size_t)w;
  }
  if(!isnan(in->cost_usd) && u < n) {
    w = snprintf(buf + u, n - u, ", about $%.6f", in->cost_usd);
    u += w < 0 ? 0 : (size_t)w >= n - u ? n - u - 1 : (size_t)w;
  }
  if(in->stop_reason[0] && u < n) {
    w = snprintf(buf + u, n - u, ", stop %s", in->stop_reason);
    u += w < 0 ? 0 : (size_t)w >= n - u ? n - u - 1 : (size_t)w;
  }
  if(in->reused && u < n) {
    w = snprintf(buf + u, n - u, "; reused, %.0f s old (--canary-interval)",
                 in->age_s);
    u += w < 0 ? 0 : (size_t)w >= n - u ? n - u - 1 : (size_t)w;
  }
  return (int)u;
}
