/* test_url.c -- plugin/url.c: host and port of a URL (brackets, userinfo,
 * default 443), credentials redacted before a URL is shown, proxy URLs
 * and --resolve address lists validated, and ap_url_pin (literals and
 * names already pinned need no lookup; a name is pinned as
 * "HOST:PORT:ADDR").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_host_port(void **state)
{
  static const struct {
    const char *url;
    int ok;
    const char *host;
    int port;
  } rows[] = {
    {"https://api.anthropic.com/v1/models", 1, "api.anthropic.com", 443},
    {"https://api.test:8443/v1", 1, "api.test", 8443},
    {"https://[2001:db8::1]:444/x", 1, "2001:db8::1", 444},
    {"https://[::1]/", 1, "::1", 443},
    {"https://user:pw@host.example/", 1, "host.example", 443},
    {"http://proxy.example:3128", 1, "proxy.example", 3128},
    {"https://host.example:0/", 0, "", 0},
    {"https://host.example:65536/", 0, "", 0},
    {"not a url", 0, "", 0},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(rows); i++) {
    char host[AP_TEXT] = "";
    int port = 0;
    int hrc = ap_url_host(rows[i].url, host, sizeof(host));
    int prc = ap_url_port(rows[i].url, &port);
    if(rows[i].ok) {
      assert_int_equal(hrc, 0);
      assert_string_equal(host, rows[i].host);
      assert_int_equal(prc, 0);
      assert_int_equal(port, rows[i].port);
    } else if(!prc) {
      fail_msg("row %zu (%s): port %d accepted", i, rows[i].url, port);
    }
  }
}

static void test_redact(void **state)
{
  static const struct {
    const char *url;
    const char *secret; /* must not be in the output */
    const char *shown;  /* must be in the output */
  } rows[] = {
    {"http://alice:s3cret@proxy.example:3128", "s3cret", "proxy.example"},
    {"https://tok3n@api.example/v1", "tok3n", "api.example"},
    {"ftp://bob:pw123456@host:1", "pw123456", "host"},
    {"https://api.example/v1", "@", "https://api.example/v1"},
    {"::not a url with @ and pw@@", "pw@@", "unparseable"},
    /* curl takes quotes and brackets in the user info; running text
     * would end the URL there, one URL does not */
    {"http://o'hara:pa\"ss<1>@proxy.example:3128", "hara", "proxy.example"},
    {"http://u`x:s3cret>@h.example/a@b", "s3cret", "/a@b"},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(rows); i++) {
    char out[AP_TEXT];
    ap_url_redact(rows[i].url, out, sizeof(out));
    if(strstr(out, rows[i].secret))
      fail_msg("row %zu: '%s' shows '%s'", i, out, rows[i].secret);
    if(!strstr(out, rows[i].shown))
      fail_msg("row %zu: '%s' lacks '%s'", i, out, rows[i].shown);
  }
  {
    char small[8];
    ap_url_redact("http://alice:s3cret@proxy.example:3128", small,
                  sizeof(small));
    assert_null(strstr(small, "s3c"));
  }
}

static void test_proxy_and_addresses(void **state)
{
  (void)state;
  assert_true(ap_proxy_url_ok("http://proxy.example:3128"));
  assert_true(ap_proxy_url_ok("https://proxy.example"));
  assert_true(ap_proxy_url_ok("proxy.example:3128")); /* http guessed */
  assert_false(ap_proxy_url_ok("socks5://proxy.example:1080"));
  assert_false(ap_proxy_url_ok("ftp://alice:pw@host:1"));
  assert_false(ap_proxy_url_ok(""));

  assert_true(ap_addr_list_ok("192.0.2.1"));
  assert_true(ap_addr_list_ok("192.0.2.1,2001:db8::1"));
  assert_true(ap_addr_list_ok("[2001:db8::1],198.51.100.7"));
  assert_false(ap_addr_list_ok(""));
  assert_false(ap_addr_list_ok("192.0.2.1,"));
  assert_false(ap_addr_list_ok(",192.0.2.1"));
  assert_false(ap_addr_list_ok("192.0.2.1,,192.0.2.2"));
  assert_false(ap_addr_list_ok("host.example"));
  assert_false(ap_addr_list_ok("192.0.2.256"));
}

static void test_pin(void **state)
{
  struct curl_slist *l = NULL;
  struct ap_dns_result dns;
  int timed_out = 1;
  (void)state;
  /* literals: nothing to look up, nothing pinned */
  assert_int_equal(ap_url_pin("https://127.0.0.1:8443/", 443, 0, 1.0, &l,
                              &dns, &timed_out), 0);
  assert_int_equal(timed_out, 0);
  assert_null(l);
  assert_int_equal(ap_url_pin("http://[::1]:3128", 1080, 0, 1.0, &l, &dns,
                              &timed_out), 0);
  assert_null(l);
  /* a name pinned already (--resolve): left alone, no lookup */
  l = curl_slist_append(NULL, "api.test:8443:192.0.2.9");
  assert_non_null(l);
  assert_int_equal(ap_url_pin("https://api.test:8443/v1", 443, 0, 1.0, &l,
                              &dns, &timed_out), 0);
  assert_null(l->next);
  /* the same name on another port is not pinned yet: "localhost" from
   * /etc/hosts, the proxy's default port when the URL has none */
  assert_int_equal(ap_url_pin("http://localhost", 1080, 4, 2.0, &l, &dns,
                              &timed_out), 0);
  assert_non_null(l->next);
  assert_string_equal(l->next->data, "localhost:1080:127.0.0.1");
  curl_slist_free_all(l);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_host_port),
    cmocka_unit_test(test_redact),
    cmocka_unit_test(test_proxy_and_addresses),
    cmocka_unit_test(test_pin),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
