/* fuzz_cloud.c -- what the clouds send back (plugin/cloud.c) and the
 * SigV4 header parser (common/sigv4.c): byte 0 picks the parser, the rest
 * is the input. 0: a service-account JSON; 1: IMDS role credentials; 2: a
 * token answer (token endpoint, metadata server); 3/4: a Bedrock / Vertex
 * answer (status from byte 1, x-amzn-ErrorType from the text before the
 * first NUL); 5: an Authorization value and a path/query to canonicalise.
 */
#include "fuzz.h"
#include "internal.h"
#include "secret.h"
#include "sigv4.h"

static void answer(const uint8_t *d, size_t n, int provider)
{
  static const long statuses[] = {200, 400, 401, 403, 404, 429, 500, 503};
  struct ap_answer a;
  struct ap_auth_result auth;
  char *buf, *nul;
  if(n < 1)
    return;
  buf = fz_strdup(d + 1, n - 1);
  if(!buf)
    return;
  nul = memchr(buf, '\0', n - 1);
  memset(&a, 0, sizeof(a));
  memset(&auth, 0, sizeof(auth));
  a.provider = provider;
  a.status = statuses[d[0] % 8];
  a.has_request_id = d[0] >> 7;
  a.key_sent = 1;
  a.body = nul ? nul + 1 : buf;
  a.body_len = nul ? (size_t)(n - 1) - (size_t)(nul + 1 - buf) : n - 1;
  (void)ap_cloud_classify(&a, nul ? buf : "", &auth);
  fz_check_text(auth.h.reason, sizeof(auth.h.reason));
  fz_check_text(auth.error_type, sizeof(auth.error_type));
  free(buf);
}

static void sigv4(const uint8_t *d, size_t n)
{
  struct ap_sigv4_auth au;
  struct ap_sigv4_hdr h[1] = {{"host", "example.amazonaws.com"}};
  struct ap_sigv4_msg m;
  char *buf = fz_strdup(d, n), *f[3] = {NULL, NULL, NULL};
  char creq[4096], sh[64];
  if(!buf)
    return;
  fz_split(buf, '\n', f, 3);
  (void)ap_sigv4_parse_auth(f[0], &au);
  memset(&m, 0, sizeof(m));
  m.method = "GET";
  m.path = f[1] ? f[1] : "/";
  m.query = f[2];
  m.headers = h;
  m.nheaders = 1;
  m.payload_sha256 = "e3b0";
  if(!ap_sigv4_canonical(&m, creq, sizeof(creq), sh, sizeof(sh)))
    fz_check_text(creq, sizeof(creq));
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char err[256], type[64], msg[160];
  const char *in = (const char *)data + 1;
  size_t n = size ? size - 1 : 0;
  if(size < 1)
    return 0;
  switch(data[0] % 6) {
  case 0: {
    struct ap_gcp_sa sa;
    if(!ap_cloud_parse_sa(in, n, &sa, err, sizeof(err))) {
      fz_check_printable(sa.client_email);
      fz_check_printable(sa.token_uri);
      ap_secret_free(sa.private_key);
    }
    break;
  }
  case 1: {
    struct ap_aws_creds c;
    if(!ap_cloud_parse_imds(in, n, &c, err, sizeof(err))) {
      ap_secret_free(c.akid);
      ap_secret_free(c.secret);
      ap_secret_free(c.token);
    } else {
      fz_check_printable(err);
    }
    break;
  }
  case 2: {
    struct ap_token_answer ta;
    (void)ap_cloud_parse_token(in, n, &ta);
    fz_check_printable(ta.error);
    fz_check_printable(ta.error_description);
    ap_secret_free(ta.access_token);
    break;
  }
  case 3:
    answer((const uint8_t *)in, n, AP_PROVIDER_BEDROCK);
    break;
  case 4:
    answer((const uint8_t *)in, n, AP_PROVIDER_VERTEX);
    ap_cloud_parse_error(in, n, type, sizeof(type), msg, sizeof(msg));
    fz_check_printable(type);
    fz_check_printable(msg);
    break;
  default:
    sigv4((const uint8_t *)in, n);
    break;
  }
  return 0;
}
