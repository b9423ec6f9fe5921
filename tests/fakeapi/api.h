/*
 * api.h - the responses of the fake Anthropic API: the request checks real
 * api.anthropic.com applies (path, key, version), the JSON error envelope,
 * rate-limit headers, and the edge/gateway pages that are not API JSON.
 */
#ifndef FAKEAPI_API_H
#define FAKEAPI_API_H

#include "http.h"
#include "scenario.h"
#include "util.h"

struct api_env {
  const char *valid_key; /* the one x-api-key value that is accepted */
  const char *org_id;    /* anthropic-organization-id, also in 429 text */
};

enum api_key_state {
  API_KEY_MISSING,
  API_KEY_INVALID,
  API_KEY_VALID
};

/* Classifies the request's x-api-key (an empty value counts as missing). */
enum api_key_state api_key_state(const struct api_env *env,
                                 const struct request *r);

/*
 * Appends to out the complete response (head and body) of scenario sc to the
 * parsed request r.  seq is the 1-based number of the request on its
 * listener (flaky counts with it).  Only for kinds that answer with one
 * ordinary response: the API-like ones, the fixed API errors and the
 * gateway/edge/portal/redirect pages.
 */
void api_respond(const struct api_env *env, const struct scenario *sc,
                 const struct request *r, unsigned long seq, struct buf *out);

/*
 * Appends a 200 JSON response head with the common API headers for a body
 * that the caller streams: length >= 0 gives content-length, length < 0
 * gives transfer-encoding: chunked.
 */
void api_stream_head(const struct api_env *env, const struct scenario *sc,
                     long long length, struct buf *out);

/* Appends a Cloudflare-style HTML error (400, 431) for unparsable input. */
void api_edge_error(int status, struct buf *out);

/* Appends nginx's plain "400 Bad Request" page (the plain_http scenario). */
void api_plain_400(struct buf *out);

#endif
