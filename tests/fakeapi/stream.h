/*
 * stream.h - streamed generation answers (server-sent events in HTTP
 * chunks) for the fake API: Anthropic Messages and OpenAI chat
 * completions, and the stream_* scenarios' misbehaviours.
 */
#ifndef FAKEAPI_STREAM_H
#define FAKEAPI_STREAM_H

#include <stddef.h>

#include "http.h"
#include "scenario.h"

/* How the stream reaches the client. */
struct stream_io {
  int (*send)(void *ctx, const void *p, size_t n); /* 0, or -1: gone */
  int (*pause)(void *ctx, long ms); /* 1 when the server is stopping */
  void (*hang)(void *ctx);          /* until the server stops */
  void *ctx;
};

#define STREAM_DONE 0 /* ended properly: close the connection cleanly */
#define STREAM_CUT 1  /* drop the connection without the final chunk */

/* The events of a Messages stream for MODEL with MAX_TOKENS as SC plays
 * it (the head was sent). */
int stream_anthropic(const struct stream_io *io, const struct scenario *sc,
                     const char *model, long max_tokens);

/* The chunks of a chat completion stream (usage when the request R asks
 * for it with stream_options.include_usage). */
int stream_openai(const struct stream_io *io, const struct request *r,
                  long max_tokens);

#endif
