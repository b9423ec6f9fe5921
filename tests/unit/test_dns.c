/* test_dns.c -- plugin/dns.c: ap_dns_classify() (getaddrinfo code, our
 * timeout, resolver time -> dns error) and ap_dns_resolve() on names that
 * need only /etc/hosts or no lookup at all (localhost, literals, .invalid).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct dns_case {
  int gai_rc;
  int timed_out;
  double elapsed_s;
  enum ap_error want;
  int rcode; /* the diagnostic query's answer, AP_RCODE_NONE not asked */
};

static void test_dns_classify(void **state)
{
  static const struct dns_case cases[] = {
    {0, 0, 0.01, AP_ERR_NONE, AP_RCODE_NONE},
    {0, 0, 9.0, AP_ERR_NONE, AP_RCODE_NONE},
    {EAI_NONAME, 0, 0.02, AP_ERR_DNS_NXDOMAIN, AP_RCODE_NONE},
    {EAI_NODATA, 0, 0.02, AP_ERR_DNS_NO_ADDRESS, AP_RCODE_NONE},
    {EAI_ADDRFAMILY, 0, 0.02, AP_ERR_DNS_NO_ADDRESS, AP_RCODE_NONE},
    {EAI_AGAIN, 0, 0.0, AP_ERR_DNS_TEMPORARY, AP_RCODE_NONE},
    {EAI_AGAIN, 0, 0.3, AP_ERR_DNS_TEMPORARY, AP_RCODE_NONE},
    {EAI_AGAIN, 0, 4.49, AP_ERR_DNS_TEMPORARY, AP_RCODE_NONE},
    {EAI_AGAIN, 0, 4.5, AP_ERR_DNS_TIMEOUT, AP_RCODE_NONE},
    {EAI_AGAIN, 0, 10.0, AP_ERR_DNS_TIMEOUT, AP_RCODE_NONE},
    {EAI_FAIL, 0, 0.1, AP_ERR_DNS_TEMPORARY, AP_RCODE_NONE},
    {EAI_SYSTEM, 0, 0.1, AP_ERR_DNS_FAILED, AP_RCODE_NONE},
    {EAI_MEMORY, 0, 0.1, AP_ERR_DNS_FAILED, AP_RCODE_NONE},
    {EAI_SERVICE, 0, 0.1, AP_ERR_DNS_FAILED, AP_RCODE_NONE},
    /* our own wait ran out: timeout, whatever the code says */
    {0, 1, 5.0, AP_ERR_DNS_TIMEOUT, AP_RCODE_NONE},
    {EAI_NONAME, 1, 0.5, AP_ERR_DNS_TIMEOUT, AP_RCODE_NONE},
    {EAI_AGAIN, 1, 0.1, AP_ERR_DNS_TIMEOUT, AP_RCODE_NONE},
    /* the diagnostic query tells glibc's EAI_AGAIN apart */
    {EAI_AGAIN, 0, 0.01, AP_ERR_DNS_SERVFAIL, 2},
    {EAI_AGAIN, 0, 0.01, AP_ERR_DNS_REFUSED, 5},
    {EAI_AGAIN, 0, 1.0, AP_ERR_DNS_TIMEOUT, AP_RCODE_SILENT},
    {EAI_AGAIN, 0, 0.01, AP_ERR_DNS_TEMPORARY, AP_RCODE_NONE},
    {EAI_FAIL, 0, 0.01, AP_ERR_DNS_SERVFAIL, 2},
    /* no server took the query (port 53 closed, no route) */
    {EAI_AGAIN, 0, 0.01, AP_ERR_DNS_UNREACHABLE, AP_RCODE_UNREACH},
    {EAI_AGAIN, 0, 0.01, AP_ERR_DNS_TEMPORARY, 4}, /* NOTIMP */
    /* a server's answer never turns a hit or NXDOMAIN into something else */
    {0, 0, 0.01, AP_ERR_NONE, 2},
    {EAI_NONAME, 0, 0.01, AP_ERR_DNS_NXDOMAIN, 5},
    /* our own wait ran out first */
    {EAI_AGAIN, 1, 0.01, AP_ERR_DNS_TIMEOUT, 2},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    enum ap_error got = ap_dns_classify(cases[i].gai_rc, cases[i].timed_out,
                                        cases[i].elapsed_s, cases[i].rcode);
    if(got != cases[i].want)
      print_error("case %zu (rc %d, timed_out %d, %.2f s): got %s\n", i,
                  cases[i].gai_rc, cases[i].timed_out, cases[i].elapsed_s,
                  ap_error_name(got));
    assert_int_equal(got, cases[i].want);
    if(got != AP_ERR_NONE) {
      assert_int_equal(ap_error_layer(got), AP_LAYER_DNS);
      assert_int_equal(ap_error_state(got), AP_STATE_CRITICAL);
    }
  }
}

static int has_address(const struct ap_dns_result *d, const char *a)
{
  int i;
  for(i = 0; i < d->address_count; i++) {
    if(!strcmp(d->addresses[i], a))
      return 1;
  }
  return 0;
}

static void test_resolve_localhost(void **state)
{
  struct ap_dns_result d;
  int i, j;
  (void)state;
  memset(&d, 0, sizeof(d));
  assert_int_equal(ap_dns_resolve("localhost", 0, 5.0, &d), 0);
  assert_int_equal(d.h.state, AP_STATE_OK);
  assert_int_equal(d.h.error, AP_ERR_NONE);
  assert_string_equal(d.host, "localhost");
  assert_string_equal(d.source, "resolver");
  assert_true(d.address_count >= 1);
  assert_true(has_address(&d, "127.0.0.1") || has_address(&d, "::1"));
  assert_int_equal(d.a_count + d.aaaa_count, d.address_count);
  assert_false(isnan(d.h.time_s));
  assert_true(d.h.time_s >= 0 && d.h.time_s < 5.0);
  /* every address is listed once */
  for(i = 0; i < d.address_count; i++)
    for(j = i + 1; j < d.address_count; j++)
      assert_string_not_equal(d.addresses[i], d.addresses[j]);
}

static void test_resolve_localhost_ipv4(void **state)
{
  struct ap_dns_result d;
  (void)state;
  memset(&d, 0, sizeof(d));
  assert_int_equal(ap_dns_resolve("localhost", 4, 5.0, &d), 0);
  assert_int_equal(d.h.state, AP_STATE_OK);
  assert_true(has_address(&d, "127.0.0.1"));
  assert_int_equal(d.aaaa_count, 0);
  assert_int_equal(d.a_count, d.address_count);
}

static void test_resolve_ipv4_literal(void **state)
{
  struct ap_dns_result d;
  (void)state;
  memset(&d, 0, sizeof(d));
  assert_int_equal(ap_dns_resolve("127.0.0.1", 0, 5.0, &d), 0);
  assert_int_equal(d.h.state, AP_STATE_OK);
  assert_int_equal(d.address_count, 1);
  assert_string_equal(d.addresses[0], "127.0.0.1");
  assert_int_equal(d.a_count, 1);
  assert_int_equal(d.aaaa_count, 0);
}

static void test_resolve_ipv6_literal(void **state)
{
  struct ap_dns_result d;
  (void)state;
  memset(&d, 0, sizeof(d));
  assert_int_equal(ap_dns_resolve("::1", 0, 5.0, &d), 0);
  assert_int_equal(d.address_count, 1);
  assert_string_equal(d.addresses[0], "::1");
  assert_int_equal(d.aaaa_count, 1);

}

/* -4/-6 against a literal or a name of the other family: no_address (the
 * name exists), never nxdomain. */
static void test_resolve_wrong_family(void **state)
{
  struct ap_dns_result d;
  (void)state;
  memset(&d, 0, sizeof(d));
  assert_int_equal(ap_dns_resolve("127.0.0.1", 6, 5.0, &d), -1);
  assert_int_equal(d.h.error, AP_ERR_DNS_NO_ADDRESS);
  assert_int_equal(d.h.state, AP_STATE_CRITICAL);
  assert_int_equal(d.address_count, 0);
  assert_non_null(strstr(d.h.reason, "IPv6"));

  memset(&d, 0, sizeof(d));
  assert_int_equal(ap_dns_resolve("::1", 4, 5.0, &d), -1);
  assert_int_equal(d.h.error, AP_ERR_DNS_NO_ADDRESS);
  assert_non_null(strstr(d.h.reason, "IPv4"));

  /* localhost over IPv6: ::1 when /etc/hosts lists it, else no_address */
  memset(&d, 0, sizeof(d));
  if(ap_dns_resolve("localhost", 6, 5.0, &d) == 0) {
    assert_int_equal(d.h.state, AP_STATE_OK);
    assert_int_equal(d.a_count, 0);
    assert_true(d.aaaa_count >= 1);
  } else {
    if(d.h.error != AP_ERR_DNS_NO_ADDRESS)
      print_error("localhost -6: %s (%s)\n", ap_error_name(d.h.error),
                  d.h.reason);
    assert_int_equal(d.h.error, AP_ERR_DNS_NO_ADDRESS);
  }
}

static void test_resolve_invalid_tld(void **state)
{
  struct ap_dns_result d;
  (void)state;
  memset(&d, 0, sizeof(d));
  assert_int_equal(ap_dns_resolve("apiprobe-unit-test.invalid", 0, 8.0, &d),
                   -1);
  if(d.h.error != AP_ERR_DNS_NXDOMAIN && d.h.error != AP_ERR_DNS_TEMPORARY)
    print_message("note: .invalid gave %s (%s)\n", ap_error_name(d.h.error),
                  d.h.reason);
  assert_int_not_equal(d.h.error, AP_ERR_NONE);
  assert_int_equal(ap_error_layer(d.h.error), AP_LAYER_DNS);
  assert_int_equal(d.h.state, AP_STATE_CRITICAL);
  assert_int_equal(d.address_count, 0);
  assert_non_null(strstr(d.h.reason, "apiprobe-unit-test.invalid"));
  assert_string_equal(d.host, "apiprobe-unit-test.invalid");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_dns_classify),
    cmocka_unit_test(test_resolve_localhost),
    cmocka_unit_test(test_resolve_localhost_ipv4),
    cmocka_unit_test(test_resolve_ipv4_literal),
    cmocka_unit_test(test_resolve_ipv6_literal),
    cmocka_unit_test(test_resolve_wrong_family),
    cmocka_unit_test(test_resolve_invalid_tld),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
