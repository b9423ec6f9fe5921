/* target.c -- a target's life: its defaults (only in ap_target_init();
 * the options are set through option.c's table), ap_target_finish() that
 * makes the URL, checks the combination and loads the key, and
 * ap_target_free().
 */
#include "apiprobe.h"
#include "internal.h"
#include "file.h"
#include "secret.h"
#include "strutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ap_target_init(struct ap_target *t)
{
  memset(t, 0, sizeof(*t));
  t->min_tls = 12;
  t->connect_timeout_s = 5;
  t->timeout_s = 10;
  t->cert_warn_days = 21;
  t->cert_crit_days = 7;
  t->skew_warn_s = 60;
  t->skew_crit_s = -1; /* by what the skew breaks (ap_skew_limits) */
  t->idle_timeout_s = 300;
  t->expect_status = 200;
  t->stream_idle_timeout_s = 10;
  t->canary_interval_s = 300;
  t->price_input = t->price_output = NAN;
  ap_strlcpy(t->key_source, "none", sizeof(t->key_source));
}

int ap_str_set(char **field, const char *value)
{
  char *copy = strdup(value);
  if(!copy)
    return -1;
  free(*field);
  *field = copy;
  return 0;
}

static enum ap_code load_key(struct ap_target *t, char *err, size_t errlen)
{
  const char *env =
    t->key_env ? t->key_env : ap_provider(t->provider)->key_env;
  int rc;
  if(t->key_file) {
    if(ap_secret_from_file(t->key_file, &t->key, &t->key_file_mode_warning,
                           err, errlen))
      return AP_E_IO;
    snprintf(t->key_source, sizeof(t->key_source), "file:%s", t->key_file);
  } else if(!env) {
    ap_strlcpy(t->key_source, "none", sizeof(t->key_source));
  } else {
    rc = ap_secret_from_env(env, &t->key, err, errlen);
    if(rc < 0)
      return AP_E_CONFIG;
    if(rc == 0)
      snprintf(t->key_source, sizeof(t->key_source), "env:%s", env);
    else
      ap_strlcpy(t->key_source, "none", sizeof(t->key_source));
  }
  if(t->key)
    ap_secret_fingerprint(t->key, t->key_fingerprint,
                          sizeof(t->key_fingerprint));
  return AP_OK;
}

/* T's URL: the cloud's (region, project, model: cloud.c), else --url or
 * the provider's default, a bare https://HOST[:PORT][/] given the
 * provider's probe path. */
static enum ap_code finish_url(struct ap_target *t, char *err, size_t errlen)
{
  const struct ap_provider_row *pr = ap_provider(t->provider);
  enum ap_code rc;
  if(pr->cloud) {
    char *url = NULL;
    rc = ap_cloud_finish(t, &url, err, errlen);
    if(rc)
      return rc;
    free(t->url);
    t->url = url;
  }
  if(!t->url) {
    if(!pr->default_url) {
      snprintf(err, errlen, "--provider %s needs a URL", pr->name);
      return AP_E_CONFIG;
    }
    if(ap_str_set(&t->url, pr->default_url))
      return AP_E_NOMEM;
  }
  if(!pr->probe_path)
    return AP_OK;
  return ap_url_default_path(&t->url, pr->probe_path, pr->probe_query, err,
                             errlen);
}

/* The options that must agree with each other. */
static enum ap_code finish_combination(struct ap_target *t, char *err,
                                       size_t errlen)
{
  if(t->connect_timeout_s > t->timeout_s)
    t->connect_timeout_s = t->timeout_s;
  if(t->cert_crit_days > t->cert_warn_days) {
    snprintf(err, errlen,
             "--cert-crit-days (%g) must not exceed --cert-warn-days (%g)",
             t->cert_crit_days, t->cert_warn_days);
    return AP_E_CONFIG;
  }
  if(t->skew_warn_s > 0 && t->skew_crit_s > 0 &&
     t->skew_crit_s < t->skew_warn_s) {
    snprintf(err, errlen,
             "--skew-crit (%g) must not be below --skew-warn (%g)",
             t->skew_crit_s, t->skew_warn_s);
    return AP_E_CONFIG;
  }
  if(t->ca_file) {
    /* a FIFO or device would block OpenSSL's read past --timeout */
    int fd = ap_file_open(t->ca_file, "--ca-file", NULL, err, errlen);
    if(fd < 0)
      return AP_E_IO;
    close(fd);
  }
  if((t->canary || t->model_count) && !ap_provider(t->provider)->auth_layer) {
    snprintf(err, errlen,
             "--model and --canary need an API provider (anthropic, openai)");
    return AP_E_CONFIG;
  }
  if(t->key_file && t->key_env) {
    snprintf(err, errlen, "--key-file and --key-env exclude each other");
    return AP_E_CONFIG;
  }
  return AP_OK;
}

static enum ap_code finish_target(struct ap_target *t, char *err,
                                  size_t errlen)
{
  enum ap_code rc = finish_url(t, err, errlen);
  if(rc)
    return rc;
  if(!t->anthropic_version && ap_str_set(&t->anthropic_version, "2023-06-01"))
    return AP_E_NOMEM;
  rc = finish_combination(t, err, errlen);
  if(rc)
    return rc;
  ap_secret_free(t->key);
  t->key = NULL;
  t->key_fingerprint[0] = '\0';
  rc = load_key(t, err, errlen);
  if(rc)
    return rc;
  /* parsed once here, not on every probe */
  if(ap_url_host(t->url, t->url_host, sizeof(t->url_host)) ||
     ap_url_port(t->url, &t->url_port)) {
    snprintf(err, errlen, "--url: cannot parse %s", t->url);
    return AP_E_CONFIG;
  }
  ap_url_redact(t->url, t->url_shown, sizeof(t->url_shown));
  ap_prober_free(t->prober);
  t->prober = NULL;
  ap_canary_memo_free(t->canary_memo); /* a new configuration */
  t->canary_memo = NULL;
  if(!t->name && ap_str_set(&t->name, t->url_host))
    return AP_E_NOMEM;
  return AP_OK;
}

enum ap_code ap_target_finish(struct ap_target *t, char *err, size_t errlen)
{
  enum ap_code rc;
  if(errlen)
    err[0] = '\0';
  rc = finish_target(t, err, errlen);
  if(rc && errlen && !err[0])
    snprintf(err, errlen, "%s",
             rc == AP_E_NOMEM ? "out of memory" : "the target is not usable");
  return rc;
}

void ap_target_free(struct ap_target *t)
{
  int i;
  ap_prober_free(t->prober);
  free(t->name);
  free(t->url);
  free(t->key_env);
  free(t->key_file);
  free(t->ca_file);
  free(t->proxy);
  free(t->noproxy);
  free(t->anthropic_version);
  free(t->status_page);
  free(t->region);
  free(t->project);
  free(t->cloud_model);
  ap_cloud_free(t->cloud);
  for(i = 0; i < t->resolve_count; i++)
    free(t->resolve[i]);
  for(i = 0; i < t->model_count; i++)
    free(t->models[i]);
  free(t->canary);
  ap_canary_memo_free(t->canary_memo);
  ap_secret_free(t->key);
  ap_target_init(t);
}
