/* fuzz_url.c -- URL handling (plugin/url.c with the --url normalisation,
 * the --proxy check of plugin/option.c, the NO_PROXY matching of
 * plugin/env.c): the same text through every one of them.
 */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char host[256], out[512], err[512];
  int port;
  struct ap_target t;
  char *s = fz_strdup(data, size);
  char *f[2];
  if(!s)
    return 0;
  if(!ap_url_host(s, host, sizeof(host)))
    fz_check_text(host, sizeof(host));
  (void)ap_url_port(s, &port);
  ap_url_redact(s, out, sizeof(out));
  fz_check_text(out, sizeof(out));
  (void)ap_proxy_url_ok(s);
  (void)ap_addr_list_ok(s);
  ap_target_init(&t);
  (void)ap_target_set(&t, "url", s, err, sizeof(err));
  (void)ap_target_set(&t, "proxy", s, err, sizeof(err));
  ap_target_free(&t);
  /* HOST '\t' NO_PROXY-LIST */
  if(fz_split(s, '\t', f, 2) == 2)
    (void)ap_noproxy_match(f[0], f[1]);
  free(s);
  return 0;
}
