/* argv.c -- the command line of the process faces (apiprobe, and
 * check_apiprobe): getopt_long tables built from the core's option table
 * plus each face's own options, so both accept the same options with the
 * same meaning and there is one parser. Uses getopt's globals: for
 * process faces only, never inside a daemon.
 */
#include "apiprobe.h"
#include "strutil.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define ARGV_MAXOPT 64
#define ARGV_CORE_BASE 2000 /* getopt values of core long-only options */
#define ARGV_EXTRA_BASE 3000

static size_t count_extra(const struct ap_argv_extra *extra)
{
  size_t n = 0;
  while(extra && extra[n].name)
    n++;
  return n;
}

static void add_short(char *so, size_t *s, size_t solen, char c, int arg)
{
  if(!c || *s + 3 >= solen)
    return;
  so[(*s)++] = c;
  if(arg)
    so[(*s)++] = ':';
  so[*s] = '\0';
}

static int build(struct option *lo, char *so, size_t solen,
                 const struct ap_argv_extra *extra)
{
  size_t i, n = 0, s = 0;
  size_t ne = count_extra(extra);
  const struct ap_option_info *o;
  so[0] = '\0';
  for(i = 0; (o = ap_option_get(i)) != NULL; i++) {
    if(n >= ARGV_MAXOPT - 1)
      return -1;
    lo[n].name = o->name;
    lo[n].has_arg = o->arg ? required_argument : no_argument;
    lo[n].flag = NULL;
    lo[n].val = o->short_name ? o->short_name : (int)(ARGV_CORE_BASE + i);
    add_short(so, &s, solen, o->short_name, o->arg != NULL);
    n++;
  }
  for(i = 0; i < ne; i++) {
    if(n >= ARGV_MAXOPT - 1)
      return -1;
    lo[n].name = extra[i].name;
    lo[n].has_arg = extra[i].arg ? required_argument : no_argument;
    lo[n].flag = NULL;
    lo[n].val = extra[i].short_name ? extra[i].short_name
                                    : (int)(ARGV_EXTRA_BASE + i);
    add_short(so, &s, solen, extra[i].short_name, extra[i].arg != NULL);
    n++;
  }
  memset(&lo[n], 0, sizeof(lo[n]));
  return 0;
}

int ap_argv_parse(int argc, char **argv, struct ap_target *t,
                  const struct ap_argv_extra *extra, ap_argv_cb cb, void *ud,
                  char *err, size_t errlen)
{
  struct option lo[ARGV_MAXOPT];
  char so[128];
  size_t ne = count_extra(extra);
  int c;

  if(build(lo, so, sizeof(so), extra)) {
    snprintf(err, errlen, "too many options");
    return -1;
  }
  opterr = 0;
  optind = 0; /* glibc: a full restart, no state left from an earlier call */
  while((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
    size_t i;
    const struct ap_option_info *o;
    int done = 0;
    if(c == '?' || c == ':') {
      const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
      if(!strncmp(word, "--", 2))
        snprintf(err, errlen, "option '%s' is unknown or needs a value",
                 word);
      else if(optopt > 0 && optopt < 256)
        snprintf(err, errlen, "option -%c is unknown or needs a value",
                 optopt);
      else
        snprintf(err, errlen, "option '%s' is unknown or needs a value",
                 argv[optind - 1]);
      return -1;
    }
    for(i = 0; i < ne && !done; i++) {
      if(c == extra[i].short_name || c == (int)(ARGV_EXTRA_BASE + i)) {
        int rc = cb(ud, extra[i].id, extra[i].arg ? optarg : NULL, err,
                    errlen);
        if(rc)
          return rc;
        done = 1;
      }
    }
    for(i = 0; !done && (o = ap_option_get(i)) != NULL; i++) {
      if(c == o->short_name || c == (int)(ARGV_CORE_BASE + i)) {
        if(ap_target_set(t, o->name, o->arg ? optarg : "1", err, errlen))
          return -1;
        done = 1;
      }
    }
    if(!done) {
      snprintf(err, errlen, "internal option error");
      return -1;
    }
  }
  if(optind < argc) {
    int i;
    if(ap_target_set(t, "url", argv[optind], err, errlen))
      return -1;
    /* more URLs: the face decides (AP_ARGV_MORE_URL) */
    for(i = optind + 1; i < argc; i++) {
      int rc = cb(ud, AP_ARGV_MORE_URL, argv[i], err, errlen);
      if(rc)
        return rc;
    }
  }
  return 0;
}

/* Append to BUF at USED, tracking the length needed past BUFLEN. */
static size_t put(char *buf, size_t buflen, size_t used, const char *s,
                  size_t n)
{
  if(used < buflen) {
    size_t c = n < buflen - used - 1 ? n : buflen - used - 1;
    memcpy(buf + used, s, c);
    buf[used + c] = '\0';
  }
  return used + n;
}

/* "  -x, --name ARG   help..." with the help wrapped at 79 columns. */
static size_t help_line(char *buf, size_t buflen, size_t used, char sn,
                        const char *name, const char *arg, const char *help)
{
  enum { COL = 32, WIDTH = 79 };
  char lhs[96];
  int n;
  const char *p = help;
  size_t col;
  n = snprintf(lhs, sizeof(lhs), "  %c%c%c --%s%s%s", sn ? '-' : ' ',
               sn ? sn : ' ', sn ? ',' : ' ', name, arg ? " " : "",
               arg ? arg : "");
  if(n < 0)
    return used;
  used = put(buf, buflen, used, lhs, strlen(lhs));
  col = strlen(lhs);
  if(col + 1 > COL) {
    used = put(buf, buflen, used, "\n", 1);
    col = 0;
  }
  while(*p) {
    size_t w = strcspn(p, " ");
    if(col < COL) {
      static const char pad[] = "                                ";
      used = put(buf, buflen, used, pad, COL - col);
      col = COL;
    } else if(col + 1 + w > WIDTH) {
      used = put(buf, buflen, used, "\n", 1);
      col = 0;
      continue;
    } else {
      used = put(buf, buflen, used, " ", 1);
      col++;
    }
    used = put(buf, buflen, used, p, w);
    col += w;
    p += w;
    while(*p == ' ')
      p++;
  }
  return put(buf, buflen, used, "\n", 1);
}

size_t ap_argv_help(const struct ap_argv_extra *extra, char *buf,
                    size_t buflen)
{
  size_t i, used = 0;
  const struct ap_option_info *o;
  if(buflen)
    buf[0] = '\0';
  for(i = 0; (o = ap_option_get(i)) != NULL; i++)
    used = help_line(buf, buflen, used, o->short_name, o->name, o->arg,
                     o->help);
  for(i = 0; extra && extra[i].name; i++)
    used = help_line(buf, buflen, used, extra[i].short_name, extra[i].name,
                     extra[i].arg, extra[i].help);
  return used;
}

/* libcurl links librtmp, which links GnuTLS, whose library constructor
 * initialises itself at load time (p11-kit modules and all): about 1.5 MiB
 * resident in every check, for a library a probe restricted to https never
 * calls. GnuTLS provides this weak hook for applications to skip that
 * implicit init; the process faces export it (see their CMakeLists.txt).
 * It has no effect inside a daemon's .so (this file is not linked there). */
__attribute__((visibility("default"))) int _gnutls_global_init_skip(void);
__attribute__((visibility("default"))) int _gnutls_global_init_skip(void)
{
  return 1;
}
