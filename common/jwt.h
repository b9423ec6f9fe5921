/* jwt.h -- RS256 JSON Web Tokens (RFC 7515/7519) with OpenSSL: the
 * assertion a Google service account signs to get an access token, and
 * the check a test fake makes of it. The claims are JSON text the caller
 * builds (json-c lives in plugin/); this file signs, verifies and encodes.
 */
#ifndef AP_JWT_H
#define AP_JWT_H

#include <stddef.h>

/* base64url without padding of IN[0..N) into OUT (OUTLEN bytes, NUL
 * terminated). Returns the length, or -1 when OUT is too small. */
long ap_b64url_encode(const unsigned char *in, size_t n, char *out,
                      size_t outlen);

/* Decode base64url (padding optional) IN[0..N) into OUT (OUTLEN bytes).
 * Returns the decoded length, or -1 (bad character, too long). */
long ap_b64url_decode(const char *in, size_t n, unsigned char *out,
                      size_t outlen);

/* Sign: header {"alg":"RS256","typ":"JWT"} (with "kid" when KID is not
 * NULL or empty), CLAIMS_JSON as the payload, with the RSA private key in
 * PEM_KEY (PKCS#8 or PKCS#1). *POUT gets the compact token (malloc'd,
 * caller frees; it is a bearer credential: wipe it). Returns 0, or -1
 * with ERR set (bad key, not RSA, out of memory). */
int ap_jwt_rs256_sign(const char *pem_key, const char *kid,
                      const char *claims_json, char **pout, char *err,
                      size_t errlen);

/* Verify TOKEN's RS256 signature with PEM_PUB (a public key or an X.509
 * certificate in PEM). On success *PCLAIMS gets the payload JSON text
 * (malloc'd, caller frees) and 0 is returned; -1 with ERR set when the
 * token is malformed, not RS256, or the signature does not verify. */
int ap_jwt_rs256_verify(const char *token, const char *pem_pub,
                        char **pclaims, char *err, size_t errlen);

#endif
