/* fuzz_zabbix_conf.c -- the Zabbix module's config file
 * (zabbix/apiprobe_zbx.c, included so its static parser is reachable):
 * the input is the file's text.
 */
#include "fuzz.h"

#include "../../zabbix/apiprobe_zbx.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int i;
  zm_targets = calloc(ZM_MAX_TARGETS, sizeof(*zm_targets));
  if(!zm_targets)
    return 0;
  zm_ntargets = 0;
  zm_parse_conf((const char *)data, size, "fuzz.conf");
  for(i = 0; i < zm_ntargets; i++) {
    fz_check_text(zm_targets[i].error, sizeof(zm_targets[i].error));
    ap_target_free(&zm_targets[i].t);
  }
  free(zm_targets);
  zm_targets = NULL;
  zm_ntargets = 0;
  return 0;
}
