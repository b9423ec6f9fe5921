/* strutil.h -- strict string helpers: bounded copies and number parsing
 * that rejects trailing junk, empty input and out-of-range values.
 */
#ifndef AP_STRUTIL_H
#define AP_STRUTIL_H

#include <stddef.h>

/* Copy SRC into DST of size DSTLEN, always NUL-terminated, truncating.
 * Returns the length of SRC (>= DSTLEN means truncated). */
size_t ap_strlcpy(char *dst, const char *src, size_t dstlen);

/* Append N bytes at P to the NUL-terminated buffer *PBUF of *PLEN bytes
 * (grown with realloc; the caller frees it), never past MAX bytes: then
 * *PCAPPED is set and nothing is appended. Returns N, or 0 when capped or
 * out of memory: what a libcurl write callback returns. */
size_t ap_buf_append(char **pbuf, size_t *plen, size_t max, int *pcapped,
                     const char *p, size_t n);

/* Switch the calling thread to the "C" locale for numbers (a host daemon
 * may have set a decimal comma with setlocale) until ap_locale_leave with
 * what this returned. NULL when the C locale cannot be had (then nothing
 * changed). */
void *ap_locale_c_enter(void);
void ap_locale_leave(void *old);

/* Parse all of S as a finite double in [MIN, MAX], with '.' as the
 * decimal point whatever the locale. 0 on success. */
int ap_parse_double(const char *s, double min, double max, double *out);

/* Parse all of S as a decimal long in [MIN, MAX]. 0 on success. */
int ap_parse_long(const char *s, long min, long max, long *out);

/* Parse a flag word: "", "1", "true", "yes", "on" -> 1; "0", "false",
 * "no", "off" -> 0 (case-insensitive). 0 on success, -1 otherwise. */
int ap_parse_bool(const char *s, int *out);

/* Case-insensitive compare of option names where '-' and '_' are equal. */
int ap_optname_eq(const char *a, const char *b);

/* Trim ASCII whitespace at both ends of S in place; returns S. */
char *ap_trim(char *s);

/* Does S contain a control character (CR, LF, NUL-free scan)? */
int ap_has_ctl(const char *s);

/* ---- text from the network or a config, made safe to print ---------- */

/* Copy SRC[0..LEN) (may hold NUL bytes) into DST of size DSTLEN as text a
 * terminal, a log or a JSON decoder takes at face value: valid UTF-8 is
 * kept; TAB, CR and LF become a space; other C0 controls, DEL, C1
 * controls (U+0080-U+009F) and every byte of an invalid sequence become
 * '?'; with ESCAPE_NUL a NUL byte is shown as the two characters "\0"
 * (else '?'). The copy is cut on a character boundary, never inside a
 * sequence. DST is always NUL-terminated (when DSTLEN > 0). Returns the
 * bytes written (without the NUL). DST may equal SRC when not
 * ESCAPE_NUL (the output never grows then). */
size_t ap_text_copy(char *dst, size_t dstlen, const char *src, size_t len,
                    int escape_nul);

/* ap_text_copy of the NUL-terminated SRC into DST of size N (DST may be
 * SRC: cleaning in place). */
void ap_text_clean(char *dst, size_t n, const char *src);

/* In the NUL-terminated TEXT, replace the user:password of every URL
 * ("scheme://user:password@host") by "***" (shorter user info by as many
 * '*'). The text never grows. */
void ap_mask_userinfo(char *text);
/* The same for one URL (as curl prints it): its user info may hold any
 * byte but '/', '?' and '#', quotes and spaces included. */
void ap_mask_url_userinfo(char *url);

#endif
