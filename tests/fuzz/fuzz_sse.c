/* fuzz_sse.c -- the event stream (plugin/sse.c) and what the canary makes
 * of its events (ap_stream_event in plugin/stream.c). The first byte
 * picks the provider and where the input is split into two reads (so
 * framings cut across reads are covered); the rest is the stream. Checks:
 * the parser never writes past its buffers (ASan), a dispatched event's
 * length is within the cap, the reason text is terminated, and the
 * timings stay finite.
 */
#include "fuzz.h"
#include "internal.h"
#include "sse.h"

#include <math.h>

struct fz_ctx {
  struct ap_stream st;
  double now;
};

static int on_event(void *ud, const struct ap_sse_event *ev)
{
  struct fz_ctx *c = ud;
  if(ev->data_len > AP_SSE_DATA_MAX || ev->data[ev->data_len] != '\0')
    __builtin_trap();
  fz_check_text(ev->type, AP_SSE_TYPE_MAX + 1);
  fz_check_text(ev->id, AP_SSE_ID_MAX + 1);
  c->now += 0.01;
  return ap_stream_event(&c->st, ev->type, ev->data, ev->data_len, c->now) !=
         AP_ERR_NONE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct ap_sse p; /* 16 KiB: not on the stack */
  struct fz_ctx c;
  size_t split;
  if(size < 1)
    return 0;
  ap_stream_init(&c.st, data[0] & 1 ? AP_PROVIDER_OPENAI
                                    : AP_PROVIDER_ANTHROPIC, 1.0);
  c.now = 1.0;
  data++;
  size--;
  split = size ? (size_t)(data[0] % 251) % (size + 1) : 0;
  ap_sse_init(&p, on_event, &c);
  if(!ap_sse_feed(&p, (const char *)data, split))
    ap_sse_feed(&p, (const char *)data + split, size - split);
  (void)ap_sse_pending(&p);
  fz_check_text(c.st.reason, sizeof(c.st.reason));
  fz_check_text(c.st.stop_reason, sizeof(c.st.stop_reason));
  fz_check_text(c.st.error_type, sizeof(c.st.error_type));
  if(!isfinite(c.st.max_gap_s) || c.st.max_gap_s < 0)
    __builtin_trap();
  return 0;
}
