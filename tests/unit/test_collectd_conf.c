/* test_collectd_conf.c -- collectd/apiprobe_collectd.c's config (the adapter's
 * source included, collectd's daemon stubbed by cd_stubs.h): a value too
 * long for the option table is refused with the target and option named,
 * never cut silently (issue 13, defect 6); a normal block registers. The
 * read dispatches each metric row's value under the row's type and type
 * instance (every field its own value: metric_values.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../collectd/apiprobe_collectd.c"
#include "cd_stubs.h"
#include "metric_values.h"

/* <Plugin apiprobe> <Target "a"> KEY "VALUE" </Target> </Plugin> */
static int config_one(const char *key, const char *value)
{
  oconfig_value_t name = {.value.string = (char *)(uintptr_t) "a",
                          .type = OCONFIG_TYPE_STRING};
  oconfig_value_t url = {.value.string =
                           (char *)(uintptr_t) "https://127.0.0.1:1/",
                         .type = OCONFIG_TYPE_STRING};
  oconfig_value_t val = {.value.string = (char *)(uintptr_t)value,
                         .type = OCONFIG_TYPE_STRING};
  oconfig_item_t kids[2] = {
    {.key = (char *)(uintptr_t) "Url", .values = &url, .values_num = 1},
    {.key = (char *)(uintptr_t)key, .values = &val, .values_num = 1},
  };
  oconfig_item_t target = {.key = (char *)(uintptr_t) "Target",
                           .values = &name, .values_num = 1,
                           .children = kids, .children_num = 2};
  oconfig_item_t root = {.key = (char *)(uintptr_t) "Plugin",
                         .children = &target, .children_num = 1};
  int n;
  cd_stub_log[0] = '\0';
  cd_stub_free_reads();
  cd_config(&root);
  n = cd_stub_reads;
  cd_stub_free_reads();
  return n;
}

static void test_long_value_refused(void **state)
{
  char *v = malloc(2001);
  (void)state;
  assert_non_null(v);
  memcpy(v, "https://127.0.0.1:1/", 20);
  memset(v + 20, 'a', 1980);
  v[2000] = '\0';
  /* cut at 1023 bytes it was still a URL, and the target ran on it */
  assert_int_equal(config_one("Url", v), 0);
  assert_non_null(strstr(cd_stub_log, "too long"));
  assert_non_null(strstr(cd_stub_log, "\"a\""));
  assert_non_null(strstr(cd_stub_log, "Url"));
  free(v);
}

static void test_good_block(void **state)
{
  (void)state;
  assert_int_equal(config_one("Timeout", "3"), 1);
  assert_string_equal(cd_stub_log, "");
}

static void test_each_row_dispatched(void **state)
{
  static struct ap_result r;
  struct ap_target t;
  const struct ap_metric *m;
  size_t i;
  int k, found;
  (void)state;
  mv_check_list();
  mv_fill(&r, "x");
  ap_target_init(&t);
  t.name = strdup("x"); /* the target owns its name */
  assert_non_null(t.name);
  cd_stub_values = 0;
  cd_dispatch(&t, &r);
  assert_true(cd_stub_values <= 64);
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    found = 0;
    for(k = 0; k < cd_stub_values; k++) {
      const struct cd_stub_value *v = &cd_stub_value[k];
      if(strcmp(v->type, m->cd_type) || strcmp(v->type_instance, m->cd_inst))
        continue;
      found++;
      if(v->gauge != mv_value(m->json))
        fail_msg("metric %s: %s-%s is %g, not %g", m->name, v->type,
                 v->type_instance, v->gauge, mv_value(m->json));
    }
    if(found != 1)
      fail_msg("metric %s: %s-%s dispatched %d times", m->name, m->cd_type,
               m->cd_inst, found);
  }
  ap_target_free(&t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_long_value_refused),
    cmocka_unit_test(test_good_block),
    cmocka_unit_test(test_each_row_dispatched),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
