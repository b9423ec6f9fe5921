/* test_conffile.c -- plugin/conffile.c: [target NAME] sections of long
 * options, [module] cache, comments and quotes; every bad line reported as
 * "PATH:LINE: what" and kept on its target while the others stay usable;
 * the init callback's defaults under the section's own options; only a
 * regular file is read (a FIFO neither blocks nor counts); a line too long
 * or holding a NUL is refused whole, never split into a live setting
 * (issue 13, defect 6: these cases came with the Zabbix module's reader).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apiprobe_conf.h"

struct logbuf {
  char text[4096];
  int n;
};

static void log_cb(void *ud, const char *msg)
{
  struct logbuf *l = ud;
  size_t used = strlen(l->text);
  snprintf(l->text + used, sizeof(l->text) - used, "%s\n", msg);
  l->n++;
}

/* Write TEXT to a new temp file; its path into PATH. */
static void write_file(char *path, size_t n, const char *text)
{
  int fd;
  snprintf(path, n, "/tmp/test_conffile.XXXXXX");
  fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
}

static void test_targets(void **state)
{
  char path[64], want[256];
  struct ap_conf c;
  struct logbuf l = {{0}, 0};
  (void)state;
  write_file(path, sizeof(path),
             "# comment\n"
             "; another\n"
             "[module]\n"
             "cache = 2.5\n"
             "\n"
             "[target prod]\n"
             "url = https://api.example.test/\n"
             "  timeout = \"4\"  \n"
             "[target staging]\n"
             "url = https://staging.example.test/\n"
             "bogus-option = 1\n"
             "[target prod]\n"
             "[target bad name]\n"
             "ipv4\n");
  assert_int_equal(ap_conf_read(path, 16, NULL, log_cb, &l, &c), 0);
  assert_int_equal(c.ntargets, 4);
  assert_true(c.cache_s == 2.5);
  assert_string_equal(c.targets[0].section, "prod");
  assert_string_equal(c.targets[0].error, "");
  assert_string_equal(c.targets[0].t.name, "prod");
  assert_true(c.targets[0].t.timeout_s == 4);
  assert_string_equal(c.targets[0].t.url_host, "api.example.test");
  snprintf(want, sizeof(want), "%s:11: target 'staging': unknown option "
                               "'bogus-option'", path);
  assert_string_equal(c.targets[1].error, want);
  snprintf(want, sizeof(want), "%s:12: duplicate target name 'prod' (first "
                               "at line 6)", path);
  assert_string_equal(c.targets[2].error, want);
  assert_non_null(strstr(c.targets[3].error, ":13: target name 'bad name'"));
  assert_non_null(strstr(l.text, ":14: not 'option = value'"));
  assert_int_equal(c.nerrors, 4);
  assert_int_equal(l.n, 4);
  ap_conf_free(&c);
  assert_int_equal(c.ntargets, 0);
  assert_null(c.targets);
  unlink(path);
}

static void test_errors_outside(void **state)
{
  char path[64];
  struct ap_conf c;
  struct logbuf l = {{0}, 0};
  (void)state;
  write_file(path, sizeof(path),
             "url = https://x.test/\n"
             "[module]\n"
             "cache = -1\n"
             "[targets]\n"
             "[target a\n"
             "[target a]\n"
             "url = https://a.test/\x01\n");
  assert_int_equal(ap_conf_read(path, 16, NULL, log_cb, &l, &c), 0);
  assert_non_null(strstr(l.text, ":1: option outside a [target NAME]"));
  assert_non_null(strstr(l.text, ":3: [module] takes only 'cache"));
  assert_non_null(strstr(l.text, ":4: unknown section"));
  assert_non_null(strstr(l.text, ":5: a section is [target NAME]"));
  assert_non_null(strstr(l.text, ":7: control character"));
  assert_true(c.cache_s < 0);
  assert_int_equal(c.ntargets, 1);
  assert_non_null(strstr(c.targets[0].error, ":7: control character"));
  ap_conf_free(&c);
  unlink(path);
}

/* The CLI's defaults come first, the section's options win. */
static int init_cb(void *ud, struct ap_target *t, char *err, size_t errlen)
{
  int *calls = ud;
  (*calls)++;
  return ap_target_set(t, "timeout", "7", err, errlen) ||
                 ap_target_set(t, "ipv6", "yes", err, errlen)
             ? -1
             : 0;
}

static void test_init_defaults(void **state)
{
  char path[64];
  struct ap_conf c;
  int calls = 0;
  (void)state;
  write_file(path, sizeof(path),
             "[target a]\nurl = https://a.test/\n"
             "[target b]\nurl = https://b.test/\ntimeout = 3\n");
  assert_int_equal(ap_conf_read(path, 16, init_cb, NULL, &calls, &c), 0);
  assert_int_equal(calls, 2);
  assert_int_equal(c.nerrors, 0);
  assert_true(c.targets[0].t.timeout_s == 7);
  assert_true(c.targets[1].t.timeout_s == 3);
  ap_conf_free(&c);
  unlink(path);
}

static void test_limits(void **state)
{
  char path[64], text[4096];
  struct ap_conf c;
  struct logbuf l = {{0}, 0};
  size_t n;
  (void)state;
  /* a line longer than the buffer, then three targets for a max of 2 */
  n = (size_t)snprintf(text, sizeof(text), "# ");
  memset(text + n, 'x', 3000);
  n += 3000;
  snprintf(text + n, sizeof(text) - n,
           "\n[target a]\n[target b]\n[target c]\n");
  write_file(path, sizeof(path), text);
  assert_int_equal(ap_conf_read(path, 2, NULL, log_cb, &l, &c), 0);
  assert_non_null(strstr(l.text, ":1: line too long"));
  assert_non_null(strstr(l.text, ":4: too many targets"));
  assert_int_equal(c.ntargets, 2);
  assert_string_equal(c.targets[0].section, "a");
  ap_conf_free(&c);
  unlink(path);
}

static void test_not_regular(void **state)
{
  char path[64];
  struct ap_conf c;
  struct logbuf l = {{0}, 0};
  (void)state;
  assert_int_equal(ap_conf_read("/nonexistent/apiprobe.conf", 4, NULL,
                                log_cb, &l, &c),
                   -1);
  assert_non_null(strstr(l.text, "cannot read config /nonexistent/apiprobe.conf"));
  assert_int_equal(c.ntargets, 0);
  ap_conf_free(&c);
  /* a FIFO with no writer: refused at once, never waited on */
  snprintf(path, sizeof(path), "/tmp/test_conffile.fifo.%ld", (long)getpid());
  assert_int_equal(mkfifo(path, 0600), 0);
  l.text[0] = '\0';
  assert_int_equal(ap_conf_read(path, 4, NULL, log_cb, &l, &c), -1);
  assert_non_null(strstr(l.text, "not a regular file"));
  ap_conf_free(&c);
  unlink(path);
  /* a device that never ends */
  assert_int_equal(ap_conf_read("/dev/zero", 4, NULL, NULL, NULL, &c), -1);
  ap_conf_free(&c);
  /* a directory */
  assert_int_equal(ap_conf_read("/tmp", 4, NULL, NULL, NULL, &c), -1);
  assert_int_equal(c.nerrors, 1);
  ap_conf_free(&c);
}

/* A 2047-byte comment followed on the same line by a setting: a 2 KiB
 * fgets made "ca-file = /etc/hostname" a live setting. */
static void test_long_line_refused(void **state)
{
  char path[64], want[96];
  char *text = malloc(4096);
  struct ap_conf c;
  size_t n = 0;
  (void)state;
  assert_non_null(text);
  n += (size_t)snprintf(text, 4096, "[target a]\nurl = https://127.0.0.1:1/\n#");
  memset(text + n, 'x', 2046);
  n += 2046;
  snprintf(text + n, 4096 - n, "ca-file = /etc/hostname\n");
  write_file(path, sizeof(path), text);
  free(text);
  assert_int_equal(ap_conf_read(path, 4, NULL, NULL, NULL, &c), 0);
  assert_int_equal(c.ntargets, 1);
  assert_null(c.targets[0].t.ca_file);
  snprintf(want, sizeof(want), "%s:3: line too long", path);
  assert_non_null(strstr(c.targets[0].error, want));
  ap_conf_free(&c);
  unlink(path);
}

/* A NUL byte would hide the rest of the line: refused too. CRLF ends are
 * fine. */
static void test_nul_and_crlf(void **state)
{
  static const char text[] = "[target a]\r\nurl = https://127.0.0.1:1/\r\n"
                             "timeout = 3\0ca-file = /etc/hostname\n"
                             "[target b]\r\nurl = https://127.0.0.1:2/\r\n";
  char path[64];
  struct ap_conf c;
  int fd;
  (void)state;
  snprintf(path, sizeof(path), "/tmp/test_conffile.XXXXXX");
  fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
  close(fd);
  assert_int_equal(ap_conf_read(path, 4, NULL, NULL, NULL, &c), 0);
  assert_int_equal(c.ntargets, 2);
  assert_null(c.targets[0].t.ca_file);
  assert_string_equal(c.targets[1].error, "");
  assert_string_equal(c.targets[1].t.url_host, "127.0.0.1");
  assert_non_null(strstr(c.targets[0].error, ":3: a NUL byte"));
  ap_conf_free(&c);
  unlink(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_targets),
    cmocka_unit_test(test_errors_outside),
    cmocka_unit_test(test_init_defaults),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_not_regular),
    cmocka_unit_test(test_long_line_refused),
    cmocka_unit_test(test_nul_and_crlf),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
