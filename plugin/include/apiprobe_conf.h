/* apiprobe_conf.h -- the targets file shared by the faces that read one
 * (the Zabbix module, apiprobe --config): ini-style [target NAME] sections
 * of the command line's long options without dashes, and an optional
 * [module] section (cache = SECONDS, the Zabbix module's result cache).
 */
#ifndef APIPROBE_CONF_H
#define APIPROBE_CONF_H

#include "apiprobe.h"

#define AP_CONF_NAME_MAX (AP_TARGET_NAME_MAX + 1) /* a target name */

/* One [target NAME] section. A target with a problem keeps its error (and
 * stays in the list, so a face can answer for it); the others are
 * finished (ap_target_finish) and ready to probe. */
struct ap_conf_target {
  struct ap_target t;
  char section[AP_CONF_NAME_MAX]; /* NAME as written, cut to 63 bytes */
  int line;                       /* where the section starts */
  char error[AP_TEXT];            /* "PATH:LINE: what", "" when fine */
};

struct ap_conf {
  struct ap_conf_target *targets; /* owned: ap_conf_free */
  int ntargets;
  double cache_s; /* [module] cache, -1 when not given */
  int nerrors;    /* every problem found, on a target or not */
};

/* Told each problem ("PATH:LINE: what", or "cannot read PATH: ..."). */
typedef void (*ap_conf_log_fn)(void *ud, const char *msg);
/* Called for each new target after ap_target_init and before its
 * section's options (a face's defaults, e.g. the command line's). Return
 * 0, or -1 with ERR set (the target then carries that error). */
typedef int (*ap_conf_init_fn)(void *ud, struct ap_target *t, char *err,
                               size_t errlen);

/* Read PATH (a regular file, opened without blocking; at most MAX
 * targets) into CONF. Every problem is logged through LOG (may be NULL)
 * and counted; a bad line never stops the reading. Returns 0 when the
 * file was read, -1 when it could not be (CONF then holds no target).
 * CONF is always initialised: call ap_conf_free either way. */
int ap_conf_read(const char *path, int max, ap_conf_init_fn init,
                 ap_conf_log_fn log, void *ud, struct ap_conf *conf);

/* The same for TEXT[0..LEN), the contents of PATH already read (PATH
 * only names it in messages). */
int ap_conf_parse(const char *text, size_t len, const char *path, int max,
                  ap_conf_init_fn init, ap_conf_log_fn log, void *ud,
                  struct ap_conf *conf);

/* Free the targets (wiping their keys); CONF is empty afterwards. */
void ap_conf_free(struct ap_conf *conf);

#endif
