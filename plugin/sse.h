/* sse.h -- a server-sent events parser (WHATWG HTML "event stream
 * interpretation"), fed the body as it arrives in reads of any size. It
 * keeps no line buffer: fields are parsed byte by byte into fixed buffers,
 * so memory is bounded by struct ap_sse itself whatever the peer sends.
 * It knows nothing of any provider's events (plugin/stream.c does).
 */
#ifndef AP_SSE_H
#define AP_SSE_H

#include <stddef.h>

#define AP_SSE_DATA_MAX 16384 /* one event's data, newlines included */
#define AP_SSE_TYPE_MAX 64    /* event: field */
#define AP_SSE_ID_MAX 128     /* id: field */
#define AP_SSE_NAME_MAX 8     /* longest field name worth keeping: "retry" */

/* One dispatched event. TYPE is "message" when no event: field was given;
 * DATA is NUL-terminated (it may hold NUL bytes: use DATA_LEN); ID is the
 * last event id seen ("" none); RETRY_MS the last retry: value, -1 none. */
struct ap_sse_event {
  const char *type;
  const char *data;
  size_t data_len;
  const char *id;
  long retry_ms;
};

/* Called once per dispatched event; return 0 to go on, anything else to
 * stop: ap_sse_feed() then returns that value, now and on every later
 * call. */
typedef int (*ap_sse_cb)(void *ud, const struct ap_sse_event *ev);

#define AP_SSE_E_TOO_LARGE (-1) /* an event or field over its buffer */

enum ap_sse_at {
  AP_SSE_BOL,     /* at the beginning of a line */
  AP_SSE_NAME,    /* in a field name */
  AP_SSE_SPACE,   /* just after the colon: one space is skipped */
  AP_SSE_VALUE,   /* in a field value */
  AP_SSE_IGNORE   /* in a comment or a field we do not keep */
};

enum ap_sse_field {
  AP_SSE_F_NONE,
  AP_SSE_F_DATA,
  AP_SSE_F_EVENT,
  AP_SSE_F_ID,
  AP_SSE_F_RETRY
};

/* Plain data; the caller owns it (on the stack or inside its context). */
struct ap_sse {
  ap_sse_cb cb;
  void *ud;
  enum ap_sse_at at;
  enum ap_sse_field field;
  int stopped;       /* a callback's value or AP_SSE_E_TOO_LARGE, 0 */
  int after_cr;      /* the last byte was CR: a LF right after it is eaten */
  int bom;           /* bytes of a leading UTF-8 BOM matched, -1 past it */
  char name[AP_SSE_NAME_MAX + 1];
  size_t name_len;
  int name_long;     /* the name is longer than any we keep */
  char data[AP_SSE_DATA_MAX + 1];
  size_t data_len;
  int data_lines;    /* data: fields in this event */
  char type[AP_SSE_TYPE_MAX + 1];
  size_t type_len;
  char id[AP_SSE_ID_MAX + 1];   /* committed last event id */
  char id_new[AP_SSE_ID_MAX + 1];
  size_t id_len;
  int id_bad;        /* the id being read holds a NUL: ignored */
  long retry_ms;
  long retry_new;    /* -1 while not a number */
  int field_started; /* the value got at least one byte or ended */
  unsigned long events;   /* dispatched */
  unsigned long comments; /* lines starting with ':' */
};

/* Reset P to read a new stream; CB(UD, event) gets each event. */
void ap_sse_init(struct ap_sse *p, ap_sse_cb cb, void *ud);

/* Feed LEN bytes of the stream. Returns 0, AP_SSE_E_TOO_LARGE when an
 * event's data, type or id overflowed its buffer, or the non-zero value a
 * callback stopped with; after a non-zero return P only repeats it. */
int ap_sse_feed(struct ap_sse *p, const char *buf, size_t len);

/* Is an event partly received (fields read but no blank line yet)? At the
 * end of the stream such an event is discarded, as the spec says. */
int ap_sse_pending(const struct ap_sse *p);

#endif
