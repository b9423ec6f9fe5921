/*
 * scenario.c - the table of scenario names and their parameters.
 * Certificate variants, skew, slow and the TLS-version limits are all the
 * "ok" kind with a modifier; see README.md for what each one does.
 */
#include "scenario.h"

#include <string.h>

#include "util.h"

enum scn_param {
  PARAM_NONE,
  PARAM_SKEW,
  PARAM_SLOW,
  PARAM_FLAKY,
  PARAM_WORD,
  PARAM_TTFT
};

struct scn_def {
  const char *name;
  enum scn_kind kind;
  const char *cert;
  enum scn_tls tls;
  enum scn_param param;
};

static const struct scn_def scn_defs[] = {
  { "ok", SCN_OK, "good", SCN_TLS_12_13, PARAM_NONE },
  { "expiring", SCN_OK, "expiring", SCN_TLS_12_13, PARAM_NONE },
  { "expiring_crit", SCN_OK, "expiring_crit", SCN_TLS_12_13, PARAM_NONE },
  { "expired", SCN_OK, "expired", SCN_TLS_12_13, PARAM_NONE },
  { "notyet", SCN_OK, "notyet", SCN_TLS_12_13, PARAM_NONE },
  { "wrongname", SCN_OK, "wrongname", SCN_TLS_12_13, PARAM_NONE },
  { "selfsigned", SCN_OK, "selfsigned", SCN_TLS_12_13, PARAM_NONE },
  { "untrusted", SCN_OK, "untrusted", SCN_TLS_12_13, PARAM_NONE },
  { "chain", SCN_OK, "chain", SCN_TLS_12_13, PARAM_NONE },
  { "forbidden", SCN_FORBIDDEN, "good", SCN_TLS_12_13, PARAM_NONE },
  { "rate_limited", SCN_RATE_LIMITED, "good", SCN_TLS_12_13, PARAM_NONE },
  { "spend_limit", SCN_SPEND_LIMIT, "good", SCN_TLS_12_13, PARAM_NONE },
  { "overloaded", SCN_OVERLOADED, "good", SCN_TLS_12_13, PARAM_NONE },
  { "server_error", SCN_SERVER_ERROR, "good", SCN_TLS_12_13, PARAM_NONE },
  { "api_timeout", SCN_API_TIMEOUT, "good", SCN_TLS_12_13, PARAM_NONE },
  { "billing", SCN_BILLING, "good", SCN_TLS_12_13, PARAM_NONE },
  { "credit", SCN_CREDIT, "good", SCN_TLS_12_13, PARAM_NONE },
  { "bad_version", SCN_BAD_VERSION, "good", SCN_TLS_12_13, PARAM_NONE },
  { "key_stripped", SCN_KEY_STRIPPED, "good", SCN_TLS_12_13, PARAM_NONE },
  { "not_found", SCN_NOT_FOUND, "good", SCN_TLS_12_13, PARAM_NONE },
  { "gateway_503", SCN_GATEWAY_503, "good", SCN_TLS_12_13, PARAM_NONE },
  { "gateway_502", SCN_GATEWAY_502, "good", SCN_TLS_12_13, PARAM_NONE },
  { "cloudflare_520", SCN_CLOUDFLARE_520, "good", SCN_TLS_12_13,
    PARAM_NONE },
  { "edge_403", SCN_EDGE_403, "good", SCN_TLS_12_13, PARAM_NONE },
  { "captive_portal", SCN_CAPTIVE_PORTAL, "good", SCN_TLS_12_13,
    PARAM_NONE },
  { "redirect", SCN_REDIRECT, "good", SCN_TLS_12_13, PARAM_NONE },
  { "skew", SCN_OK, "good", SCN_TLS_12_13, PARAM_SKEW },
  { "slow", SCN_OK, "good", SCN_TLS_12_13, PARAM_SLOW },
  { "huge_body", SCN_HUGE_BODY, "good", SCN_TLS_12_13, PARAM_NONE },
  { "endless_chunked", SCN_ENDLESS_CHUNKED, "good", SCN_TLS_12_13,
    PARAM_NONE },
  { "stall_accept", SCN_STALL_ACCEPT, "good", SCN_TLS_12_13, PARAM_NONE },
  { "stall_handshake", SCN_STALL_HANDSHAKE, "good", SCN_TLS_12_13,
    PARAM_NONE },
  { "stall_headers", SCN_STALL_HEADERS, "good", SCN_TLS_12_13, PARAM_NONE },
  { "stall_body", SCN_STALL_BODY, "good", SCN_TLS_12_13, PARAM_NONE },
  { "close_handshake", SCN_CLOSE_HANDSHAKE, "good", SCN_TLS_12_13,
    PARAM_NONE },
  { "reset_handshake", SCN_RESET_HANDSHAKE, "good", SCN_TLS_12_13,
    PARAM_NONE },
  { "close_after_request", SCN_CLOSE_AFTER_REQUEST, "good", SCN_TLS_12_13,
    PARAM_NONE },
  { "reset_after_request", SCN_RESET_AFTER_REQUEST, "good", SCN_TLS_12_13,
    PARAM_NONE },
  { "garbage", SCN_GARBAGE, "good", SCN_TLS_12_13, PARAM_NONE },
  { "plain_http", SCN_PLAIN_HTTP, "good", SCN_TLS_12_13, PARAM_NONE },
  { "tls11_only", SCN_OK, "good", SCN_TLS_10_11, PARAM_NONE },
  { "tls12_only", SCN_OK, "good", SCN_TLS_12, PARAM_NONE },
  { "flaky", SCN_FLAKY, "good", SCN_TLS_12_13, PARAM_FLAKY },
  { "statuspage", SCN_STATUSPAGE, "good", SCN_TLS_12_13, PARAM_WORD },
  { "openai", SCN_OPENAI, "good", SCN_TLS_12_13, PARAM_WORD },
  { "stream_slow", SCN_STREAM_SLOW, "good", SCN_TLS_12_13, PARAM_TTFT },
  { "stream_stall", SCN_STREAM_STALL, "good", SCN_TLS_12_13, PARAM_NONE },
  { "stream_cut", SCN_STREAM_CUT, "good", SCN_TLS_12_13, PARAM_NONE },
  { "stream_error", SCN_STREAM_ERROR, "good", SCN_TLS_12_13, PARAM_WORD },
  { "stream_malformed", SCN_STREAM_MALFORMED, "good", SCN_TLS_12_13,
    PARAM_NONE },
  { "stream_endless", SCN_STREAM_ENDLESS, "good", SCN_TLS_12_13,
    PARAM_NONE },
};

#define SCN_NDEFS (sizeof(scn_defs) / sizeof(scn_defs[0]))

static int set_param(const struct scn_def *d, const char *arg,
                     struct scenario *out, char *err, size_t errlen)
{
  switch (d->param) {
  case PARAM_NONE:
    if (arg) {
      snprintf(err, errlen, "scenario '%s' takes no parameter", d->name);
      return -1;
    }
    return 0;
  case PARAM_SKEW:
    if (parse_long(arg, -3650L * 86400, 3650L * 86400, &out->skew_s)) {
      snprintf(err, errlen, "skew needs ':SECONDS' (may be negative)");
      return -1;
    }
    return 0;
  case PARAM_SLOW:
    if (parse_long(arg, 0, 86400L * 1000, &out->delay_ms)) {
      snprintf(err, errlen, "slow needs ':MS' (milliseconds, >= 0)");
      return -1;
    }
    return 0;
  case PARAM_FLAKY:
    if (parse_long(arg, 0, 1000000000L, &out->flaky_n)) {
      snprintf(err, errlen, "flaky needs ':N' (requests, >= 0)");
      return -1;
    }
    return 0;
  case PARAM_TTFT:
    if (parse_long(arg, 0, 86400L * 1000, &out->first_token_ms)) {
      snprintf(err, errlen, "stream_slow needs ':MS' (milliseconds, >= 0)");
      return -1;
    }
    return 0;
  case PARAM_WORD:
    if (!arg || !*arg || strlen(arg) >= sizeof(out->indicator) ||
        strspn(arg, "abcdefghijklmnopqrstuvwxyz_") != strlen(arg)) {
      snprintf(err, errlen,
               "%s needs ':WORD' (statuspage: none, minor, major, critical, "
               "maintenance or any word; openai: ok, rate_limited, quota; "
               "stream_error: overloaded, api, rate_limit ...)",
               d->name);
      return -1;
    }
    snprintf(out->indicator, sizeof(out->indicator), "%s", arg);
    return 0;
  }
  return -1;
}

int scenario_parse(const char *spec, struct scenario *out, char *err,
                   size_t errlen)
{
  const char *colon = strchr(spec, ':');
  size_t namelen = colon ? (size_t)(colon - spec) : strlen(spec);
  size_t i;

  memset(out, 0, sizeof(*out));
  out->spec = spec;
  for (i = 0; i < SCN_NDEFS; i++) {
    const struct scn_def *d = &scn_defs[i];

    if (strlen(d->name) != namelen || strncmp(d->name, spec, namelen))
      continue;
    out->kind = d->kind;
    out->cert = d->cert;
    out->tls = d->tls;
    return set_param(d, colon ? colon + 1 : NULL, out, err, errlen);
  }
  snprintf(err, errlen, "unknown scenario '%s' (see fakeapi --help)", spec);
  return -1;
}

void scenario_print_names(FILE *f)
{
  size_t i;
  size_t col = 0;

  for (i = 0; i < SCN_NDEFS; i++) {
    const struct scn_def *d = &scn_defs[i];
    const char *suffix = "";
    size_t w;

    if (d->param == PARAM_SKEW)
      suffix = ":SECONDS";
    else if (d->param == PARAM_SLOW)
      suffix = ":MS";
    else if (d->param == PARAM_FLAKY)
      suffix = ":N";
    else if (d->param == PARAM_WORD)
      suffix = ":INDICATOR";
    w = strlen(d->name) + strlen(suffix) + 1;
    if (col == 0 || col + w > 78) {
      fputs(col ? "\n  " : "  ", f);
      col = 2;
    } else {
      fputc(' ', f);
    }
    fprintf(f, "%s%s", d->name, suffix);
    col += w;
  }
  fputc('\n', f);
}
