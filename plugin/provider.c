/* provider.c -- the provider table: one row per API a target can probe,
 * saying what the rest of the core asks of a provider (its name, default
 * URL and probe path, the key's variable, the request headers that carry
 * the key and the version, the rate-limit header family, whether there is
 * an auth layer, whether its requests are signed with the clock and for
 * how long such a signature holds). Adding a provider is a row here and
 * its error classifier (auth.c, cloud.c).
 */
#include "cloud.h"

#include <stddef.h>
#include <strings.h>

static const struct ap_provider_row rows[] = {
  {AP_PROVIDER_ANTHROPIC, "anthropic", AP_DEFAULT_URL,
   "/v1/models", "limit=1", "ANTHROPIC_API_KEY", "x-api-key: ", "anthropic-version",
   "anthropic-ratelimit-", 1, 0, 0, "/v1/messages", "{\"model\":\"",
   "\",\"max_tokens\":1,\"stream\":true,\"messages\":[{\"role\":\"user\","
   "\"content\":\"ping\"}]}",
   "message_stop", NULL},
  /* max_completion_tokens, which reasoning models accept where they
   * reject max_tokens; usage comes in a last chunk only when asked for */
  {AP_PROVIDER_OPENAI, "openai", "https://api.openai.com/v1/models",
   "/v1/models", NULL, "OPENAI_API_KEY", "authorization: Bearer ", NULL,
   "x-ratelimit-", 1, 0, 0, "/v1/chat/completions", "{\"model\":\"",
   "\",\"max_completion_tokens\":1,\"stream\":true,\"stream_options\":"
   "{\"include_usage\":true},\"messages\":[{\"role\":\"user\","
   "\"content\":\"ping\"}]}",
   "[DONE]", NULL},
  {AP_PROVIDER_HTTPS, "https", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
   0, 0, NULL, NULL, NULL, NULL, NULL},
  /* SigV4: "Signature expired ... (now - 5 min.)" */
  {AP_PROVIDER_BEDROCK, "bedrock",
   AP_DEFAULT_URL, "/v1/models", NULL, NULL,
   NULL, NULL, NULL, 1, 1, 300, NULL, NULL, NULL, NULL, &ap_cloud_bedrock},
  /* the token endpoint's JWT: Google publishes no tolerance for iat/exp
   * ("a reasonable timeframe"); 5 minutes like SigV4 (docs/clouds.md) */
  {AP_PROVIDER_VERTEX, "vertex",
   AP_DEFAULT_URL, "/v1/models", NULL, NULL,
   NULL, NULL, NULL, 1, 1, 300, NULL, NULL, NULL, NULL, &ap_cloud_vertex},
};

const struct ap_provider_row *ap_provider(int id)
{
  size_t i;
  for(i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    if(rows[i].id == id)
      return &rows[i];
  return &rows[0];
}

const struct ap_provider_row *ap_provider_by_name(const char *name)
{
  size_t i;
  for(i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    if(!strcasecmp(rows[i].name, name))
      return &rows[i];
  return NULL;
}

const char *ap_provider_name(int id)
{
  return ap_provider(id)->name;
}
