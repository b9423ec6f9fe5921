/* test_classify.c -- plugin/classify.c: what one libcurl transfer left
 * behind (CURLcode, errno, CONNECT status, how far it got, verify code,
 * alerts, curl's error words) -> the failing layer's stable error. Tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct classify_case {
  const char *what;
  struct ap_observed o;
  enum ap_error want;
};

/* How far the connection got, as the flags probe.c sets them. */
#define NOT_CONNECTED .tcp_connected = 0
#define CONNECTED .tcp_connected = 1
#define IN_TLS .tcp_connected = 1, .tls_started = 1
#define TLS_DONE .tcp_connected = 1, .tls_started = 1, .tls_done = 1
#define GOT_STATUS                                                            \
  .tcp_connected = 1, .tls_started = 1, .tls_done = 1, .got_status = 1

static const struct classify_case classify_cases[] = {
  {"success", {.curl_code = CURLE_OK, GOT_STATUS}, AP_ERR_NONE},
  {"success through a proxy",
   {.curl_code = CURLE_OK, .proxy_used = 1, .connect_code = 200, GOT_STATUS},
   AP_ERR_NONE},

  /* name resolution */
  {"host does not resolve",
   {.curl_code = CURLE_COULDNT_RESOLVE_HOST}, AP_ERR_DNS_FAILED},
  {"proxy does not resolve",
   {.curl_code = CURLE_COULDNT_RESOLVE_PROXY, .proxy_used = 1},
   AP_ERR_PROXY_RESOLVE},

  /* connect */
  {"connect refused",
   {.curl_code = CURLE_COULDNT_CONNECT, .os_errno = ECONNREFUSED},
   AP_ERR_TCP_REFUSED},
  {"connect timed out (errno)",
   {.curl_code = CURLE_COULDNT_CONNECT, .os_errno = ETIMEDOUT},
   AP_ERR_TCP_TIMEOUT},
  {"network unreachable",
   {.curl_code = CURLE_COULDNT_CONNECT, .os_errno = ENETUNREACH},
   AP_ERR_TCP_UNREACHABLE},
  {"host unreachable",
   {.curl_code = CURLE_COULDNT_CONNECT, .os_errno = EHOSTUNREACH},
   AP_ERR_TCP_UNREACHABLE},
  {"connect failed, no errno",
   {.curl_code = CURLE_COULDNT_CONNECT, .os_errno = 0}, AP_ERR_TCP_FAILED},
  {"connect failed, EPERM (local firewall)",
   {.curl_code = CURLE_COULDNT_CONNECT, .os_errno = EPERM},
   AP_ERR_TCP_FAILED},
  {"proxy refuses connections",
   {.curl_code = CURLE_COULDNT_CONNECT, .os_errno = ECONNREFUSED,
    .proxy_used = 1},
   AP_ERR_PROXY_CONNECT},

  /* timeouts, phase by phase */
  {"timeout before TCP connected",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, NOT_CONNECTED},
   AP_ERR_TCP_TIMEOUT},
  {"timeout before TCP connected, errno ETIMEDOUT",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, .os_errno = ETIMEDOUT,
    NOT_CONNECTED},
   AP_ERR_TCP_TIMEOUT},
  {"timeout before the proxy connected",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, .proxy_used = 1, NOT_CONNECTED},
   AP_ERR_PROXY_CONNECT},
  {"timeout waiting for the CONNECT answer",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, .proxy_used = 1, CONNECTED},
   AP_ERR_PROXY_TIMEOUT},
  {"https:// proxy: its certificate fails before the CONNECT",
   {.curl_code = CURLE_PEER_FAILED_VERIFICATION, .proxy_used = 1,
    .proxy_tls = 1},
   AP_ERR_PROXY_TLS},
  {"https:// proxy: handshake with it fails (an http:// proxy?)",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, .proxy_used = 1, .proxy_tls = 1},
   AP_ERR_PROXY_TLS},
  {"https:// proxy: its TLS never finishes",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, .proxy_used = 1, .proxy_tls = 1,
    .errbuf = "SSL connection timeout"},
   AP_ERR_PROXY_TLS},
  {"https:// proxy: no TCP to it in time",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, .proxy_used = 1, .proxy_tls = 1,
    .errbuf = "Connection timed out after 1001 milliseconds"},
   AP_ERR_PROXY_CONNECT},
  {"https:// proxy: the API's certificate fails after the CONNECT",
   {.curl_code = CURLE_PEER_FAILED_VERIFICATION, .proxy_used = 1,
    .proxy_tls = 1, .connect_sent = 1, .connect_code = 200,
    .tls_started = 1, .verify_code = 18},
   AP_ERR_TLS_UNTRUSTED},
  {"http:// proxy: a TLS failure is the API's",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, .proxy_used = 1,
    .connect_sent = 1, .connect_code = 200, .tls_started = 1},
   AP_ERR_TLS_HANDSHAKE},
  {"timeout in TLS after the CONNECT succeeded",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, .proxy_used = 1,
    .connect_code = 200, CONNECTED},
   AP_ERR_TLS_TIMEOUT},
  {"timeout connected, TLS not started",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, CONNECTED}, AP_ERR_TLS_TIMEOUT},
  {"timeout during the TLS handshake",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, IN_TLS}, AP_ERR_TLS_TIMEOUT},
  {"timeout during TLS through a proxy",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, .proxy_used = 1,
    .connect_code = 200, IN_TLS},
   AP_ERR_TLS_TIMEOUT},
  {"timeout after TLS, no status",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, TLS_DONE}, AP_ERR_HTTP_TIMEOUT},
  {"timeout after the status (body stalls)",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, GOT_STATUS},
   AP_ERR_HTTP_BODY_TIMEOUT},
  {"timeout after the status through a proxy",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, .proxy_used = 1,
    .connect_code = 200, GOT_STATUS},
   AP_ERR_HTTP_BODY_TIMEOUT},

  /* proxy CONNECT answers */
  {"CONNECT 407",
   {.curl_code = CURLE_PROXY, .proxy_used = 1, .connect_code = 407,
    CONNECTED},
   AP_ERR_PROXY_AUTH},
  {"CONNECT 407 reported as COULDNT_CONNECT",
   {.curl_code = CURLE_COULDNT_CONNECT, .proxy_used = 1, .connect_code = 407,
    CONNECTED},
   AP_ERR_PROXY_AUTH},
  {"CONNECT 403",
   {.curl_code = CURLE_PROXY, .proxy_used = 1, .connect_code = 403,
    CONNECTED},
   AP_ERR_PROXY_REJECTED},
  {"CONNECT 502",
   {.curl_code = CURLE_RECV_ERROR, .proxy_used = 1, .connect_code = 502,
    CONNECTED},
   AP_ERR_PROXY_REJECTED},
  {"CONNECT 403 with a timeout code",
   {.curl_code = CURLE_OPERATION_TIMEDOUT, .proxy_used = 1,
    .connect_code = 403, CONNECTED},
   AP_ERR_PROXY_REJECTED},
  {"CURLE_PROXY without a status",
   {.curl_code = CURLE_PROXY, .proxy_used = 1, CONNECTED},
   AP_ERR_PROXY_REJECTED},

  /* TLS */
  {"plain HTTP on the port (wrong version number)",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS,
    .errbuf = "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version "
              "number"},
   AP_ERR_TLS_NOT_TLS},
  {"packet length too long",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS,
    .errbuf = "error:0A0000C6:SSL routines::packet length too long"},
   AP_ERR_TLS_NOT_TLS},
  {"protocol_version alert flag",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS, .alert_protocol = 1,
    .errbuf = "error:0A00042E:SSL routines::tlsv1 alert protocol version"},
   AP_ERR_TLS_PROTOCOL_VERSION},
  {"unsupported protocol words",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS,
    .errbuf = "error:0A000102:SSL routines::unsupported protocol"},
   AP_ERR_TLS_PROTOCOL_VERSION},
  {"no protocols available",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS,
    .errbuf = "error:0A0000BF:SSL routines::no protocols available"},
   AP_ERR_TLS_PROTOCOL_VERSION},
  {"reset during the handshake (SSL_CONNECT_ERROR)",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, .os_errno = ECONNRESET, IN_TLS,
    .errbuf = "OpenSSL SSL_connect: Connection reset by peer in connection "
              "to api.anthropic.com:443"},
   AP_ERR_TLS_RESET},
  {"reset during the handshake (RECV_ERROR)",
   {.curl_code = CURLE_RECV_ERROR, .os_errno = ECONNRESET, IN_TLS},
   AP_ERR_TLS_RESET},
  {"EPIPE during the handshake (SEND_ERROR)",
   {.curl_code = CURLE_SEND_ERROR, .os_errno = EPIPE, IN_TLS},
   AP_ERR_TLS_RESET},
  {"server closes during the handshake (unexpected eof)",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS,
    .errbuf = "error:0A000126:SSL routines::unexpected eof while reading"},
   AP_ERR_TLS_CLOSED},
  {"server closes during the handshake (SSL_ERROR_SYSCALL)",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS,
    .errbuf = "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to "
              "h:443"},
   AP_ERR_TLS_CLOSED},
  {"other handshake failure",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS,
    .errbuf = "error:0A000410:SSL routines::sslv3 alert handshake failure"},
   AP_ERR_TLS_HANDSHAKE},
  {"handshake failure, no errbuf",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS, .errbuf = NULL},
   AP_ERR_TLS_HANDSHAKE},
  {"cipher mismatch",
   {.curl_code = CURLE_SSL_CIPHER, IN_TLS, .errbuf = ""},
   AP_ERR_TLS_HANDSHAKE},
  {"SSL_CONNECT_ERROR carrying a verify code",
   {.curl_code = CURLE_SSL_CONNECT_ERROR, IN_TLS,
    .verify_code = X509_V_ERR_CERT_HAS_EXPIRED},
   AP_ERR_TLS_EXPIRED},
  {"GOT_NOTHING during the handshake",
   {.curl_code = CURLE_GOT_NOTHING, IN_TLS,
    .errbuf = "error:0A000126:SSL routines::unexpected eof while reading"},
   AP_ERR_TLS_CLOSED},

  /* certificate verification */
  {"verify: expired",
   {.curl_code = CURLE_PEER_FAILED_VERIFICATION, IN_TLS,
    .verify_code = X509_V_ERR_CERT_HAS_EXPIRED},
   AP_ERR_TLS_EXPIRED},
  {"verify: not yet valid",
   {.curl_code = CURLE_PEER_FAILED_VERIFICATION, IN_TLS,
    .verify_code = X509_V_ERR_CERT_NOT_YET_VALID},
   AP_ERR_TLS_NOT_YET_VALID},
  {"verify: self-signed leaf",
   {.curl_code = CURLE_PEER_FAILED_VERIFICATION, IN_TLS,
    .verify_code = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
   AP_ERR_TLS_UNTRUSTED},
  {"verify: unknown issuer (intercepting proxy)",
   {.curl_code = CURLE_PEER_FAILED_VERIFICATION, .proxy_used = 1,
    .connect_code = 200, IN_TLS,
    .verify_code = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
   AP_ERR_TLS_UNTRUSTED},
  {"verify: hostname mismatch by verify code",
   {.curl_code = CURLE_PEER_FAILED_VERIFICATION, IN_TLS,
    .verify_code = X509_V_ERR_HOSTNAME_MISMATCH, .host_mismatch = 1},
   AP_ERR_TLS_HOSTNAME},
  {"verify: host_mismatch flag, no verify code",
   {.curl_code = CURLE_PEER_FAILED_VERIFICATION, IN_TLS, .host_mismatch = 1,
    .errbuf = "SSL: no alternative certificate subject name matches target "
              "host name 'h'"},
   AP_ERR_TLS_HOSTNAME},
  /* the chain verified (no X509 error): libcurl's own name check failed */
  {"verify: chain ok, name check failed",
   {.curl_code = CURLE_PEER_FAILED_VERIFICATION, IN_TLS},
   AP_ERR_TLS_HOSTNAME},

  /* HTTP exchange */
  {"GOT_NOTHING after TLS",
   {.curl_code = CURLE_GOT_NOTHING, TLS_DONE}, AP_ERR_HTTP_CLOSED},
  {"reset after the request",
   {.curl_code = CURLE_RECV_ERROR, .os_errno = ECONNRESET, TLS_DONE},
   AP_ERR_HTTP_RESET},
  {"closed after the request (RECV_ERROR, no errno)",
   {.curl_code = CURLE_RECV_ERROR, TLS_DONE}, AP_ERR_HTTP_CLOSED},
  {"reset during the body",
   {.curl_code = CURLE_RECV_ERROR, .os_errno = ECONNRESET, GOT_STATUS},
   AP_ERR_HTTP_RESET},
  {"closed during the body",
   {.curl_code = CURLE_RECV_ERROR, GOT_STATUS}, AP_ERR_HTTP_TRUNCATED},
  {"reset before connect (RECV_ERROR)",
   {.curl_code = CURLE_RECV_ERROR, .os_errno = ECONNRESET, NOT_CONNECTED},
   AP_ERR_TCP_RESET},
  {"partial file",
   {.curl_code = CURLE_PARTIAL_FILE, GOT_STATUS}, AP_ERR_HTTP_TRUNCATED},
  {"WRITE_ERROR from our body cap",
   {.curl_code = CURLE_WRITE_ERROR, GOT_STATUS, .body_capped = 1},
   AP_ERR_HTTP_TOO_LARGE},
  {"WRITE_ERROR without the cap",
   {.curl_code = CURLE_WRITE_ERROR, GOT_STATUS}, AP_ERR_HTTP_FAILED},
  {"FILESIZE_EXCEEDED",
   {.curl_code = CURLE_FILESIZE_EXCEEDED, GOT_STATUS},
   AP_ERR_HTTP_TOO_LARGE},
  {"weird server reply after TLS",
   {.curl_code = CURLE_WEIRD_SERVER_REPLY, GOT_STATUS},
   AP_ERR_HTTP_BAD_RESPONSE},
  {"HTTP/2 framing error after TLS",
   {.curl_code = CURLE_HTTP2, TLS_DONE}, AP_ERR_HTTP_BAD_RESPONSE},
  {"weird reply before TLS finished (plain HTTP answer)",
   {.curl_code = CURLE_WEIRD_SERVER_REPLY, IN_TLS,
    .errbuf = "error:0A00009C:SSL routines::http request"},
   AP_ERR_TLS_NOT_TLS},
  {"too many redirects",
   {.curl_code = CURLE_TOO_MANY_REDIRECTS, GOT_STATUS}, AP_ERR_HTTP_REDIRECT},

  /* anything else: by how far it got */
  {"unknown code after the status",
   {.curl_code = CURLE_ABORTED_BY_CALLBACK, GOT_STATUS}, AP_ERR_HTTP_FAILED},
  {"unknown code after TLS",
   {.curl_code = CURLE_ABORTED_BY_CALLBACK, TLS_DONE}, AP_ERR_HTTP_FAILED},
  {"unknown code during TLS",
   {.curl_code = CURLE_ABORTED_BY_CALLBACK, IN_TLS}, AP_ERR_TLS_HANDSHAKE},
  {"unknown code before connect",
   {.curl_code = CURLE_ABORTED_BY_CALLBACK, NOT_CONNECTED},
   AP_ERR_TCP_FAILED},
};

static void test_classify_table(void **state)
{
  size_t i;
  int failed = 0;
  (void)state;
  for(i = 0; i < N_ELEMS(classify_cases); i++) {
    const struct classify_case *c = &classify_cases[i];
    enum ap_error got = ap_classify(&c->o);
    if(got != c->want) {
      print_error("case %zu '%s': got %s/%s, want %s/%s\n", i, c->what,
                  ap_layer_name(ap_error_layer(got)), ap_error_name(got),
                  ap_layer_name(ap_error_layer(c->want)),
                  ap_error_name(c->want));
      failed++;
    }
  }
  assert_int_equal(failed, 0);
}

/* Every failing case names a layer whose state is not ok. */
static void test_classify_failures_are_not_ok(void **state)
{
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(classify_cases); i++) {
    enum ap_error got = ap_classify(&classify_cases[i].o);
    if(classify_cases[i].o.curl_code != CURLE_OK)
      assert_int_not_equal(ap_error_state(got), AP_STATE_OK);
  }
}

struct int_case {
  long in;
  enum ap_error want;
};

static void test_classify_verify(void **state)
{
  static const struct int_case cases[] = {
    {X509_V_ERR_CERT_HAS_EXPIRED, AP_ERR_TLS_EXPIRED},
    {X509_V_ERR_CERT_NOT_YET_VALID, AP_ERR_TLS_NOT_YET_VALID},
    {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, AP_ERR_TLS_UNTRUSTED},
    {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, AP_ERR_TLS_UNTRUSTED},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, AP_ERR_TLS_UNTRUSTED},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, AP_ERR_TLS_UNTRUSTED},
    {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, AP_ERR_TLS_UNTRUSTED},
    {X509_V_ERR_HOSTNAME_MISMATCH, AP_ERR_TLS_HOSTNAME},
    {X509_V_ERR_IP_ADDRESS_MISMATCH, AP_ERR_TLS_HOSTNAME},
    {X509_V_ERR_CERT_SIGNATURE_FAILURE, AP_ERR_TLS_CERT_INVALID},
    {X509_V_ERR_INVALID_CA, AP_ERR_TLS_CERT_INVALID},
    {12345, AP_ERR_TLS_CERT_INVALID},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    enum ap_error got = ap_classify_verify((int)cases[i].in);
    if(got != cases[i].want)
      print_error("verify code %ld: got %s\n", cases[i].in,
                  ap_error_name(got));
    assert_int_equal(got, cases[i].want);
    assert_int_equal(ap_error_layer(got), AP_LAYER_TLS);
  }
}

static void test_classify_errno(void **state)
{
  static const struct int_case cases[] = {
    {ECONNREFUSED, AP_ERR_TCP_REFUSED},  {ETIMEDOUT, AP_ERR_TCP_TIMEOUT},
    {ENETUNREACH, AP_ERR_TCP_UNREACHABLE}, {EHOSTUNREACH, AP_ERR_TCP_UNREACHABLE},
    {ECONNRESET, AP_ERR_TCP_RESET},      {EPERM, AP_ERR_TCP_FAILED},
    {0, AP_ERR_TCP_FAILED},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    enum ap_error got = ap_classify_errno(cases[i].in);
    if(got != cases[i].want)
      print_error("errno %ld: got %s\n", cases[i].in, ap_error_name(got));
    assert_int_equal(got, cases[i].want);
    assert_int_equal(ap_error_layer(got), AP_LAYER_TCP);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_classify_table),
    cmocka_unit_test(test_classify_failures_are_not_ok),
    cmocka_unit_test(test_classify_verify),
    cmocka_unit_test(test_classify_errno),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
