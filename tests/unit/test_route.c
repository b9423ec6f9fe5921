/* test_route.c -- plugin/route.c: the ICMP kinds, trimming a route, the
 * reason a route adds to a tcp failure, and real traces over loopback (one
 * hop: a listener answers SYN-ACK, a closed port RST: both reach the API)
 * without privileges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "listen4.h"
#include "strutil.h"


static void test_icmp_kind(void **state)
{
  (void)state;
  assert_int_equal(ap_route_icmp_kind(SO_EE_ORIGIN_ICMP, 11), AP_HOP_EXPIRED);
  assert_int_equal(ap_route_icmp_kind(SO_EE_ORIGIN_ICMP, 3), AP_HOP_UNREACH);
  assert_int_equal(ap_route_icmp_kind(SO_EE_ORIGIN_ICMP, 12), AP_HOP_OTHER);
  assert_int_equal(ap_route_icmp_kind(SO_EE_ORIGIN_ICMP6, 3), AP_HOP_EXPIRED);
  assert_int_equal(ap_route_icmp_kind(SO_EE_ORIGIN_ICMP6, 1), AP_HOP_UNREACH);
  assert_int_equal(ap_route_icmp_kind(SO_EE_ORIGIN_ICMP6, 2), AP_HOP_OTHER);
  assert_int_equal(ap_route_icmp_kind(SO_EE_ORIGIN_LOCAL, 11), AP_HOP_NONE);
}

static void hop(struct ap_tcp_result *t, const char *addr, int reached,
                int unreach)
{
  struct ap_route_hop *h = &t->route[t->route_count];
  memset(h, 0, sizeof(*h));
  h->ttl = ++t->route_count;
  ap_strlcpy(h->address, addr, sizeof(h->address));
  h->rtt_s = addr[0] ? 0.001 * h->ttl : NAN;
  h->reached = reached;
  h->unreachable = unreach;
}

static void test_finish(void **state)
{
  struct ap_tcp_result t;
  (void)state;
  /* DROP after hop 2: one silent hop kept, the rest cut */
  memset(&t, 0, sizeof(t));
  hop(&t, "10.0.0.1", 0, 0);
  hop(&t, "10.0.1.1", 0, 0);
  hop(&t, "", 0, 0);
  hop(&t, "", 0, 0);
  hop(&t, "", 0, 0);
  ap_route_finish(&t);
  assert_int_equal(t.route_count, 3);
  assert_string_equal(t.route_last_hop, "10.0.1.1");
  /* a silent hop in the middle stays; the reached API ends the route and
   * later TTLs (which reach it too) are cut */
  memset(&t, 0, sizeof(t));
  hop(&t, "10.0.0.1", 0, 0);
  hop(&t, "", 0, 0);
  hop(&t, "192.0.2.9", 1, 0);
  hop(&t, "192.0.2.9", 1, 0);
  ap_route_finish(&t);
  assert_int_equal(t.route_count, 3);
  assert_string_equal(t.route_last_hop, "192.0.2.9");
  /* a rejecting hop ends it */
  memset(&t, 0, sizeof(t));
  hop(&t, "10.0.0.1", 0, 0);
  hop(&t, "10.0.0.1", 0, 1);
  hop(&t, "10.0.0.1", 0, 1);
  ap_route_finish(&t);
  assert_int_equal(t.route_count, 2);
  assert_string_equal(t.route_last_hop, "10.0.0.1");
  /* nobody answered */
  memset(&t, 0, sizeof(t));
  hop(&t, "", 0, 0);
  hop(&t, "", 0, 0);
  ap_route_finish(&t);
  assert_int_equal(t.route_count, 1);
  assert_string_equal(t.route_last_hop, "");
}

static void test_explain(void **state)
{
  struct ap_tcp_result t;
  (void)state;
  memset(&t, 0, sizeof(t));
  t.h.error = AP_ERR_TCP_TIMEOUT;
  ap_strlcpy(t.h.reason, "no answer", sizeof(t.h.reason));
  hop(&t, "10.0.0.1", 0, 0);
  hop(&t, "198.51.100.1", 0, 0);
  hop(&t, "", 0, 0);
  ap_route_explain(&t, 443);
  assert_string_equal(t.h.reason,
                      "no answer; packets to port 443 stop after hop 2 "
                      "(198.51.100.1): a firewall between that hop and the "
                      "API");
  memset(&t, 0, sizeof(t));
  t.h.error = AP_ERR_TCP_UNREACHABLE;
  hop(&t, "10.0.0.1", 0, 0);
  hop(&t, "10.0.0.1", 0, 1);
  ap_route_explain(&t, 8443);
  assert_non_null(strstr(t.h.reason, "hop 2 (10.0.0.1) answers "
                                     "'unreachable' to packets for port "
                                     "8443"));
  /* another error: the reason is left alone */
  memset(&t, 0, sizeof(t));
  t.h.error = AP_ERR_TCP_REFUSED;
  hop(&t, "10.0.0.1", 0, 0);
  ap_route_explain(&t, 443);
  assert_string_equal(t.h.reason, "");
}

static void test_trace_loopback(void **state)
{
  struct ap_tcp_result t;
  int port, lfd = listen4(&port);
  (void)state;
  memset(&t, 0, sizeof(t));
  assert_int_equal(ap_route_trace("127.0.0.1", port, 2.0, &t), 0);
  assert_int_equal(t.route_traced, 1);
  assert_int_equal(t.route_count, 1);
  assert_int_equal(t.route[0].ttl, 1);
  assert_int_equal(t.route[0].reached, 1);
  assert_string_equal(t.route[0].address, "127.0.0.1");
  assert_true(t.route[0].rtt_s >= 0 && t.route[0].rtt_s < 1);
  assert_string_equal(t.route_last_hop, "127.0.0.1");
  {
    char line[128];
    assert_true(ap_route_text(&t, line, sizeof(line)) > 0);
    assert_non_null(strstr(line, "route: 1 127.0.0.1 "));
    assert_non_null(strstr(line, "(the API)"));
  }
  close(lfd);
  /* the port closed now: the RST is the API's answer too */
  memset(&t, 0, sizeof(t));
  assert_int_equal(ap_route_trace("127.0.0.1", port, 2.0, &t), 0);
  assert_int_equal(t.route_count, 1);
  assert_int_equal(t.route[0].reached, 1);
}

static void test_text(void **state)
{
  struct ap_tcp_result t;
  char line[256];
  (void)state;
  memset(&t, 0, sizeof(t));
  t.syn_retransmits = t.retransmits = -1;
  assert_int_equal(ap_route_text(&t, line, sizeof(line)), 0);
  assert_string_equal(line, "");
  assert_int_equal(ap_tcp_text(&t, line, sizeof(line)), 0);
  t.route_traced = 1;
  hop(&t, "10.0.0.1", 0, 0);
  hop(&t, "", 0, 0);
  ap_route_text(&t, line, sizeof(line));
  assert_string_equal(line, "route: 1 10.0.0.1 1.0 ms, 2 *");
  t.working_mss = 1200;
  t.retransmits = 2;
  t.syn_retransmits = 1;
  ap_tcp_text(&t, line, sizeof(line));
  assert_string_equal(line, "works with MSS 1200, 2 retransmits (1 of the "
                            "SYN)");
  /* a short buffer is cut, never overrun */
  assert_true(ap_route_text(&t, line, 8) < 8);
  assert_int_equal(strlen(line), 7);
}

static void test_trace_bad(void **state)
{
  struct ap_tcp_result t;
  (void)state;
  memset(&t, 0, sizeof(t));
  assert_int_equal(ap_route_trace("not-an-ip", 443, 1.0, &t), -1);
  assert_int_equal(t.route_traced, 1);
  assert_int_equal(t.route_count, 0);
  assert_string_equal(t.route_error, "no address to trace");
}

/* the runner's entry: only tcp timeout/unreachable (or --trace) traces */
static void test_after(void **state)
{
  struct ap_result r;
  int port, lfd = listen4(&port);
  (void)state;
  memset(&r, 0, sizeof(r));
  r.tcp.h.state = AP_STATE_OK;
  ap_strlcpy(r.tcp.address, "127.0.0.1", sizeof(r.tcp.address));
  ap_route_after(&r, 0, "", 0, port, 2.0);
  assert_int_equal(r.tcp.route_traced, 0);
  ap_route_after(&r, 1, "", 0, port, 2.0);
  assert_int_equal(r.tcp.route_traced, 1);
  assert_string_equal(r.tcp.route_last_hop, "127.0.0.1");
  memset(&r, 0, sizeof(r));
  r.tcp.h.error = AP_ERR_TCP_TIMEOUT;
  r.dns.address_count = 1;
  ap_strlcpy(r.dns.addresses[0], "127.0.0.1", sizeof(r.dns.addresses[0]));
  ap_route_after(&r, 0, "", 0, port, 2.0);
  assert_int_equal(r.tcp.route_traced, 1);
  /* through a proxy libcurl never connected to: the route to the proxy
   * URL's host */
  memset(&r, 0, sizeof(r));
  r.proxy.h.error = AP_ERR_PROXY_CONNECT;
  snprintf(r.env.proxy, sizeof(r.env.proxy), "http://127.0.0.1:%d/", port);
  ap_route_after(&r, 0, "", port, 443, 2.0);
  assert_int_equal(r.tcp.route_traced, 1);
  assert_string_equal(r.tcp.route_last_hop, "127.0.0.1");
  assert_int_equal(r.tcp.route[0].reached, 1);
  /* no time left: no trace */
  memset(&r, 0, sizeof(r));
  r.tcp.h.error = AP_ERR_TCP_TIMEOUT;
  ap_strlcpy(r.tcp.address, "127.0.0.1", sizeof(r.tcp.address));
  ap_route_after(&r, 1, "", 0, port, 0.01);
  assert_int_equal(r.tcp.route_traced, 0);
  close(lfd);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_icmp_kind),      cmocka_unit_test(test_finish),
    cmocka_unit_test(test_explain),        cmocka_unit_test(test_trace_loopback),
    cmocka_unit_test(test_trace_bad),      cmocka_unit_test(test_after),
    cmocka_unit_test(test_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
