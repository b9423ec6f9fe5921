/* apiprobe/probe.h -- running probes: the library's init and cleanup, one
 * target or many at once, and what a face reads from files itself. Faces
 * include apiprobe.h, the umbrella over this header. */
#ifndef APIPROBE_PROBE_H
#define APIPROBE_PROBE_H

#include <stddef.h>

#include "apiprobe/result.h"
#include "apiprobe/target.h"

/* Files a face reads itself (a config file): common/file.h declares these
 * (documented there); repeated here so a face includes this header only.
 * ap_file_read never blocks on a FIFO or device and refuses any file that
 * is not regular or is bigger than MAX; ap_file_next_line walks lines
 * without cutting them. */
struct stat;
int ap_file_read(const char *path, const char *what, size_t max,
                 struct stat *pst, char **pbuf, size_t *plen, char *err,
                 size_t errlen);
int ap_file_next_line(const char *buf, size_t len, size_t *pos,
                      const char **pline, size_t *plinelen);

/* Initialise the library (curl, OpenSSL). Call once per process before any
 * other call, from one thread (a host's init hook). */
enum ap_code ap_global_init(void);
void ap_global_cleanup(void);

/* Probe T once and fill R completely (every layer has a state). One fresh
 * DNS lookup, connection and TLS handshake per call; handles and the
 * parsed CA store are kept in T between calls. Returns AP_OK whenever R is
 * filled, including when the target is unreachable; an ap_code only when
 * the probe could not run (R then holds a verdict "unknown").
 * T must have passed ap_target_finish(). Different targets may be probed
 * on different threads at once; one target by one thread at a time. */
enum ap_code ap_probe_run(struct ap_target *t, struct ap_result *r);

/* Probe N targets at once (DNS lookups in parallel, then one libcurl
 * multi loop), filling RESULTS[i] for TARGETS[i] exactly as ap_probe_run()
 * would; each target keeps its own timeouts. The targets must not be in
 * use elsewhere meanwhile. Returns the first could-not-probe code. */
enum ap_code ap_probe_many(struct ap_target **targets, size_t n,
                           struct ap_result *results);

/* What every --help says about cost: the canary spends tokens, nothing
 * else does. */
#define AP_COST_NOTE                                                           \
  "Cost: every check is free (no tokens) except --canary MODEL, which "       \
  "sends one\nstreaming generation of at most 1 output token to MODEL: "      \
  "about 8 input + 1\noutput tokens per run (billed by the provider), at "    \
  "most once per\n--canary-interval (300 s) in the collectd and Zabbix "      \
  "modules.\n"

#endif
