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
 * mean per provider is ap_stream_event() (stream.c), a pure function the
 * tests feed. Cost guard (canary_memo.c): one canary per target per
 * --canary-interval; in between the last result is reused, marked with its
 * age. This file sends the request, pumps the stream and judges the end.
 */
#include "internal.h"
#include "secret.h"
#include "sse.h"
#include "strutil.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ap_canary_body(int provider, const char *model, char *out, size_t n)
{
  /* the request's shape is the provider table's (provider.c) */
  const struct ap_provider_row *p = ap_provider(provider);
  if(!p->canary_body_head)
    p = ap_provider(AP_PROVIDER_ANTHROPIC);
  return snprintf(out, n, "%s%s%s", p->canary_body_head, model,
                  p->canary_body_tail);
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
    c->err = ap_stream_fail(&c->st, AP_ERR_INF_BAD_RESPONSE,
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

/* What ended the canary, when not its final event: E and REASON. */
static enum ap_error judge_failure(struct canary *c,
                                   const struct ap_target *t, CURLcode code,
                                   int stalled, double budget_s,
                                   char *reason, size_t n)
{
  double silent = ap_mono_s() - c->st.last_event_at;
  const char *final = ap_provider(t->provider)->canary_final_event;
  if(c->err != AP_ERR_NONE) {
    ap_strlcpy(reason, c->st.reason, n);
    return c->err;
  }
  if(stalled) {
    snprintf(reason, n, "no event for %.1f s (after %ld event%s%s)",
             t->stream_idle_timeout_s, c->st.events,
             c->st.events == 1 ? "" : "s",
             c->decided ? "" : ", no answer yet");
    return AP_ERR_INF_STALLED;
  }
  if(code == CURLE_OPERATION_TIMEDOUT && c->is_stream && silent >= 1) {
    /* --timeout ran out before --stream-idle-timeout, in a silence */
    snprintf(reason, n,
             "no event for %.1f s when --timeout ran out (after %ld "
             "events)",
             silent, c->st.events);
    return AP_ERR_INF_STALLED;
  }
  if(code != CURLE_OK && c->is_stream) {
    if(code == CURLE_OPERATION_TIMEDOUT)
      snprintf(reason, n,
               "the stream did not end within the %.1f s left of --timeout "
               "(%ld events, no final event)",
               budget_s, c->st.events);
    else
      snprintf(reason, n,
               "the connection ended after %ld events, before the final "
               "event (%s)",
               c->st.events, curl_easy_strerror(code));
    return AP_ERR_INF_TRUNCATED;
  }
  if(code != CURLE_OK && !c->f.status)
    return ap_followup_failure(&c->f, (long)code, reason, n);
  if(!c->is_stream)
    return refused(c, t->provider, reason, n);
  if(!c->st.done) {
    snprintf(reason, n, "the stream ended after %ld events without %s",
             c->st.events, final ? final : "message_stop");
    return AP_ERR_INF_TRUNCATED;
  }
  return AP_ERR_NONE;
}

static void judge(struct canary *c, const struct ap_target *t,
                  struct ap_inference_result *in, CURLcode code, int stalled,
                  double t_start, double budget_s)
{
  char reason[AP_TEXT];
  enum ap_error e;
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
  e = judge_failure(c, t, code, stalled, budget_s, reason, sizeof(reason));
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
  const char *path = ap_provider(t->provider)->canary_path
                       ? ap_provider(t->provider)->canary_path
                       : "/v1/messages";
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

void ap_inference_run(struct ap_target *t, struct ap_result *r,
                      double deadline)
{
  struct ap_inference_result *in = &r->inference;
  double now = ap_mono_s();

  /* unmeasured (NAN) since ap_result_init */
  if(!t->canary) {
    ap_head_set(&in->h, AP_STATE_NA, in->h.error, NULL);
    return;
  }
  if(r->auth.h.state != AP_STATE_OK && r->auth.h.state != AP_STATE_WARNING)
    return; /* skipped: no tokens spent on a key that did not get through */
  if(ap_canary_memo_claim(t, in, now))
    return;
  in->h.time_s = NAN;
  in->age_s = 0;
  ap_strlcpy(in->model, t->canary, sizeof(in->model));
  if(deadline - ap_mono_s() < AP_FOLLOWUP_MIN_S) {
    /* no tokens spent: nothing to remember either */
    ap_head_set(&in->h, AP_STATE_UNKNOWN, AP_ERR_HTTP_TIMEOUT,
                "the canary was not sent: --timeout used up by the layers "
                "before it");
    ap_canary_memo_keep(t, NULL, now);
    return;
  }
  canary_run(t, in, deadline - ap_mono_s());
  ap_canary_memo_keep(t, in, now);
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
