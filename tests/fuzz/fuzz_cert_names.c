/* fuzz_cert_names.c -- certificate names (plugin/tls.c): the input is a
 * DER certificate; its subject, issuer and SANs as the tls layer prints
 * them must be NUL-terminated, valid UTF-8 and free of control bytes.
 */
#include "fuzz.h"
#include "internal.h"

#include <openssl/x509.h>

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
  fz_check_printable(out.cert_subject);
  fz_check_printable(out.cert_issuer);
  fz_check_printable(out.cert_sans);
  X509_free(x);
  return 0;
}
