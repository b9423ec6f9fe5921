/* provider.c -- the provider table: one row per API a target can probe,
 * saying what the rest of the core asks of a provider (its name, default
 * URL and probe path, the key's variable, the request headers that carry
 * the key and the version, the rate-limit header family, whether there is
 * an auth layer, whether its requests are signed with the clock and for
 * how long such a signature holds). Adding a provider is a row here and
 * its error classifier (auth.c, cloud.c).
 */
#include "internal.h"

#include <stddef.h>
#include <strings.h>

static const struct ap_provider_row rows[] = {
  {AP_PROVIDER_ANTHROPIC, "anthropic", AP_DEFAULT_URL,
   "/v1/models", "limit=1", "ANTHROPIC_API_KEY", "x-api-key: ", "anthropic-version",
   "anthropic-ratelimit-", 1, 0, 0},
  {AP_PROVIDER_OPENAI, "openai", "https://api.openai.com/v1/models",
   "/v1/models", NULL, "OPENAI_API_KEY", "authorization: Bearer ", NULL,
   "x-ratelimit-", 1, 0, 0},
  {AP_PROVIDER_HTTPS, "https", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
   0, 0},
  /* SigV4: "Signature expired ... (now - 5 min.)" */
  {AP_PROVIDER_BEDROCK, "bedrock",
   AP_DEFAULT_URL, "/v1/models", NULL, NULL,
   NULL, NULL, NULL, 1, 1, 300},
  /* the token endpoint's JWT: Google publishes no tolerance for iat/exp
   * ("a reasonable timeframe"); 5 minutes like SigV4 (docs/clouds.md) */
  {AP_PROVIDER_VERTEX, "vertex",
   AP_DEFAULT_URL, "/v1/models", NULL, NULL,
   NULL, NULL, NULL, 1, 1, 300},
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
