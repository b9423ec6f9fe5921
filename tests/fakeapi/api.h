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

/* Input tokens the fake counts for any generation request. */
#define API_INPUT_TOKENS 8

/* Is R a generation request (POST /v1/messages, /v1/chat/completions)? */
int api_is_generation(const struct request *r);

/* Does the fake serve TARGET's path (PATHLEN bytes, query excluded)? */
int api_route_known(const char *target, size_t pathlen);

/* Index of model ID (or alias) in the fake's table, -1 when unknown. */
int api_model_find(const char *id);
/* The dated id of model I. */
const char *api_model_id(int i);

/* "NAME": value of a flat JSON BODY into OUT; 0, or -1 when absent. */
int api_body_str(const char *body, const char *name, char *out, size_t n);

/*
 * The start of the answer to a generation request R: returns 1 when OUT
 * holds a complete answer (an error: checks, the scenario's refusal, an
 * unknown model; or a whole message when "stream" is not true), 0 when
 * OUT holds the 200 text/event-stream head (chunked) and the caller
 * streams the events.  MODEL gets the requested model, MAX_TOKENS the
 * token limit asked (16 when absent).
 */
int api_generation_begin(const struct api_env *env, const struct scenario *sc,
                         const struct request *r, unsigned long seq,
                         struct buf *out, char *model, size_t modellen,
                         long *max_tokens);

/* Appends a Cloudflare-style HTML error (400, 431) for unparsable input. */
void api_edge_error(int status, struct buf *out);

/* Appends nginx's plain "400 Bad Request" page (the plain_http scenario). */
void api_plain_400(struct buf *out);

#endif
