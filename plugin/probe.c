/* probe.c -- one probe of one target, walking the layers in order:
 *
 *   env -> dns -> tcp -> (proxy) -> tls -> http -> auth
 *          |      |       |          |      |       |
 *          |      |<-tcp->|<-CONNECT>|<tls->|<ttfb->|  (libcurl timers)
 *   getaddrinfo on a thread (ours), then one libcurl transfer with the
 *   addresses pinned (CURLOPT_RESOLVE), a fresh connection and a full
 *   handshake. The outcome is classified (classify.c) into the first
 *   failing layer; layers after it are skipped.
 *
 * The easy handle, header list, body buffer and trust store live in the
 * target's prober and are reused; nothing else survives a probe.
 */
#include "internal.h"
#include "secret.h"
#include "strutil.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <math.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ap_prober {
  CURL *easy;
  void *store;                 /* X509_STORE * */
  struct curl_slist *headers;  /* holds the key: wiped on free */
  struct ap_leaf_cache leaf;   /* names of the last certificate */
  CURL *status_easy;           /* the status page's transfer, if any */
  char *body;                  /* grown to what answers need (<= 64 KiB) */
  size_t body_cap;
};

struct probe_ctx {
  struct ap_target *t;
  struct ap_result *r;
  struct ap_prober *p;
  struct ap_tls_capture tls;
  struct ap_headers hdr;
  size_t body_len;
  int body_capped;
  int got_status;
  double tls_started_at;       /* mono, when our SSL_CTX callback ran */
  double request_at;           /* mono, the request about to be sent */
  int proxy_tls;               /* the proxy URL is https:// */
  int proxy_tls_seen;          /* its TLS context went by (the first) */
  double connect_sent_at;      /* mono, CONNECT sent to the proxy */
  double connect_answer_at;    /* mono, the proxy's answer to it */
  double first_byte_at;        /* mono, the status line arrived */
  double curl_start;           /* mono */
  char host[AP_TEXT];
  int port;
  char errbuf[CURL_ERROR_SIZE];
  char proxy[AP_TEXT * 2];     /* proxy URL to use, "" none */
  struct curl_slist *resolve;  /* pinned addresses for libcurl */
  struct ap_dns_job *dns_job;  /* lookup under way (begin -> ready) */
  struct ap_family_job *fam_job; /* per-family connects (ready -> end) */
  int socks[4];                /* sockets libcurl opened, for TCP_INFO */
  int nsocks;
  int dns_started;
  int failed;                  /* could not probe: the result says why */
  int completed;
  double t0;                   /* mono, start of the probe */
  double limit_s;              /* this attempt's share of --timeout */
};

enum ap_code ap_global_init(void)
{
  const curl_version_info_data *vi;
  if(curl_global_init(CURL_GLOBAL_DEFAULT))
    return AP_E_INTERNAL;
  vi = curl_version_info(CURLVERSION_NOW);
  /* the tls layer reads OpenSSL objects out of libcurl */
  if(!vi || !vi->ssl_version || strncmp(vi->ssl_version, "OpenSSL", 7)) {
    curl_global_cleanup();
    return AP_E_INTERNAL;
  }
  return AP_OK;
}

void ap_global_cleanup(void)
{
  curl_global_cleanup();
}

static void slist_wipe_free(struct curl_slist *l)
{
  struct curl_slist *i;
  for(i = l; i; i = i->next)
    OPENSSL_cleanse(i->data, strlen(i->data));
  curl_slist_free_all(l);
}

void ap_prober_free(struct ap_prober *p)
{
  if(!p)
    return;
  if(p->easy)
    curl_easy_cleanup(p->easy);
  if(p->status_easy)
    curl_easy_cleanup(p->status_easy);
  ap_tls_store_free(p->store);
  ap_leaf_cache_clear(&p->leaf);
  slist_wipe_free(p->headers);
  if(p->body)
    OPENSSL_cleanse(p->body, p->body_cap);
  free(p->body);
  free(p);
}

void ap_prober_parts(const struct ap_target *t, struct curl_slist **headers,
                     void **store)
{
  *headers = t->prober ? t->prober->headers : NULL;
  *store = t->prober ? t->prober->store : NULL;
}

static struct curl_slist *slist_add(struct curl_slist *l, const char *s,
                                    int *failed)
{
  struct curl_slist *n = curl_slist_append(l, s);
  if(!n) {
    *failed = 1;
    return l;
  }
  return n;
}

static enum ap_code prober_new(const struct ap_target *t,
                               struct ap_prober **pp, char *err,
                               size_t errlen)
{
  struct ap_prober *p = calloc(1, sizeof(*p));
  char line[AP_SECRET_MAX + 32];
  int failed = 0;
  *pp = NULL;
  if(!p) {
    snprintf(err, errlen, "out of memory");
    return AP_E_NOMEM;
  }
  p->easy = curl_easy_init();
  if(!p->easy) {
    snprintf(err, errlen, "cannot create a curl handle");
    ap_prober_free(p);
    return AP_E_INTERNAL;
  }
  if(t->status_page && !(p->status_easy = curl_easy_init())) {
    snprintf(err, errlen, "cannot create a curl handle");
    ap_prober_free(p);
    return AP_E_INTERNAL;
  }
  p->store = ap_tls_store_new(t->ca_file, err, errlen);
  if(!p->store) {
    ap_prober_free(p);
    return AP_E_CONFIG;
  }
  if(t->key && t->provider == AP_PROVIDER_ANTHROPIC)
    snprintf(line, sizeof(line), "x-api-key: %s", t->key->value);
  else if(t->key && t->provider == AP_PROVIDER_OPENAI)
    snprintf(line, sizeof(line), "authorization: Bearer %s", t->key->value);
  else
    line[0] = '\0';
  if(line[0])
    p->headers = slist_add(p->headers, line, &failed);
  OPENSSL_cleanse(line, sizeof(line));
  if(t->provider == AP_PROVIDER_ANTHROPIC) {
    snprintf(line, sizeof(line), "anthropic-version: %s",
             t->anthropic_version);
    p->headers = slist_add(p->headers, line, &failed);
  }
  p->headers = slist_add(p->headers, "accept: application/json", &failed);
  p->headers = slist_add(p->headers, "user-agent: apiprobe/" AP_VERSION,
                         &failed);
  if(failed) {
    snprintf(err, errlen, "out of memory");
    ap_prober_free(p);
    return AP_E_NOMEM;
  }
  *pp = p;
  return AP_OK;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
  struct probe_ctx *c = ud;
  size_t len = size * n;
  if(c->first_byte_at <= 0)
    c->first_byte_at = ap_mono_s();
  ap_headers_feed(&c->hdr, buf, len, ap_wall_s());
  if(c->hdr.status)
    c->got_status = 1;
  if(len <= 2 && c->got_status) { /* end of the headers: retransmits now */
    curl_socket_t fd = CURL_SOCKET_BAD;
    if(!curl_easy_getinfo(c->p->easy, CURLINFO_ACTIVESOCKET, &fd) &&
       fd != CURL_SOCKET_BAD)
      ap_tcp_sockinfo((int)fd, &c->r->tcp);
  }
  return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
  struct probe_ctx *c = ud;
  size_t len = size * n;
  if(len > AP_BODY_MAX - c->body_len) {
    c->body_capped = 1;
    return 0; /* CURLE_WRITE_ERROR: stop reading */
  }
  if(c->body_len + len + 1 > c->p->body_cap) {
    /* grow by doubling: a resident target keeps what its answers need,
     * not the 64 KiB cap (200 targets in collectd: 12.5 MiB less) */
    size_t cap = c->p->body_cap ? c->p->body_cap : 1024;
    char *nb;
    while(cap < c->body_len + len + 1)
      cap *= 2;
    if(cap > AP_BODY_MAX + 1)
      cap = AP_BODY_MAX + 1;
    nb = malloc(cap);
    if(!nb)
      return 0;
    if(c->p->body) {
      memcpy(nb, c->p->body, c->body_len);
      OPENSSL_cleanse(c->p->body, c->p->body_cap);
      free(c->p->body);
    }
    c->p->body = nb;
    c->p->body_cap = cap;
  }
  memcpy(c->p->body + c->body_len, buf, len);
  c->body_len += len;
  return len;
}

static int on_prereq(void *ud, char *ip, char *lip, int port, int lport)
{
  struct probe_ctx *c = ud;
  struct curl_tlssessioninfo *info = NULL;
  curl_socket_t fd = CURL_SOCKET_BAD;
  (void)ip;
  (void)lip;
  (void)port;
  (void)lport;
  c->tls.done = 1;
  /* after the handshake the path MTU may have shrunk (ICMP too big) */
  if(!curl_easy_getinfo(c->p->easy, CURLINFO_ACTIVESOCKET, &fd) &&
     fd != CURL_SOCKET_BAD)
    ap_tcp_sockinfo((int)fd, &c->r->tcp);
  if(!curl_easy_getinfo(c->p->easy, CURLINFO_TLS_SSL_PTR, &info) && info &&
     info->backend == CURLSSLBACKEND_OPENSSL && info->internals)
    ap_tls_session_info(info->internals, &c->r->tls);
  /* the first byte is timed from here, after our own work: libcurl sends
   * the request when this returns */
  c->request_at = ap_mono_s();
  return CURL_PREREQFUNC_OK;
}

/* Through a proxy only: libcurl's timers do not say when the TCP
 * connection to the proxy was up and the CONNECT sent, so a proxy that
 * accepts and never answers looked like one that refuses. The CONNECT
 * request and its answer pass here; only their first bytes are looked at
 * (nothing is copied: later headers carry the key). */
static int on_debug(CURL *e, curl_infotype type, char *data, size_t size,
                    void *ud)
{
  struct probe_ctx *c = ud;
  (void)e;
  if(type == CURLINFO_HEADER_OUT && !c->connect_sent_at && size >= 8 &&
     !memcmp(data, "CONNECT ", 8))
    c->connect_sent_at = ap_mono_s();
  else if(type == CURLINFO_HEADER_IN && c->connect_sent_at &&
          !c->connect_answer_at && !c->tls.started && size >= 5 &&
          !memcmp(data, "HTTP/", 5))
    c->connect_answer_at = ap_mono_s();
  return 0;
}

/* Remember each socket libcurl opens (happy eyeballs may open two). */
static int on_sockopt(void *ud, curl_socket_t fd, curlsocktype purpose)
{
  struct probe_ctx *c = ud;
  if(purpose == CURLSOCKTYPE_IPCXN &&
     c->nsocks < (int)(sizeof(c->socks) / sizeof(c->socks[0])))
    c->socks[c->nsocks++] = (int)fd;
  return CURL_SOCKOPT_OK;
}

static CURLcode on_sslctx(CURL *curl, void *sslctx, void *ud)
{
  struct probe_ctx *c = ud;
  int i;
  /* an https:// proxy's own TLS comes first: libcurl verifies it (its CA
   * from --ca-file or the default bundle); ours is the API's, inside */
  if(c->proxy_tls && !c->proxy_tls_seen) {
    c->proxy_tls_seen = 1;
    return CURLE_OK;
  }
  c->tls_started_at = ap_mono_s();
  /* TCP is up: read its MTU now, so it shows even if TLS then fails
   * (the established one of the sockets opened) */
  for(i = c->nsocks - 1; i >= 0; i--)
    if(!ap_tcp_sockinfo(c->socks[i], &c->r->tcp))
      break;
  return ap_tls_ctx_cb(curl, sslctx, &c->tls) ? CURLE_SSL_CERTPROBLEM
                                               : CURLE_OK;
}

static void result_init(struct ap_result *r, const struct ap_target *t)
{
  int i;
  memset(r, 0, sizeof(*r));
  for(i = 0; i < AP_LAYER_COUNT; i++) {
    struct ap_layer_head *h = ap_result_layer_mut(r, (enum ap_layer)i);
    h->state = AP_STATE_SKIPPED;
    h->time_s = NAN;
  }
  r->proxy.h.state = AP_STATE_NA;
  r->tls.cert_days_left = r->tls.chain_min_days_left = NAN;
  r->tcp.rtt_s = NAN;
  r->tcp.syn_retransmits = r->tcp.retransmits = -1;
  r->proxy.resolve_s = r->proxy.connect_s = r->proxy.tunnel_s = NAN;
  r->env.clock_synced = -1;
  r->env.clock_maxerror_s = r->env.clock_skew_s = NAN;
  r->env.keepalive_time_s = r->env.keepalive_intvl_s = -1;
  r->env.keepalive_probes = -1;
  r->http.ttfb_s = r->http.transfer_s = r->http.clock_skew_s = NAN;
  r->auth.rl_requests_limit = r->auth.rl_requests_remaining = NAN;
  r->auth.rl_requests_reset_s = r->auth.rl_tokens_limit = NAN;
  r->auth.rl_tokens_remaining = r->auth.rl_tokens_reset_s = NAN;
  r->auth.rl_input_tokens_limit = r->auth.rl_input_tokens_remaining = NAN;
  r->auth.rl_output_tokens_limit = r->auth.rl_output_tokens_remaining = NAN;
  r->auth.retry_after_s = NAN;
  r->auth.should_retry = -1;
  r->attempts = 1;
  r->total_s = NAN;
  ap_strlcpy(r->provider,
             t->provider == AP_PROVIDER_OPENAI  ? "openai"
             : t->provider == AP_PROVIDER_HTTPS ? "https"
                                                : "anthropic",
             sizeof(r->provider));
  if(t->name)
    ap_strlcpy(r->name, t->name, sizeof(r->name));
  ap_strlcpy(r->url, t->url_shown, sizeof(r->url));
  ap_strlcpy(r->key_source, t->key_source, sizeof(r->key_source));
  ap_strlcpy(r->key_fingerprint, t->key_fingerprint,
             sizeof(r->key_fingerprint));
}

static int is_literal(const char *host, int *family)
{
  unsigned char tmp[16];
  if(inet_pton(AF_INET, host, tmp) == 1) {
    *family = 4;
    return 1;
  }
  if(inet_pton(AF_INET6, host, tmp) == 1) {
    *family = 6;
    return 1;
  }
  return 0;
}

/* The --resolve entry for HOST:PORT, if any: its address list. */
static const char *resolve_entry(const struct ap_target *t, const char *host,
                                 int port)
{
  char prefix[AP_TEXT + 16];
  int i;
  snprintf(prefix, sizeof(prefix), "%s:%d:", host, port);
  for(i = 0; i < t->resolve_count; i++) {
    if(!strncasecmp(t->resolve[i], prefix, strlen(prefix)))
      return t->resolve[i] + strlen(prefix);
  }
  return NULL;
}

/* Addresses of a --resolve entry or an IP literal, filtered by FAMILY. */
static void dns_from_list(struct ap_dns_result *dns, const char *list,
                          int family)
{
  while(*list && dns->address_count < AP_ADDR_MAX) {
    size_t n = strcspn(list, ",");
    char a[48];
    const char *s = list;
    size_t m = n;
    if(m >= 2 && s[0] == '[') {
      s++;
      m -= 2;
    }
    if(m < sizeof(a)) {
      memcpy(a, s, m);
      a[m] = '\0';
    }
    if(m < sizeof(a) &&
       !(family == 4 && strchr(a, ':')) && !(family == 6 && !strchr(a, ':'))) {
      ap_strlcpy(dns->addresses[dns->address_count++], a, sizeof(a));
      if(strchr(a, ':'))
        dns->aaaa_count++;
      else
        dns->a_count++;
    }
    list += n;
    if(*list == ',')
      list++;
  }
}

/* The dns layer. Fills RES with curl's resolve list. 0 when the probe
 * goes on. */
static int step_dns(struct probe_ctx *c, const char *proxy,
                    struct curl_slist **res, double budget)
{
  struct ap_dns_result *dns = &c->r->dns;
  const char *pinned = NULL;
  int fam, literal;
  char entry[AP_TEXT * 2 + AP_ADDR_MAX * 50];
  size_t used;
  int i, failed = 0;

  ap_strlcpy(dns->host, c->host, sizeof(dns->host));
  if(*proxy) {
    dns->h.state = AP_STATE_NA;
    ap_strlcpy(dns->source, "proxy", sizeof(dns->source));
    return 0;
  }
  dns->h.state = AP_STATE_OK;
  literal = is_literal(c->host, &fam);
  if(!literal)
    pinned = resolve_entry(c->t, c->host, c->port);
  if(literal || pinned) {
    const char *list = pinned ? pinned : c->host;
    ap_strlcpy(dns->source, pinned ? "resolve_option" : "literal",
               sizeof(dns->source));
    dns_from_list(dns, list, c->t->ip_family);
    dns->h.time_s = 0;
    if(!dns->address_count) {
      snprintf(entry, sizeof(entry), "%s gives no IPv%d address (%s)",
               pinned ? "--resolve" : "the URL", c->t->ip_family, list);
      ap_layer_fail(c->r, AP_LAYER_DNS, AP_ERR_DNS_NO_ADDRESS, entry);
      return -1;
    }
    if(!pinned)
      return 0;
    for(i = 0; i < c->t->resolve_count; i++)
      *res = slist_add(*res, c->t->resolve[i], &failed);
    return failed ? -1 : 0;
  }
  if(!c->dns_started)
    c->dns_job = ap_dns_start(c->host, c->t->ip_family);
  c->dns_started = 0; /* finish consumes the job */
  if(ap_dns_finish(c->dns_job, c->host, c->t->ip_family, budget, dns)) {
    ap_layer_fail(c->r, AP_LAYER_DNS, dns->h.error, dns->h.reason);
    return -1;
  }
  snprintf(entry, sizeof(entry), "-%s:%d", c->host, c->port);
  *res = slist_add(*res, entry, &failed);
  used = (size_t)snprintf(entry, sizeof(entry), "%s:%d:", c->host, c->port);
  for(i = 0; i < dns->address_count && used < sizeof(entry); i++) {
    int v6 = strchr(dns->addresses[i], ':') != NULL;
    used += (size_t)snprintf(entry + used, sizeof(entry) - used,
                             "%s%s%s%s", i ? "," : "", v6 ? "[" : "",
                             dns->addresses[i], v6 ? "]" : "");
  }
  *res = slist_add(*res, entry, &failed);
  return failed ? -1 : 0;
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

static void setup(struct probe_ctx *c, struct curl_slist *resolve,
                  const char *proxy, double remaining, double conn_budget)
{
  CURL *e = c->p->easy;
  const struct ap_target *t = c->t;
  long sslver = t->min_tls == 13   ? CURL_SSLVERSION_TLSv1_3
                : t->min_tls == 11 ? CURL_SSLVERSION_TLSv1_1
                : t->min_tls == 10 ? CURL_SSLVERSION_TLSv1_0
                                   : CURL_SSLVERSION_TLSv1_2;
  ap_curl_base(e, t->url, proxy, resolve);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->p->headers);
  curl_easy_setopt(e, CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);
  curl_easy_setopt(e, CURLOPT_PROXYHEADER, NULL);
  curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
  curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  curl_easy_setopt(e, CURLOPT_IPRESOLVE,
                   t->ip_family == 4   ? CURL_IPRESOLVE_V4
                   : t->ip_family == 6 ? CURL_IPRESOLVE_V6
                                       : CURL_IPRESOLVE_WHATEVER);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms_of(remaining));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms_of(conn_budget));
  curl_easy_setopt(e, CURLOPT_SSLVERSION, sslver);
  if(t->min_tls < 12)
    curl_easy_setopt(e, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, t->insecure ? 0L : 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, t->insecure ? 0L : 2L);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_sslctx);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, c);
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, c);
  curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
  curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, c);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)AP_BODY_MAX);
  /* answers are small: a 4 KiB receive buffer instead of 16 KiB per handle
   * (a resident host keeps one handle per target) */
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 4096L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
  curl_easy_setopt(e, CURLOPT_NOPROXY, NULL);
  c->proxy_tls = !strncasecmp(proxy, "https://", 8);
  if(c->proxy_tls && t->ca_file)
    curl_easy_setopt(e, CURLOPT_PROXY_CAINFO, t->ca_file);
  /* the handle is reused: set or clear the proxy's CONNECT watch */
  curl_easy_setopt(e, CURLOPT_VERBOSE, *proxy ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, *proxy ? on_debug : NULL);
  curl_easy_setopt(e, CURLOPT_DEBUGDATA, c);
}

static double us(CURL *e, CURLINFO what)
{
  curl_off_t v = 0;
  if(curl_easy_getinfo(e, what, &v) != CURLE_OK)
    return 0;
  return (double)v / 1e6;
}

static void fail_reason(struct probe_ctx *c, enum ap_error err, char *out,
                        size_t outlen)
{
  const struct ap_result *r = c->r;
  const char *addr = r->tcp.address[0] ? r->tcp.address : c->host;
  switch(ap_error_layer(err)) {
  case AP_LAYER_TCP:
    /* a failed connect has no connect time (a metric would mislead):
     * how long it was tried goes into the reason */
    if(err == AP_ERR_TCP_TIMEOUT)
      snprintf(out, outlen, "no answer connecting to %s port %d within %.1f s",
               addr, c->port,
               us(c->p->easy, CURLINFO_TOTAL_TIME_T) -
                 us(c->p->easy, CURLINFO_NAMELOOKUP_TIME_T));
    else
      snprintf(out, outlen, "connect to %s port %d: %s", addr, c->port,
               r->tcp.os_errno ? strerror((int)r->tcp.os_errno)
               : c->errbuf[0]  ? c->errbuf
                               : "failed");
    return;
  case AP_LAYER_PROXY:
    if(err == AP_ERR_PROXY_TIMEOUT) {
      snprintf(out, outlen,
               "the proxy (%s) accepted the connection but did not answer "
               "CONNECT %s:%d in time",
               r->proxy.address[0] ? r->proxy.address : "?", c->host,
               c->port);
      return;
    }
    if(err == AP_ERR_PROXY_AUTH || err == AP_ERR_PROXY_REJECTED) {
      snprintf(out, outlen, "the proxy answered %d to CONNECT %s:%d%s",
               r->proxy.connect_status, c->host, c->port,
               err == AP_ERR_PROXY_AUTH ? " (proxy authentication required)"
                                        : "");
      return;
    }
    break;
  case AP_LAYER_TLS:
    switch(err) {
    case AP_ERR_TLS_UNTRUSTED:
      snprintf(out, outlen, "certificate issued by '%s' is not trusted (%s)",
               r->tls.cert_issuer, r->tls.verify_detail);
      return;
    case AP_ERR_TLS_EXPIRED:
      snprintf(out, outlen, "certificate of '%s' expired %.1f days ago",
               r->tls.cert_subject, -r->tls.chain_min_days_left);
      return;
    case AP_ERR_TLS_NOT_YET_VALID:
      snprintf(out, outlen, "certificate of '%s' is not valid yet",
               r->tls.cert_subject);
      return;
    case AP_ERR_TLS_HOSTNAME:
      snprintf(out, outlen, "certificate (%s) does not match %s",
               r->tls.cert_sans[0] ? r->tls.cert_sans : r->tls.cert_subject,
               c->host);
      return;
    case AP_ERR_TLS_TIMEOUT:
      snprintf(out, outlen, "TLS handshake with %s not finished in time",
               addr);
      return;
    case AP_ERR_TLS_RESET:
    case AP_ERR_TLS_CLOSED:
      snprintf(out, outlen,
               "the connection to %s port %d was %s during the TLS "
               "handshake (%s)",
               addr, c->port, err == AP_ERR_TLS_RESET ? "reset" : "closed",
               c->errbuf[0] ? c->errbuf : "no detail");
      return;
    case AP_ERR_TLS_PROTOCOL_VERSION:
      snprintf(out, outlen, "no common TLS version (minimum TLS %d.%d): %s",
               c->t->min_tls / 10, c->t->min_tls % 10, c->errbuf);
      return;
    default:
      break;
    }
    break;
  case AP_LAYER_HTTP:
    if(err == AP_ERR_HTTP_TIMEOUT) {
      snprintf(out, outlen, "no response within %.1f s of sending the request",
               c->limit_s);
      return;
    }
    if(err == AP_ERR_HTTP_TOO_LARGE) {
      snprintf(out, outlen, "response body exceeds %d KiB",
               AP_BODY_MAX / 1024);
      return;
    }
    break;
  default:
    break;
  }
  snprintf(out, outlen, "%s", c->errbuf[0] ? c->errbuf : ap_error_name(err));
}

/* Fill tcp/proxy/tls/http from what the transfer reached. */
static void fill_layers(struct probe_ctx *c, const struct ap_observed *o,
                        const char *proxy)
{
  CURL *e = c->p->easy;
  struct ap_result *r = c->r;
  double t_name = us(e, CURLINFO_NAMELOOKUP_TIME_T);
  double t_conn = us(e, CURLINFO_CONNECT_TIME_T);
  double t_app = us(e, CURLINFO_APPCONNECT_TIME_T);
  double t_pre = us(e, CURLINFO_PRETRANSFER_TIME_T);
  double t_start = us(e, CURLINFO_STARTTRANSFER_TIME_T);
  double t_total = us(e, CURLINFO_TOTAL_TIME_T);
  double t_tls0 = c->tls_started_at > 0 ? c->tls_started_at - c->curl_start
                                        : t_conn;
  char *ip = NULL;
  long port = 0;

  curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
  curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port);
  if(*proxy) {
    ap_url_redact(proxy, r->proxy.url, sizeof(r->proxy.url));
    r->proxy.connect_status = (int)o->connect_code;
    r->tcp.h.state = AP_STATE_NA;
    if(ip && *ip)
      ap_strlcpy(r->proxy.address, ip, sizeof(r->proxy.address));
    /* libcurl's timers are the proxy's here: its name lookup, the TCP
     * connect to it; the CONNECT answer is when TLS to the API began (or,
     * when it refused, when the transfer ended) */
    if(t_name > 0 || t_conn > 0 || c->connect_sent_at > 0)
      r->proxy.resolve_s = t_name;
    if(c->connect_sent_at > 0) {
      /* our own stamps: the CONNECT went out once TCP was up */
      double sent = c->connect_sent_at - c->curl_start;
      r->proxy.connect_s = sent - t_name > 0 ? sent - t_name : 0;
      if(c->connect_answer_at > 0)
        r->proxy.tunnel_s = c->connect_answer_at - c->connect_sent_at;
    } else if(t_conn > 0) {
      r->proxy.connect_s = t_conn - t_name > 0 ? t_conn - t_name : 0;
      if(o->tls_started)
        r->proxy.tunnel_s = t_tls0 - t_conn > 0 ? t_tls0 - t_conn : 0;
      else if(o->connect_code)
        r->proxy.tunnel_s = t_total - t_conn > 0 ? t_total - t_conn : 0;
    }
    if(o->tls_started) {
      r->proxy.h.state = AP_STATE_OK;
      r->proxy.h.time_s = t_tls0;
    }
  } else if(o->tcp_connected) {
    r->tcp.h.state = AP_STATE_OK;
    /* libcurl leaves the connect time unset when the TLS handshake on top
     * of it fails: the start of TLS is when TCP was done */
    r->tcp.h.time_s = t_conn > 0 ? t_conn : t_tls0;
  }
  if(ip && *ip) {
    ap_strlcpy(r->tcp.address, ip, sizeof(r->tcp.address));
    r->tcp.family = strchr(ip, ':') ? 6 : 4;
    r->tcp.port = (int)port;
  } else {
    r->tcp.port = c->port;
  }
  if(o->tls_done) {
    r->tls.h.state = AP_STATE_OK;
    r->tls.h.time_s = t_app - t_tls0 > 0 ? t_app - t_tls0 : 0;
  }
  if(c->got_status) {
    struct ap_headers *h = &c->hdr;
    r->http.h.state = AP_STATE_OK;
    r->http.status = h->status;
    ap_strlcpy(r->http.http_version, h->http_version,
               sizeof(r->http.http_version));
    if(c->request_at > 0 && c->first_byte_at > c->request_at)
      r->http.ttfb_s = c->first_byte_at - c->request_at;
    else
      r->http.ttfb_s = t_start - t_pre > 0 ? t_start - t_pre : 0;
    r->http.h.time_s = r->http.ttfb_s;
    r->http.transfer_s = t_total - t_start > 0 ? t_total - t_start : 0;
    ap_strlcpy(r->http.request_id, h->request_id,
               sizeof(r->http.request_id));
    ap_strlcpy(r->http.content_type, h->content_type,
               sizeof(r->http.content_type));
    ap_strlcpy(r->http.server, h->server, sizeof(r->http.server));
    if(h->location[0])
      ap_url_host(h->location, r->http.location_host,
                  sizeof(r->http.location_host));
    /* Date has whole seconds: the server's clock read somewhere in
     * [date, date + 1), so its midpoint is the unbiased estimate */
    if(!isnan(h->date))
      r->http.clock_skew_s = h->date + 0.5 - h->date_seen_at;
    r->http.body_bytes = (long)c->body_len;
    r->auth.rl_requests_limit = h->rl_req_limit;
    r->auth.rl_requests_remaining = h->rl_req_remaining;
    r->auth.rl_requests_reset_s = h->rl_req_reset;
    r->auth.rl_tokens_limit = h->rl_tok_limit;
    r->auth.rl_tokens_remaining = h->rl_tok_remaining;
    r->auth.rl_tokens_reset_s = h->rl_tok_reset;
    r->auth.rl_input_tokens_limit = h->rl_in_limit;
    r->auth.rl_input_tokens_remaining = h->rl_in_remaining;
    r->auth.rl_output_tokens_limit = h->rl_out_limit;
    r->auth.rl_output_tokens_remaining = h->rl_out_remaining;
    r->auth.retry_after_s = h->retry_after_s;
    r->auth.should_retry = h->should_retry;
  }
}

/* Certificate expiry and --insecure, once the handshake succeeded. */
static void tls_judge(struct probe_ctx *c)
{
  struct ap_tls_result *tls = &c->r->tls;
  double left = tls->chain_min_days_left;
  char reason[AP_TEXT];
  tls->insecure = c->t->insecure;
  if(c->t->insecure && (c->tls.verify_code || c->tls.host_mismatch)) {
    enum ap_error would = c->tls.verify_code
                            ? ap_classify_verify(c->tls.verify_code)
                            : AP_ERR_TLS_HOSTNAME;
    snprintf(reason, sizeof(reason),
             "verification disabled (--insecure); the certificate would "
             "fail: %s",
             ap_error_name(would));
    ap_layer_set(c->r, AP_LAYER_TLS, AP_ERR_TLS_INSECURE, reason);
    return;
  }
  if(isnan(left))
    return;
  if(left < c->t->cert_crit_days || left < c->t->cert_warn_days) {
    enum ap_error e = left < c->t->cert_crit_days ? AP_ERR_TLS_EXPIRING_CRIT
                                                  : AP_ERR_TLS_EXPIRING;
    snprintf(reason, sizeof(reason),
             "certificate '%s' expires in %.1f days", tls->chain_min_subject,
             left);
    /* the handshake succeeded: later layers were reached, not skipped */
    ap_layer_set(c->r, AP_LAYER_TLS, e, reason);
  } else if(c->t->insecure) {
    ap_strlcpy(tls->h.reason, "verification disabled (--insecure)",
               sizeof(tls->h.reason));
  }
}

/* --provider https: the status alone decides; there is no auth layer. */
static void https_answer(struct probe_ctx *c)
{
  char reason[AP_TEXT];
  c->r->auth.h.state = AP_STATE_NA;
  if(c->hdr.status == c->t->expect_status)
    return;
  snprintf(reason, sizeof(reason), "HTTP %ld, expected %d", c->hdr.status,
           c->t->expect_status);
  ap_layer_fail(c->r, AP_LAYER_HTTP, AP_ERR_HTTP_UNEXPECTED_STATUS, reason);
}

static void step_answer(struct probe_ctx *c)
{
  struct ap_answer a;
  enum ap_error herr;
  char reason[AP_TEXT];
  if(c->t->provider == AP_PROVIDER_HTTPS) {
    https_answer(c);
    return;
  }
  a.status = c->hdr.status;
  a.body = c->p->body;
  a.body_len = c->body_len;
  a.content_type = c->hdr.content_type;
  a.has_request_id = c->hdr.request_id[0] != '\0';
  a.key_sent = c->t->key != NULL;
  a.key = c->t->key; /* redacted from the message before it is cut */
  a.provider = c->t->provider;
  herr = ap_auth_classify(&a, &c->r->auth);
  if(herr == AP_ERR_NONE)
    return;
  if(herr == AP_ERR_HTTP_REDIRECT)
    snprintf(reason, sizeof(reason), "HTTP %ld redirect to %s (not followed)",
             a.status,
             c->r->http.location_host[0] ? c->r->http.location_host : "?");
  else
    snprintf(reason, sizeof(reason),
             "HTTP %ld with a %s body and no request-id: not from the API",
             a.status, a.content_type[0] ? a.content_type : "untyped");
  ap_layer_fail(c->r, AP_LAYER_HTTP, herr, reason);
}

static void finish(struct probe_ctx *c, double t0)
{
  /* a transfer sets it when it ends (many probes end at different times) */
  if(isnan(c->r->total_s))
    c->r->total_s = ap_mono_s() - t0;
  ap_verdict_compute(c->r);
}

/* After the transfer: how far it got, classified, then the answer. */
static void complete(struct probe_ctx *c, CURLcode code)
{
  struct ap_observed o;
  enum ap_error err;
  long v = 0;
  char reason[AP_TEXT];

  c->r->total_s = ap_mono_s() - c->t0;
  memset(&o, 0, sizeof(o));
  o.curl_code = code;
  curl_easy_getinfo(c->p->easy, CURLINFO_OS_ERRNO, &v);
  o.os_errno = v;
  c->r->tcp.os_errno = (int)v;
  v = 0;
  curl_easy_getinfo(c->p->easy, CURLINFO_HTTP_CONNECTCODE, &v);
  o.connect_code = v;
  o.proxy_used = c->proxy[0] != '\0';
  o.proxy_tls = c->proxy_tls;
  o.connect_sent = c->connect_sent_at > 0;
  o.tls_started = c->tls.started;
  o.tls_done = c->tls.done || c->got_status;
  o.tcp_connected = o.tls_started || c->connect_sent_at > 0 ||
                    us(c->p->easy, CURLINFO_CONNECT_TIME_T) > 0;
  o.got_status = c->got_status;
  o.body_capped = c->body_capped;
  o.verify_code = c->tls.verify_code;
  o.host_mismatch = c->tls.host_mismatch;
  o.alert_protocol = c->tls.alert_protocol;
  o.errbuf = c->errbuf;
  c->r->curl_code = code;
  ap_strlcpy(c->r->curl_error, c->errbuf, sizeof(c->r->curl_error));
  fill_layers(c, &o, c->proxy);
  ap_env_judge_clock(c->r, c->t);
  err = ap_classify(&o);
  if(err != AP_ERR_NONE) {
    fail_reason(c, err, reason, sizeof(reason));
    ap_layer_fail(c->r, ap_error_layer(err), err, reason);
    return;
  }
  tls_judge(c);
  step_answer(c);
}

static void unusable(struct ap_result *r, const char *why)
{
  r->env.h.state = AP_STATE_UNKNOWN;
  ap_strlcpy(r->env.h.reason, why, sizeof(r->env.h.reason));
  ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_NONE, why);
  r->env.h.state = AP_STATE_UNKNOWN;
}

/* Begin a probe of T into R: result, env layer, prober, and the DNS
 * lookup started on its thread. Returns a new context (NULL when out of
 * memory: R then says so). */
static struct probe_ctx *begin(struct ap_target *t, struct ap_result *r,
                               enum ap_code *prc)
{
  struct probe_ctx *c;
  char err[AP_TEXT];
  int fam;

  *prc = AP_OK;
  result_init(r, t);
  c = calloc(1, sizeof(*c));
  if(!c) {
    unusable(r, "out of memory");
    ap_verdict_compute(r);
    *prc = AP_E_NOMEM;
    return NULL;
  }
  c->t0 = ap_mono_s();
  c->limit_s = t->timeout_s;
  c->t = t;
  c->r = r;
  c->tls.out = &r->tls;
  ap_headers_init(&c->hdr);
  if(!t->url || !t->anthropic_version || !t->url_host[0] || !t->url_port) {
    unusable(r, "target not finished (ap_target_finish)");
    *prc = AP_E_CONFIG;
    c->failed = 1;
    return c;
  }
  ap_strlcpy(c->host, t->url_host, sizeof(c->host));
  c->port = t->url_port;
  c->tls.host = c->host;
  c->tls.check_host = t->insecure;
  if(ap_env_eval(t, c->host, &r->env, c->proxy, sizeof(c->proxy))) {
    char why[AP_TEXT];
    ap_strlcpy(why, r->env.h.reason, sizeof(why));
    ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_ENV_PROXY_INVALID, why);
    c->failed = 1;
    return c;
  }
  if(t->key_file_mode_warning)
    ap_layer_fail(r, AP_LAYER_ENV, AP_ERR_ENV_KEY_FILE_MODE,
                  "the key file is readable by group or others");
  if(c->proxy[0])
    r->proxy.h.state = AP_STATE_SKIPPED;
  if(!t->prober) {
    *prc = prober_new(t, &t->prober, err, sizeof(err));
    if(*prc) {
      unusable(r, err);
      c->failed = 1;
      return c;
    }
  }
  c->p = t->prober;
  c->tls.store = c->p->store;
  c->tls.cache = &c->p->leaf;
  /* start the lookup now, so many targets resolve at once */
  if(!c->proxy[0] && !is_literal(c->host, &fam) &&
     !resolve_entry(t, c->host, c->port)) {
    c->dns_job = ap_dns_start(c->host, t->ip_family);
    c->dns_started = 1;
  }
  return c;
}

/* Finish DNS and set the transfer up. 0 when the transfer should run. */
static int ready(struct probe_ctx *c)
{
  const struct ap_target *t = c->t;
  double budget = t->connect_timeout_s < c->limit_s ? t->connect_timeout_s
                                                     : c->limit_s;
  double remaining, spent;
  if(c->failed)
    return -1;
  if(step_dns(c, c->proxy, &c->resolve, budget))
    return -1;
  spent = ap_mono_s() - c->t0;
  remaining = c->limit_s - spent;
  budget -= spent;
  if(remaining <= 0.001 || budget <= 0.001) {
    ap_layer_fail(c->r, AP_LAYER_DNS, AP_ERR_DNS_TIMEOUT,
                  "name resolution used the whole timeout");
    return -1;
  }
  /* both families in the answer: connect to each beside the transfer */
  if(!c->proxy[0])
    c->fam_job = ap_family_start(&c->r->dns, c->port, budget);
  setup(c, c->resolve, c->proxy, remaining, budget);
  c->curl_start = ap_mono_s();
  return 0;
}

/* After the transfer, what the path adds: a PMTU black hole behind a
 * stalled handshake, the route where packets stop (or always with
 * --trace), each within what is left of --timeout; total_s grows by it. */
static void path_after(struct probe_ctx *c)
{
  double t = ap_mono_s();
  double left = c->limit_s - (t - c->t0);
  int pport = 0;
  if(c->proxy[0] && ap_url_port(c->proxy, &pport))
    pport = 0;
  if(!c->proxy[0])
    ap_pmtu_after(c->r, c->host, c->t->connect_timeout_s, left);
  left = c->limit_s - (ap_mono_s() - c->t0);
  ap_route_after(c->r, c->t->trace, c->r->proxy.address, pport, c->port,
                 left);
  if(!isnan(c->r->total_s))
    c->r->total_s += ap_mono_s() - t;
}

static void end(struct probe_ctx *c)
{
  if(!c)
    return;
  if(c->dns_started && c->dns_job) /* begun, never finished */
    ap_dns_finish(c->dns_job, c->host, 0, 0, &c->r->dns);
  curl_slist_free_all(c->resolve);
  if(c->fam_job) {
    /* the verdict waits for the other family's check (total_s says so) */
    double done = ap_family_finish(c->fam_job, &c->r->tcp);
    ap_family_judge(c->r);
    if(!isnan(c->r->total_s) && done - c->t0 > c->r->total_s)
      c->r->total_s = done - c->t0;
  }
  if(c->curl_start > 0)
    path_after(c);
  finish(c, c->t0);
  if(c->p)
    if(c->p->body)
      OPENSSL_cleanse(c->p->body, c->body_len);
  free(c);
}

/* One attempt within LIMIT_S seconds. */
static enum ap_code attempt(struct ap_target *t, struct ap_result *r,
                            double limit_s)
{
  enum ap_code rc;
  struct probe_ctx *c = begin(t, r, &rc);
  if(c)
    c->limit_s = limit_s;
  if(c && !ready(c))
    complete(c, curl_easy_perform(c->p->easy));
  end(c);
  return rc;
}

/* A uniform number in [0, 1) from OpenSSL's thread-safe generator. */
static double unit_random(void)
{
  unsigned int v = 0;
  if(RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
    return 0.5;
  return (double)v / 4294967296.0;
}

/* The status page's job for T, with the prober made if needed. */
static struct ap_status_job *status_begin(struct ap_target *t)
{
  char err[AP_TEXT];
  if(!t->status_page)
    return NULL;
  if(!t->prober && prober_new(t, &t->prober, err, sizeof(err)))
    return NULL;
  return ap_status_start(t, t->prober->status_easy, t->prober->store);
}

/* The status page folded in, then every text of R scrubbed (scrub.c):
 * the one place a probe's result is made safe to print, after the last
 * layer that can add text. */
static void status_end(struct ap_status_job *job, struct ap_target *t,
                       struct ap_result *r)
{
  if(job)
    ap_status_finish(job, r);
  ap_result_scrub(r, t->key);
  ap_verdict_compute(r); /* folds the status page into the reason */
}

/* --retries: more attempts after the first (in R, started at T0) while
 * the outcome is transient and the timeout leaves room. */
static enum ap_code retry_loop(struct ap_target *t, struct ap_result *r,
                               double t0, enum ap_code rc)
{
  struct ap_verdict first = r->verdict;
  int n = 1;
  while(rc == AP_OK && n <= t->retries && ap_retry_transient(r)) {
    double delay = ap_retry_delay(r, n - 1, unit_random());
    double left = t->timeout_s - (ap_mono_s() - t0) - delay;
    struct timespec ts;
    /* never past --timeout: a retry that cannot finish is not made */
    if(left < 0.05)
      break;
    ts.tv_sec = (time_t)delay;
    ts.tv_nsec = (long)((delay - (double)ts.tv_sec) * 1e9);
    while(nanosleep(&ts, &ts) && errno == EINTR)
      ;
    rc = attempt(t, r, left);
    n++;
  }
  r->attempts = n;
  r->first_attempt = first;
  r->total_s = ap_mono_s() - t0;
  return rc;
}

/* The layers after auth, each n/a unless asked for: --model (free) and
 * --canary (tokens), on the probe's settings (model.c, inference.c). */
static void after_auth(struct ap_target *t, struct ap_result *r, double t0)
{
  /* within the same --timeout: a host's read or item stays bounded */
  double deadline = t0 + t->timeout_s;
  ap_model_run(t, r, deadline);
  ap_inference_run(t, r, deadline);
  ap_verdict_compute(r);
}

enum ap_code ap_probe_run(struct ap_target *t, struct ap_result *r)
{
  void *loc = ap_locale_c_enter(); /* numbers in reasons: '.' always */
  double t0 = ap_mono_s();
  struct ap_status_job *sj = status_begin(t);
  enum ap_code rc = attempt(t, r, t->timeout_s);
  if(t->retries)
    rc = retry_loop(t, r, t0, rc);
  after_auth(t, r, t0);
  status_end(sj, t, r);
  ap_locale_leave(loc);
  return rc;
}

enum ap_code ap_probe_many(struct ap_target **targets, size_t n,
                           struct ap_result *results)
{
  struct probe_ctx **cs = calloc(n ? n : 1, sizeof(*cs));
  struct ap_status_job **sj = calloc(n ? n : 1, sizeof(*sj));
  CURLM *multi = curl_multi_init();
  enum ap_code rc = AP_OK;
  size_t i, running = 0;
  int still = 0;
  double t0 = ap_mono_s();
  void *loc;

  if(!cs || !multi || !sj) {
    free(cs);
    free(sj);
    if(multi)
      curl_multi_cleanup(multi);
    for(i = 0; i < n; i++) /* fall back to one at a time */
      ap_probe_run(targets[i], &results[i]);
    return AP_E_NOMEM;
  }
  loc = ap_locale_c_enter(); /* numbers in reasons: '.' always */
  for(i = 0; i < n; i++)
    sj[i] = status_begin(targets[i]);
  for(i = 0; i < n; i++) {
    enum ap_code one;
    cs[i] = begin(targets[i], &results[i], &one);
    if(one && !rc)
      rc = one;
  }
  for(i = 0; i < n; i++) {
    if(!cs[i] || ready(cs[i]))
      continue;
    curl_easy_setopt(cs[i]->p->easy, CURLOPT_PRIVATE, cs[i]);
    if(curl_multi_add_handle(multi, cs[i]->p->easy) == CURLM_OK)
      running++;
    else
      complete(cs[i], CURLE_FAILED_INIT);
  }
  while(running) {
    CURLMsg *m;
    int left;
    if(curl_multi_perform(multi, &still) != CURLM_OK)
      break;
    while((m = curl_multi_info_read(multi, &left)) != NULL) {
      struct probe_ctx *c = NULL;
      if(m->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
      curl_multi_remove_handle(multi, m->easy_handle);
      running--;
      if(c) {
        complete(c, m->data.result);
        c->completed = 1;
      }
    }
    if(running && curl_multi_poll(multi, NULL, 0, 100, NULL) != CURLM_OK)
      break;
  }
  for(i = 0; i < n; i++) {
    if(cs[i] && cs[i]->p && !cs[i]->completed && !cs[i]->failed &&
       cs[i]->curl_start > 0) {
      /* the loop broke: never leave a handle in the multi */
      curl_multi_remove_handle(multi, cs[i]->p->easy);
      complete(cs[i], CURLE_FAILED_INIT);
    }
    end(cs[i]);
  }
  /* retries, one target after the other, each within its own timeout */
  for(i = 0; i < n; i++) {
    if(targets[i]->retries)
      retry_loop(targets[i], &results[i], t0, AP_OK);
    after_auth(targets[i], &results[i], t0);
    status_end(sj[i], targets[i], &results[i]);
  }
  curl_multi_cleanup(multi);
  free(cs);
  free(sj);
  ap_locale_leave(loc);
  return rc;
}
