/* fuzz_zabbix_conf.c -- the targets file of the Zabbix module and of
 * apiprobe --config (plugin/conffile.c, ap_conf_parse): the input is the
 * file's text.
 */
#include "fuzz.h"

#include "apiprobe_conf.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ap_conf c;
  int i;
  ap_conf_parse((const char *)data, size, "fuzz.conf", 256, NULL, NULL, NULL,
                &c);
  for(i = 0; i < c.ntargets; i++)
    fz_check_text(c.targets[i].error, sizeof(c.targets[i].error));
  ap_conf_free(&c);
  return 0;
}
