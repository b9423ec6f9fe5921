/* stream.c -- what a canary's stream says, event by event, per provider:
 * Anthropic's typed events (message_start, content_block_delta,
 * message_delta, message_stop, error) and OpenAI's chunks (choices,
 * usage, [DONE]). ap_stream_event() is a pure function of the events the
 * SSE parser (sse.c) hands over; the tests feed it tables.
 */
#include "internal.h"
#include "strutil.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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

enum ap_error ap_stream_fail(struct ap_stream *s, enum ap_error e,
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
  const char *type = ap_json_str(err, "type");
  const char *code = ap_json_str(err, "code");
  const char *msg = ap_json_str(err, "message");
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
  return ap_stream_fail(s, e, what, msg);
}

enum ap_error ap_stream_anthropic(struct ap_stream *s, const char *type,
                                  struct json_object *o, double now)
{
  if(!strcmp(type, "error"))
    return error_object(s, get(o, "error"));
  if(!strcmp(type, "ping"))
    return AP_ERR_NONE;
  if(!s->started && strcmp(type, "message_start"))
    return ap_stream_fail(s, AP_ERR_INF_BAD_RESPONSE,
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
    const char *stop = ap_json_str(get(o, "delta"), "stop_reason");
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

enum ap_error ap_stream_openai(struct ap_stream *s, const char *type,
                               struct json_object *o, double now)
{
  struct json_object *choices = get(o, "choices");
  struct json_object *u = get(o, "usage");
  (void)type; /* chunks are untyped */
  if(get(o, "error"))
    return error_object(s, get(o, "error"));
  s->started = 1;
  if(choices && json_object_is_type(choices, json_type_array) &&
     json_object_array_length(choices) > 0) {
    struct json_object *c = json_object_array_get_idx(choices, 0);
    struct json_object *d = get(c, "delta");
    const char *text = ap_json_str(d, "content");
    const char *refusal = ap_json_str(d, "refusal");
    const char *fin = ap_json_str(c, "finish_reason");
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
  /* the provider table's reading of its events (Anthropic's by default) */
  const struct ap_provider_row *p = ap_provider(s->provider);
  struct json_object *o;
  enum ap_error e;
  if(!p->stream_event)
    p = ap_provider(AP_PROVIDER_ANTHROPIC);
  if(s->events && now - s->last_event_at > s->max_gap_s)
    s->max_gap_s = now - s->last_event_at;
  s->last_event_at = now;
  s->events++;
  if(s->done)
    return AP_ERR_NONE; /* nothing counts after the final event */
  if(p->stream_done_data && len == strlen(p->stream_done_data) &&
     !memcmp(data, p->stream_done_data, len)) {
    s->done = 1;
    s->done_at = now;
    return AP_ERR_NONE;
  }
  o = parse(data, len);
  if(!o) {
    char what[96];
    snprintf(what, sizeof(what), "event %ld (%.40s) is not JSON", s->events,
             type);
    return ap_stream_fail(s, AP_ERR_INF_BAD_RESPONSE, what, NULL);
  }
  e = p->stream_event(s, type, o, now);
  json_object_put(o);
  return e;
}
