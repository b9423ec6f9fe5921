/* classify.c -- turns what one libcurl transfer left behind (CURLcode,
 * errno, proxy CONNECT status, how far the connection got, the first X509
 * verify error, TLS alerts) into the failing layer and its stable error.
 * Pure: the unit tests feed it tables.
 */
#include "internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/x509_vfy.h>
#include <string.h>

enum ap_error ap_classify_verify(int verify_code)
{
  switch(verify_code) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
    return AP_ERR_TLS_EXPIRED;
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return AP_ERR_TLS_NOT_YET_VALID;
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_UNTRUSTED:
  case X509_V_ERR_CERT_REJECTED:
    return AP_ERR_TLS_UNTRUSTED;
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    return AP_ERR_TLS_HOSTNAME;
  default:
    return AP_ERR_TLS_CERT_INVALID;
  }
}

enum ap_error ap_classify_errno(long os_errno)
{
  switch(os_errno) {
  case ECONNREFUSED:
    return AP_ERR_TCP_REFUSED;
  case ETIMEDOUT:
    return AP_ERR_TCP_TIMEOUT;
  case ENETUNREACH:
  case EHOSTUNREACH:
  case ENETDOWN:
  case EHOSTDOWN:
  case EADDRNOTAVAIL:
  case EAFNOSUPPORT:
    return AP_ERR_TCP_UNREACHABLE;
  case ECONNRESET:
  case ECONNABORTED:
    return AP_ERR_TCP_RESET;
  default:
    return AP_ERR_TCP_FAILED;
  }
}

static int has(const char *errbuf, const char *words)
{
  return errbuf && strstr(errbuf, words);
}

static enum ap_error classify_proxy(const struct ap_observed *o)
{
  if(o->connect_code == 407)
    return AP_ERR_PROXY_AUTH;
  return AP_ERR_PROXY_REJECTED;
}

static enum ap_error classify_tls_failure(const struct ap_observed *o)
{
  if(o->alert_protocol || has(o->errbuf, "unsupported protocol") ||
     has(o->errbuf, "protocol version") ||
     has(o->errbuf, "no protocols available"))
    return AP_ERR_TLS_PROTOCOL_VERSION;
  if(has(o->errbuf, "wrong version number") ||
     has(o->errbuf, "packet length too long") ||
     has(o->errbuf, "http request"))
    return AP_ERR_TLS_NOT_TLS;
  if(o->os_errno == ECONNRESET)
    return AP_ERR_TLS_RESET;
  if(has(o->errbuf, "unexpected eof") || has(o->errbuf, "SSL_ERROR_SYSCALL"))
    return AP_ERR_TLS_CLOSED;
  return AP_ERR_TLS_HANDSHAKE;
}

static enum ap_error classify_timeout(const struct ap_observed *o)
{
  if(!o->tcp_connected)
    return o->proxy_used ? AP_ERR_PROXY_CONNECT : AP_ERR_TCP_TIMEOUT;
  if(o->proxy_used && !o->tls_started && !o->connect_code)
    return AP_ERR_PROXY_TIMEOUT;
  if(!o->tls_done)
    return AP_ERR_TLS_TIMEOUT;
  if(!o->got_status)
    return AP_ERR_HTTP_TIMEOUT;
  return AP_ERR_HTTP_BODY_TIMEOUT;
}

/* The connection broke (reset, closed): in which phase? */
static enum ap_error classify_broken(const struct ap_observed *o)
{
  int reset = o->os_errno == ECONNRESET || o->os_errno == EPIPE;
  if(!o->tcp_connected)
    return ap_classify_errno(o->os_errno);
  if(!o->tls_done)
    return reset ? AP_ERR_TLS_RESET : classify_tls_failure(o);
  if(!o->got_status)
    return reset ? AP_ERR_HTTP_RESET : AP_ERR_HTTP_CLOSED;
  return reset ? AP_ERR_HTTP_RESET : AP_ERR_HTTP_TRUNCATED;
}

/* Through an https:// proxy, a TLS failure before the CONNECT is the
 * proxy's: AP_ERR_PROXY_TLS, else AP_ERR_NONE (not that). */
static enum ap_error classify_proxy_tls(const struct ap_observed *o)
{
  if(!o->proxy_used || !o->proxy_tls || o->connect_sent || o->tls_started)
    return AP_ERR_NONE;
  switch(o->curl_code) {
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_GOT_NOTHING:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
    return AP_ERR_PROXY_TLS;
  case CURLE_OPERATION_TIMEDOUT:
    /* the proxy took the connection but its TLS never finished (a
     * plain proxy reading the ClientHello as a request line?) */
    if(has(o->errbuf, "SSL connection timeout"))
      return AP_ERR_PROXY_TLS;
    return AP_ERR_NONE;
  default:
    return AP_ERR_NONE;
  }
}

enum ap_error ap_classify(const struct ap_observed *o)
{
  if(o->proxy_used && o->connect_code &&
     (o->connect_code < 200 || o->connect_code > 299))
    return classify_proxy(o);
  if(classify_proxy_tls(o) != AP_ERR_NONE)
    return AP_ERR_PROXY_TLS;
  switch(o->curl_code) {
  case CURLE_OK:
    return AP_ERR_NONE;
  case CURLE_COULDNT_RESOLVE_PROXY:
    return AP_ERR_PROXY_RESOLVE;
  case CURLE_COULDNT_RESOLVE_HOST:
    return AP_ERR_DNS_FAILED;
  case CURLE_COULDNT_CONNECT:
    if(o->proxy_used)
      return AP_ERR_PROXY_CONNECT;
    if(o->os_errno == 0)
      return AP_ERR_TCP_FAILED;
    return ap_classify_errno(o->os_errno);
  case CURLE_OPERATION_TIMEDOUT:
    return classify_timeout(o);
  case CURLE_PEER_FAILED_VERIFICATION:
    if(o->verify_code)
      return ap_classify_verify(o->verify_code);
    /* the chain verified: libcurl's own host name check failed */
    return AP_ERR_TLS_HOSTNAME;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_ENGINE_INITFAILED:
    if(o->verify_code)
      return ap_classify_verify(o->verify_code);
    return classify_tls_failure(o);
  case CURLE_GOT_NOTHING:
    if(!o->tls_done)
      return classify_tls_failure(o);
    return AP_ERR_HTTP_CLOSED;
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
    return classify_broken(o);
  case CURLE_PARTIAL_FILE:
    return AP_ERR_HTTP_TRUNCATED;
  case CURLE_WRITE_ERROR:
  case CURLE_FILESIZE_EXCEEDED:
    return o->body_capped || o->curl_code == CURLE_FILESIZE_EXCEEDED
             ? AP_ERR_HTTP_TOO_LARGE
             : AP_ERR_HTTP_FAILED;
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_BAD_CONTENT_ENCODING:
    if(!o->tls_done)
      return classify_tls_failure(o);
    return AP_ERR_HTTP_BAD_RESPONSE;
  case CURLE_TOO_MANY_REDIRECTS:
    return AP_ERR_HTTP_REDIRECT;
  case CURLE_PROXY:
    return classify_proxy(o);
  default:
    if(o->got_status || o->tls_done)
      return AP_ERR_HTTP_FAILED;
    if(o->tcp_connected)
      return classify_tls_failure(o);
    return AP_ERR_TCP_FAILED;
  }
}

double ap_span(double a, double b)
{
  return b - a > 0 ? b - a : 0;
}

double ap_facts_tls_start(const struct ap_facts *f)
{
  return f->tls_started_at > 0 ? f->tls_started_at - f->curl_start
                               : f->t_conn;
}
