/* transfer.c -- the one libcurl transfer of a probe, on the handles a
 * target keeps (prober.c): the options set on them, the callbacks that stamp what happened (TLS
 * began, request sent, first byte, the proxy's CONNECT) and, when the
 * transfer ends, the facts read once into a plain struct ap_facts. No
 * judging here: the layer files read the facts.
 */
#include "internal.h"
#include "secret.h"
#include "strutil.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

_Static_assert(AP_ERRBUF == CURL_ERROR_SIZE, "curl's error buffer size");

void ap_transfer_init(struct ap_transfer *x, const struct ap_target *t,
                      struct ap_result *r, struct ap_prober *p,
                      const char *host)
{
  x->t = t;
  x->r = r;
  x->p = p;
  x->tls.out = &r->tls;
  x->tls.host = host;
  x->tls.check_host = t->insecure;
  ap_headers_init(&x->hdr);
  if(p) {
    x->tls.store = p->store;
    x->tls.cache = &p->leaf;
  }
}

void *ap_transfer_easy(const struct ap_transfer *x)
{
  return x->p->easy;
}

const char *ap_transfer_body(const struct ap_transfer *x)
{
  return x->p->body;
}

void ap_transfer_wipe(struct ap_transfer *x)
{
  if(x->p && x->p->body)
    OPENSSL_cleanse(x->p->body, x->body_len);
  ap_wipe_slist_free(x->cloud_hdrs);
  x->cloud_hdrs = NULL;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
  struct ap_transfer *x = ud;
  size_t len = size * n;
  if(x->first_byte_at <= 0)
    x->first_byte_at = ap_mono_s();
  ap_headers_feed(&x->hdr, buf, len, ap_wall_s());
  if(x->hdr.status)
    x->got_status = 1;
  if(len <= 2 && x->got_status) { /* end of the headers: retransmits now */
    curl_socket_t fd = CURL_SOCKET_BAD;
    if(!curl_easy_getinfo(x->p->easy, CURLINFO_ACTIVESOCKET, &fd) &&
       fd != CURL_SOCKET_BAD)
      ap_tcp_sockinfo((int)fd, &x->r->tcp);
  }
  return len;
}

/* Grow the prober's body buffer to hold NEED bytes: by doubling, so a
 * resident target keeps what its answers need, not the 64 KiB cap (200
 * targets in collectd: 12.5 MiB less). -1 when out of memory. */
static int body_grow(struct ap_prober *p, size_t used, size_t need)
{
  size_t cap = p->body_cap ? p->body_cap : 1024;
  char *nb;
  while(cap < need)
    cap *= 2;
  if(cap > AP_BODY_MAX + 1)
    cap = AP_BODY_MAX + 1;
  nb = malloc(cap);
  if(!nb)
    return -1;
  if(p->body) {
    memcpy(nb, p->body, used);
    OPENSSL_cleanse(p->body, p->body_cap);
    free(p->body);
  }
  p->body = nb;
  p->body_cap = cap;
  return 0;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
  struct ap_transfer *x = ud;
  size_t len = size * n;
  if(len > AP_BODY_MAX - x->body_len) {
    x->body_capped = 1;
    return 0; /* CURLE_WRITE_ERROR: stop reading */
  }
  if(x->body_len + len + 1 > x->p->body_cap &&
     body_grow(x->p, x->body_len, x->body_len + len + 1))
    return 0;
  memcpy(x->p->body + x->body_len, buf, len);
  x->body_len += len;
  return len;
}

static int on_prereq(void *ud, char *ip, char *lip, int port, int lport)
{
  struct ap_transfer *x = ud;
  struct curl_tlssessioninfo *info = NULL;
  curl_socket_t fd = CURL_SOCKET_BAD;
  (void)ip;
  (void)lip;
  (void)port;
  (void)lport;
  x->tls.done = 1;
  /* after the handshake the path MTU may have shrunk (ICMP too big) */
  if(!curl_easy_getinfo(x->p->easy, CURLINFO_ACTIVESOCKET, &fd) &&
     fd != CURL_SOCKET_BAD)
    ap_tcp_sockinfo((int)fd, &x->r->tcp);
  if(!curl_easy_getinfo(x->p->easy, CURLINFO_TLS_SSL_PTR, &info) && info &&
     info->backend == CURLSSLBACKEND_OPENSSL && info->internals)
    ap_tls_session_info(info->internals, &x->r->tls);
  /* the first byte is timed from here, after our own work: libcurl sends
   * the request when this returns */
  x->request_at = ap_mono_s();
  return CURL_PREREQFUNC_OK;
}

/* Through a proxy only: the CONNECT request and its answer pass here
 * (proxy.c watches them); nothing is copied: later headers carry the key. */
static int on_debug(CURL *e, curl_infotype type, char *data, size_t size,
                    void *ud)
{
  struct ap_transfer *x = ud;
  (void)e;
  if(type == CURLINFO_HEADER_OUT || type == CURLINFO_HEADER_IN)
    ap_proxy_watch_line(&x->pw, type == CURLINFO_HEADER_OUT, data, size,
                        x->tls.started, ap_mono_s());
  return 0;
}

/* Remember each socket libcurl opens (happy eyeballs may open two)... */
static int on_sockopt(void *ud, curl_socket_t fd, curlsocktype purpose)
{
  struct ap_prober *p = ud;
  if(purpose == CURLSOCKTYPE_IPCXN)
    ap_tcp_socks_opened(&p->socks, (int)fd);
  return CURL_SOCKOPT_OK;
}

/* ... and forget each it closes (a happy-eyeballs loser, the connection
 * at the end). Its data is the prober, which outlives the easy handle's
 * connections (FORBID_REUSE closes them within the transfer; cleanup
 * closes any left before the prober is freed). Closing is ours to do. */
static int on_closesocket(void *ud, curl_socket_t fd)
{
  struct ap_prober *p = ud;
  ap_tcp_socks_closed(&p->socks, (int)fd);
  return close((int)fd);
}

static CURLcode on_sslctx(CURL *curl, void *sslctx, void *ud)
{
  struct ap_transfer *x = ud;
  /* an https:// proxy's own TLS comes first: libcurl verifies it (its CA
   * from --ca-file or the default bundle); ours is the API's, inside */
  if(x->proxy_tls && !x->proxy_tls_seen) {
    x->proxy_tls_seen = 1;
    return CURLE_OK;
  }
  x->tls_started_at = ap_mono_s();
  /* TCP is up: read its MTU now, so it shows even if TLS then fails
   * (the established one of the sockets opened) */
  ap_tcp_socks_read(&x->p->socks, &x->r->tcp);
  return ap_tls_ctx_cb(curl, sslctx, &x->tls) ? CURLE_SSL_CERTPROBLEM
                                               : CURLE_OK;
}

int ap_transfer_pin(const struct ap_target *t, const struct ap_dns_result *dns,
                    int pinned, const char *host, int port,
                    struct curl_slist **res)
{
  char entry[AP_TEXT * 2 + AP_ADDR_MAX * 50];
  size_t used;
  int i, failed = 0;
  if(pinned) {
    for(i = 0; i < t->resolve_count; i++)
      *res = ap_wipe_slist_append(*res, t->resolve[i], &failed);
    return failed ? -1 : 0;
  }
  snprintf(entry, sizeof(entry), "-%s:%d", host, port);
  *res = ap_wipe_slist_append(*res, entry, &failed);
  used = (size_t)snprintf(entry, sizeof(entry), "%s:%d:", host, port);
  for(i = 0; i < dns->address_count && used < sizeof(entry); i++) {
    int v6 = strchr(dns->addresses[i], ':') != NULL;
    used += (size_t)snprintf(entry + used, sizeof(entry) - used,
                             "%s%s%s%s", i ? "," : "", v6 ? "[" : "",
                             dns->addresses[i], v6 ? "]" : "");
  }
  *res = ap_wipe_slist_append(*res, entry, &failed);
  return failed ? -1 : 0;
}

int ap_transfer_cloud(struct ap_transfer *x, double budget,
                      struct curl_slist *resolve, const char *proxy)
{
  int failed = 0;
  /* the target is the runner's: its cloud state caches tokens */
  if(ap_cloud_prepare((struct ap_target *)(uintptr_t)x->t, x->r, budget,
                      x->p->store, resolve, proxy, &x->cloud_hdrs,
                      &x->cloud_body))
    return -1;
  x->cloud_hdrs =
    ap_wipe_slist_append(x->cloud_hdrs, "accept: application/json", &failed);
  x->cloud_hdrs = ap_wipe_slist_append(
    x->cloud_hdrs, "user-agent: apiprobe/" AP_VERSION, &failed);
  if(failed) {
    ap_layer_fail(x->r, AP_LAYER_AUTH, AP_ERR_AUTH_UNEXPECTED,
                  "out of memory");
    return -1;
  }
  return 0;
}

/* Seconds to whole milliseconds, rounded up, at least 1 (no libm: one
 * library less to map in a process-per-check plugin). */
static long ms_of(double s)
{
  double ms = s * 1000.0;
  long whole = (long)ms;
  if((double)whole < ms)
    whole++;
  return whole < 1 ? 1 : whole;
}

void ap_curl_base(void *easy, const char *url, const char *proxy,
                  struct curl_slist *resolve)
{
  CURL *e = easy;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_RESOLVE, resolve);
  /* our own store is installed by the SSL_CTX callback: keep libcurl from
   * parsing Debian's default bundle and directory on every connection */
  curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
  curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
  curl_easy_setopt(e, CURLOPT_PROXY, proxy);
}

/* The callbacks, each with X as its data. */
static void setup_callbacks(CURL *e, struct ap_transfer *x, int proxied)
{
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_sslctx);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, x);
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, x);
  curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
  curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, x->p);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, x->p);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  /* the handle is reused: set or clear the proxy's CONNECT watch */
  curl_easy_setopt(e, CURLOPT_VERBOSE, proxied ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, proxied ? on_debug : NULL);
  curl_easy_setopt(e, CURLOPT_DEBUGDATA, x);
}

/* TLS versions and verification from T's options. */
static void setup_tls(CURL *e, const struct ap_target *t)
{
  long sslver = t->min_tls == 13   ? CURL_SSLVERSION_TLSv1_3
                : t->min_tls == 11 ? CURL_SSLVERSION_TLSv1_1
                : t->min_tls == 10 ? CURL_SSLVERSION_TLSv1_0
                                   : CURL_SSLVERSION_TLSv1_2;
  curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  curl_easy_setopt(e, CURLOPT_SSLVERSION, sslver);
  if(t->min_tls < 12)
    curl_easy_setopt(e, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, t->insecure ? 0L : 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, t->insecure ? 0L : 2L);
}

void ap_curl_target(void *easy, const struct ap_target *t, const char *proxy,
                    double total_s, double conn_s)
{
  CURL *e = easy;
  curl_easy_setopt(e, CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);
  curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(e, CURLOPT_IPRESOLVE,
                   t->ip_family == 4   ? CURL_IPRESOLVE_V4
                   : t->ip_family == 6 ? CURL_IPRESOLVE_V6
                                       : CURL_IPRESOLVE_WHATEVER);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms_of(total_s));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   ms_of(conn_s < total_s ? conn_s : total_s));
  setup_tls(e, t);
  if(!strncasecmp(proxy, "https://", 8) && t->ca_file)
    curl_easy_setopt(e, CURLOPT_PROXY_CAINFO, t->ca_file);
}

void ap_transfer_setup(struct ap_transfer *x, struct curl_slist *resolve,
                       const char *proxy, double remaining,
                       double conn_budget)
{
  CURL *e = x->p->easy;
  const struct ap_target *t = x->t;
  /* FORBID_REUSE: no socket outlives a transfer; never trust one that
   * did without a word to on_closesocket */
  memset(&x->p->socks, 0, sizeof(x->p->socks));
  ap_curl_base(e, t->url, proxy, resolve);
  ap_curl_target(e, t, proxy, remaining, conn_budget);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER,
                   x->cloud_hdrs ? x->cloud_hdrs : x->p->headers);
  if(x->cloud_body)
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->cloud_body);
  curl_easy_setopt(e, CURLOPT_PROXYHEADER, NULL);
  curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)AP_BODY_MAX);
  /* answers are small: a 4 KiB receive buffer instead of 16 KiB per handle
   * (a resident host keeps one handle per target) */
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 4096L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
  curl_easy_setopt(e, CURLOPT_NOPROXY, NULL);
  x->proxy_tls = !strncasecmp(proxy, "https://", 8);
  setup_callbacks(e, x, *proxy != '\0');
}

static double us(CURL *e, CURLINFO what)
{
  curl_off_t v = 0;
  if(curl_easy_getinfo(e, what, &v) != CURLE_OK)
    return 0;
  return (double)v / 1e6;
}

/* How far the transfer got, for classify.c. */
static void observe(const struct ap_transfer *x, long code,
                    const char *proxy, struct ap_facts *f)
{
  struct ap_observed *o = &f->o;
  long v = 0;
  o->curl_code = code;
  curl_easy_getinfo(x->p->easy, CURLINFO_OS_ERRNO, &v);
  o->os_errno = v;
  v = 0;
  curl_easy_getinfo(x->p->easy, CURLINFO_HTTP_CONNECTCODE, &v);
  o->connect_code = v;
  o->proxy_used = proxy[0] != '\0';
  o->proxy_tls = x->proxy_tls;
  o->connect_sent = x->pw.sent_at > 0;
  o->tls_started = x->tls.started;
  o->tls_done = x->tls.done || x->got_status;
  o->tcp_connected = o->tls_started || x->pw.sent_at > 0 || f->t_conn > 0;
  o->got_status = x->got_status;
  o->body_capped = x->body_capped;
  o->verify_code = x->tls.verify_code;
  o->host_mismatch = x->tls.host_mismatch;
  o->alert_protocol = x->tls.alert_protocol;
  o->errbuf = x->errbuf;
}

void ap_transfer_facts(struct ap_transfer *x, long code,
                       const char *host, int port, const char *proxy,
                       double limit_s, struct ap_facts *f)
{
  CURL *e = x->p->easy;
  char *ip = NULL;
  memset(f, 0, sizeof(*f));
  f->t_name = us(e, CURLINFO_NAMELOOKUP_TIME_T);
  f->t_conn = us(e, CURLINFO_CONNECT_TIME_T);
  f->t_app = us(e, CURLINFO_APPCONNECT_TIME_T);
  f->t_pre = us(e, CURLINFO_PRETRANSFER_TIME_T);
  f->t_start = us(e, CURLINFO_STARTTRANSFER_TIME_T);
  f->t_total = us(e, CURLINFO_TOTAL_TIME_T);
  observe(x, code, proxy, f);
  f->host = host;
  f->port = port;
  f->proxy = proxy;
  curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
  if(ip)
    ap_strlcpy(f->ip, ip, sizeof(f->ip));
  curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &f->ip_port);
  f->curl_start = x->curl_start;
  f->tls_started_at = x->tls_started_at;
  f->connect_sent_at = x->pw.sent_at;
  f->connect_answer_at = x->pw.answer_at;
  f->request_at = x->request_at;
  f->first_byte_at = x->first_byte_at;
  if(ap_provider(x->t->provider)->amzn_request_id && !x->hdr.request_id[0])
    ap_strlcpy(x->hdr.request_id, x->hdr.amzn_request_id,
               sizeof(x->hdr.request_id));
  f->hdr = &x->hdr;
  f->body_len = x->body_len;
  f->key_sent = x->t->key != NULL || x->cloud_hdrs != NULL;
  f->limit_s = limit_s;
  f->min_tls = x->t->min_tls;
}

long ap_curl_perform(void *easy)
{
  CURLM *m = curl_multi_init();
  CURLMsg *msg;
  CURLcode code = CURLE_FAILED_INIT;
  int running = 1, left;
  if(!m)
    return curl_easy_perform(easy);
  if(curl_multi_add_handle(m, easy) != CURLM_OK) {
    curl_multi_cleanup(m);
    return curl_easy_perform(easy);
  }
  /* the handle's own timeouts end it; the poll only waits for events */
  while(running) {
    if(curl_multi_perform(m, &running) != CURLM_OK)
      break;
    if(running && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
      break;
  }
  while((msg = curl_multi_info_read(m, &left)) != NULL) {
    if(msg->msg == CURLMSG_DONE && msg->easy_handle == easy)
      code = msg->data.result;
  }
  curl_multi_remove_handle(m, easy);
  curl_multi_cleanup(m);
  return (long)code;
}
