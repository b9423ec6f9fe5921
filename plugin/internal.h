/* internal.h -- what the files of plugin/ share with each other and with
 * the unit tests; never included by a face. Pure functions (classifiers,
 * parsers) take plain values so the tests can feed them tables.
 * One header per concern, in the order a probe uses them:
 *   net.h       the target, providers, URLs, env, DNS, TCP, route, PMTU
 *   answer.h    the outcome classifier, headers, auth, clouds, status
 *               page, thresholds, retries
 *   layers.h    the state setter and verdict, scrub, tls capture, the
 *               facts of a transfer and each layer's fill/reason/judge
 *   transfer.h  the probe's transfer and prober, the follow-ups, the
 *               model and inference layers
 */
#ifndef AP_INTERNAL_H
#define AP_INTERNAL_H

#include "apiprobe.h"

#include <stddef.h>

#define AP_BODY_MAX 65536 /* larger answers are an error, not a hog */

#include "net.h"
#include "answer.h"
#include "layers.h"
#include "transfer.h"

#endif
