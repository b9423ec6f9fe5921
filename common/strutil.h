/* strutil.h -- strict string helpers: bounded copies and number parsing
 * that rejects trailing junk, empty input and out-of-range values.
 */
#ifndef AP_STRUTIL_H
#define AP_STRUTIL_H

#include <stddef.h>

/* Copy SRC into DST of size DSTLEN, always NUL-terminated, truncating.
 * Returns the length of SRC (>= DSTLEN means truncated). */
size_t ap_strlcpy(char *dst, const char *src, size_t dstlen);

/* Parse all of S as a finite double in [MIN, MAX]. 0 on success. */
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

#endif
