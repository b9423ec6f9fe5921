/* provider.c -- the provider table: one row per API a target can probe,
 * saying what the rest of the core asks of a provider (its name, default
 * URL and probe path, the key's variable, the request headers that carry
 * the key and the version, the rate-limit header family, whether there is
 * an auth layer, whether its requests are signed with the clock and for
 * how long such a signature holds, its rate-limit parser and error
 * classifier, its canary request and how its stream is read, and for the
 * clouds their hooks). Adding a provider is a row here and its classifier
 * (auth.c, cloud.c), nothing else.
 */
#include "cloud.h"

#include <stddef.h>
#include <strings.h>

static const struct ap_provider_row rows[] = {
  {.id = AP_PROVIDER_ANTHROPIC,
   .name = "anthropic",
   .default_url = AP_DEFAULT_URL,
   .probe_path = "/v1/models",
   .probe_query = "limit=1",
   .key_env = "ANTHROPIC_API_KEY",
   .auth_header = "x-api-key: ",
   .version_header = "anthropic-version",
   .ratelimit_prefix = "anthropic-ratelimit-",
   .ratelimit = ap_ratelimit_anthropic,
   .classify = ap_auth_classify_anthropic,
   .auth_layer = 1,
   .canary_path = "/v1/messages",
   .canary_body_head = "{\"model\":\"",
   .canary_body_tail =
     "\",\"max_tokens\":1,\"stream\":true,\"messages\":[{\"role\":\"user\","
     "\"content\":\"ping\"}]}",
   .canary_final_event = "message_stop",
   .stream_event = ap_stream_anthropic},
  /* max_completion_tokens, which reasoning models accept where they
   * reject max_tokens; usage comes in a last chunk only when asked for */
  {.id = AP_PROVIDER_OPENAI,
   .name = "openai",
   .default_url = "https://api.openai.com/v1/models",
   .probe_path = "/v1/models",
   .key_env = "OPENAI_API_KEY",
   .auth_header = "authorization: Bearer ",
   .ratelimit_prefix = "x-ratelimit-",
   .ratelimit = ap_ratelimit_openai,
   .classify = ap_auth_classify_openai,
   .auth_layer = 1,
   .canary_path = "/v1/chat/completions",
   .canary_body_head = "{\"model\":\"",
   .canary_body_tail =
     "\",\"max_completion_tokens\":1,\"stream\":true,\"stream_options\":"
     "{\"include_usage\":true},\"messages\":[{\"role\":\"user\","
     "\"content\":\"ping\"}]}",
   .canary_final_event = "[DONE]",
   .stream_event = ap_stream_openai,
   .stream_done_data = "[DONE]"},
  /* the status alone decides */
  {.id = AP_PROVIDER_HTTPS, .name = "https"},
  /* SigV4: "Signature expired ... (now - 5 min.)" */
  {.id = AP_PROVIDER_BEDROCK,
   .name = "bedrock",
   .default_url = AP_DEFAULT_URL,
   .probe_path = "/v1/models",
   .classify = ap_cloud_classify,
   .auth_layer = 1,
   .amzn_request_id = 1,
   .time_signed = 1,
   .signed_window_s = 300,
   .cloud = &ap_cloud_bedrock},
  /* the token endpoint's JWT: Google publishes no tolerance for iat/exp
   * ("a reasonable timeframe"); 5 minutes like SigV4 (docs/clouds.md) */
  {.id = AP_PROVIDER_VERTEX,
   .name = "vertex",
   .default_url = AP_DEFAULT_URL,
   .probe_path = "/v1/models",
   .classify = ap_cloud_classify,
   .auth_layer = 1,
   .time_signed = 1,
   .signed_window_s = 300,
   .cloud = &ap_cloud_vertex},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

const struct ap_provider_row *ap_provider_at(size_t i)
{
  return i < NROWS ? &rows[i] : NULL;
}

const struct ap_provider_row *ap_provider(int id)
{
  size_t i;
  for(i = 0; i < NROWS; i++)
    if(rows[i].id == id)
      return &rows[i];
  return &rows[0];
}

const struct ap_provider_row *ap_provider_by_name(const char *name)
{
  size_t i;
  for(i = 0; i < NROWS; i++)
    if(!strcasecmp(rows[i].name, name))
      return &rows[i];
  return NULL;
}

const char *ap_provider_name(int id)
{
  return ap_provider(id)->name;
}
