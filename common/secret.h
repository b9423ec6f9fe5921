/* secret.h -- the API key: loaded from an environment variable or a file,
 * named only by source and a short fingerprint, wiped when freed, and
 * scrubbed from any text before that text leaves the library.
 */
#ifndef AP_SECRET_H
#define AP_SECRET_H

#include <stddef.h>

struct ap_secret {
  char *value; /* owned, NUL-terminated, wiped by ap_secret_free() */
  size_t len;
};

/* Longest key accepted (a key file bigger than this is refused). */
#define AP_SECRET_MAX 4096

/* Load the key from environment variable NAME into *PS (a new secret the
 * caller frees with ap_secret_free()). Returns 0 with *PS set, 1 when the
 * variable is unset or empty (*PS NULL), -1 with ERR set when the value is
 * unusable (control characters) or memory runs out. */
int ap_secret_from_env(const char *name, struct ap_secret **ps, char *err,
                       size_t errlen);

/* Load the key from file PATH (first line, whitespace trimmed) into *PS.
 * *PMODE_WARN is set to 1 when the file is readable by group or others.
 * Returns 0, or -1 with ERR set (unreadable, empty, too big, bad bytes). */
int ap_secret_from_file(const char *path, struct ap_secret **ps,
                        int *pmode_warn, char *err, size_t errlen);

/* Write "sha256:" and the first 6 hex digits of SHA-256(key) into OUT. */
void ap_secret_fingerprint(const struct ap_secret *s, char *out,
                           size_t outlen);

/* Wipe and free S (NULL accepted). */
void ap_secret_free(struct ap_secret *s);

/* Shortest run of the key's characters that is redacted wherever it
 * appears (a key cut by an earlier truncation is still found). */
#define AP_REDACT_RUN 16

/* Scrub TEXT (NUL-terminated, buffer size CAP) in place: every run of
 * AP_REDACT_RUN or more characters of the key S (the whole key when it is
 * shorter; S may be NULL) and every token that looks like an API key
 * (sk-..., 16+ key characters) becomes "[REDACTED]". Redact a text before
 * cutting it when you can. */
void ap_redact(char *text, size_t cap, const struct ap_secret *s);

#endif
