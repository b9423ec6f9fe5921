/* test_pmtu.c -- plugin/pmtu.c over loopback: a clamped handshake with a
 * TLS server (a thread here, a throwaway EC certificate) completes; with a
 * listener that never answers it stalls and ends by its timeout; the
 * verdict after a tls timeout is pmtu_blackhole with the MSS that worked
 * only when a clamped handshake completed ("no false black hole").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "listen4.h"
#include "strutil.h"
#include "timeutil.h"


struct tls_srv {
  int lfd;
  int conns; /* handshakes to serve */
  SSL_CTX *ctx;
};

static SSL_CTX *server_ctx(void)
{
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  EVP_PKEY *k = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  assert_non_null(ctx);
  assert_non_null(k);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, k);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             (const unsigned char *)"api.test", -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  assert_true(X509_sign(x, k, EVP_sha256()) > 0);
  assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
  assert_int_equal(SSL_CTX_use_PrivateKey(ctx, k), 1);
  X509_free(x);
  EVP_PKEY_free(k);
  return ctx;
}

static void *serve(void *arg)
{
  struct tls_srv *s = arg;
  int i;
  for(i = 0; i < s->conns; i++) {
    int fd = accept(s->lfd, NULL, NULL);
    SSL *ssl;
    if(fd < 0)
      break;
    ssl = SSL_new(s->ctx);
    SSL_set_fd(ssl, fd);
    if(SSL_accept(ssl) == 1)
      SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
  }
  return NULL;
}

static void test_try(void **state)
{
  struct tls_srv s;
  pthread_t tid;
  int port;
  (void)state;
  s.lfd = listen4(&port);
  s.conns = 2;
  s.ctx = server_ctx();
  assert_int_equal(pthread_create(&tid, NULL, serve, &s), 0);
  assert_int_equal(ap_pmtu_try("127.0.0.1", port, "api.test", 1200, 5.0), 1);
  assert_int_equal(ap_pmtu_try("127.0.0.1", port, "api.test", 536, 5.0), 1);
  pthread_join(tid, NULL);
  close(s.lfd);
  SSL_CTX_free(s.ctx);
}

static void test_try_stalled(void **state)
{
  int port, lfd = listen4(&port);
  double t0 = ap_mono_s(), dt;
  (void)state;
  /* the kernel accepts into the backlog; nobody ever answers TLS */
  assert_int_equal(ap_pmtu_try("127.0.0.1", port, "api.test", 1200, 0.3), 0);
  dt = ap_mono_s() - t0;
  assert_true(dt >= 0.25 && dt < 1.0);
  close(lfd);
  /* nothing listens: no handshake */
  assert_int_equal(ap_pmtu_try("127.0.0.1", port, "api.test", 1200, 0.3), 0);
  assert_int_equal(ap_pmtu_try("bad", port, "api.test", 1200, 0.3), 0);
}

static void tls_timeout_result(struct ap_result *r, int port)
{
  memset(r, 0, sizeof(*r));
  r->tcp.h.state = AP_STATE_OK;
  ap_strlcpy(r->tcp.address, "127.0.0.1", sizeof(r->tcp.address));
  r->tcp.port = port;
  r->tls.h.state = AP_STATE_CRITICAL;
  r->tls.h.error = AP_ERR_TLS_TIMEOUT;
}

static void test_after(void **state)
{
  struct tls_srv s;
  struct ap_result r;
  pthread_t tid;
  int port, lport, lfd;
  (void)state;
  s.lfd = listen4(&port);
  s.conns = 1;
  s.ctx = server_ctx();
  assert_int_equal(pthread_create(&tid, NULL, serve, &s), 0);
  tls_timeout_result(&r, port);
  ap_pmtu_after(&r, "api.test", 2.0, 5.0);
  pthread_join(tid, NULL);
  assert_int_equal(r.tcp.h.state, AP_STATE_CRITICAL);
  assert_int_equal(r.tcp.h.error, AP_ERR_TCP_PMTU_BLACKHOLE);
  assert_int_equal(r.tcp.working_mss, 1200);
  assert_non_null(strstr(r.tcp.h.reason, "MSS clamped to 1200"));
  close(s.lfd);
  SSL_CTX_free(s.ctx);

  /* a server that never answers: both clamps stall, it stays tls timeout,
   * within the budget */
  lfd = listen4(&lport);
  tls_timeout_result(&r, lport);
  ap_pmtu_after(&r, "api.test", 0.2, 1.0);
  assert_int_equal(r.tcp.h.state, AP_STATE_OK);
  assert_int_equal(r.tcp.h.error, AP_ERR_NONE);
  assert_int_equal(r.tcp.working_mss, 0);
  close(lfd);

  /* not a tls timeout: nothing is tried */
  tls_timeout_result(&r, lport);
  r.tls.h.error = AP_ERR_TLS_UNTRUSTED;
  ap_pmtu_after(&r, "api.test", 0.2, 1.0);
  assert_int_equal(r.tcp.h.error, AP_ERR_NONE);
}

int main(void)
{
  /* the server thread here writes to sockets the client closed */
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_try),
    cmocka_unit_test(test_try_stalled),
    cmocka_unit_test(test_after),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
