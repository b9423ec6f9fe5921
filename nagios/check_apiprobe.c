/* check_apiprobe.c -- the Nagios/Icinga face: argv through the core's
 * option table (plugin/argv.c), one probe, thresholds judged in plugin/,
 * then the plugin output: a first line "APIPROBE STATE - verdict | all
 * perfdata", one long-output line per layer, and the exit code 0..3.
 */
#include "apiprobe.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum nag_opt {
  NAG_WARNING = 1,
  NAG_CRITICAL,
  NAG_WARN,
  NAG_CRIT,
  NAG_RL_STATE,
  NAG_OL_STATE,
  NAG_VERBOSE,
  NAG_HELP,
  NAG_VERSION
};

static const struct ap_argv_extra nag_opts[] = {
  {"warning", 'w', "RANGE", "warning range for total_time (seconds)",
   NAG_WARNING},
  {"critical", 'c', "RANGE", "critical range for total_time (seconds)",
   NAG_CRITICAL},
  {"warn", 0, "METRIC=RANGE",
   "warning range for any metric (repeatable; metrics below)", NAG_WARN},
  {"crit", 0, "METRIC=RANGE", "critical range for any metric (repeatable)",
   NAG_CRIT},
  {"rate-limited-state", 0, "STATE",
   "state when the key is rate limited (default warning)", NAG_RL_STATE},
  {"overloaded-state", 0, "STATE",
   "state when the API is overloaded, 529 (default warning)", NAG_OL_STATE},
  {"verbose", 'v', NULL, "add libcurl's error text to the long output",
   NAG_VERBOSE},
  {"help", 'h', NULL, "show this help", NAG_HELP},
  {"version", 'V', NULL, "show the version", NAG_VERSION},
  {NULL, 0, NULL, NULL, 0},
};

struct nag_conf {
  struct ap_thresholds th;
  /* ranges are kept as text until the target is final (the cert-days
   * defaults come from it) */
  const char *warn_spec[AP_METRIC_MAX * 2];
  int warn_crit[AP_METRIC_MAX * 2];
  int nspec;
  int rl_set, ol_set;
  enum ap_state rl_state, ol_state;
  int verbose;
};

static void nag_usage(void)
{
  char buf[8192];
  size_t i;
  const struct ap_metric *m;
  ap_argv_help(nag_opts, buf, sizeof(buf));
  printf("check_apiprobe %s - can this host use the Anthropic API, and if "
         "not,\nwhich layer is broken (env dns tcp proxy tls http auth; model and\n"
         "inference when asked)?\n\n"
         "Usage: check_apiprobe [-u URL] [-w RANGE] [-c RANGE] "
         "[--warn M=RANGE]...\n\n%s",
         AP_VERSION, buf);
  printf("\nRanges (Nagios syntax): 10 = alert outside 0..10, 10: = below "
         "10,\n~:10 = above 10, 10:20 = outside 10..20, @10:20 = inside "
         "10..20.\n\nMetrics (perfdata labels; U when not measured):\n");
  for(i = 0; (m = ap_metric_get(i)) != NULL; i++)
    printf("  %-29s %s%s%s%s\n", m->name, m->help, *m->uom ? " (" : "",
           m->uom, *m->uom ? ")" : "");
  printf("\nThe key is read from $ANTHROPIC_API_KEY, --key-env VAR or "
         "--key-file FILE;\nit never goes on the command line and is never "
         "printed.\n"
         "Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also bad "
         "arguments).\n"
         "Example: check_apiprobe -w 2 -c 5 --warn ttfb=1 "
         "--crit cert_days_left=14:\n"
         "         check_apiprobe --model claude-sonnet-4-5 --canary "
         "claude-haiku-4-5 --warn ttft=2\n\n" AP_COST_NOTE);
}

static int nag_opt(void *ud, int id, const char *value, char *err,
                   size_t errlen)
{
  struct nag_conf *nc = ud;
  char spec[128];
  switch(id) {
  case AP_ARGV_MORE_URL:
    snprintf(err, errlen, "unexpected argument '%s' (one URL per check)",
             value);
    return -1;
  case NAG_WARNING:
  case NAG_CRITICAL:
  case NAG_WARN:
  case NAG_CRIT:
    if(nc->nspec >= AP_METRIC_MAX * 2) {
      snprintf(err, errlen, "too many thresholds");
      return -1;
    }
    if(id == NAG_WARNING || id == NAG_CRITICAL) {
      /* -w/-c: total_time, kept as a static copy */
      static char copies[2][128];
      struct ap_range probe;
      char rerr[160];
      if(ap_range_parse(value, &probe, rerr, sizeof(rerr))) {
        snprintf(err, errlen, "-%c/--%s: %s", id == NAG_WARNING ? 'w' : 'c',
                 id == NAG_WARNING ? "warning" : "critical", rerr);
        return -1;
      }
      snprintf(spec, sizeof(spec), "total_time=%s", value);
      snprintf(copies[id == NAG_CRITICAL], sizeof(copies[0]), "%s", spec);
      nc->warn_spec[nc->nspec] = copies[id == NAG_CRITICAL];
    } else {
      nc->warn_spec[nc->nspec] = value;
    }
    nc->warn_crit[nc->nspec] = id == NAG_CRITICAL || id == NAG_CRIT;
    nc->nspec++;
    return 0;
  case NAG_RL_STATE:
  case NAG_OL_STATE:
    if(ap_state_parse(value, id == NAG_RL_STATE ? &nc->rl_state
                                                : &nc->ol_state)) {
      snprintf(err, errlen, "--%s: '%s' is not ok, warning, critical or "
                            "unknown",
               id == NAG_RL_STATE ? "rate-limited-state" : "overloaded-state",
               value);
      return -1;
    }
    if(id == NAG_RL_STATE)
      nc->rl_set = 1;
    else
      nc->ol_set = 1;
    return 0;
  case NAG_VERBOSE:
    nc->verbose = 1;
    return 0;
  case NAG_HELP:
    nag_usage();
    return 1;
  case NAG_VERSION:
    printf("check_apiprobe %s\n", AP_VERSION);
    return 1;
  }
  return 0;
}

static const char *upper_state(enum ap_state s)
{
  switch(s) {
  case AP_STATE_OK:
  case AP_STATE_SKIPPED:
  case AP_STATE_NA:
    return "OK";
  case AP_STATE_WARNING:
    return "WARNING";
  case AP_STATE_CRITICAL:
    return "CRITICAL";
  case AP_STATE_UNKNOWN:
    return "UNKNOWN";
  }
  return "UNKNOWN";
}

/* Text for the plugin output: '|' would start perfdata, so it becomes '/';
 * control characters become spaces; at most MAX bytes ("..." if cut). */
static void clean(char *out, size_t n, const char *in, size_t max)
{
  size_t i;
  size_t len = strlen(in);
  if(max > n - 1)
    max = n - 1;
  for(i = 0; i < len && i < max; i++) {
    char ch = in[i];
    out[i] = ch == '|' ? '/' : ((unsigned char)ch < 0x20 ? ' ' : ch);
  }
  out[i] = '\0';
  if(len > max && max > 3)
    memcpy(out + max - 3, "...", 4);
}

static void long_line(const char *name, const struct ap_layer_head *h,
                      const char *detail)
{
  char t[32] = "";
  char text[AP_TEXT];
  clean(text, sizeof(text), h->reason[0] ? h->reason : detail, AP_TEXT);
  if(!isnan(h->time_s))
    snprintf(t, sizeof(t), " %.3f s", h->time_s);
  printf("%s: %s%s%s%s%s%s\n", name,
         h->state == AP_STATE_SKIPPED || h->state == AP_STATE_NA
           ? ap_state_name(h->state)
           : upper_state(h->state),
         h->error != AP_ERR_NONE ? " " : "",
         h->error != AP_ERR_NONE ? ap_error_name(h->error) : "", t,
         text[0] ? " - " : "", text);
}

/* One line of the long output, in the host's words; NOTES: only the env
 * notes and the status page (printed after the hint), else only those not. */
static void print_line(const struct ap_line *l, int notes)
{
  char c[AP_LINE_BRIEF_MAX];
  int is_note = l->kind == AP_LINE_NOTE || l->kind == AP_LINE_ADVICE ||
                l->kind == AP_LINE_STATUS;
  if(is_note != notes)
    return;
  if(l->kind == AP_LINE_LAYER) {
    long_line(ap_layer_name(l->layer), l->h, l->text);
    return;
  }
  clean(c, sizeof(c), l->text, sizeof(c));
  switch(l->kind) {
  case AP_LINE_ROUTE: printf("tcp %s\n", c); break;
  case AP_LINE_FAMILY:
    printf("tcp ipv%d: %s %s\n", l->family, upper_state(l->state), c);
    break;
  case AP_LINE_MODELS: printf("models: %s\n", c); break;
  case AP_LINE_CANARY: printf("canary: %s\n", c); break;
  case AP_LINE_NOTE: printf("proxy note: %s\n", c); break;
  case AP_LINE_ADVICE: printf("advice: %s\n", c); break;
  case AP_LINE_STATUS:
    printf("status page: %s - %s\n", upper_state(l->state), c);
    break;
  default: break;
  }
}

static void print_long(const struct ap_result *r, int verbose)
{
  struct ap_line lines[AP_LINES_MAX];
  size_t i, n = ap_result_lines(r, AP_LINES_BRIEF, lines, AP_LINES_MAX);
  char d[512];
  for(i = 0; i < n; i++)
    print_line(&lines[i], 0);
  clean(d, sizeof(d), r->verdict.hint, sizeof(d));
  if(d[0])
    printf("hint: %s\n", d);
  for(i = 0; i < n; i++)
    print_line(&lines[i], 1);
  if(r->attempts > 1) {
    clean(d, sizeof(d), r->first_attempt.reason, sizeof(d));
    printf("attempts: %d; the first: %s %s %s - %s\n", r->attempts,
           upper_state(r->first_attempt.state),
           ap_layer_name(r->first_attempt.layer),
           r->first_attempt.error ? ap_error_name(r->first_attempt.error)
                                  : "ok",
           d);
  }
  clean(d, sizeof(d), r->key_source, sizeof(d));
  printf("key: %s %s\n", d, r->key_fingerprint);
  clean(d, sizeof(d), r->curl_error, sizeof(d));
  if(verbose && d[0])
    printf("libcurl: %s\n", d);
}

/* -t is the scheduler's limit too: keep a margin for process start and
 * output (a tenth, at most 0.25 s) so the plugin always ends by itself
 * before it. */
static int set_budget(struct ap_target *t, char *err, size_t errlen)
{
  struct ap_fit fit = {t->timeout_s, 0.1, 0.25, 0, 0};
  return ap_target_fit_timeout(t, &fit, err, errlen) ? -1 : 0;
}

static int unknown(const char *msg)
{
  printf("APIPROBE UNKNOWN - %s\n", msg);
  return 3;
}

/* The backstop's output, built before the alarm is armed (a signal
 * handler may only write): every label, U, up=0. */
static char alarm_msg[2048];
static size_t alarm_len;

static void alarm_prepare(void)
{
  size_t i;
  const struct ap_metric *m;
  int n = snprintf(alarm_msg, sizeof(alarm_msg),
                   "APIPROBE CRITICAL - plugin timed out |");
  for(i = 0; n > 0 && (size_t)n < sizeof(alarm_msg) &&
             (m = ap_metric_get(i)) != NULL;
      i++)
    n += snprintf(alarm_msg + n, sizeof(alarm_msg) - (size_t)n, " %s=%s",
                  m->name, strcmp(m->name, "up") ? "U" : "0");
  if(n > 0 && (size_t)n < sizeof(alarm_msg) - 1) {
    alarm_msg[n++] = '\n';
    alarm_len = (size_t)n;
  }
}

static void on_alarm(int sig)
{
  (void)sig;
  if(write(STDOUT_FILENO, alarm_msg, alarm_len) < 0)
    _exit(2);
  _exit(2);
}

int main(int argc, char **argv)
{
  struct ap_target t;
  struct ap_result r;
  struct nag_conf nc;
  char err[512];
  int rc, i;

  memset(&nc, 0, sizeof(nc));
  ap_target_init(&t);
  rc = ap_argv_parse(argc, argv, &t, nag_opts, nag_opt, &nc, err,
                     sizeof(err));
  if(rc) {
    ap_target_free(&t);
    if(rc > 0)
      return 3; /* --help, --version: exit 3 as the guidelines say */
    printf("APIPROBE UNKNOWN - %s\nUsage: check_apiprobe [-u URL] [-w RANGE]"
           " [-c RANGE] [options]; see --help\n",
           err);
    return 3;
  }
  if(ap_target_finish(&t, err, sizeof(err))) {
    ap_target_free(&t);
    return unknown(err);
  }
  if(set_budget(&t, err, sizeof(err))) {
    ap_target_free(&t);
    return unknown(err);
  }
  ap_thresholds_init(&nc.th, &t);
  for(i = 0; i < nc.nspec; i++) {
    if(ap_thresholds_set(&nc.th, nc.warn_crit[i], nc.warn_spec[i], err,
                         sizeof(err))) {
      ap_target_free(&t);
      return unknown(err);
    }
  }
  if(nc.rl_set)
    nc.th.rate_limited_state = nc.rl_state;
  if(nc.ol_set)
    nc.th.overloaded_state = nc.ol_state;
  ap_target_use_thresholds(&t, &nc.th);
  if(ap_global_init()) {
    ap_target_free(&t);
    return unknown("cannot initialise libcurl with OpenSSL");
  }
  /* the probe stops itself at --timeout; this is only a backstop */
  alarm_prepare();
  signal(SIGALRM, on_alarm);
  alarm((unsigned)t.timeout_s + 2);
  ap_probe_run(&t, &r);
  alarm(0);
  {
    char line[AP_TEXT * 2];
    ap_verdict_line(&r, 0, line, sizeof(line));
    /* the layer and error stay whole; a long reason is cut */
    clean(err, sizeof(err), line, 130);
  }
  printf("APIPROBE %s - %s%s | ", upper_state(r.verdict.state),
         r.verdict.error != AP_ERR_NONE ? "" : "API ok: ", err);
  {
    char *perf = NULL;
    if(ap_render_perfdata(&r, &nc.th, &perf) == AP_OK)
      fputs(perf, stdout);
    free(perf);
  }
  printf("\n");
  print_long(&r, nc.verbose);
  rc = ap_state_exit_code(r.verdict.state);
  ap_target_free(&t);
  ap_global_cleanup();
  return rc;
}
