/* fuzz_collectd_conf.c -- collectd's config tree as the collectd plugin
 * reads it (collectd/apiprobe_collectd.c included, the daemon stubbed by
 * tests/unit/cd_stubs.h). The input is lines: "<NAME" opens a <Target
 * NAME> block (at most 8), "KEY VALUE..." adds an option to the open
 * block (values: "text" a string, true/false a boolean, else a number
 * when it parses as one, else a string).
 */
#include "fuzz.h"

#include "../../collectd/apiprobe_collectd.c"
#include "../unit/cd_stubs.h"

#define FZ_TARGETS 8
#define FZ_OPTS 16
#define FZ_VALS 4

static void fz_value(oconfig_value_t *v, char *w)
{
  char *end = NULL;
  double d;
  if(*w == '"') {
    v->type = OCONFIG_TYPE_STRING;
    v->value.string = w + 1;
  } else if(!strcmp(w, "true") || !strcmp(w, "false")) {
    v->type = OCONFIG_TYPE_BOOLEAN;
    v->value.boolean = *w == 't';
  } else if((d = strtod(w, &end)), end != w && !*end) {
    v->type = OCONFIG_TYPE_NUMBER;
    v->value.number = d;
  } else {
    v->type = OCONFIG_TYPE_STRING;
    v->value.string = w;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static oconfig_item_t targets[FZ_TARGETS];
  static oconfig_value_t names[FZ_TARGETS];
  static oconfig_item_t opts[FZ_TARGETS][FZ_OPTS];
  static oconfig_value_t vals[FZ_TARGETS][FZ_OPTS][FZ_VALS];
  oconfig_item_t root;
  char *buf = fz_strdup(data, size);
  char *lines[64];
  int nl, i, nt = 0;
  if(!buf)
    return 0;
  memset(targets, 0, sizeof(targets));
  memset(opts, 0, sizeof(opts));
  memset(&root, 0, sizeof(root));
  root.key = (char *)(uintptr_t) "Plugin";
  root.children = targets;
  nl = fz_split(buf, '\n', lines, 64);
  for(i = 0; i < nl; i++) {
    char *w[1 + FZ_VALS];
    int nw, j;
    if(lines[i][0] == '<') {
      if(nt == FZ_TARGETS)
        break;
      targets[nt].key = (char *)(uintptr_t)(lines[i][1] == '!' ? "Other"
                                                              : "Target");
      fz_value(&names[nt], lines[i] + 1);
      targets[nt].values = &names[nt];
      targets[nt].values_num = lines[i][1] == '-' ? 0 : 1;
      targets[nt].children = opts[nt];
      nt++;
      continue;
    }
    if(!nt || targets[nt - 1].children_num == FZ_OPTS)
      continue;
    nw = fz_split(lines[i], ' ', w, 1 + FZ_VALS);
    {
      oconfig_item_t *o = &opts[nt - 1][targets[nt - 1].children_num++];
      o->key = w[0];
      o->values = vals[nt - 1][o - opts[nt - 1]];
      for(j = 1; j < nw; j++)
        fz_value(&o->values[j - 1], w[j]);
      o->values_num = nw - 1;
    }
  }
  root.children_num = nt;
  cd_stub_log[0] = '\0';
  cd_config(&root);
  fz_check_text(cd_stub_log, sizeof(cd_stub_log));
  cd_stub_free_reads();
  free(buf);
  return 0;
}
