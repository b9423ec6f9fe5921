/* sigv4.h -- AWS Signature Version 4 (AWS4-HMAC-SHA256): the canonical
 * request, the string to sign, the signing key (an HMAC-SHA256 chain) and
 * the Authorization header, for a request given as plain strings. Used by
 * the bedrock provider to sign and by the test fake to verify. It does no
 * I/O and keeps no state; secrets pass through and are wiped from its own
 * buffers. Checked against AWS's published SigV4 test suite.
 */
#ifndef AP_SIGV4_H
#define AP_SIGV4_H

#include <stddef.h>

/* One header as sent: NAME in any case, VALUE untrimmed; a value may hold
 * folded lines ("a\n  b"), which sign as "a,b". */
struct ap_sigv4_hdr {
  const char *name;
  const char *value;
};

/* The request to sign, as it goes on the wire. PATH is the path as sent
 * (already percent-encoded by the sender, not decoded again: non-S3
 * services sign it encoded once more); QUERY is what follows '?' (NULL or
 * "" for none). PAYLOAD_SHA256 is the lower-case hex SHA-256 of the body.
 * Every header given is signed. */
struct ap_sigv4_msg {
  const char *method;
  const char *path;
  const char *query;
  const struct ap_sigv4_hdr *headers;
  size_t nheaders;
  const char *payload_sha256;
};

#define AP_SIGV4_MAX_HEADERS 32
#define AP_SIGV4_HEX 65 /* 64 hex digits and NUL */

/* Lower-case hex SHA-256 of LEN bytes at DATA into OUT. */
void ap_sigv4_sha256_hex(const void *data, size_t len,
                         char out[AP_SIGV4_HEX]);

/* The canonical request of M into CREQ (CREQLEN bytes) and the signed
 * header list ("host;x-amz-date") into SH (SHLEN bytes). Returns 0, or -1
 * when a buffer is too small, M has too many headers or a header name is
 * empty. */
int ap_sigv4_canonical(const struct ap_sigv4_msg *m, char *creq,
                       size_t creqlen, char *sh, size_t shlen);

/* The string to sign for AMZ_DATE ("20150830T123600Z"), the credential
 * SCOPE ("20150830/us-east-1/service/aws4_request") and CREQ, into OUT.
 * Returns 0, or -1 when OUT is too small. */
int ap_sigv4_string_to_sign(const char *amz_date, const char *scope,
                            const char *creq, char *out, size_t outlen);

/* The signature (hex) of STS with SECRET for DATE8 ("20150830"), REGION
 * and SERVICE into OUT. Returns 0, or -1 when HMAC fails. */
int ap_sigv4_signature(const char *secret, const char *date8,
                       const char *region, const char *service,
                       const char *sts, char out[AP_SIGV4_HEX]);

/* What signing produces. */
struct ap_sigv4_out {
  char scope[160];          /* date/region/service/aws4_request */
  char signed_headers[512];
  char signature[AP_SIGV4_HEX];
  char authorization[1024]; /* the whole header value */
};

/* Sign M: canonical request, string to sign, signature and the
 * Authorization value for ACCESS_KEY_ID/SECRET at AMZ_DATE in REGION for
 * SERVICE. M's headers must already hold host and x-amz-date (and
 * x-amz-security-token when a session token is used). Returns 0, or -1
 * (a field too long for its buffer, a malformed AMZ_DATE, HMAC failed). */
int ap_sigv4_sign(const struct ap_sigv4_msg *m, const char *access_key_id,
                  const char *secret, const char *amz_date,
                  const char *region, const char *service,
                  struct ap_sigv4_out *out);

/* Split an Authorization value into credential (access key id, date8,
 * region, service), signed headers and signature. Each out buffer is
 * AP_SIGV4_FIELD bytes (signed headers: 512). Returns 0, or -1 when it is
 * not a well-formed AWS4-HMAC-SHA256 value (the services' IncompleteSignature). */
#define AP_SIGV4_FIELD 128
struct ap_sigv4_auth {
  char access_key_id[AP_SIGV4_FIELD];
  char date8[AP_SIGV4_FIELD];
  char region[AP_SIGV4_FIELD];
  char service[AP_SIGV4_FIELD];
  char signed_headers[512];
  char signature[AP_SIGV4_FIELD];
};
int ap_sigv4_parse_auth(const char *value, struct ap_sigv4_auth *a);

/* "20150830T123600Z" for epoch seconds T (UTC) into OUT (17 bytes). */
void ap_sigv4_amz_date(long long t, char out[17]);

/* Epoch seconds of an AMZ_DATE; -1 when malformed. */
long long ap_sigv4_parse_amz_date(const char *amz_date);

#endif
