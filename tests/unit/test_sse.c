/* test_sse.c -- plugin/sse.c: every framing the event-stream spec allows
 * (CRLF, CR, LF, a CRLF split between reads, comments, multi-line data,
 * the one optional space, event/id/retry fields, a BOM, unknown fields, an
 * unfinished event at the end), each case fed whole, split at every byte
 * and byte by byte; the memory bounds and a callback that stops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Events as "type|data|id|retry;" one after the other. */
struct seen {
  char text[4096];
  int count;
  int stop_after; /* stop with 7 after this many events, 0 never */
};

static int on_event(void *ud, const struct ap_sse_event *ev)
{
  struct seen *s = ud;
  size_t n = strlen(s->text);
  assert_int_equal(strlen(ev->data), ev->data_len);
  snprintf(s->text + n, sizeof(s->text) - n, "%s|%s|%s|%ld;", ev->type,
           ev->data, ev->id, ev->retry_ms);
  s->count++;
  return s->stop_after && s->count >= s->stop_after ? 7 : 0;
}

struct sse_case {
  const char *name;
  const char *in;
  const char *want;
  int pending; /* an unfinished event remains at the end */
};

static const struct sse_case cases[] = {
  {"lf", "data: a\n\n", "message|a||-1;", 0},
  {"crlf", "data: a\r\n\r\n", "message|a||-1;", 0},
  {"cr", "data: a\r\r", "message|a||-1;", 0},
  {"mixed ends", "data: a\r\ndata: b\rdata: c\n\r\n",
   "message|a\nb\nc||-1;", 0},
  {"event type", "event: ping\ndata: {}\n\n", "ping|{}||-1;", 0},
  {"type resets per event", "event: x\ndata: 1\n\ndata: 2\n\n",
   "x|1||-1;message|2||-1;", 0},
  {"no space", "data:a\n\n", "message|a||-1;", 0},
  {"only one space dropped", "data:  a \n\n", "message| a ||-1;", 0},
  {"multi-line data", "data: a\ndata:\ndata: b\n\n", "message|a\n\nb||-1;",
   0},
  {"name only is empty data", "data\n\n", "message|||-1;", 0},
  {"comments", ": hello\n:\ndata: a\n: mid\n\n", "message|a||-1;", 0},
  {"no data no event", "event: x\n\ndata: y\n\n", "message|y||-1;", 0},
  {"id and retry", "id: 7\nretry: 1500\ndata: a\n\ndata: b\n\n",
   "message|a|7|1500;message|b|7|1500;", 0},
  {"bad retry ignored", "retry: 15x\nretry:\ndata: a\n\n",
   "message|a||-1;", 0},
  {"unknown field ignored", "foo: bar\nverylongfieldname: x\ndata: a\n\n",
   "message|a||-1;", 0},
  {"colon in value", "data: {\"a\":\"b:c\"}\n\n",
   "message|{\"a\":\"b:c\"}||-1;", 0},
  {"bom", "\xEF\xBB\xBF" "data: a\n\n", "message|a||-1;", 0},
  {"unfinished at end", "data: a\n\ndata: b\n", "message|a||-1;", 1},
  {"unfinished line", "data: a\n\ndata: b", "message|a||-1;", 1},
  {"anthropic shape",
   "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n"
   "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n"
   "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n",
   "message_start|{\"type\":\"message_start\"}||-1;"
   "ping|{\"type\": \"ping\"}||-1;"
   "message_stop|{\"type\":\"message_stop\"}||-1;",
   0},
  {"openai shape", "data: {\"x\":1}\n\ndata: [DONE]\n\n",
   "message|{\"x\":1}||-1;message|[DONE]||-1;", 0},
};

static void run(const char *in, size_t len, size_t split, struct seen *s,
                struct ap_sse *p)
{
  memset(s, 0, sizeof(*s));
  ap_sse_init(p, on_event, s);
  if(split == 0) { /* byte by byte */
    size_t i;
    for(i = 0; i < len; i++)
      assert_int_equal(ap_sse_feed(p, in + i, 1), 0);
    return;
  }
  assert_int_equal(ap_sse_feed(p, in, split), 0);
  assert_int_equal(ap_sse_feed(p, in + split, len - split), 0);
}

static void test_framings(void **state)
{
  size_t i, split;
  static struct ap_sse p;
  struct seen s;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    const struct sse_case *c = &cases[i];
    size_t len = strlen(c->in);
    for(split = 0; split <= len; split++) {
      run(c->in, len, split, &s, &p);
      if(strcmp(s.text, c->want)) {
        fprintf(stderr, "case '%s' split %zu: got '%s' want '%s'\n",
                c->name, split, s.text, c->want);
        fail();
      }
      assert_int_equal(ap_sse_pending(&p), c->pending);
    }
  }
}

static void test_crlf_split_once(void **state)
{
  /* the CR ends the line; the LF in the next read must not end another
   * (which would dispatch early and split one event in two) */
  static struct ap_sse p;
  struct seen s;
  (void)state;
  memset(&s, 0, sizeof(s));
  ap_sse_init(&p, on_event, &s);
  assert_int_equal(ap_sse_feed(&p, "data: a\r", 8), 0);
  assert_int_equal(ap_sse_feed(&p, "\ndata: b\r", 9), 0);
  assert_int_equal(s.count, 0);
  assert_int_equal(ap_sse_feed(&p, "\n\r\n", 3), 0);
  assert_string_equal(s.text, "message|a\nb||-1;");
}

static void test_data_bound(void **state)
{
  static struct ap_sse p;
  static char big[AP_SSE_DATA_MAX + 64];
  struct seen s;
  (void)state;
  memset(&s, 0, sizeof(s));
  ap_sse_init(&p, on_event, &s);
  /* exactly the cap is fine */
  memcpy(big, "data: ", 6);
  memset(big + 6, 'x', AP_SSE_DATA_MAX);
  memcpy(big + 6 + AP_SSE_DATA_MAX, "\n\n", 2);
  assert_int_equal(ap_sse_feed(&p, big, 6 + AP_SSE_DATA_MAX + 2), 0);
  assert_int_equal(s.count, 1);
  /* one byte more is an error, and stays one */
  ap_sse_init(&p, on_event, &s);
  memset(big + 6, 'x', AP_SSE_DATA_MAX + 1);
  assert_int_equal(ap_sse_feed(&p, big, 6 + AP_SSE_DATA_MAX + 1),
                   AP_SSE_E_TOO_LARGE);
  assert_int_equal(ap_sse_feed(&p, "\n\n", 2), AP_SSE_E_TOO_LARGE);
  /* many short data lines add up */
  ap_sse_init(&p, on_event, &s);
  {
    int i, rv = 0;
    for(i = 0; i < AP_SSE_DATA_MAX + 2 && !rv; i++)
      rv = ap_sse_feed(&p, "data: \n", 7);
    assert_int_equal(rv, AP_SSE_E_TOO_LARGE);
  }
  /* an event name over its cap */
  ap_sse_init(&p, on_event, &s);
  memcpy(big, "event: ", 7);
  memset(big + 7, 'e', AP_SSE_TYPE_MAX + 1);
  assert_int_equal(ap_sse_feed(&p, big, 7 + AP_SSE_TYPE_MAX + 1),
                   AP_SSE_E_TOO_LARGE);
}

static void test_endless_comment_bounded(void **state)
{
  /* a comment or unknown field of any length costs nothing */
  static struct ap_sse p;
  static char junk[65536];
  struct seen s;
  int i;
  (void)state;
  memset(&s, 0, sizeof(s));
  ap_sse_init(&p, on_event, &s);
  memset(junk, 'j', sizeof(junk));
  assert_int_equal(ap_sse_feed(&p, ":", 1), 0);
  for(i = 0; i < 64; i++)
    assert_int_equal(ap_sse_feed(&p, junk, sizeof(junk)), 0);
  assert_int_equal(ap_sse_feed(&p, "\nunknown: ", 10), 0);
  for(i = 0; i < 64; i++)
    assert_int_equal(ap_sse_feed(&p, junk, sizeof(junk)), 0);
  assert_int_equal(ap_sse_feed(&p, "\ndata: ok\n\n", 11), 0);
  assert_string_equal(s.text, "message|ok||-1;");
  assert_int_equal(p.comments, 1);
}

static void test_id_with_nul_ignored(void **state)
{
  static struct ap_sse p;
  struct seen s;
  static const char in[] = "id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n";
  (void)state;
  memset(&s, 0, sizeof(s));
  ap_sse_init(&p, on_event, &s);
  assert_int_equal(ap_sse_feed(&p, in, sizeof(in) - 1), 0);
  assert_string_equal(s.text, "message|a|1|-1;message|b|1|-1;");
}

static void test_callback_stops(void **state)
{
  static struct ap_sse p;
  struct seen s;
  (void)state;
  memset(&s, 0, sizeof(s));
  s.stop_after = 1;
  ap_sse_init(&p, on_event, &s);
  assert_int_equal(ap_sse_feed(&p, "data: a\n\ndata: b\n\n", 18), 7);
  assert_int_equal(s.count, 1);
  assert_int_equal(ap_sse_feed(&p, "data: c\n\n", 9), 7);
  assert_int_equal(s.count, 1);
}

static void test_partial_bom_is_data(void **state)
{
  static struct ap_sse p;
  struct seen s;
  (void)state;
  memset(&s, 0, sizeof(s));
  ap_sse_init(&p, on_event, &s);
  /* EF then not BB: the EF begins a field name, which is unknown */
  assert_int_equal(ap_sse_feed(&p, "\xEF" "data: a\n\ndata: b\n\n", 19), 0);
  assert_string_equal(s.text, "message|b||-1;");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_framings),
    cmocka_unit_test(test_crlf_split_once),
    cmocka_unit_test(test_data_bound),
    cmocka_unit_test(test_endless_comment_bounded),
    cmocka_unit_test(test_id_with_nul_ignored),
    cmocka_unit_test(test_callback_stops),
    cmocka_unit_test(test_partial_bom_is_data),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
