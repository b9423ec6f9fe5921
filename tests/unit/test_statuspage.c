/* test_statuspage.c -- plugin/statuspage.c: Statuspage summary.json to a state
 * (indicator and the API component by id or name; unknown values never
 * ok; broken bodies unknown) and the verdict's reason ("them" or "us").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct row {
  const char *body;
  enum ap_state state;
  const char *component;
  int incidents;
};

#define SP(ind, comps, incs)                                                   \
  "{\"page\":{\"id\":\"tymt9n04zgry\"},\"status\":{\"indicator\":\"" ind  \
  "\",\"description\":\"d\"},\"components\":[" comps                        \
  "],\"incidents\":[" incs "]}"
#define API(st) "{\"id\":\"k8w3r06qmzrp\",\"name\":\"x\",\"status\":\"" st "\"}"
#define BYNAME(st)                                                             \
  "{\"id\":\"other\",\"name\":\"Claude API (api.anthropic.com)\","          \
  "\"status\":\"" st "\"}"

static void test_parse(void **state)
{
  static const struct row rows[] = {
    {SP("none", API("operational"), ""), AP_STATE_OK, "operational", 0},
    {SP("minor", API("degraded_performance"), "{}"), AP_STATE_WARNING,
     "degraded_performance", 1},
    {SP("maintenance", API("under_maintenance"), ""), AP_STATE_WARNING,
     "under_maintenance", 0},
    {SP("major", API("partial_outage"), "{},{}"), AP_STATE_CRITICAL,
     "partial_outage", 2},
    {SP("critical", API("major_outage"), ""), AP_STATE_CRITICAL,
     "major_outage", 0},
    /* green page, but the API component is down: the worse wins */
    {SP("none", API("major_outage"), ""), AP_STATE_CRITICAL, "major_outage",
     0},
    {SP("none", BYNAME("partial_outage"), ""), AP_STATE_CRITICAL,
     "partial_outage", 0},
    {SP("none", "", ""), AP_STATE_OK, "", 0},
    /* unknown values are unknown, never ok */
    {SP("purple", API("operational"), ""), AP_STATE_UNKNOWN, "operational",
     0},
    {SP("none", API("sideways"), ""), AP_STATE_UNKNOWN, "sideways", 0},
    {"{\"status\":{}}", AP_STATE_UNKNOWN, "", 0},
    {"<html>oops</html>", AP_STATE_UNKNOWN, "", 0},
    {"", AP_STATE_UNKNOWN, "", 0},
    {"{\"status\":{\"indicator\":\"none\"", AP_STATE_UNKNOWN, "", 0},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(rows); i++) {
    struct ap_statuspage_result s;
    memset(&s, 0, sizeof(s));
    ap_statuspage_parse(rows[i].body, strlen(rows[i].body), &s);
    if(s.state != rows[i].state || strcmp(s.component_status,
                                          rows[i].component) ||
       s.incidents != rows[i].incidents)
      fail_msg("row %zu: state %d comp '%s' inc %d", i, s.state,
               s.component_status, s.incidents);
    assert_true(s.reason[0] != '\0');
  }
}

static void test_fold(void **state)
{
  struct ap_result r;
  (void)state;
  memset(&r, 0, sizeof(r));
  r.verdict.state = AP_STATE_CRITICAL;
  snprintf(r.verdict.reason, sizeof(r.verdict.reason), "no response");
  ap_statuspage_fold(&r); /* not checked: nothing */
  assert_string_equal(r.verdict.reason, "no response");
  r.status_page.checked = 1;
  r.status_page.state = AP_STATE_CRITICAL;
  ap_statuspage_fold(&r);
  assert_non_null(strstr(r.verdict.reason, "their side"));
  assert_int_equal(r.verdict.state, AP_STATE_CRITICAL);
  snprintf(r.verdict.reason, sizeof(r.verdict.reason), "no response");
  r.status_page.state = AP_STATE_OK;
  ap_statuspage_fold(&r);
  assert_non_null(strstr(r.verdict.reason, "on this side"));
  r.verdict.state = AP_STATE_OK;
  snprintf(r.verdict.reason, sizeof(r.verdict.reason), "fine");
  ap_statuspage_fold(&r); /* ok and green: nothing to add */
  assert_string_equal(r.verdict.reason, "fine");
}

/* Issue 13, defect 4: the status page's description reached terminals
 * and logs with its control characters. */
static void test_parse_control_chars(void **state)
{
  static const char body[] =
    "{\"status\":{\"indicator\":\"minor\\r\",\"description\":\"Outage"
    "\\u001b]0;x\\u0007\\r\\nverdict: ok\\u0085\"},\"components\":[{\"name\":"
    "\"Claude API\",\"status\":\"operational\\u001b[1m\"}],"
    "\"incidents\":[]}";
  struct ap_statuspage_result s;
  const char *texts[4];
  size_t i;
  (void)state;
  memset(&s, 0, sizeof(s));
  ap_statuspage_parse(body, strlen(body), &s);
  assert_non_null(strstr(s.description, "verdict: ok"));
  texts[0] = s.description;
  texts[1] = s.reason;
  texts[2] = s.indicator;
  texts[3] = s.component_status;
  for(i = 0; i < 4; i++) {
    const unsigned char *p = (const unsigned char *)texts[i];
    for(; *p; p++) {
      if(*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 &&
                                      p[1] <= 0x9f))
        print_error("text %zu: '%s'\n", i, texts[i]);
      assert_false(*p < 0x20 || *p == 0x7f ||
                   (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f));
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse),
    cmocka_unit_test(test_fold),
    cmocka_unit_test(test_parse_control_chars),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
