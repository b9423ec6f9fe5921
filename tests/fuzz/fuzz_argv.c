/* fuzz_argv.c -- argv as the CLI and check_apiprobe get it
 * (plugin/argv.c): the input split at NUL bytes into arguments, with
 * a face option table and callback like check_apiprobe's.
 */
#include "fuzz.h"
#include "internal.h"

#include <getopt.h>

static int cb(void *ud, int id, const char *value, char *err, size_t errlen)
{
  (void)ud;
  (void)err;
  (void)errlen;
  if(value && !memchr(value, '\0', 1 << 20))
    __builtin_trap();
  return id == 99 ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const struct ap_argv_extra extra[] = {
    {"json", 'j', NULL, "JSON", 1},
    {"warn", 'w', "METRIC=RANGE", "warning", 2},
    {"help", 'h', NULL, "help", 99},
    {NULL, 0, NULL, NULL, 0},
  };
  struct ap_target t;
  char *argv[34];
  char err[512];
  char *buf;
  size_t pos = 0;
  int argc = 1;
  if(size > 4096)
    return 0;
  buf = malloc(size + 1);
  if(!buf)
    return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  argv[0] = (char *)(uintptr_t) "apiprobe";
  while(pos <= size && argc < 33) {
    argv[argc++] = buf + pos;
    pos += strlen(buf + pos) + 1;
  }
  argv[argc] = NULL;
  ap_target_init(&t);
  (void)ap_argv_parse(argc, argv, &t, extra, cb, NULL, err, sizeof(err));
  ap_target_free(&t);
  free(buf);
  return 0;
}
