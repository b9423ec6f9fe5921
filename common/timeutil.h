/* timeutil.h -- clocks and the two date formats the API sends: RFC 3339
 * (rate-limit resets) and RFC 1123 (Date, retry-after). No locale, no TZ.
 */
#ifndef AP_TIMEUTIL_H
#define AP_TIMEUTIL_H

/* Monotonic seconds (for durations). */
double ap_mono_s(void);

/* Wall-clock seconds since the epoch, with sub-second precision. */
double ap_wall_s(void);

/* Parse "2025-08-21T12:40:59Z" (fraction and +hh:mm offsets accepted)
 * into seconds since the epoch. 0 on success, -1 on anything else. */
int ap_parse_rfc3339(const char *s, double *out);

/* Parse an HTTP date "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 1123 only) into
 * seconds since the epoch. 0 on success, -1 otherwise. */
int ap_parse_http_date(const char *s, double *out);

#endif
