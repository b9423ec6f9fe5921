/* test_transfer.c -- plugin/transfer.c: the facts a real transfer leaves
 * for classify.c (ap_transfer_facts), against listeners on 127.0.0.1 that
 * refuse, close at once, answer in plain HTTP or stay silent: how far the
 * transfer got (TCP connected, our TLS callback ran, handshake done,
 * status line), libcurl's code and errno, the address, and the error the
 * classifier makes of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "listen4.h"

enum behaviour { CLOSE, PLAIN, SILENT };

struct server {
  int fd;
  enum behaviour how;
};

static void *serve(void *arg)
{
  struct server *s = arg;
  static const char plain[] = "HTTP/1.1 400 Bad Request\r\n"
                              "content-length: 0\r\n\r\n";
  char buf[512];
  int c = accept(s->fd, NULL, NULL);
  if(c < 0)
    return NULL;
  if(s->how == CLOSE) {
    /* the ClientHello read, then a clean FIN (a close with unread data
     * would be a reset) */
    if(read(c, buf, sizeof(buf)) > 0)
      shutdown(c, SHUT_WR);
    while(read(c, buf, sizeof(buf)) > 0)
      ;
  } else if(s->how == PLAIN) {
    if(read(c, buf, sizeof(buf)) > 0 &&
       write(c, plain, sizeof(plain) - 1) < 0)
      buf[0] = 0;
  } else if(s->how == SILENT) {
    while(read(c, buf, sizeof(buf)) > 0) /* until the client gives up */
      ;
  }
  close(c);
  return NULL;
}

/* One transfer to 127.0.0.1:PORT within LIMIT s; F gets its facts. */
static void transfer(int port, double limit, struct ap_facts *f,
                     struct ap_result *r, struct ap_target *t,
                     struct ap_transfer *x)
{
  char url[64], err[AP_TEXT];
  CURLcode code;
  ap_target_init(t);
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1/models", port);
  assert_int_equal(ap_target_set(t, "url", url, err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_set(t, "proxy", "", err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_finish(t, err, sizeof(err)), AP_OK);
  assert_int_equal(ap_prober_new(t, &t->prober, err, sizeof(err)), AP_OK);
  ap_result_init(r, t);
  memset(x, 0, sizeof(*x));
  ap_transfer_init(x, t, r, t->prober, "127.0.0.1");
  ap_transfer_setup(x, NULL, "", limit, limit);
  code = curl_easy_perform(ap_transfer_easy(x));
  ap_transfer_facts(x, code, "127.0.0.1", port, "", limit, f);
}

static void done(struct ap_target *t, struct ap_transfer *x)
{
  ap_transfer_wipe(x);
  ap_target_free(t);
}

static void test_refused(void **state)
{
  struct ap_target t;
  struct ap_result r;
  struct ap_transfer x;
  struct ap_facts f;
  int port, fd = listen4(&port);
  (void)state;
  close(fd); /* nothing listens there now */
  transfer(port, 5.0, &f, &r, &t, &x);
  assert_int_equal(f.o.curl_code, CURLE_COULDNT_CONNECT);
  assert_int_equal(f.o.os_errno, ECONNREFUSED);
  assert_false(f.o.tcp_connected);
  assert_false(f.o.tls_started);
  assert_false(f.o.got_status);
  assert_int_equal(f.port, port);
  assert_true(f.limit_s == 5.0);
  assert_int_equal(ap_classify(&f.o), AP_ERR_TCP_REFUSED);
  done(&t, &x);
}

/* Behaviour HOW behind a listener: the facts, and what they classify as. */
static void run_server(enum behaviour how, double limit, struct ap_facts *f,
                       enum ap_error want)
{
  struct ap_target t;
  struct ap_result r;
  struct ap_transfer x;
  struct server s;
  pthread_t th;
  int port;
  s.fd = listen4(&port);
  s.how = how;
  assert_int_equal(pthread_create(&th, NULL, serve, &s), 0);
  transfer(port, limit, f, &r, &t, &x);
  pthread_join(th, NULL);
  close(s.fd);
  assert_true(f->o.tcp_connected);
  assert_string_equal(f->ip, "127.0.0.1");
  assert_int_equal(f->ip_port, port);
  assert_true(f->t_total > 0 && f->t_total <= limit + 1);
  assert_true(f->o.tls_started); /* our SSL_CTX callback ran */
  assert_false(f->o.tls_done);
  assert_false(f->o.got_status); /* a plain answer is no TLS record */
  if(ap_classify(&f->o) != want)
    fail_msg("classified %s/%s, want %s (curl %ld: %s)",
             ap_layer_name(ap_error_layer(ap_classify(&f->o))),
             ap_error_name(ap_classify(&f->o)), ap_error_name(want),
             f->o.curl_code, f->o.errbuf);
  done(&t, &x);
}

static void test_closed_in_handshake(void **state)
{
  struct ap_facts f;
  (void)state;
  run_server(CLOSE, 5.0, &f, AP_ERR_TLS_CLOSED);
}

static void test_plain_http(void **state)
{
  struct ap_facts f;
  (void)state;
  run_server(PLAIN, 5.0, &f, AP_ERR_TLS_NOT_TLS);
}

static void test_silent(void **state)
{
  struct ap_facts f;
  (void)state;
  run_server(SILENT, 1.0, &f, AP_ERR_TLS_TIMEOUT);
  assert_int_equal(f.o.curl_code, CURLE_OPERATION_TIMEDOUT);
  assert_true(f.t_total >= 0.9); /* the whole 1 s */
}

static int setup(void **state)
{
  (void)state;
  return ap_global_init() == AP_OK ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  ap_global_cleanup();
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_refused),
    cmocka_unit_test(test_closed_in_handshake),
    cmocka_unit_test(test_plain_http),
    cmocka_unit_test(test_silent),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
