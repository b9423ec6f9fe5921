/* conffile.c -- the targets file of the Zabbix module and of apiprobe
 * --config: [target NAME] sections of long options ("option = value"),
 * an optional [module] section, '#' or ';' comment lines. Read whole
 * (ap_file_read: a regular file opened without blocking, at most 1 MiB),
 * then line by line; a bad line (too long, NUL or control characters
 * included) is refused whole, reported ("PATH:LINE: what") and never stops
 * the reading, so one broken target leaves the others usable.
 */
#include "apiprobe_conf.h"
#include "file.h"
#include "strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AP_CONF_LINE_MAX 2047   /* longest line, without its LF */
#define AP_CONF_MAX (1u << 20) /* largest file */

struct conf_reader {
  const char *path;
  struct ap_conf *conf;
  int max;
  ap_conf_init_fn init;
  ap_conf_log_fn log;
  void *ud;
};

/* ap_trim, then one pair of surrounding double quotes. */
static char *conf_trim(char *s)
{
  size_t n;
  s = ap_trim(s);
  n = strlen(s);
  if(n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    s++;
  }
  return s;
}

static void conf_log(struct conf_reader *rd, const char *msg)
{
  rd->conf->nerrors++;
  if(rd->log)
    rd->log(rd->ud, msg);
}

/* Report WHAT at LINE, and keep it on CT (if any, and its first). */
static void conf_error(struct conf_reader *rd, struct ap_conf_target *ct,
                       int line, const char *what)
{
  char msg[AP_TEXT * 2];
  snprintf(msg, sizeof(msg), "%s:%d: %s", rd->path, line, what);
  conf_log(rd, msg);
  if(ct && !ct->error[0])
    snprintf(ct->error, sizeof(ct->error), "%s", msg);
}

static struct ap_conf_target *conf_new_target(struct conf_reader *rd,
                                              const char *name, int line)
{
  struct ap_conf *conf = rd->conf;
  struct ap_conf_target *ct;
  char err[AP_TEXT], what[AP_TEXT + 64];
  int i;
  if(conf->ntargets >= rd->max) {
    conf_error(rd, NULL, line, "too many targets");
    return NULL;
  }
  ct = &conf->targets[conf->ntargets++];
  memset(ct, 0, sizeof(*ct));
  ap_target_init(&ct->t);
  snprintf(ct->section, sizeof(ct->section), "%s", name);
  ct->line = line;
  for(i = 0; i < conf->ntargets - 1; i++) {
    if(!strcmp(conf->targets[i].section, ct->section)) {
      snprintf(what, sizeof(what),
               "duplicate target name '%.60s' (first at line %d)", name,
               conf->targets[i].line);
      conf_error(rd, ct, line, what);
      return ct;
    }
  }
  if(!ap_target_name_ok(name)) {
    snprintf(what, sizeof(what),
             "target name '%.60s' must be letters, digits, '.', '_' or '-'",
             name);
    conf_error(rd, ct, line, what);
  } else if(rd->init && rd->init(rd->ud, &ct->t, err, sizeof(err))) {
    conf_error(rd, ct, line, err);
  } else if(ap_target_set(&ct->t, "name", name, err, sizeof(err))) {
    conf_error(rd, ct, line, err);
  }
  return ct;
}

static void conf_setting(struct conf_reader *rd, struct ap_conf_target *ct,
                         int in_module, const char *key, const char *val,
                         int line)
{
  char err[AP_TEXT + 64];
  const char *opt;
  if(in_module) {
    double v;
    if(strcasecmp(key, "cache") || ap_parse_double(val, 0, 3600, &v))
      conf_error(rd, NULL, line,
                 "[module] takes only 'cache = SECONDS' (0 to 3600)");
    else
      rd->conf->cache_s = v;
    return;
  }
  if(!ct) {
    conf_error(rd, NULL, line, "option outside a [target NAME] section");
    return;
  }
  opt = ap_option_canonical(key);
  if(!opt || !strcmp(opt, "name")) {
    snprintf(err, sizeof(err), "target '%s': unknown option '%.60s'",
             ct->section, key);
    conf_error(rd, ct, line, err);
    return;
  }
  if(ap_target_set(&ct->t, opt, val, err, sizeof(err)))
    conf_error(rd, ct, line, err);
}

/* One line (a NUL-terminated copy the caller owns). */
static void conf_line(struct conf_reader *rd, char *buf, int line,
                      struct ap_conf_target **pcur, int *pin_module)
{
  char *s = conf_trim(buf), *eq;
  if(!*s || *s == '#' || *s == ';')
    return;
  if(ap_has_ctl(s)) {
    conf_error(rd, *pcur, line, "control character in the line; refused");
    return;
  }
  if(*s == '[') {
    char *close = strchr(s, ']');
    *pin_module = 0;
    *pcur = NULL;
    if(!close || close[1]) {
      conf_error(rd, NULL, line, "a section is [target NAME]");
      return;
    }
    *close = '\0';
    s = conf_trim(s + 1);
    if(!strcasecmp(s, "module"))
      *pin_module = 1;
    else if(!strncasecmp(s, "target", 6) && isspace((unsigned char)s[6]))
      *pcur = conf_new_target(rd, conf_trim(s + 7), line);
    else
      conf_error(rd, NULL, line, "unknown section (want [target NAME])");
    return;
  }
  eq = strchr(s, '=');
  if(!eq) {
    conf_error(rd, *pcur, line, "not 'option = value'");
    return;
  }
  *eq = '\0';
  conf_setting(rd, *pcur, *pin_module, conf_trim(s), conf_trim(eq + 1), line);
}

/* The text BUF[0..LEN): a line longer than AP_CONF_LINE_MAX or holding a
 * NUL is refused whole (never split into a live setting). */
static void conf_lines(struct conf_reader *rd, const char *buf, size_t len)
{
  char copy[AP_CONF_LINE_MAX + 1];
  struct ap_conf_target *cur = NULL;
  int line = 0, in_module = 0;
  size_t pos = 0, n;
  const char *l;
  while(ap_file_next_line(buf, len, &pos, &l, &n)) {
    line++;
    if(n > AP_CONF_LINE_MAX) {
      char what[96];
      snprintf(what, sizeof(what),
               "line too long (%zu bytes, at most %d); refused", n,
               AP_CONF_LINE_MAX);
      conf_error(rd, cur, line, what);
      continue;
    }
    if(memchr(l, '\0', n)) {
      conf_error(rd, cur, line, "a NUL byte in the line; refused");
      continue;
    }
    memcpy(copy, l, n);
    copy[n] = '\0';
    conf_line(rd, copy, line, &cur, &in_module);
  }
}

/* CONF's targets, finished (those without an error). */
static void conf_finish(struct conf_reader *rd)
{
  struct ap_conf *conf = rd->conf;
  char err[AP_TEXT];
  int i;
  for(i = 0; i < conf->ntargets; i++) {
    struct ap_conf_target *ct = &conf->targets[i];
    if(ct->error[0])
      continue;
    if(ap_target_finish(&ct->t, err, sizeof(err))) {
      char what[AP_TEXT + 96];
      snprintf(what, sizeof(what), "target '%s': %s", ct->section, err);
      conf_error(rd, ct, ct->line, what);
    }
  }
}

int ap_conf_parse(const char *text, size_t len, const char *path, int max,
                  ap_conf_init_fn init, ap_conf_log_fn log, void *ud,
                  struct ap_conf *conf)
{
  struct conf_reader rd = {path, conf, max, init, log, ud};
  memset(conf, 0, sizeof(*conf));
  conf->cache_s = -1;
  /* owned by CONF; zeroed, so ap_conf_free works on any prefix */
  conf->targets = calloc(max > 0 ? (size_t)max : 1, sizeof(*conf->targets));
  if(!conf->targets) {
    conf_log(&rd, "out of memory");
    return -1;
  }
  conf_lines(&rd, text, len);
  conf_finish(&rd);
  return 0;
}

int ap_conf_read(const char *path, int max, ap_conf_init_fn init,
                 ap_conf_log_fn log, void *ud, struct ap_conf *conf)
{
  struct conf_reader rd = {path, conf, max, init, log, ud};
  char err[AP_TEXT + 64];
  char *buf = NULL;
  size_t len = 0;
  int rc;
  memset(conf, 0, sizeof(*conf));
  conf->cache_s = -1;
  /* no FIFO, no device (a config named /dev/zero), bounded size */
  if(ap_file_read(path, "config", AP_CONF_MAX, NULL, &buf, &len, err,
                  sizeof(err))) {
    conf_log(&rd, err);
    return -1;
  }
  rc = ap_conf_parse(buf, len, path, max, init, log, ud, conf);
  free(buf);
  return rc;
}

void ap_conf_free(struct ap_conf *conf)
{
  int i;
  for(i = 0; i < conf->ntargets; i++)
    ap_target_free(&conf->targets[i].t);
  free(conf->targets);
  memset(conf, 0, sizeof(*conf));
  conf->cache_s = -1;
}
