/* test_tcp.c -- plugin/tcp.c: TCP_INFO facts of a connected socket, the
 * per-family connects (a listener on IPv4 only: IPv6 is refused) and the
 * family_failed judgement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "timeutil.h"
#include "listen4.h"


static void test_sockinfo(void **state)
{
  struct ap_tcp_result tcp;
  struct sockaddr_in a;
  int port, lfd = listen4(&port);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  (void)state;
  memset(&tcp, 0, sizeof(tcp));
  tcp.rtt_s = NAN;
  /* not connected: nothing read */
  assert_int_equal(ap_tcp_sockinfo(fd, &tcp), -1);
  assert_int_equal(ap_tcp_sockinfo(-1, &tcp), -1);
  assert_int_equal(tcp.path_mtu, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(ap_tcp_sockinfo(fd, &tcp), 0);
  /* lo has MTU 65536; an IPv4 path tops out at 65535 */
  assert_true(tcp.path_mtu == 65535 || tcp.path_mtu == 65536);
  assert_true(tcp.mss > 0 && tcp.mss < 65536);
  assert_true(tcp.rtt_s >= 0 && tcp.rtt_s < 1);
  close(fd);
  close(lfd);
}

/* A connected loopback TCP socket; its MSS clamped to MSS when > 0. */
static int connect4(int port, int mss)
{
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  if(mss > 0)
    assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss,
                                sizeof(mss)), 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  return fd;
}

/* libcurl opens the probe's connection and a second socket (a happy
 * eyeballs attempt), closes the second, and another thread's socket gets
 * its number: TCP_INFO must come from the probe's connection, never from
 * the newcomer (before: the newest number recorded was read, whatever it
 * had become). */
static void test_socks_closed_number_reused(void **state)
{
  struct ap_tcp_socks s;
  struct ap_tcp_result tcp;
  int port, lfd = listen4(&port);
  int mine = connect4(port, 0), loser = socket(AF_INET, SOCK_STREAM, 0);
  int other, num;
  (void)state;
  memset(&s, 0, sizeof(s));
  ap_tcp_socks_opened(&s, mine);
  ap_tcp_socks_opened(&s, loser);
  /* the loser is not connected: the probe's own is read */
  memset(&tcp, 0, sizeof(tcp));
  assert_int_equal(ap_tcp_socks_read(&s, &tcp), 0);
  assert_true(tcp.mss > 1000);
  /* libcurl closes the loser; its number goes to someone else's socket
   * (the lowest free one; dup2 makes sure), one with a small MSS */
  num = loser;
  ap_tcp_socks_closed(&s, loser);
  close(loser);
  other = connect4(port, 600);
  if(other != num) {
    assert_int_equal(dup2(other, num), num);
    close(other);
  }
  memset(&tcp, 0, sizeof(tcp));
  assert_int_equal(ap_tcp_socks_read(&s, &tcp), 0);
  assert_true(tcp.mss > 1000); /* not the newcomer's <= 600 */
  /* the newcomer read directly does show its small MSS: the test can
   * tell the two apart */
  memset(&tcp, 0, sizeof(tcp));
  assert_int_equal(ap_tcp_sockinfo(num, &tcp), 0);
  assert_true(tcp.mss > 0 && tcp.mss <= 600);
  /* the probe's connection closed too: nothing left to read */
  ap_tcp_socks_closed(&s, mine);
  assert_int_equal(s.n, 0);
  memset(&tcp, 0, sizeof(tcp));
  assert_int_equal(ap_tcp_socks_read(&s, &tcp), -1);
  assert_int_equal(tcp.mss, 0);
  close(mine);
  close(num);
  close(lfd);
}

/* Room for 8: more are not kept; forgetting one unknown is harmless. */
static void test_socks_bounded(void **state)
{
  struct ap_tcp_socks s;
  int i;
  (void)state;
  memset(&s, 0, sizeof(s));
  for(i = 0; i < 12; i++)
    ap_tcp_socks_opened(&s, 100 + i);
  assert_int_equal(s.n, 8);
  ap_tcp_socks_closed(&s, 500);
  assert_int_equal(s.n, 8);
  ap_tcp_socks_closed(&s, 103);
  assert_int_equal(s.n, 7);
  assert_int_equal(s.fd[3], 104); /* order kept */
  assert_int_equal(s.fd[6], 107);
  ap_tcp_socks_opened(&s, -1);
  assert_int_equal(s.n, 7);
}

static void fill_dns(struct ap_dns_result *dns, const char *a,
                     const char *b)
{
  memset(dns, 0, sizeof(*dns));
  snprintf(dns->addresses[0], sizeof(dns->addresses[0]), "%s", a);
  dns->address_count = 1;
  if(b) {
    snprintf(dns->addresses[1], sizeof(dns->addresses[1]), "%s", b);
    dns->address_count = 2;
  }
  dns->a_count = !strchr(a, ':') + (b && !strchr(b, ':'));
  dns->aaaa_count = dns->address_count - dns->a_count;
}

static void test_family_one_only(void **state)
{
  struct ap_dns_result dns;
  (void)state;
  fill_dns(&dns, "127.0.0.1", NULL);
  assert_null(ap_family_start(&dns, 443, 1.0));
  fill_dns(&dns, "127.0.0.1", "127.0.0.2");
  assert_null(ap_family_start(&dns, 443, 1.0));
  ap_family_finish(NULL, NULL); /* nothing started: nothing to do */
}

static void test_family_v6_refused(void **state)
{
  struct ap_dns_result dns;
  struct ap_result r;
  struct ap_family_job *j;
  int port, lfd = listen4(&port);
  (void)state;
  /* AAAA first in the answer: IPv4 is still reported first */
  fill_dns(&dns, "::1", "127.0.0.1");
  memset(&r, 0, sizeof(r));
  j = ap_family_start(&dns, port, 2.0);
  assert_non_null(j);
  ap_family_finish(j, &r.tcp);
  assert_int_equal(r.tcp.family_count, 2);
  assert_int_equal(r.tcp.families[0].family, 4);
  assert_string_equal(r.tcp.families[0].address, "127.0.0.1");
  assert_int_equal(r.tcp.families[0].state, AP_STATE_OK);
  assert_true(r.tcp.families[0].time_s >= 0 &&
              r.tcp.families[0].time_s < 1);
  assert_int_equal(r.tcp.families[1].family, 6);
  assert_int_equal(r.tcp.families[1].state, AP_STATE_CRITICAL);
  /* refused on a host with ::1, unreachable without IPv6 at all */
  assert_true(r.tcp.families[1].error == AP_ERR_TCP_REFUSED ||
              r.tcp.families[1].error == AP_ERR_TCP_UNREACHABLE ||
              r.tcp.families[1].error == AP_ERR_TCP_FAILED);
  assert_true(isnan(r.tcp.families[1].time_s));
  /* the probe itself got through: a warning on the tcp layer */
  r.tcp.h.state = AP_STATE_OK;
  ap_family_judge(&r);
  assert_int_equal(r.tcp.h.state, AP_STATE_WARNING);
  assert_int_equal(r.tcp.h.error, AP_ERR_TCP_FAMILY);
  assert_non_null(strstr(r.tcp.h.reason, "IPv6 fails"));
  assert_non_null(strstr(r.tcp.h.reason, "IPv4 works"));
  /* never over a failure of the probe's own connection */
  r.tcp.h.state = AP_STATE_CRITICAL;
  r.tcp.h.error = AP_ERR_TCP_TIMEOUT;
  ap_family_judge(&r);
  assert_int_equal(r.tcp.h.error, AP_ERR_TCP_TIMEOUT);
  close(lfd);
}

/* An IPv4-only host: IPv6 has no route at all, clients fail over at once:
 * n/a, and no warning. */
static void test_family_no_route(void **state)
{
  struct ap_result r;
  (void)state;
  memset(&r, 0, sizeof(r));
  r.tcp.family_count = 2;
  r.tcp.families[0].state = AP_STATE_OK;
  r.tcp.families[1].state = AP_STATE_NA;
  r.tcp.families[1].error = AP_ERR_TCP_UNREACHABLE;
  r.tcp.h.state = AP_STATE_OK;
  ap_family_judge(&r);
  assert_int_equal(r.tcp.h.state, AP_STATE_OK);
  assert_int_equal(r.tcp.h.error, AP_ERR_NONE);
}

static void test_family_judge_both(void **state)
{
  struct ap_result r;
  (void)state;
  memset(&r, 0, sizeof(r));
  r.tcp.family_count = 2;
  r.tcp.families[0].state = AP_STATE_OK;
  r.tcp.families[1].state = AP_STATE_OK;
  r.tcp.h.state = AP_STATE_OK;
  ap_family_judge(&r);
  assert_int_equal(r.tcp.h.state, AP_STATE_OK);
  assert_int_equal(r.tcp.h.error, AP_ERR_NONE);
  r.tcp.families[0].state = AP_STATE_CRITICAL;
  r.tcp.families[1].state = AP_STATE_CRITICAL;
  ap_family_judge(&r);
  assert_int_equal(r.tcp.h.state, AP_STATE_OK);
}

/* wrong answer 1: a family the probe's own connection went through is
 * never reported failing (its check's SYNs were unlucky); the other one
 * still is */
static void test_family_used_spared(void **state)
{
  struct ap_result r;
  (void)state;
  memset(&r, 0, sizeof(r));
  r.tcp.family_count = 2;
  r.tcp.families[0].family = 4;
  r.tcp.families[1].family = 6;
  r.tcp.families[0].state = AP_STATE_CRITICAL;
  r.tcp.families[0].error = AP_ERR_TCP_TIMEOUT;
  r.tcp.families[1].state = AP_STATE_OK;
  r.tcp.h.state = AP_STATE_OK;
  r.tcp.family = 4; /* the probe connected over IPv4 */
  ap_family_judge(&r);
  assert_int_equal(r.tcp.h.state, AP_STATE_OK);
  assert_int_equal(r.tcp.h.error, AP_ERR_NONE);
  assert_int_equal(r.tcp.families[0].state, AP_STATE_OK);
  assert_int_equal(r.tcp.families[0].error, AP_ERR_NONE);
  assert_non_null(strstr(r.tcp.families[0].reason, "own connection"));
  /* the family it did not use failing: still the warning */
  r.tcp.families[0].state = AP_STATE_OK;
  r.tcp.families[1].state = AP_STATE_CRITICAL;
  r.tcp.families[1].error = AP_ERR_TCP_TIMEOUT;
  ap_family_judge(&r);
  assert_int_equal(r.tcp.h.error, AP_ERR_TCP_FAMILY);
}

/* Finish stops waiting for the family the probe used: the check's SYN to
 * a listener whose backlog is full is dropped (pending), yet finish ends
 * at once and the family is ok. */
static void test_family_finish_no_wait(void **state)
{
  struct ap_dns_result dns;
  struct ap_tcp_result tcp;
  struct ap_family_job *j;
  struct sockaddr_in a;
  int port, lfd = listen4(&port), i, fill[4];
  double t0, done;
  (void)state;
  /* a backlog of 0: after a few connects the SYNs are dropped */
  assert_int_equal(listen(lfd, 0), 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for(i = 0; i < 4; i++) {
    fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fill[i], (struct sockaddr *)&a, sizeof(a));
  }
  usleep(50000);
  fill_dns(&dns, "127.0.0.1", "::1");
  memset(&tcp, 0, sizeof(tcp));
  t0 = ap_mono_s();
  j = ap_family_start(&dns, port, 5.0);
  assert_non_null(j);
  usleep(100000);
  tcp.h.state = AP_STATE_OK;
  tcp.h.time_s = 0.001;
  tcp.family = 4;
  done = ap_family_finish(j, &tcp);
  assert_true(done - t0 < 1.0);
  assert_true(ap_mono_s() - t0 < 1.0);
  assert_int_equal(tcp.families[0].state, AP_STATE_OK);
  assert_true(tcp.families[0].time_s == 0.001 ||
              tcp.families[0].time_s < 1.0);
  for(i = 0; i < 4; i++)
    close(fill[i]);
  close(lfd);
}

/* A black-holed family ends at the deadline, as a timeout. */
static void test_family_timeout(void **state)
{
  struct ap_dns_result dns;
  struct ap_tcp_result tcp;
  struct ap_family_job *j;
  int port, lfd = listen4(&port);
  (void)state;
  /* TEST-NET-1 has no route here or is dropped: never a quick success */
  fill_dns(&dns, "127.0.0.1", "100::1");
  memset(&tcp, 0, sizeof(tcp));
  j = ap_family_start(&dns, port, 0.3);
  assert_non_null(j);
  ap_family_finish(j, &tcp);
  assert_int_equal(tcp.families[0].state, AP_STATE_OK);
  /* dropped somewhere (timeout), or no IPv6 route here at all (n/a) */
  if(tcp.families[1].state == AP_STATE_NA)
    assert_int_equal(tcp.families[1].error, AP_ERR_TCP_UNREACHABLE);
  else
    assert_int_equal(tcp.families[1].state, AP_STATE_CRITICAL);
  assert_true(tcp.families[1].error == AP_ERR_TCP_TIMEOUT ||
              tcp.families[1].error == AP_ERR_TCP_UNREACHABLE);
  close(lfd);
}

/* ap_tcp_fill / ap_tcp_reason from a table of transfer facts. */
struct fill_case {
  const char *proxy, *ip;
  int connected;
  double t_conn, tls_at; /* curl_start is 10 */
  enum ap_state state;
  double time_s; /* NAN: not set */
  int port, family;
};

static const struct fill_case fills[] = {
  {"", "192.0.2.1", 1, 0.02, 10.05, AP_STATE_OK, 0.02, 8443, 4},
  {"", "2001:db8::1", 1, 0, 10.05, AP_STATE_OK, 0.05, 8443, 6},
  {"", "", 0, 0, 0, AP_STATE_SKIPPED, NAN, 443, 0},
  {"http://proxy:3128", "192.0.2.7", 1, 0.02, 0, AP_STATE_NA, NAN, 8443, 4},
};

static void test_fill(void **state)
{
  size_t i;
  (void)state;
  for(i = 0; i < sizeof(fills) / sizeof(fills[0]); i++) {
    const struct fill_case *c = &fills[i];
    struct ap_result r;
    struct ap_facts f;
    ap_result_init(&r, NULL);
    memset(&f, 0, sizeof(f));
    f.proxy = c->proxy;
    f.host = "api.example";
    f.port = 443;
    strcpy(f.ip, c->ip);
    f.ip_port = 8443;
    f.o.tcp_connected = c->connected;
    f.o.os_errno = 111;
    f.t_conn = c->t_conn;
    f.curl_start = 10;
    f.tls_started_at = c->tls_at;
    ap_tcp_fill(&r, &f);
    assert_int_equal(r.tcp.h.state, c->state);
    if(isnan(c->time_s))
      assert_true(isnan(r.tcp.h.time_s));
    else
      assert_true(fabs(r.tcp.h.time_s - c->time_s) < 1e-9);
    assert_string_equal(r.tcp.address, c->ip);
    assert_int_equal(r.tcp.port, c->port);
    assert_int_equal(r.tcp.family, c->family);
    assert_int_equal(r.tcp.os_errno, 111);
  }
}

static void test_reason(void **state)
{
  struct ap_result r;
  struct ap_facts f;
  char out[AP_TEXT], want[AP_TEXT];
  (void)state;
  ap_result_init(&r, NULL);
  memset(&f, 0, sizeof(f));
  f.host = "api.example";
  f.port = 443;
  f.o.errbuf = "";
  f.t_name = 0.5;
  f.t_total = 3.5;
  assert_int_equal(ap_tcp_reason(&r, &f, AP_ERR_TCP_TIMEOUT, out,
                                 sizeof(out)), 1);
  assert_string_equal(out, "no answer connecting to api.example port 443 "
                           "within 3.0 s");
  strcpy(r.tcp.address, "192.0.2.1");
  r.tcp.os_errno = ECONNREFUSED;
  ap_tcp_reason(&r, &f, AP_ERR_TCP_REFUSED, out, sizeof(out));
  snprintf(want, sizeof(want), "connect to 192.0.2.1 port 443: %s",
           strerror(ECONNREFUSED));
  assert_string_equal(out, want);
  r.tcp.os_errno = 0;
  f.o.errbuf = "curl says no";
  ap_tcp_reason(&r, &f, AP_ERR_TCP_REFUSED, out, sizeof(out));
  assert_string_equal(out, "connect to 192.0.2.1 port 443: curl says no");
  f.o.errbuf = "";
  ap_tcp_reason(&r, &f, AP_ERR_TCP_REFUSED, out, sizeof(out));
  assert_string_equal(out, "connect to 192.0.2.1 port 443: failed");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fill),
    cmocka_unit_test(test_reason),
    cmocka_unit_test(test_sockinfo),
    cmocka_unit_test(test_socks_closed_number_reused),
    cmocka_unit_test(test_socks_bounded),
    cmocka_unit_test(test_family_one_only),
    cmocka_unit_test(test_family_v6_refused),
    cmocka_unit_test(test_family_judge_both),
    cmocka_unit_test(test_family_no_route),
    cmocka_unit_test(test_family_timeout),
    cmocka_unit_test(test_family_used_spared),
    cmocka_unit_test(test_family_finish_no_wait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
