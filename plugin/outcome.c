/* outcome.c -- the stable names of states, layers, errors and codes, all
 * generated from the X-macro lists in apiprobe.h (libuv's UV_ERRNO_MAP).
 */
#include "apiprobe.h"

#include <math.h>

const char *ap_code_name(enum ap_code code)
{
  switch(code) {
  case AP_OK:
    return "ok";
  case AP_E_NOMEM:
    return "nomem";
  case AP_E_ARG:
    return "bad_argument";
  case AP_E_CONFIG:
    return "bad_config";
  case AP_E_INTERNAL:
    return "internal";
  case AP_E_IO:
    return "io";
  }
  return "unknown";
}

const char *ap_state_name(enum ap_state s)
{
  switch(s) {
#define AP_STATE_NAME(id, name)                                                \
  case AP_STATE_##id:                                                          \
    return name;
    AP_STATE_MAP(AP_STATE_NAME)
#undef AP_STATE_NAME
  }
  return "unknown";
}

const char *ap_layer_name(enum ap_layer l)
{
  switch(l) {
#define AP_LAYER_NAME(id, name)                                                \
  case AP_LAYER_##id:                                                          \
    return name;
    AP_LAYER_MAP(AP_LAYER_NAME)
#undef AP_LAYER_NAME
  case AP_LAYER_COUNT:
    break;
  case AP_LAYER_ANY:
    return "any";
  }
  return "unknown";
}

const char *ap_error_name(enum ap_error e)
{
  switch(e) {
#define AP_ERROR_NAME(id, layer, name, state, hint)                            \
  case AP_ERR_##id:                                                            \
    return name;
    AP_ERROR_MAP(AP_ERROR_NAME)
#undef AP_ERROR_NAME
  case AP_ERR_COUNT:
    break;
  }
  return "unknown";
}

enum ap_layer ap_error_layer(enum ap_error e)
{
  switch(e) {
#define AP_ERROR_LAYER(id, layer, name, state, hint)                           \
  case AP_ERR_##id:                                                            \
    return AP_LAYER_##layer;
    AP_ERROR_MAP(AP_ERROR_LAYER)
#undef AP_ERROR_LAYER
  case AP_ERR_COUNT:
    break;
  }
  return AP_LAYER_ENV;
}

enum ap_state ap_error_state(enum ap_error e)
{
  switch(e) {
#define AP_ERROR_STATE(id, layer, name, state, hint)                           \
  case AP_ERR_##id:                                                            \
    return AP_STATE_##state;
    AP_ERROR_MAP(AP_ERROR_STATE)
#undef AP_ERROR_STATE
  case AP_ERR_COUNT:
    break;
  }
  return AP_STATE_UNKNOWN;
}

const char *ap_error_hint(enum ap_error e)
{
  switch(e) {
#define AP_ERROR_HINT(id, layer, name, state, hint)                            \
  case AP_ERR_##id:                                                            \
    return hint;
    AP_ERROR_MAP(AP_ERROR_HINT)
#undef AP_ERROR_HINT
  case AP_ERR_COUNT:
    break;
  }
  return "";
}

int ap_state_rank(enum ap_state s)
{
  switch(s) {
  case AP_STATE_SKIPPED:
  case AP_STATE_NA:
    return 0;
  case AP_STATE_OK:
    return 1;
  case AP_STATE_WARNING:
    return 2;
  case AP_STATE_UNKNOWN:
    return 3;
  case AP_STATE_CRITICAL:
    return 4;
  }
  return 3;
}

double ap_state_number(enum ap_state s)
{
  switch(s) {
  case AP_STATE_OK:
    return 0;
  case AP_STATE_WARNING:
    return 1;
  case AP_STATE_CRITICAL:
    return 2;
  case AP_STATE_UNKNOWN:
    return 3;
  case AP_STATE_SKIPPED:
  case AP_STATE_NA:
    break;
  }
  return NAN;
}

int ap_state_exit_code(enum ap_state s)
{
  /* the plugin exit codes are the state numbers; skipped and n/a are 0 */
  double v = ap_state_number(s);
  return isnan(v) ? 0 : (int)v;
}
