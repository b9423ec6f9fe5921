/* cd_threads.c -- the collectd plugin as collectd runs it with several
 * ReadThreads: collectd/apiprobe_collectd.c (included; the daemon stubbed by
 * tests/unit/cd_stubs.h) configured with GROUPS intervals of TARGETS
 * targets each, then every group's read callback called from its own
 * thread at once, ROUNDS times. Built for the ThreadSanitizer run: the
 * DNS job (a name through the resolver), the per-family connects (a name
 * pinned to 127.0.0.1 and ::1), the status page thread and ap_probe_many.
 *   cd_threads CA_FILE PORT STATUS_PORT ROUNDS
 * Exits 0 when every read returned 0 (TSan's own exit code otherwise).
 */
#include "../../collectd/apiprobe_collectd.c"
#include "../unit/cd_stubs.h"

#include <pthread.h>

#define GROUPS 5
#define TARGETS 4

static int rounds;

static void *reader(void *arg)
{
  intptr_t g = (intptr_t)arg;
  int i, bad = 0;
  for(i = 0; i < rounds; i++)
    bad |= cd_stub_cb[g](&cd_stub_ud[g]) != 0;
  return (void *)(intptr_t)bad;
}

static void add_opt(oconfig_item_t *o, oconfig_value_t *v, const char *key,
                    const char *val, double num)
{
  o->key = (char *)(uintptr_t)key;
  o->values = v;
  o->values_num = 1;
  if(val) {
    v->type = OCONFIG_TYPE_STRING;
    v->value.string = (char *)(uintptr_t)val;
  } else {
    v->type = OCONFIG_TYPE_NUMBER;
    v->value.number = num;
  }
}

int main(int argc, char **argv)
{
  static oconfig_item_t tg[GROUPS * TARGETS];
  static oconfig_value_t names[GROUPS * TARGETS];
  static oconfig_item_t opts[GROUPS * TARGETS][6];
  static oconfig_value_t vals[GROUPS * TARGETS][6];
  static char text[GROUPS * TARGETS][4][160];
  oconfig_item_t root;
  pthread_t th[GROUPS];
  int i, bad = 0;
  if(argc != 5) {
    fprintf(stderr, "usage: cd_threads CA PORT STATUS_PORT ROUNDS\n");
    return 2;
  }
  rounds = atoi(argv[4]);
  if(ap_global_init() != AP_OK)
    return 1;
  cd_ready = 1; /* what cd_init does once the types are known */
  memset(&root, 0, sizeof(root));
  root.key = (char *)(uintptr_t) "Plugin";
  root.children = tg;
  root.children_num = GROUPS * TARGETS;
  for(i = 0; i < GROUPS * TARGETS; i++) {
    int pinned = i % 2;
    snprintf(text[i][0], 160, "t%d", i);
    snprintf(text[i][1], 160, "https://%s:%s/v1/models",
             pinned ? "api.test" : "localhost", argv[2]);
    snprintf(text[i][2], 160, "api.test:%s:127.0.0.1,::1", argv[2]);
    snprintf(text[i][3], 160, "https://127.0.0.1:%s/api/v2/summary.json",
             argv[3]);
    tg[i].key = (char *)(uintptr_t) "Target";
    names[i].type = OCONFIG_TYPE_STRING;
    names[i].value.string = text[i][0];
    tg[i].values = &names[i];
    tg[i].values_num = 1;
    tg[i].children = opts[i];
    add_opt(&opts[i][0], &vals[i][0], "Url", text[i][1], 0);
    add_opt(&opts[i][1], &vals[i][1], "CaFile", argv[1], 0);
    add_opt(&opts[i][2], &vals[i][2], "Interval", NULL, 10 + i / TARGETS);
    add_opt(&opts[i][3], &vals[i][3], "Timeout", NULL, 5);
    add_opt(&opts[i][4], &vals[i][4], "StatusPage", text[i][3], 0);
    add_opt(&opts[i][5], &vals[i][5], "Resolve", text[i][2], 0);
    tg[i].children_num = pinned ? 6 : 5;
  }
  cd_config(&root);
  if(cd_stub_reads != GROUPS) {
    fprintf(stderr, "cd_threads: %d read groups, want %d:\n%s",
            cd_stub_reads, GROUPS, cd_stub_log);
    return 1;
  }
  for(i = 0; i < GROUPS; i++)
    pthread_create(&th[i], NULL, reader, (void *)(intptr_t)i);
  for(i = 0; i < GROUPS; i++) {
    void *r = NULL;
    pthread_join(th[i], &r);
    bad |= r != NULL;
  }
  /* every path really ran: the verdicts are ok, the pinned names had
   * both families connected, the status page was read */
  for(i = 0; i < GROUPS && !bad; i++) {
    struct cd_group *g = cd_stub_ud[i].data;
    size_t k;
    for(k = 0; k < g->n; k++) {
      const struct ap_result *r = &g->results[k];
      int pinned = strstr(g->targets[k]->url, "api.test") != NULL;
      if(r->verdict.state != AP_STATE_OK || !r->status_page.checked ||
         (pinned && r->tcp.families[1].state != AP_STATE_OK)) {
        fprintf(stderr, "%s: %s %s (%s); status page %d, v6 %s\n",
                g->targets[k]->name, ap_state_name(r->verdict.state),
                ap_error_name(r->verdict.error), r->verdict.reason,
                r->status_page.checked,
                ap_state_name(r->tcp.families[1].state));
        bad = 1;
      }
    }
  }
  cd_stub_free_reads();
  ap_global_cleanup();
  printf("cd_threads: %d groups x %d targets, %d rounds, reads %s\n",
         GROUPS, TARGETS, rounds, bad ? "FAILED" : "ok");
  return bad;
}
