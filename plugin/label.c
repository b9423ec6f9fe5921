/* label.c -- labels that tell targets apart. A target's label defaults to
 * its URL's host; when several URLs share a host, every one of them (the
 * first too) gets the shortest form that tells the group apart: host:port,
 * then host and path, then host:port and path, then the whole URL. A label
 * set with --name is kept as it is. Labels are checked unique at the end
 * (a clash with a --name label gets "#N").
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum label_form { LF_HOST_PORT, LF_HOST_PATH, LF_HOST_PORT_PATH, LF_URL };

/* The path and query of URL (after the authority), "" when none. */
static const char *url_path(const char *url)
{
  const char *p = strstr(url, "://");
  p = p ? strchr(p + 3, '/') : NULL;
  return p ? p : "";
}

void ap_label_form(const struct ap_target *t, int form, char *out,
                   size_t outlen)
{
  const char *h = t->url_host;
  int v6 = strchr(h, ':') != NULL;
  switch((enum label_form)form) {
  case LF_HOST_PORT:
    snprintf(out, outlen, "%s%s%s:%d", v6 ? "[" : "", h, v6 ? "]" : "",
             t->url_port);
    return;
  case LF_HOST_PATH:
    snprintf(out, outlen, "%s%s%s%s", v6 ? "[" : "", h, v6 ? "]" : "",
             url_path(t->url_shown));
    return;
  case LF_HOST_PORT_PATH:
    snprintf(out, outlen, "%s%s%s:%d%s", v6 ? "[" : "", h, v6 ? "]" : "",
             t->url_port, url_path(t->url_shown));
    return;
  case LF_URL:
    snprintf(out, outlen, "%s", t->url_shown);
    return;
  }
}

/* Is T's label still the default (its host)? */
static int is_default(const struct ap_target *t)
{
  return t->name && !strcmp(t->name, t->url_host);
}

static void set_name(struct ap_target *t, const char *name)
{
  char err[AP_TEXT];
  /* a target's name is only ever set through the option table */
  ap_target_set(t, "name", name, err, sizeof(err));
}

/* Relabel the group of default-labelled targets sharing TS[I]'s host. */
static void label_group(struct ap_target *ts, size_t n, size_t i,
                        unsigned char *done)
{
  char a[AP_TARGET_TEXT * 2 + 16], b[AP_TARGET_TEXT * 2 + 16];
  const char *host = ts[i].url_host;
  size_t j, k, members = 0;
  int form;
  for(j = i; j < n; j++)
    members += !done[j] && is_default(&ts[j]) &&
               !strcmp(ts[j].url_host, host);
  if(members < 2) {
    done[i] = 1;
    return;
  }
  for(form = LF_HOST_PORT; form < LF_URL; form++) {
    int clash = 0;
    for(j = i; j < n && !clash; j++) {
      if(done[j] || !is_default(&ts[j]) || strcmp(ts[j].url_host, host))
        continue;
      ap_label_form(&ts[j], form, a, sizeof(a));
      for(k = j + 1; k < n && !clash; k++) {
        if(done[k] || !is_default(&ts[k]) || strcmp(ts[k].url_host, host))
          continue;
        ap_label_form(&ts[k], form, b, sizeof(b));
        clash = !strcmp(a, b);
      }
    }
    if(!clash)
      break;
  }
  /* mark first: renaming changes what is_default sees */
  for(j = n; j-- > i;)
    if(!done[j] && is_default(&ts[j]) && !strcmp(ts[j].url_host, host))
      done[j] = 2;
  for(j = i; j < n; j++) {
    if(done[j] != 2)
      continue;
    ap_label_form(&ts[j], form, a, sizeof(a));
    set_name(&ts[j], a);
    done[j] = 1;
  }
}

enum ap_code ap_targets_label(struct ap_target *ts, size_t n)
{
  char name[AP_TARGET_TEXT * 2 + 16];
  unsigned char *done = calloc(n ? n : 1, 1); /* freed here */
  size_t i, j;
  for(i = 0; done && i < n; i++)
    if(!done[i] && is_default(&ts[i]))
      label_group(ts, n, i, done);
  free(done);
  /* whatever still clashes (a --name equal to another's label, the same
   * URL twice) is numbered */
  for(i = 1; i < n; i++) {
    for(j = 0; j < i; j++) {
      if(!ts[i].name || !ts[j].name || strcmp(ts[i].name, ts[j].name))
        continue;
      snprintf(name, sizeof(name), "%s#%zu", ts[i].name, i + 1);
      set_name(&ts[i], name);
      break;
    }
  }
  return done ? AP_OK : AP_E_NOMEM;
}

int ap_target_name_ok(const char *s)
{
  size_t n = strlen(s);
  return n && n <= AP_TARGET_NAME_MAX &&
         strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789_.-") == n;
}
