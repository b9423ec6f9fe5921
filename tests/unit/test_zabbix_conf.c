/* test_zabbix_conf.c -- zabbix/apiprobe_zbx.c's config file reader, with
 * the adapter's source included so its static functions are reachable:
 * an over-long line is refused with file and line (never split into a
 * live setting), a FIFO or /dev/zero as the config never blocks and is
 * refused, NUL bytes are refused, a normal file still configures targets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../zabbix/apiprobe_zbx.c"

static char tmpdir[64];

static int group_setup(void **state)
{
  (void)state;
  unsetenv("ANTHROPIC_API_KEY");
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/ap-unit-zbx-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
  char cmd[128];
  (void)state;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static void write_conf(const char *name, const char *data, size_t len,
                       char *out, size_t outlen)
{
  int fd;
  snprintf(out, outlen, "%s/%s", tmpdir, name);
  fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  close(fd);
}

static void reset(void)
{
  int i;
  for(i = 0; i < zm_ntargets; i++)
    ap_target_free(&zm_targets[i].t);
  free(zm_targets);
  zm_targets = calloc(ZM_MAX_TARGETS, sizeof(*zm_targets));
  assert_non_null(zm_targets);
  zm_ntargets = 0;
}

/* A 2047-byte comment followed on the same line by a setting: fgets into
 * 2 KiB made "ca-file = /etc/hostname" a live setting (issue 13, 6). */
static void test_long_line_refused(void **state)
{
  char path[128], want[160];
  char *conf = malloc(4096);
  size_t n = 0;
  (void)state;
  assert_non_null(conf);
  reset();
  n += (size_t)sprintf(conf + n, "[target a]\nurl = https://127.0.0.1:1/\n");
  conf[n++] = '#';
  memset(conf + n, 'x', 2046);
  n += 2046;
  n += (size_t)sprintf(conf + n, "ca-file = /etc/hostname\n");
  write_conf("long.conf", conf, n, path, sizeof(path));
  free(conf);
  zm_read_conf(path);
  assert_int_equal(zm_ntargets, 1);
  assert_null(zm_targets[0].t.ca_file);
  snprintf(want, sizeof(want), "%s:3:", path);
  assert_non_null(strstr(zm_targets[0].error, want));
  assert_non_null(strstr(zm_targets[0].error, "too long"));
  reset();
}

/* A NUL byte would hide the rest of the line: refused too. */
static void test_nul_refused(void **state)
{
  static const char conf[] = "[target a]\nurl = https://127.0.0.1:1/\n"
                             "timeout = 3\0ca-file = /etc/hostname\n";
  char path[128];
  (void)state;
  reset();
  write_conf("nul.conf", conf, sizeof(conf) - 1, path, sizeof(path));
  zm_read_conf(path);
  assert_int_equal(zm_ntargets, 1);
  assert_non_null(strstr(zm_targets[0].error, ":3:"));
  assert_non_null(strstr(zm_targets[0].error, "NUL"));
  reset();
}

/* A FIFO or /dev/zero as APIPROBE_ZABBIX_CONF: refused at once. */
static void test_not_regular(void **state)
{
  char path[128];
  (void)state;
  reset();
  snprintf(path, sizeof(path), "%s/fifo.conf", tmpdir);
  assert_int_equal(mkfifo(path, 0600), 0);
  alarm(5);
  zm_read_conf(path);
  assert_int_equal(zm_ntargets, 0);
  zm_read_conf("/dev/zero");
  assert_int_equal(zm_ntargets, 0);
  alarm(0);
  unlink(path);
  reset();
}

static void test_good_conf(void **state)
{
  static const char conf[] =
    "# comment\n[module]\ncache = 2\n\n[target a]\r\n"
    "url = https://127.0.0.1:1/\ntimeout = 3\n[target b]\nurl = "
    "https://127.0.0.1:2/";
  char path[128];
  (void)state;
  reset();
  write_conf("good.conf", conf, sizeof(conf) - 1, path, sizeof(path));
  zm_read_conf(path);
  assert_int_equal(zm_ntargets, 2);
  assert_string_equal(zm_targets[0].error, "");
  assert_string_equal(zm_targets[1].error, "");
  assert_true(zm_targets[0].t.timeout_s == 3);
  assert_true(zm_cache_s == 2);
  reset();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_long_line_refused),
    cmocka_unit_test(test_nul_refused),
    cmocka_unit_test(test_not_regular),
    cmocka_unit_test(test_good_conf),
  };
  int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
  reset();
  free(zm_targets);
  return rc;
}
