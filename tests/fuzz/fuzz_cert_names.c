/* fuzz_cert_names.c -- certificate names (plugin/tls.c): the input is a
 * DER certificate; its subject, issuer and SANs as the tls layer prints
 * them must be NUL-terminated, valid UTF-8 and free of control bytes.
 */
#include "fuzz.h"
#include "internal.h"

#include <openssl/x509.h>

/* Trap unless S is valid UTF-8 without control characters. */
static void check_printable(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  while(*p) {
    int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2
          : (*p & 0xf8) == 0xf0 ? 3 : -1;
    int i;
    if(n < 0 || *p < 0x20 || *p == 0x7f)
      __builtin_trap();
    for(i = 1; i <= n; i++) {
      if((p[i] & 0xc0) != 0x80)
        __builtin_trap();
    }
    p += n + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const unsigned char *p = data;
  struct ap_tls_result out;
  X509 *x = d2i_X509(NULL, &p, (long)size);
  if(!x)
    return 0;
  memset(&out, 0, sizeof(out));
  ap_tls_cert_names(x, &out);
  fz_check_text(out.cert_subject, sizeof(out.cert_subject));
  fz_check_text(out.cert_issuer, sizeof(out.cert_issuer));
  fz_check_text(out.cert_sans, sizeof(out.cert_sans));
  if(getenv("AP_FUZZ_STRICT_NAMES")) {
    check_printable(out.cert_subject);
    check_printable(out.cert_issuer);
    check_printable(out.cert_sans);
  }
  X509_free(x);
  return 0;
}
