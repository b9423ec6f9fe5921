/* test_zabbix_items.c -- zabbix/apiprobe_zbx.c's metric items (the
 * module's source included; the agent is not needed to call an item):
 * apiprobe.metric[target,NAME] answers each metric row's value (every
 * field its own value: metric_values.h), and a value not measured is
 * NOTSUPPORTED naming the row's layer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../zabbix/apiprobe_zbx.c"
#include "metric_values.h"

static struct ap_conf_target zt_conf;
static struct zm_target zt_one;

/* Target "x" with R as its fresh cached result (no probe runs). */
static void one_target(void)
{
  snprintf(zt_conf.section, sizeof(zt_conf.section), "x");
  zt_one.c = &zt_conf;
  zt_one.at = zm_now();
  zm_targets = &zt_one;
  zm_ntargets = 1;
}

/* apiprobe.metric[x,NAME] into RES; the item's return code. */
static int metric_item(const char *name, struct zm_result *res)
{
  char *params[2] = {(char *)(uintptr_t) "x", (char *)(uintptr_t)name};
  struct zm_request req = {.key = (char *)(uintptr_t) "apiprobe.metric",
                           .nparam = 2, .params = params};
  memset(res, 0, sizeof(*res));
  return zm_item_metric(&req, res);
}

static void test_each_row_answered(void **state)
{
  const struct ap_metric *m;
  struct zm_result res;
  size_t i;
  (void)state;
  mv_check_list();
  mv_fill(&zt_one.r, "x");
  one_target();
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++) {
    if(metric_item(m->name, &res) != ZM_RET_OK)
      fail_msg("metric %s: NOTSUPPORTED: %s", m->name,
               res.msg ? res.msg : "");
    assert_true(res.type & ZM_AR_DOUBLE);
    if(res.dbl != mv_value(m->json))
      fail_msg("metric %s: item is %g, not %g", m->name, res.dbl,
               mv_value(m->json));
  }
  zm_targets = NULL;
  zm_ntargets = 0;
}

static void test_not_measured(void **state)
{
  struct zm_result res;
  (void)state;
  mv_fill(&zt_one.r, "x");
  zt_one.r.tls.cert_days_left = NAN;
  one_target();
  assert_int_equal(metric_item("cert_days_left", &res), ZM_RET_FAIL);
  assert_non_null(res.msg);
  assert_non_null(strstr(res.msg, "not measured: cert_days_left (tls"));
  free(res.msg);
  assert_int_equal(metric_item("nosuch", &res), ZM_RET_FAIL);
  free(res.msg);
  zm_targets = NULL;
  zm_ntargets = 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_each_row_answered),
    cmocka_unit_test(test_not_measured),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
