/* test_inference.c -- plugin/inference.c and model.c without a network:
 * ap_stream_event() fed the event sequences Anthropic and OpenAI send
 * (timings from a fake clock: ttft, max gap; usage from message_start and
 * message_delta), every way a stream goes wrong (error event types, data
 * that is not JSON, a stream not starting with message_start), the canary's
 * request bodies (valid JSON, one token, streaming) and the model id check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct ev {
  double at;         /* fake mono time */
  const char *type;
  const char *data;
};

/* Feed EVS; the error of the first that fails (AP_ERR_NONE if none). */
static enum ap_error feed(struct ap_stream *s, int provider,
                          const struct ev *evs, size_t n)
{
  size_t i;
  ap_stream_init(s, provider, 10.0);
  for(i = 0; i < n; i++) {
    enum ap_error e = ap_stream_event(s, evs[i].type, evs[i].data,
                                      strlen(evs[i].data), evs[i].at);
    if(e != AP_ERR_NONE)
      return e;
  }
  return AP_ERR_NONE;
}

static const struct ev anthropic_ok[] = {
  {10.2, "message_start",
   "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":"
   "{\"input_tokens\":8,\"output_tokens\":1}}}"},
  {10.3, "content_block_start",
   "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
   "{\"type\":\"text\",\"text\":\"\"}}"},
  {10.35, "ping", "{\"type\": \"ping\"}"},
  {11.7, "content_block_delta",
   "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
   "\"text_delta\",\"text\":\"Hi\"}}"},
  {11.72, "content_block_stop", "{\"type\":\"content_block_stop\"}"},
  {11.74, "message_delta",
   "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},"
   "\"usage\":{\"output_tokens\":1}}"},
  {11.75, "message_stop", "{\"type\":\"message_stop\"}"},
};

static void test_anthropic_ok(void **state)
{
  struct ap_stream s;
  (void)state;
  assert_int_equal(feed(&s, AP_PROVIDER_ANTHROPIC, anthropic_ok,
                        N_ELEMS(anthropic_ok)),
                   AP_ERR_NONE);
  assert_true(s.done && s.started);
  assert_true(fabs(s.first_delta_at - 11.7) < 1e-9);
  assert_true(fabs(s.done_at - 11.75) < 1e-9);
  /* the longest silence: ping -> first delta */
  assert_true(fabs(s.max_gap_s - 1.35) < 1e-9);
  assert_int_equal(s.events, 7);
  assert_true(s.input_tokens == 8 && s.output_tokens == 1);
  assert_string_equal(s.stop_reason, "max_tokens");
  /* an event after message_stop changes nothing */
  assert_int_equal(ap_stream_event(&s, "content_block_delta", "junk", 4,
                                   12.0),
                   AP_ERR_NONE);
  assert_true(fabs(s.done_at - 11.75) < 1e-9);
}

struct bad_case {
  const char *what;
  int provider;
  struct ev evs[3];
  size_t n;
  enum ap_error want;
  const char *error_type;
};

static void test_failures(void **state)
{
  static const struct bad_case cases[] = {
    {"overloaded event", AP_PROVIDER_ANTHROPIC,
     {{10.1, "message_start", "{\"type\":\"message_start\",\"message\":{}}"},
      {10.2, "error",
       "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
       "\"message\":\"Overloaded\"}}"}},
     2, AP_ERR_INF_OVERLOADED, "overloaded_error"},
    {"api_error event", AP_PROVIDER_ANTHROPIC,
     {{10.2, "error",
       "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":"
       "\"Internal server error\"}}"}},
     1, AP_ERR_INF_API_ERROR, "api_error"},
    {"rate limit event", AP_PROVIDER_ANTHROPIC,
     {{10.2, "error",
       "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\"}}"}},
     1, AP_ERR_INF_RATE_LIMITED, "rate_limit_error"},
    {"an unknown error type is an api_error", AP_PROVIDER_ANTHROPIC,
     {{10.2, "error", "{\"type\":\"error\",\"error\":{\"type\":\"new\"}}"}},
     1, AP_ERR_INF_API_ERROR, "new"},
    {"not JSON", AP_PROVIDER_ANTHROPIC,
     {{10.1, "message_start", "{\"type\":\"message_start\",\"message\":{}}"},
      {10.2, "content_block_delta", "{\"type\":\"content_block_delta\","}},
     2, AP_ERR_INF_BAD_RESPONSE, ""},
    {"JSON with trailing junk", AP_PROVIDER_ANTHROPIC,
     {{10.1, "message_start", "{\"type\":\"message_start\"} x"}},
     1, AP_ERR_INF_BAD_RESPONSE, ""},
    {"a JSON array", AP_PROVIDER_ANTHROPIC,
     {{10.1, "message_start", "[1,2]"}}, 1, AP_ERR_INF_BAD_RESPONSE, ""},
    {"no message_start first", AP_PROVIDER_ANTHROPIC,
     {{10.1, "content_block_delta", "{\"type\":\"content_block_delta\"}"}},
     1, AP_ERR_INF_BAD_RESPONSE, ""},
    {"openai error chunk", AP_PROVIDER_OPENAI,
     {{10.1, "message",
       "{\"error\":{\"message\":\"Rate limit\",\"type\":\"requests\","
       "\"code\":\"rate_limit_exceeded\"}}"}},
     1, AP_ERR_INF_RATE_LIMITED, "requests"},
    {"openai not JSON", AP_PROVIDER_OPENAI, {{10.1, "message", "DONE"}}, 1,
     AP_ERR_INF_BAD_RESPONSE, ""},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    const struct bad_case *c = &cases[i];
    struct ap_stream s;
    enum ap_error e = feed(&s, c->provider, c->evs, c->n);
    if(e != c->want)
      fail_msg("case '%s': %s, want %s", c->what, ap_error_name(e),
               ap_error_name(c->want));
    assert_string_equal(s.error_type, c->error_type);
    assert_true(s.reason[0] != '\0');
    assert_false(s.done);
  }
}

static void test_ping_before_start(void **state)
{
  static const struct ev evs[] = {
    {10.1, "ping", "{\"type\": \"ping\"}"},
    {10.2, "message_start", "{\"type\":\"message_start\",\"message\":{}}"},
    {10.3, "some_new_event", "{\"type\":\"some_new_event\"}"},
    {10.4, "message_stop", "{\"type\":\"message_stop\"}"},
  };
  struct ap_stream s;
  (void)state;
  assert_int_equal(feed(&s, AP_PROVIDER_ANTHROPIC, evs, N_ELEMS(evs)),
                   AP_ERR_NONE);
  assert_true(s.done);
  assert_true(isnan(s.input_tokens)); /* no usage given */
  assert_true(s.first_delta_at == 0);
}

static void test_openai_ok(void **state)
{
  static const struct ev evs[] = {
    {10.1, "message",
     "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
     "\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}"},
    {10.4, "message",
     "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
     "\"finish_reason\":null}]}"},
    {10.5, "message",
     "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]"
     "}"},
    {10.6, "message",
     "{\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":"
     "1}}"},
    {10.61, "message", "[DONE]"},
  };
  struct ap_stream s;
  (void)state;
  assert_int_equal(feed(&s, AP_PROVIDER_OPENAI, evs, N_ELEMS(evs)),
                   AP_ERR_NONE);
  assert_true(s.done);
  /* the empty first delta is not the first token */
  assert_true(fabs(s.first_delta_at - 10.4) < 1e-9);
  assert_string_equal(s.stop_reason, "length");
  assert_true(s.input_tokens == 9 && s.output_tokens == 1);
}

static void test_canary_bodies(void **state)
{
  static const int providers[] = {AP_PROVIDER_ANTHROPIC, AP_PROVIDER_OPENAI};
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(providers); i++) {
    char body[512];
    struct json_object *o, *v;
    int n = ap_canary_body(providers[i], "claude-haiku-4-5", body,
                           sizeof(body));
    assert_true(n > 0 && (size_t)n < sizeof(body));
    o = json_tokener_parse(body);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "model", &v));
    assert_string_equal(json_object_get_string(v), "claude-haiku-4-5");
    assert_true(json_object_object_get_ex(o, "stream", &v) &&
                json_object_get_boolean(v));
    /* one output token at most, under the name each provider takes */
    assert_true(json_object_object_get_ex(
                  o, providers[i] == AP_PROVIDER_OPENAI
                       ? "max_completion_tokens"
                       : "max_tokens",
                  &v) &&
                json_object_get_int(v) == 1);
    assert_false(json_object_object_get_ex(
      o, providers[i] == AP_PROVIDER_OPENAI ? "max_tokens"
                                            : "max_completion_tokens",
      NULL));
    json_object_put(o);
  }
}

static void test_model_ids(void **state)
{
  static const char *const good[] = {"claude-sonnet-4-5",
                                     "claude-3-5-haiku-20241022", "gpt-4o",
                                     "ft:gpt-4o:org:x:1", "model@v1"};
  static const char *const bad[] = {"", "..", ".hidden", "a/b", "a b",
                                    "a\"b", "a?b", "a%2fb", "x\n"};
  char longid[AP_MODEL_ID_MAX + 1];
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(good); i++)
    assert_true(ap_model_id_ok(good[i]));
  for(i = 0; i < N_ELEMS(bad); i++)
    assert_false(ap_model_id_ok(bad[i]));
  memset(longid, 'm', sizeof(longid) - 1);
  longid[sizeof(longid) - 1] = '\0';
  assert_false(ap_model_id_ok(longid));
  longid[AP_MODEL_ID_MAX - 1] = '\0';
  assert_true(ap_model_id_ok(longid));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_anthropic_ok),
    cmocka_unit_test(test_failures),
    cmocka_unit_test(test_ping_before_start),
    cmocka_unit_test(test_openai_ok),
    cmocka_unit_test(test_canary_bodies),
    cmocka_unit_test(test_model_ids),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
