/* headers.c -- the header parser: the response headers a probe cares
 * about (status line, request-id, Date for the clock skew, content-type,
 * location, retry-after, x-should-retry and the rate-limit families),
 * parsed to numbers. Header names compare case-insensitively; unknown
 * headers are ignored.
 */
#include "internal.h"
#include "strutil.h"
#include "timeutil.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ap_ratelimit_init(struct ap_ratelimit *rl)
{
  rl->requests_limit = rl->requests_remaining = rl->requests_reset_s = NAN;
  rl->tokens_limit = rl->tokens_remaining = rl->tokens_reset_s = NAN;
  rl->input_tokens_limit = rl->input_tokens_remaining = NAN;
  rl->output_tokens_limit = rl->output_tokens_remaining = NAN;
}

void ap_headers_init(struct ap_headers *h)
{
  memset(h, 0, sizeof(*h));
  h->date = NAN;
  h->date_seen_at = NAN;
  h->retry_after_s = NAN;
  h->should_retry = -1;
  ap_ratelimit_init(&h->rl);
}

double ap_parse_retry_after(const char *v, double now)
{
  double d;
  if(!ap_parse_double(v, 0, 1e9, &d))
    return d;
  if(!ap_parse_http_date(v, &d))
    return d > now ? d - now : 0;
  return -1;
}

static void parse_status(struct ap_headers *h, const char *line)
{
  /* "HTTP/1.1 200 OK" or "HTTP/2 200" */
  const char *sp = strchr(line, ' ');
  long status;
  char code[4];
  size_t vlen;
  if(!sp || strncmp(line, "HTTP/", 5))
    return;
  vlen = (size_t)(sp - line - 5);
  if(vlen >= sizeof(h->http_version))
    return;
  if(strlen(sp + 1) < 3)
    return;
  memcpy(code, sp + 1, 3);
  code[3] = '\0';
  if(ap_parse_long(code, 100, 999, &status))
    return;
  ap_headers_init(h);
  memcpy(h->http_version, line + 5, vlen);
  h->http_version[vlen] = '\0';
  h->status = status;
}

static void set_num(double *field, const char *v)
{
  double d;
  if(!ap_parse_double(v, -1e15, 1e15, &d))
    *field = d;
}

static void set_reset(double *field, const char *v, double now)
{
  double t;
  if(!ap_parse_rfc3339(v, &t))
    *field = t - now;
}

/* anthropic-ratelimit-<bucket>-<what> */
void ap_ratelimit_anthropic(struct ap_ratelimit *rl, const char *rest,
                            const char *v, double now)
{
  if(!strcasecmp(rest, "requests-limit"))
    set_num(&rl->requests_limit, v);
  else if(!strcasecmp(rest, "requests-remaining"))
    set_num(&rl->requests_remaining, v);
  else if(!strcasecmp(rest, "requests-reset"))
    set_reset(&rl->requests_reset_s, v, now);
  else if(!strcasecmp(rest, "tokens-limit"))
    set_num(&rl->tokens_limit, v);
  else if(!strcasecmp(rest, "tokens-remaining"))
    set_num(&rl->tokens_remaining, v);
  else if(!strcasecmp(rest, "tokens-reset"))
    set_reset(&rl->tokens_reset_s, v, now);
  else if(!strcasecmp(rest, "input-tokens-limit"))
    set_num(&rl->input_tokens_limit, v);
  else if(!strcasecmp(rest, "input-tokens-remaining"))
    set_num(&rl->input_tokens_remaining, v);
  else if(!strcasecmp(rest, "output-tokens-limit"))
    set_num(&rl->output_tokens_limit, v);
  else if(!strcasecmp(rest, "output-tokens-remaining"))
    set_num(&rl->output_tokens_remaining, v);
}

double ap_parse_duration(const char *v)
{
  /* "6m0s", "1s", "12ms", "1h2m3.5s": number + unit, repeated */
  double total = 0;
  const char *p = v;
  if(!p || !*p)
    return -1;
  while(*p) {
    char *end = NULL;
    double n = strtod(p, &end);
    if(end == p || n < 0 || !isfinite(n))
      return -1;
    p = end;
    if(!strncmp(p, "ms", 2)) {
      total += n / 1000.0;
      p += 2;
    } else if(*p == 'h') {
      total += n * 3600;
      p++;
    } else if(*p == 'm') {
      total += n * 60;
      p++;
    } else if(*p == 's') {
      total += n;
      p++;
    } else {
      return -1;
    }
  }
  return total;
}

/* x-ratelimit-{limit,remaining,reset}-{requests,tokens} (OpenAI). */
void ap_ratelimit_openai(struct ap_ratelimit *rl, const char *rest,
                         const char *v, double now)
{
  double d;
  (void)now;
  if(!strcasecmp(rest, "limit-requests"))
    set_num(&rl->requests_limit, v);
  else if(!strcasecmp(rest, "remaining-requests"))
    set_num(&rl->requests_remaining, v);
  else if(!strcasecmp(rest, "limit-tokens"))
    set_num(&rl->tokens_limit, v);
  else if(!strcasecmp(rest, "remaining-tokens"))
    set_num(&rl->tokens_remaining, v);
  else if(!strcasecmp(rest, "reset-requests")) {
    d = ap_parse_duration(v);
    if(d >= 0)
      rl->requests_reset_s = d;
  } else if(!strcasecmp(rest, "reset-tokens")) {
    d = ap_parse_duration(v);
    if(d >= 0)
      rl->tokens_reset_s = d;
  }
}

/* A rate-limit header of any provider's family (the provider table's
 * prefixes): 1 when NAME was one. */
static int ratelimit(struct ap_headers *h, const char *name, const char *v,
                     double now)
{
  const struct ap_provider_row *p;
  size_t i, n;
  for(i = 0; (p = ap_provider_at(i)) != NULL; i++) {
    if(!p->ratelimit_prefix || !p->ratelimit)
      continue;
    n = strlen(p->ratelimit_prefix);
    if(!strncasecmp(name, p->ratelimit_prefix, n)) {
      p->ratelimit(&h->rl, name + n, v, now);
      return 1;
    }
  }
  return 0;
}

static void header(struct ap_headers *h, const char *name, const char *v,
                   double now)
{
  double d;
  if(!strcasecmp(name, "request-id") ||
     (!strcasecmp(name, "x-request-id") && !h->request_id[0])) {
    ap_strlcpy(h->request_id, v, sizeof(h->request_id));
  } else if(!strcasecmp(name, "x-amzn-requestid")) {
    /* AWS's (Bedrock's) request id; for other providers a load balancer's
     * in front proves nothing, so it is kept apart */
    ap_strlcpy(h->amzn_request_id, v, sizeof(h->amzn_request_id));
  } else if(!strcasecmp(name, "x-amzn-errortype")) {
    /* "UnrecognizedClientException:http://internal.amazon.com/..." */
    ap_strlcpy(h->amzn_error_type, v, sizeof(h->amzn_error_type));
    h->amzn_error_type[strcspn(h->amzn_error_type, ":")] = '\0';
  } else if(!strcasecmp(name, "date")) {
    if(!ap_parse_http_date(v, &d)) {
      h->date = d;
      h->date_seen_at = now;
    }
  } else if(!strcasecmp(name, "content-type")) {
    ap_strlcpy(h->content_type, v, sizeof(h->content_type));
  } else if(!strcasecmp(name, "server")) {
    ap_strlcpy(h->server, v, sizeof(h->server));
  } else if(!strcasecmp(name, "location")) {
    ap_strlcpy(h->location, v, sizeof(h->location));
  } else if(!strcasecmp(name, "retry-after-ms")) {
    if(!ap_parse_double(v, 0, 1e12, &d))
      h->retry_after_s = d / 1000.0;
  } else if(!strcasecmp(name, "retry-after")) {
    d = ap_parse_retry_after(v, now);
    if(d >= 0 && isnan(h->retry_after_s))
      h->retry_after_s = d;
  } else if(!strcasecmp(name, "x-should-retry")) {
    if(!strcasecmp(v, "true"))
      h->should_retry = 1;
    else if(!strcasecmp(v, "false"))
      h->should_retry = 0;
  } else {
    ratelimit(h, name, v, now);
  }
}

void ap_headers_feed(struct ap_headers *h, const char *line, size_t len,
                     double now)
{
  char buf[1024];
  char *colon;
  char *value;
  while(len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  if(!len || len >= sizeof(buf))
    return;
  memcpy(buf, line, len);
  buf[len] = '\0';
  if(!strncmp(buf, "HTTP/", 5)) {
    parse_status(h, buf);
    return;
  }
  colon = strchr(buf, ':');
  if(!colon || colon == buf)
    return;
  *colon = '\0';
  value = ap_trim(colon + 1);
  if(ap_has_ctl(value))
    return;
  header(h, buf, value, now);
}
