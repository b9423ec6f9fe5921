/* retry.c -- the official SDKs' retry policy (API.md section 4), off by
 * default (--retries N): which outcomes are transient, and how long to
 * wait before the next attempt. The probe reports the attempts and the
 * first attempt's verdict, so a retry never hides a failure.
 */
#include "internal.h"

#include <math.h>

int ap_retry_transient(const struct ap_result *r)
{
  struct ap_verdict v;
  enum ap_error e;
  long status = r->http.status;
  ap_verdict_of(r, &v);
  e = v.error;
  if(v.state == AP_STATE_OK)
    return 0;
  /* the server's own word wins (x-should-retry) */
  if(r->auth.should_retry == 1)
    return 1;
  if(r->auth.should_retry == 0)
    return 0;
  if(status == 408 || status == 409 || status == 429 || status >= 500)
    return 1;
  switch(ap_error_layer(e)) {
  case AP_LAYER_TCP:
  case AP_LAYER_PROXY:
    return 1; /* connection failures and timeouts */
  case AP_LAYER_TLS:
    return e == AP_ERR_TLS_TIMEOUT || e == AP_ERR_TLS_RESET ||
           e == AP_ERR_TLS_CLOSED || e == AP_ERR_TLS_HANDSHAKE;
  case AP_LAYER_HTTP:
    return e == AP_ERR_HTTP_TIMEOUT || e == AP_ERR_HTTP_BODY_TIMEOUT ||
           e == AP_ERR_HTTP_RESET || e == AP_ERR_HTTP_CLOSED ||
           e == AP_ERR_HTTP_TRUNCATED;
  case AP_LAYER_DNS:
    return e == AP_ERR_DNS_TEMPORARY || e == AP_ERR_DNS_TIMEOUT;
  default:
    return 0;
  }
}

double ap_retry_delay(const struct ap_result *r, int retries_taken,
                      double unit_random)
{
  double ra = r->auth.retry_after_s;
  double d;
  /* a usable server hint (0 < s <= 60, as the Python SDK) first */
  if(!isnan(ra) && ra > 0 && ra <= 60)
    return ra;
  d = 0.5;
  while(retries_taken-- > 0 && d < 8)
    d *= 2;
  if(d > 8)
    d = 8;
  /* jitter: 75 % to 100 % of the backoff */
  return d * (1.0 - 0.25 * unit_random);
}
