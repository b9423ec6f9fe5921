/* test_render_prom.c -- plugin/render_prom.c: the Prometheus text format
 * for several targets: each family once (HELP, then TYPE, then all its
 * samples, every target's), a metric not measured has no sample while
 * apiprobe_up and the verdict always have one, label values escape '\',
 * '"' and newline, the clouds' labels follow the target's, and values
 * that are not finite are written the Prometheus way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "metric_values.h"

static struct ap_result rs[3];

static char *render(size_t n)
{
  char *text = NULL;
  assert_int_equal(ap_render_prom(rs, n, &text), AP_OK);
  assert_non_null(text);
  return text;
}

/* The family a line names: "# HELP NAME ...", "# TYPE NAME gauge" or
 * "NAME{...} VALUE", into OUT. */
static void line_family(const char *line, char *out, size_t n)
{
  size_t len;
  if(!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7))
    line += 7;
  len = strcspn(line, " {");
  snprintf(out, n, "%.*s", (int)len, line);
}

/* Every family has one HELP, then one TYPE gauge, then only its own
 * samples; no family comes back later. Returns how many families. */
static int check_grouping(char *text)
{
  char seen[64][96], fam[96], cur[96] = "";
  int nseen = 0, i, stage = 0;
  char *line, *save = NULL;
  for(line = strtok_r(text, "\n", &save); line;
      line = strtok_r(NULL, "\n", &save)) {
    line_family(line, fam, sizeof(fam));
    if(!strncmp(line, "# HELP ", 7)) {
      for(i = 0; i < nseen; i++) {
        if(!strcmp(seen[i], fam))
          fail_msg("family %s twice", fam);
      }
      assert_true(nseen < 64);
      snprintf(seen[nseen++], sizeof(seen[0]), "%s", fam);
      snprintf(cur, sizeof(cur), "%s", fam);
      stage = 1;
    } else if(!strncmp(line, "# TYPE ", 7)) {
      assert_int_equal(stage, 1);
      assert_string_equal(fam, cur);
      assert_non_null(strstr(line, " gauge"));
      stage = 2;
    } else {
      if(stage != 2 || strcmp(fam, cur))
        fail_msg("sample outside its family: %s", line);
    }
  }
  return nseen;
}

static void test_families_grouped(void **state)
{
  char *text, *a, *b, *c;
  (void)state;
  mv_check_list();
  mv_fill(&rs[0], "a");
  mv_fill(&rs[1], "b");
  mv_fill(&rs[2], "c");
  rs[1].auth.rl.tokens_limit = 5000;
  text = render(3);
  /* the phases share one family, one target after the other */
  a = strstr(text, "apiprobe_duration_seconds{target=\"a\",phase=\"total\"} 1006\n");
  b = strstr(text, "apiprobe_duration_seconds{target=\"b\",phase=\"dns\"} 1001\n");
  c = strstr(text, "apiprobe_duration_seconds{target=\"c\",phase=\"dns\"} 1001\n");
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(c);
  assert_true(a < b && b < c);
  /* the limits, beside the table: only where the header was sent */
  assert_non_null(strstr(text, "# TYPE apiprobe_ratelimit_tokens_limit gauge\n"
                               "apiprobe_ratelimit_tokens_limit{target=\"b\"} 5000\n#"));
  assert_true(check_grouping(text) >= 20);
  free(text);
}

static void test_unmeasured_no_sample(void **state)
{
  char *text;
  (void)state;
  mv_fill(&rs[0], "a");
  ap_result_init(&rs[1], NULL);
  snprintf(rs[1].name, sizeof(rs[1].name), "blank");
  rs[0].tls.cert_days_left = NAN;
  rs[0].http.status = 0;
  rs[0].tcp.retransmits = -1;
  text = render(2);
  /* the family is there (target a's chain expiry), its sample for a is not */
  assert_non_null(strstr(text, "# TYPE apiprobe_cert_expiry_timestamp_seconds gauge\n"));
  assert_null(strstr(text, "apiprobe_cert_expiry_timestamp_seconds{target=\"a\"}"));
  assert_null(strstr(text, "apiprobe_http_status_code{target=\"a\"}"));
  assert_null(strstr(text, "apiprobe_tcp_retransmits{target=\"a\"}"));
  assert_non_null(strstr(text, "apiprobe_syn_retransmits{target=\"a\"} 1022\n"));
  /* nothing measured: no duration, but up, verdict and its info */
  assert_null(strstr(text, "apiprobe_duration_seconds{target=\"blank\""));
  assert_null(strstr(text, "apiprobe_layer_state{target=\"blank\",layer=\"dns\"}"));
  assert_non_null(strstr(text, "apiprobe_up{target=\"blank\"} 0\n"));
  assert_non_null(strstr(text, "apiprobe_verdict_state{target=\"blank\"} 0\n"));
  assert_non_null(strstr(text, "apiprobe_verdict_info{target=\"blank\",layer=\"env\",error=\"none\"} 1\n"));
  assert_true(check_grouping(text) >= 20);
  free(text);
}

static void test_label_escaping(void **state)
{
  char *text;
  (void)state;
  mv_fill(&rs[0], "q\"uote\\back\nline");
  snprintf(rs[0].tcp.address, sizeof(rs[0].tcp.address), "192.0.2.1");
  rs[0].tcp.family = 4;
  text = render(1);
  assert_non_null(strstr(text, "apiprobe_up{target=\"q\\\"uote\\\\back\\nline\"} 1\n"));
  assert_non_null(strstr(text, "apiprobe_address_info{target=\"q\\\"uote\\\\back\\nline\",connection=\"probe\",family=\"ipv4\",address=\"192.0.2.1\"} 1\n"));
  /* no raw newline inside a sample: every line is a comment or a sample */
  assert_int_equal(check_grouping(text) >= 20, 1);
  free(text);
}

static void test_cloud_labels(void **state)
{
  char *text;
  (void)state;
  mv_fill(&rs[0], "v");
  snprintf(rs[0].provider, sizeof(rs[0].provider), "vertex");
  snprintf(rs[0].region, sizeof(rs[0].region), "europe-west4");
  snprintf(rs[0].project, sizeof(rs[0].project), "p\"1");
  mv_fill(&rs[1], "b");
  snprintf(rs[1].provider, sizeof(rs[1].provider), "bedrock");
  snprintf(rs[1].region, sizeof(rs[1].region), "us-east-1");
  text = render(2);
  assert_non_null(strstr(text, "apiprobe_up{target=\"v\",provider=\"vertex\",region=\"europe-west4\",project=\"p\\\"1\"} 1\n"));
  assert_non_null(strstr(text, "apiprobe_duration_seconds{target=\"b\",provider=\"bedrock\",region=\"us-east-1\",phase=\"tls\"} 1004\n"));
  free(text);
}

static void test_numbers(void **state)
{
  char *text;
  (void)state;
  mv_fill(&rs[0], "n");
  rs[0].http.clock_skew_s = INFINITY;
  rs[0].auth.retry_after_s = -INFINITY;
  rs[0].tcp.h.time_s = 0.000123456789;
  rs[0].verdict.state = AP_STATE_CRITICAL;
  rs[0].verdict.layer = AP_LAYER_TLS;
  rs[0].verdict.error = AP_ERR_TLS_HANDSHAKE;
  text = render(1);
  assert_non_null(strstr(text, "apiprobe_clock_skew_seconds{target=\"n\"} +Inf\n"));
  assert_non_null(strstr(text, "apiprobe_retry_after_seconds{target=\"n\"} -Inf\n"));
  assert_non_null(strstr(text, "apiprobe_duration_seconds{target=\"n\",phase=\"tcp\"} 0.000123456789\n"));
  assert_non_null(strstr(text, "apiprobe_verdict_state{target=\"n\"} 2\n"));
  assert_non_null(strstr(text, "apiprobe_verdict_info{target=\"n\",layer=\"tls\",error=\"handshake_failed\"} 1\n"));
  free(text);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_families_grouped),
    cmocka_unit_test(test_unmeasured_no_sample),
    cmocka_unit_test(test_label_escaping),
    cmocka_unit_test(test_cloud_labels),
    cmocka_unit_test(test_numbers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
