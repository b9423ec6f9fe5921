/*
 * stream.c - the streamed generation answers: Anthropic's Messages events
 * (message_start with usage, content_block_start, ping, content_block_delta,
 * content_block_stop, message_delta with stop_reason and usage,
 * message_stop; an error event ends a stream) and OpenAI's chat completion
 * chunks ending in "data: [DONE]", each event one HTTP chunk, plus the
 * stream_* misbehaviours.  Writing goes through struct stream_io, so this
 * file knows nothing of sockets or TLS.
 */
#include "stream.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "util.h"

static const char *const words[] = { "Hi", " there", "!", " How", " can" };
#define NWORDS (sizeof(words) / sizeof(words[0]))

/* Sends one event (already "event: ...\ndata: ...\n\n") as one chunk. */
static int chunk(const struct stream_io *io, const char *ev)
{
  struct buf b;
  int rc;

  buf_init(&b);
  buf_printf(&b, "%zx\r\n%s\r\n", strlen(ev), ev);
  rc = io->send(io->ctx, b.p, b.len);
  buf_free(&b);
  return rc;
}

static int event(const struct stream_io *io, const char *name,
                 const char *data)
{
  char ev[2048];

  snprintf(ev, sizeof(ev), "event: %s\ndata: %s\n\n", name, data);
  return chunk(io, ev);
}

static int delta(const struct stream_io *io, size_t i)
{
  char data[256];

  snprintf(data, sizeof(data),
           "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
           "{\"type\":\"text_delta\",\"text\":\"%s\"}}",
           words[i % NWORDS]);
  return event(io, "content_block_delta", data);
}

static int finish(const struct stream_io *io)
{
  return io->send(io->ctx, "0\r\n\r\n", 5);
}

/* Ends after an error event, as the API does. */
static int error_event(const struct stream_io *io, const char *word)
{
  char data[256];
  char type[64];

  snprintf(type, sizeof(type), "%s_error", word[0] ? word : "overloaded");
  snprintf(data, sizeof(data),
           "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":"
           "\"%s\"},\"request_id\":null}",
           type, !strcmp(type, "overloaded_error") ? "Overloaded"
                                                  : "Internal server error");
  if (event(io, "error", data))
    return STREAM_CUT;
  return finish(io) ? STREAM_CUT : STREAM_DONE;
}

int stream_anthropic(const struct stream_io *io, const struct scenario *sc,
                     const char *model, long max_tokens)
{
  char data[1024];
  char id[25];
  long n = max_tokens < 3 ? max_tokens : 3;
  long i;

  rand_base58(id, 24);
  snprintf(data, sizeof(data),
           "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_%s\","
           "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],"
           "\"model\":\"%.100s\",\"stop_reason\":null,\"stop_sequence\":null,"
           "\"usage\":{\"input_tokens\":%d,\"cache_creation_input_tokens\":0,"
           "\"cache_read_input_tokens\":0,\"output_tokens\":1}}}",
           id, model, API_INPUT_TOKENS);
  if (event(io, "message_start", data))
    return STREAM_CUT;
  if (sc->kind == SCN_STREAM_SLOW && io->pause(io->ctx, sc->first_token_ms))
    return STREAM_CUT;
  if (event(io, "content_block_start",
            "{\"type\":\"content_block_start\",\"index\":0,"
            "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}") ||
      event(io, "ping", "{\"type\": \"ping\"}"))
    return STREAM_CUT;
  if (sc->kind == SCN_STREAM_ERROR)
    return error_event(io, sc->indicator);
  if (sc->kind == SCN_STREAM_MALFORMED &&
      event(io, "content_block_delta",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"))
    return STREAM_CUT;
  for (i = 0; i < n || sc->kind == SCN_STREAM_ENDLESS; i++) {
    if (delta(io, (size_t)i))
      return STREAM_CUT;
    if (sc->kind == SCN_STREAM_STALL) {
      io->hang(io->ctx);
      return STREAM_CUT;
    }
    if (sc->kind == SCN_STREAM_CUT)
      return STREAM_CUT;
    if (sc->kind == SCN_STREAM_ENDLESS && io->pause(io->ctx, 100))
      return STREAM_CUT;
  }
  snprintf(data, sizeof(data),
           "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"%s\","
           "\"stop_sequence\":null},\"usage\":{\"output_tokens\":%ld}}",
           n == max_tokens ? "max_tokens" : "end_turn", n);
  if (event(io, "content_block_stop",
            "{\"type\":\"content_block_stop\",\"index\":0}") ||
      event(io, "message_delta", data) ||
      event(io, "message_stop", "{\"type\":\"message_stop\"}") || finish(io))
    return STREAM_CUT;
  return STREAM_DONE;
}

static int oai_chunk(const struct stream_io *io, const char *id,
                     const char *choices, const char *usage)
{
  char ev[1024];

  snprintf(ev, sizeof(ev),
           "data: {\"id\":\"chatcmpl-%s\",\"object\":\"chat.completion."
           "chunk\",\"created\":%ld,\"model\":\"gpt-x\",\"choices\":[%s],"
           "\"usage\":%s}\n\n",
           id, (long)time(NULL), choices, usage);
  return chunk(io, ev);
}

int stream_openai(const struct stream_io *io, const struct request *r,
                  long max_tokens)
{
  char id[25];
  char usage[16];
  char u[128];
  long n = max_tokens < 3 ? max_tokens : 3;
  long i;
  int with_usage = !api_body_str(r->body, "include_usage", usage,
                                 sizeof(usage)) &&
                   !strcmp(usage, "true");

  rand_base58(id, 24);
  if (oai_chunk(io, id,
                "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
                "\"\",\"refusal\":null},\"finish_reason\":null}",
                "null"))
    return STREAM_CUT;
  for (i = 0; i < n; i++) {
    char c[256];

    snprintf(c, sizeof(c),
             "{\"index\":0,\"delta\":{\"content\":\"%s\"},"
             "\"finish_reason\":null}",
             words[i % NWORDS]);
    if (oai_chunk(io, id, c, "null"))
      return STREAM_CUT;
  }
  if (oai_chunk(io, id,
                n == max_tokens
                  ? "{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}"
                  : "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}",
                "null"))
    return STREAM_CUT;
  snprintf(u, sizeof(u),
           "{\"prompt_tokens\":%d,\"completion_tokens\":%ld,"
           "\"total_tokens\":%ld}",
           API_INPUT_TOKENS, n, API_INPUT_TOKENS + n);
  if ((with_usage && oai_chunk(io, id, "", u)) ||
      chunk(io, "data: [DONE]\n\n") || finish(io))
    return STREAM_CUT;
  return STREAM_DONE;
}
