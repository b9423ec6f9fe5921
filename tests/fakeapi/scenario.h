/*
 * scenario.h - the named behaviours a fakeapi listener can play, parsed from
 * command-line words such as "ok", "slow:300" or "flaky:2".  A scenario is a
 * kind (what happens on the connection) plus modifiers (which certificate,
 * TLS versions, Date skew, delay before the status line).
 */
#ifndef FAKEAPI_SCENARIO_H
#define FAKEAPI_SCENARIO_H

#include <stdio.h>

enum scn_kind {
  SCN_OK,
  SCN_FORBIDDEN,
  SCN_RATE_LIMITED,
  SCN_SPEND_LIMIT,
  SCN_OVERLOADED,
  SCN_SERVER_ERROR,
  SCN_API_TIMEOUT,
  SCN_BILLING,
  SCN_CREDIT,
  SCN_BAD_VERSION,
  SCN_KEY_STRIPPED,
  SCN_NOT_FOUND,
  SCN_GATEWAY_503,
  SCN_GATEWAY_502,
  SCN_CLOUDFLARE_520,
  SCN_EDGE_403,
  SCN_CAPTIVE_PORTAL,
  SCN_REDIRECT,
  SCN_HUGE_BODY,
  SCN_ENDLESS_CHUNKED,
  SCN_STALL_ACCEPT,
  SCN_STALL_HANDSHAKE,
  SCN_STALL_HEADERS,
  SCN_STALL_BODY,
  SCN_CLOSE_HANDSHAKE,
  SCN_RESET_HANDSHAKE,
  SCN_CLOSE_AFTER_REQUEST,
  SCN_RESET_AFTER_REQUEST,
  SCN_GARBAGE,
  SCN_PLAIN_HTTP,
  SCN_FLAKY,
  SCN_STATUSPAGE,
  SCN_OPENAI,
  /* as ok, but a streamed generation request misbehaves: */
  SCN_STREAM_SLOW,      /* first content delta after first_token_ms */
  SCN_STREAM_STALL,     /* nothing more after the first delta */
  SCN_STREAM_CUT,       /* connection closed before message_stop */
  SCN_STREAM_ERROR,     /* an error event (indicator + "_error") */
  SCN_STREAM_MALFORMED, /* an event whose data is not JSON */
  SCN_STREAM_ENDLESS    /* deltas every 100 ms, never message_stop */
};

/* Which TLS versions a listener accepts. */
enum scn_tls {
  SCN_TLS_12_13, /* the default */
  SCN_TLS_10_11, /* tls11_only: also lowers the security level to 0 */
  SCN_TLS_12     /* tls12_only */
};

struct scenario {
  const char *spec;    /* the word from the command line, e.g. "slow:300" */
  enum scn_kind kind;
  const char *cert;    /* leaf name in the cert dir: DIR/<cert>.pem/.key */
  enum scn_tls tls;
  long skew_s;         /* added to the Date header and reset times */
  long delay_ms;       /* wait after the request, before the status line */
  long flaky_n;        /* flaky: the first N requests get 529 */
  long first_token_ms; /* stream_slow: message_start -> first delta */
  char indicator[16];  /* statuspage: the status.indicator served */
};

/*
 * Parses one command-line word into *out (out->spec points at spec, which
 * must outlive *out).  Returns 0, or -1 with a message in err.
 */
int scenario_parse(const char *spec, struct scenario *out, char *err,
                   size_t errlen);

/* Prints the scenario names, several per line, for --help. */
void scenario_print_names(FILE *f);

#endif
