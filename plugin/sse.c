/* sse.c -- server-sent events, parsed as the WHATWG "event stream
 * interpretation" says: lines end in CRLF, CR or LF (a CRLF split between
 * two reads is still one end), ':' starts a comment, a field is
 * "name[: value]" with one leading space of the value dropped, several
 * data: lines join with LF, a blank line dispatches, a leading UTF-8 BOM is
 * skipped, an id holding NUL is ignored, retry takes digits only. Byte by
 * byte into fixed buffers: no allocation, nothing kept past its cap.
 */
#include "sse.h"

#include <string.h>

static const char bom_bytes[3] = {'\xEF', '\xBB', '\xBF'};

void ap_sse_init(struct ap_sse *p, ap_sse_cb cb, void *ud)
{
  memset(p, 0, sizeof(*p));
  p->cb = cb;
  p->ud = ud;
  p->at = AP_SSE_BOL;
  p->retry_ms = -1;
  p->retry_new = -1;
}

static void stop(struct ap_sse *p, int why)
{
  if(!p->stopped)
    p->stopped = why;
}

static void dispatch(struct ap_sse *p)
{
  struct ap_sse_event ev;
  int rv;
  if(!p->data_lines) {
    p->type_len = 0; /* no data: nothing to dispatch, the type resets */
    return;
  }
  p->data[p->data_len] = '\0';
  p->type[p->type_len] = '\0';
  ev.type = p->type_len ? p->type : "message";
  ev.data = p->data;
  ev.data_len = p->data_len;
  ev.id = p->id;
  ev.retry_ms = p->retry_ms;
  p->events++;
  rv = p->cb ? p->cb(p->ud, &ev) : 0;
  p->data_len = 0;
  p->data_lines = 0;
  p->type_len = 0;
  if(rv)
    stop(p, rv);
}

static void begin_field(struct ap_sse *p)
{
  p->name[p->name_len] = '\0';
  p->field = AP_SSE_F_NONE;
  p->field_started = 0;
  if(p->name_long)
    return;
  if(!strcmp(p->name, "data")) {
    p->field = AP_SSE_F_DATA;
    if(p->data_lines++) {
      if(p->data_len >= AP_SSE_DATA_MAX)
        stop(p, AP_SSE_E_TOO_LARGE);
      else
        p->data[p->data_len++] = '\n';
    }
  }
  else if(!strcmp(p->name, "event")) {
    p->field = AP_SSE_F_EVENT;
    p->type_len = 0;
  }
  else if(!strcmp(p->name, "id")) {
    p->field = AP_SSE_F_ID;
    p->id_len = 0;
    p->id_bad = 0;
  }
  else if(!strcmp(p->name, "retry")) {
    p->field = AP_SSE_F_RETRY;
    p->retry_new = 0;
  }
}

static void end_field(struct ap_sse *p)
{
  if(p->field == AP_SSE_F_ID && !p->id_bad) {
    memcpy(p->id, p->id_new, p->id_len);
    p->id[p->id_len] = '\0';
  }
  else if(p->field == AP_SSE_F_RETRY && p->field_started &&
          p->retry_new >= 0)
    p->retry_ms = p->retry_new;
  p->field = AP_SSE_F_NONE;
}

static void put(struct ap_sse *p, char *buf, size_t *len, size_t max,
                char c)
{
  if(*len >= max)
    stop(p, AP_SSE_E_TOO_LARGE);
  else
    buf[(*len)++] = c;
}

static void value_byte(struct ap_sse *p, char c)
{
  p->field_started = 1;
  switch(p->field) {
  case AP_SSE_F_DATA:
    put(p, p->data, &p->data_len, AP_SSE_DATA_MAX, c);
    break;
  case AP_SSE_F_EVENT:
    put(p, p->type, &p->type_len, AP_SSE_TYPE_MAX, c);
    break;
  case AP_SSE_F_ID:
    if(!c)
      p->id_bad = 1;
    put(p, p->id_new, &p->id_len, AP_SSE_ID_MAX, c);
    break;
  case AP_SSE_F_RETRY:
    if(c < '0' || c > '9' || p->retry_new < 0 ||
       p->retry_new > (0x7fffffffL - 9) / 10)
      p->retry_new = -1;
    else
      p->retry_new = p->retry_new * 10 + (c - '0');
    break;
  case AP_SSE_F_NONE:
    break;
  }
}

static void end_line(struct ap_sse *p)
{
  switch(p->at) {
  case AP_SSE_BOL:
    dispatch(p);
    break;
  case AP_SSE_NAME: /* a name alone: the field with an empty value */
    begin_field(p);
    end_field(p);
    break;
  case AP_SSE_SPACE:
  case AP_SSE_VALUE:
    end_field(p);
    break;
  case AP_SSE_IGNORE:
    break;
  }
  p->at = AP_SSE_BOL;
}

static void name_byte(struct ap_sse *p, char c)
{
  if(p->name_len < AP_SSE_NAME_MAX)
    p->name[p->name_len++] = c;
  else
    p->name_long = 1;
}

static void byte(struct ap_sse *p, char c)
{
  if(c == '\r' || c == '\n') {
    p->after_cr = c == '\r';
    end_line(p);
    return;
  }
  switch(p->at) {
  case AP_SSE_BOL:
    if(c == ':') {
      p->comments++;
      p->at = AP_SSE_IGNORE;
      break;
    }
    p->name_len = 0;
    p->name_long = 0;
    p->at = AP_SSE_NAME;
    name_byte(p, c);
    break;
  case AP_SSE_NAME:
    if(c == ':') {
      begin_field(p);
      p->at = AP_SSE_SPACE;
    }
    else
      name_byte(p, c);
    break;
  case AP_SSE_SPACE:
    p->at = AP_SSE_VALUE;
    if(c != ' ')
      value_byte(p, c);
    break;
  case AP_SSE_VALUE:
    value_byte(p, c);
    break;
  case AP_SSE_IGNORE:
    break;
  }
}

int ap_sse_feed(struct ap_sse *p, const char *buf, size_t len)
{
  size_t i;
  for(i = 0; i < len && !p->stopped; i++) {
    char c = buf[i];
    if(p->bom >= 0) {
      if(c == bom_bytes[p->bom]) {
        if(++p->bom == 3)
          p->bom = -1;
        continue;
      }
      /* not a BOM after all: the bytes matched so far are data */
      {
        int k, n = p->bom;
        p->bom = -1;
        for(k = 0; k < n && !p->stopped; k++)
          byte(p, bom_bytes[k]);
      }
    }
    if(p->after_cr) {
      p->after_cr = 0;
      if(c == '\n')
        continue;
    }
    if(!p->stopped)
      byte(p, c);
  }
  return p->stopped;
}

int ap_sse_pending(const struct ap_sse *p)
{
  return p->at != AP_SSE_BOL || p->data_lines > 0;
}
