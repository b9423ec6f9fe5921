/* cd_stubs.h -- just enough of collectd's daemon for code that includes
 * collectd/apiprobe_collectd.c (the unit test of its config and the fuzz target
 * of collectd's config tree): errors and warnings go to a buffer, registered reads are
 * counted and their user data kept until cd_stub_free_reads(), dispatched
 * values recorded (the first 64 since cd_stub_values = 0).
 * Include after collectd/apiprobe_collectd.c; define each function once per
 * program.
 */
#ifndef AP_CD_STUBS_H
#define AP_CD_STUBS_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* collectd's log and dispatch are thread-safe (several read threads call
 * them at once, tests/tsan): so are the stubs' records */
static pthread_mutex_t cd_stub_lock = PTHREAD_MUTEX_INITIALIZER;

static char cd_stub_log[8192];
static int cd_stub_reads;
static user_data_t cd_stub_ud[64]; /* registered reads' data, freed later */
static plugin_read_cb cd_stub_cb[64]; /* and their callbacks */

/* Free what the registered reads own (collectd does at shutdown). */
static void cd_stub_free_reads(void)
{
  int i;
  for(i = 0; i < cd_stub_reads && i < 64; i++) {
    if(cd_stub_ud[i].free_func)
      cd_stub_ud[i].free_func(cd_stub_ud[i].data);
  }
  cd_stub_reads = 0;
}

void plugin_log(int level, const char *format, ...)
{
  size_t n;
  va_list ap;
  if(level > LOG_WARNING)
    return;
  pthread_mutex_lock(&cd_stub_lock);
  n = strlen(cd_stub_log);
  if(n + 2 < sizeof(cd_stub_log)) {
    va_start(ap, format);
    vsnprintf(cd_stub_log + n, sizeof(cd_stub_log) - n - 1, format, ap);
    va_end(ap);
    n = strlen(cd_stub_log);
    cd_stub_log[n] = '\n';
    cd_stub_log[n + 1] = '\0';
  }
  pthread_mutex_unlock(&cd_stub_lock);
}

cdtime_t cdtime(void)
{
  return TIME_T_TO_CDTIME_T(1700000000);
}

cdtime_t plugin_get_interval(void)
{
  return DOUBLE_TO_CDTIME_T(10.0);
}

int plugin_register_complex_read(const char *group, const char *name,
                                 plugin_read_cb callback, cdtime_t interval,
                                 user_data_t const *user_data)
{
  (void)group;
  (void)name;
  (void)interval;
  if(cd_stub_reads < 64 && user_data) {
    cd_stub_ud[cd_stub_reads] = *user_data;
    cd_stub_cb[cd_stub_reads] = callback;
  }
  else if(user_data && user_data->free_func)
    user_data->free_func(user_data->data);
  cd_stub_reads++;
  return 0;
}

const data_set_t *plugin_get_ds(const char *name)
{
  (void)name;
  return NULL;
}

int plugin_unregister_read_group(const char *group)
{
  (void)group;
  return 0;
}

/* One dispatched value: type, type instance and the first gauge. */
struct cd_stub_value {
  char type[DATA_MAX_NAME_LEN];
  char type_instance[DATA_MAX_NAME_LEN];
  gauge_t gauge;
};
static struct cd_stub_value cd_stub_value[64];
static int cd_stub_values;

int plugin_dispatch_values(value_list_t const *vl)
{
  struct cd_stub_value *v;
  pthread_mutex_lock(&cd_stub_lock);
  if(cd_stub_values < 64 && vl->values_len > 0) {
    v = &cd_stub_value[cd_stub_values];
    snprintf(v->type, sizeof(v->type), "%s", vl->type);
    snprintf(v->type_instance, sizeof(v->type_instance), "%s",
             vl->type_instance);
    v->gauge = vl->values[0].gauge;
  }
  cd_stub_values++;
  pthread_mutex_unlock(&cd_stub_lock);
  return 0;
}

int plugin_register_complex_config(const char *type,
                                   int (*callback)(oconfig_item_t *))
{
  (void)type;
  (void)callback;
  return 0;
}

int plugin_register_init(const char *name, plugin_init_cb callback)
{
  (void)name;
  (void)callback;
  return 0;
}

int plugin_register_shutdown(const char *name, plugin_shutdown_cb callback)
{
  (void)name;
  (void)callback;
  return 0;
}

#endif
