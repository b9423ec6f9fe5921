/* apiprobe.h -- the only header the faces (cli, nagios, collectd, zabbix)
 * include. A target (what to probe, set through one option table) is probed
 * into a result (one struct per layer: env dns tcp proxy tls http auth model
 * inference), which the shared renderers turn into JSON, Prometheus text or
 * a face's own format. Nothing here prints, exits or touches global state
 * outside ap_global_init()/ap_global_cleanup().
 *
 * One header per concern, as curl splits include/curl/:
 *   apiprobe/codes.h       codes, states, layers, the named failures
 *   apiprobe/target.h      the target and its option table
 *   apiprobe/argv.h        command lines of the process faces
 *   apiprobe/result.h      the result, one struct per layer; one-line texts
 *   apiprobe/probe.h       init, ap_probe_run, ap_probe_many; face files
 *   apiprobe/render.h      JSON, Prometheus text, the metric table
 *   apiprobe/thresholds.h  Nagios range thresholds
 */
#ifndef APIPROBE_H
#define APIPROBE_H

#define AP_VERSION "0.1.0"

#include "apiprobe/codes.h"
#include "apiprobe/target.h"
#include "apiprobe/argv.h"
#include "apiprobe/result.h"
#include "apiprobe/probe.h"
#include "apiprobe/render.h"
#include "apiprobe/thresholds.h"

#endif
