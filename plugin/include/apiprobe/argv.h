/* apiprobe/argv.h -- the command lines of the process faces (cli, nagios):
 * core options and a face's own, one help text (plugin/argv.c). Faces
 * include apiprobe.h, the umbrella over this header. */
#ifndef APIPROBE_ARGV_H
#define APIPROBE_ARGV_H

#include <stddef.h>

#include "apiprobe/target.h"

/* A face's own option (beside the core's): ID is handed to the callback. */
struct ap_argv_extra {
  const char *name;   /* long option without dashes; NULL ends the list */
  char short_name;    /* 0 when none */
  const char *arg;    /* NULL for a flag */
  const char *help;
  int id;
};
/* Called for each face option; VALUE is NULL for a flag. Return 0 to go
 * on, anything else to stop parsing with that value (ERR set if < 0). */
typedef int (*ap_argv_cb)(void *ud, int id, const char *value, char *err,
                          size_t errlen);

/* The callback's ID for a second, third ... positional URL. */
#define AP_ARGV_MORE_URL 0

/* Parse ARGV: core options go to ap_target_set(T), the face's EXTRA to CB,
 * the first positional argument is the URL and any further one goes to CB
 * with AP_ARGV_MORE_URL (a face that takes one URL returns -1 there).
 * Returns 0, -1 with ERR naming the option, or what CB returned. Uses
 * getopt's globals: process faces only. */
int ap_argv_parse(int argc, char **argv, struct ap_target *t,
                  const struct ap_argv_extra *extra, ap_argv_cb cb, void *ud,
                  char *err, size_t errlen);

/* Write one help line per option (core, then EXTRA) into BUF. Returns the
 * length it needed. */
size_t ap_argv_help(const struct ap_argv_extra *extra, char *buf,
                    size_t buflen);

#endif
