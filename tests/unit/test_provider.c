/* test_provider.c -- plugin/provider.c: every provider's row found by id
 * and by name, and the facts the rest of the core reads from it (default
 * URL, key variable, headers, auth layer, time-signed requests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "internal.h"

static void test_rows(void **state)
{
  static const char *const names[] = {"anthropic", "openai", "https",
                                      "bedrock", "vertex"};
  size_t i;
  (void)state;
  for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    const struct ap_provider_row *r = ap_provider_by_name(names[i]);
    assert_non_null(r);
    assert_ptr_equal(ap_provider(r->id), r);
    assert_string_equal(r->name, names[i]);
  }
  assert_ptr_equal(ap_provider_by_name("OpenAI"), ap_provider_by_name("openai"));
  assert_null(ap_provider_by_name("azure"));
}

static void test_facts(void **state)
{
  const struct ap_provider_row *a = ap_provider(AP_PROVIDER_ANTHROPIC);
  const struct ap_provider_row *o = ap_provider(AP_PROVIDER_OPENAI);
  const struct ap_provider_row *h = ap_provider(AP_PROVIDER_HTTPS);
  (void)state;
  assert_string_equal(a->default_url, AP_DEFAULT_URL);
  assert_string_equal(a->key_env, "ANTHROPIC_API_KEY");
  assert_string_equal(a->auth_header, "x-api-key: ");
  assert_string_equal(a->version_header, "anthropic-version");
  assert_string_equal(o->key_env, "OPENAI_API_KEY");
  assert_string_equal(o->auth_header, "authorization: Bearer ");
  assert_null(o->version_header);
  assert_null(h->default_url);
  assert_null(h->key_env);
  assert_int_equal(h->auth_layer, 0);
  assert_int_equal(a->time_signed, 0);
  assert_int_equal(ap_provider(AP_PROVIDER_BEDROCK)->time_signed, 1);
  assert_true(ap_provider(AP_PROVIDER_VERTEX)->signed_window_s == 300);
  assert_true(a->signed_window_s == 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rows),
    cmocka_unit_test(test_facts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
