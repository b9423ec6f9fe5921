/* env.c -- the env layer, what this host brings to every connection:
 * - which proxy settings apply to this target, the way libcurl reads them
 *   (https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY, no_proxy, NO_PROXY),
 *   decided once here and handed to curl explicitly;
 * - the kernel's clock discipline (adjtimex: synchronised or not, maximum
 *   error) and, after the answer, the clock's skew against the server's
 *   Date with thresholds;
 * - the TCP keepalive sysctls (per network namespace), with advice when
 *   idle connections would outlive the middleboxes' idle timeout.
 */
#include "internal.h"
#include "strutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/timex.h>
#include <unistd.h>

static int entry_match(const char *host, const char *e, size_t n)
{
  size_t hl = strlen(host);
  if(n && e[0] == '.') {
    e++;
    n--;
  }
  if(n >= 2 && e[0] == '[' && e[n - 1] == ']') {
    e++;
    n -= 2;
  }
  if(!n)
    return 0;
  if(hl == n)
    return !strncasecmp(host, e, n);
  if(hl > n && host[hl - n - 1] == '.')
    return !strncasecmp(host + hl - n, e, n);
  return 0;
}

int ap_noproxy_match(const char *host, const char *list)
{
  const char *p = list;
  char all[8];
  if(!list)
    return 0;
  /* as curl: only a lone "*" matches every host */
  ap_strlcpy(all, list, sizeof(all));
  if(!strcmp(ap_trim(all), "*"))
    return 1;
  while(*p) {
    size_t n;
    while(*p == ',' || *p == ' ' || *p == '\t')
      p++;
    n = strcspn(p, ", \t");
    if(n && entry_match(host, p, n))
      return 1;
    p += n;
  }
  return 0;
}

static const char *env_first(const char *const *names, const char **which)
{
  size_t i;
  for(i = 0; names[i]; i++) {
    const char *v = getenv(names[i]);
    if(v && *v) {
      *which = names[i];
      return v;
    }
  }
  return NULL;
}

int ap_clock_synced(int adjtimex_rc, int status)
{
  if(adjtimex_rc < 0)
    return -1;
  return adjtimex_rc != TIME_ERROR && !(status & STA_UNSYNC);
}

/* The kernel's view of its clock; read-only (modes 0) needs no privilege */
static void clock_read(struct ap_env_result *env)
{
  struct timex tx;
  int rc;
  memset(&tx, 0, sizeof(tx));
  rc = adjtimex(&tx);
  env->clock_synced = ap_clock_synced(rc, tx.status);
  env->clock_maxerror_s = rc < 0 ? NAN : (double)tx.maxerror / 1e6;
}

/* One integer from a /proc/sys file; -1 when unreadable. Plain read(2):
 * no stdio buffer per probe in a resident host. */
static int sysctl_int(const char *path)
{
  char buf[32];
  ssize_t n;
  long l;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if(fd < 0)
    return -1;
  n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if(n <= 0)
    return -1;
  buf[n] = '\0';
  if(ap_parse_long(ap_trim(buf), 0, 1L << 30, &l))
    return -1;
  return (int)l;
}

int ap_keepalive_advice(int time_s, int intvl_s, int probes,
                        double idle_timeout_s, char *out, size_t outlen)
{
  double dead;
  out[0] = '\0';
  if(time_s < 0 || idle_timeout_s <= 0 || time_s < idle_timeout_s)
    return 0;
  dead = (double)time_s + (intvl_s > 0 ? (double)intvl_s : 0) *
                            (probes > 0 ? (double)probes : 0);
  snprintf(out, outlen,
           "TCP keepalive starts after %d s idle, later than the %.0f s after "
           "which NAT gateways and firewalls commonly drop idle connections "
           "(a dead peer is noticed after %.0f s): long requests (streaming, "
           "batches) may hang; lower net.ipv4.tcp_keepalive_time (e.g. 60) "
           "or set keepalive in the client",
           time_s, idle_timeout_s, dead);
  return 1;
}

static void keepalive_read(const struct ap_target *t,
                           struct ap_env_result *env)
{
  env->keepalive_time_s = sysctl_int("/proc/sys/net/ipv4/tcp_keepalive_time");
  env->keepalive_intvl_s =
    sysctl_int("/proc/sys/net/ipv4/tcp_keepalive_intvl");
  env->keepalive_probes =
    sysctl_int("/proc/sys/net/ipv4/tcp_keepalive_probes");
  ap_keepalive_advice(env->keepalive_time_s, env->keepalive_intvl_s,
                      env->keepalive_probes, t->idle_timeout_s, env->advice,
                      sizeof(env->advice));
}

enum ap_error ap_skew_error(double skew_s, double warn_s, double crit_s)
{
  double a = fabs(skew_s);
  if(isnan(skew_s))
    return AP_ERR_NONE;
  if(crit_s > 0 && a > crit_s)
    return AP_ERR_ENV_CLOCK_SKEW_CRIT;
  if(warn_s > 0 && a > warn_s)
    return AP_ERR_ENV_CLOCK_SKEW;
  return AP_ERR_NONE;
}

void ap_skew_limits(const struct ap_target *t, double window_s,
                    double *warn_s, double *crit_s)
{
  *warn_s = t->skew_warn_s;
  /* --skew-crit given: the user's; else critical only where the skew
   * breaks the requests, beyond a time-signed provider's window */
  *crit_s = t->skew_crit_s >= 0 ? t->skew_crit_s : window_s;
  if(*crit_s > 0 && *warn_s > *crit_s)
    *warn_s = *crit_s / 2;
}

void ap_env_judge_clock(struct ap_result *r, const struct ap_target *t)
{
  ap_env_judge_skew(r, t, ap_provider(t->provider)->signed_window_s);
}

void ap_env_judge_skew(struct ap_result *r, const struct ap_target *t,
                       double window_s)
{
  struct ap_env_result *env = &r->env;
  enum ap_error e;
  double warn, crit;
  char reason[AP_TEXT], why[AP_TEXT];
  env->clock_skew_s = r->http.clock_skew_s;
  ap_skew_limits(t, window_s, &warn, &crit);
  e = ap_skew_error(env->clock_skew_s, warn, crit);
  if(e == AP_ERR_NONE ||
     ap_state_rank(ap_error_state(e)) <= ap_state_rank(env->h.state))
    return;
  if(e == AP_ERR_ENV_CLOCK_SKEW_CRIT && t->skew_crit_s < 0)
    snprintf(why, sizeof(why),
             "beyond the %g s a time-signed request stays valid: the "
             "provider rejects them",
             crit);
  else if(e == AP_ERR_ENV_CLOCK_SKEW_CRIT)
    snprintf(why, sizeof(why), "limit %g s", crit);
  else if(window_s > 0)
    snprintf(why, sizeof(why),
             "limit %g s; time-signed requests fail beyond %g s", warn,
             window_s);
  else
    snprintf(why, sizeof(why),
             "limit %g s; these requests do not depend on the clock, "
             "certificate checks and signed requests elsewhere do",
             warn);
  snprintf(reason, sizeof(reason),
           "this host's clock is %.1f s %s the server's Date (%s)%s",
           fabs(env->clock_skew_s),
           env->clock_skew_s > 0 ? "behind" : "ahead of", why,
           env->clock_synced == 0
             ? "; the kernel says it is not synchronised (NTP off?)"
             : "");
  ap_layer_set(r, AP_LAYER_ENV, e, reason);
}

int ap_env_eval(const struct ap_target *t, const char *host,
                struct ap_env_result *env, char *proxy, size_t proxylen)
{
  static const char *const pvars[] = {"https_proxy", "HTTPS_PROXY",
                                      "all_proxy", "ALL_PROXY", NULL};
  static const char *const nvars[] = {"no_proxy", "NO_PROXY", NULL};
  static const char *const hvars[] = {"http_proxy", "HTTP_PROXY", NULL};
  const char *which = NULL;
  const char *nwhich = "";
  const char *p;
  const char *noproxy;

  ap_head_set(&env->h, AP_STATE_OK, env->h.error, NULL);
  env->insecure = t->insecure;
  env->clock_skew_s = NAN;
  clock_read(env);
  keepalive_read(t, env);
  proxy[0] = '\0';
  if(t->proxy) {
    p = t->proxy;
    which = "option";
  } else {
    p = env_first(pvars, &which);
  }
  if(t->noproxy) {
    noproxy = t->noproxy;
    nwhich = "option";
  } else {
    noproxy = env_first(nvars, &nwhich);
  }
  if(p && *p && ap_noproxy_match(host, noproxy)) {
    env->noproxy_match = 1;
    if(!strcmp(nwhich, "option"))
      ap_strlcpy(env->noproxy_source, "option",
                 sizeof(env->noproxy_source));
    else
      snprintf(env->noproxy_source, sizeof(env->noproxy_source), "env:%s",
               nwhich);
    p = NULL;
  }
  /* a proxy set only for http:// is a classic surprise: say it is unused */
  if(!t->proxy && !(p && *p) && !env->noproxy_match) {
    const char *hw = NULL;
    if(env_first(hvars, &hw))
      snprintf(env->proxy_note, sizeof(env->proxy_note),
               "%s is set but applies to http:// only: set https_proxy "
               "(or --proxy) for the API to go through it",
               hw);
  }
  if(p && *p && strcmp(which, "option") && !ap_proxy_url_ok(p)) {
    /* judged like --proxy (which was checked when set): never handed to
     * libcurl, whose error text would quote it, password included */
    char shown[AP_TEXT];
    ap_url_redact(p, shown, sizeof(shown));
    snprintf(env->h.reason, sizeof(env->h.reason),
             "%s='%s' is not a proxy URL (http://HOST:PORT or "
             "https://HOST:PORT)",
             which, shown);
    ap_strlcpy(env->proxy_source, which, sizeof(env->proxy_source));
    return -1;
  }
  if(p && *p) {
    ap_strlcpy(proxy, p, proxylen);
    ap_url_redact(p, env->proxy, sizeof(env->proxy));
    if(!strcmp(which, "option"))
      ap_strlcpy(env->proxy_source, "option", sizeof(env->proxy_source));
    else
      snprintf(env->proxy_source, sizeof(env->proxy_source), "env:%s",
               which);
  }
  return 0;
}

void ap_env_unusable(struct ap_result *r, const char *why)
{
  /* the later layers are skipped (or n/a) from the start */
  ap_head_set(&r->env.h, AP_STATE_UNKNOWN, AP_ERR_NONE, why);
}
