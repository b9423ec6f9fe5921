/* proxy.c -- the proxy layer: the CONNECT watch (when the CONNECT went
 * out and when the proxy answered it: libcurl's timers do not say, so a
 * proxy that accepts and never answers looked like one that refuses), the
 * layer's timings from those stamps and libcurl's (which are the proxy's
 * own when one is used), and its failure reasons. Which proxy applies is
 * the env layer's (env.c).
 */
#include "internal.h"
#include "strutil.h"

#include <stdio.h>
#include <string.h>

void ap_proxy_watch_line(struct ap_proxy_watch *w, int out, const char *data,
                         size_t size, int tls_started, double now)
{
  /* only the first bytes are looked at: later headers carry the key */
  if(out && !w->sent_at && size >= 8 && !memcmp(data, "CONNECT ", 8))
    w->sent_at = now;
  else if(!out && w->sent_at && !w->answer_at && !tls_started && size >= 5 &&
          !memcmp(data, "HTTP/", 5))
    w->answer_at = now;
}

/* resolve_s, connect_s and tunnel_s from F. */
static void proxy_times(struct ap_proxy_result *p, const struct ap_facts *f)
{
  double t_tls0 = ap_facts_tls_start(f);
  /* libcurl's timers are the proxy's here: its name lookup, the TCP
   * connect to it; the CONNECT answer is when TLS to the API began (or,
   * when it refused, when the transfer ended) */
  if(f->t_name > 0 || f->t_conn > 0 || f->connect_sent_at > 0)
    p->resolve_s = f->t_name;
  if(f->connect_sent_at > 0) {
    /* our own stamps: the CONNECT went out once TCP was up */
    double sent = f->connect_sent_at - f->curl_start;
    p->connect_s = ap_span(f->t_name, sent);
    if(f->connect_answer_at > 0)
      p->tunnel_s = f->connect_answer_at - f->connect_sent_at;
  } else if(f->t_conn > 0) {
    p->connect_s = ap_span(f->t_name, f->t_conn);
    if(f->o.tls_started)
      p->tunnel_s = ap_span(f->t_conn, t_tls0);
    else if(f->o.connect_code)
      p->tunnel_s = ap_span(f->t_conn, f->t_total);
  }
}

void ap_proxy_fill(struct ap_result *r, const struct ap_facts *f)
{
  if(!f->proxy[0])
    return;
  ap_url_redact(f->proxy, r->proxy.url, sizeof(r->proxy.url));
  r->proxy.connect_status = (int)f->o.connect_code;
  if(f->ip[0])
    ap_strlcpy(r->proxy.address, f->ip, sizeof(r->proxy.address));
  proxy_times(&r->proxy, f);
  if(f->o.tls_started) {
    ap_head_set(&r->proxy.h, AP_STATE_OK, r->proxy.h.error, NULL);
    r->proxy.h.time_s = ap_facts_tls_start(f);
  }
}

int ap_proxy_reason(const struct ap_result *r, const struct ap_facts *f,
                    enum ap_error e, char *out, size_t outlen)
{
  if(e == AP_ERR_PROXY_TIMEOUT) {
    snprintf(out, outlen,
             "the proxy (%s) accepted the connection but did not answer "
             "CONNECT %s:%d in time",
             r->proxy.address[0] ? r->proxy.address : "?", f->host,
             f->port);
    return 1;
  }
  if(e == AP_ERR_PROXY_AUTH || e == AP_ERR_PROXY_REJECTED) {
    snprintf(out, outlen, "the proxy answered %d to CONNECT %s:%d%s",
             r->proxy.connect_status, f->host, f->port,
             e == AP_ERR_PROXY_AUTH ? " (proxy authentication required)"
                                    : "");
    return 1;
  }
  return 0;
}
