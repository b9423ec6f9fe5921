/* test_secret.c -- common/secret.c: the key's fingerprint, loading it from
 * an environment variable or a file (trim, empty, mode warning, missing,
 * too big, bad bytes) and ap_redact() of the key and key-looking tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define TEST_ENV "AP_UNIT_SECRET_TEST"

static char tmpdir[64];

static int group_setup(void **state)
{
  (void)state;
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/ap-unit-secret-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
  char cmd[128];
  (void)state;
  unsetenv(TEST_ENV);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Write LEN bytes of DATA to tmpdir/NAME with MODE; path into OUT. */
static void write_file(const char *name, const char *data, size_t len,
                       mode_t mode, char *out, size_t outlen)
{
  int fd;
  snprintf(out, outlen, "%s/%s", tmpdir, name);
  unlink(out);
  fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

static struct ap_secret *make_secret(const char *v)
{
  struct ap_secret *s = NULL;
  char err[256];
  assert_int_equal(setenv(TEST_ENV, v, 1), 0);
  assert_int_equal(ap_secret_from_env(TEST_ENV, &s, err, sizeof(err)), 0);
  assert_non_null(s);
  return s;
}

static void test_fingerprint(void **state)
{
  struct ap_secret *a = make_secret("sk-ant-api03-fingerprint-one");
  struct ap_secret *a2 = make_secret("sk-ant-api03-fingerprint-one");
  struct ap_secret *b = make_secret("sk-ant-api03-fingerprint-two");
  char fa[24], fa2[24], fb[24];
  size_t i;
  (void)state;
  ap_secret_fingerprint(a, fa, sizeof(fa));
  ap_secret_fingerprint(a2, fa2, sizeof(fa2));
  ap_secret_fingerprint(b, fb, sizeof(fb));
  assert_int_equal(strlen(fa), 13);
  assert_memory_equal(fa, "sha256:", 7);
  for(i = 7; i < 13; i++)
    assert_true(isxdigit((unsigned char)fa[i]) &&
                !isupper((unsigned char)fa[i]));
  assert_string_equal(fa, fa2);
  assert_string_not_equal(fa, fb);
  /* the fingerprint never shows the key */
  assert_null(strstr(fa, "sk-"));
  ap_secret_free(a);
  ap_secret_free(a2);
  ap_secret_free(b);
}

static void test_fingerprint_known(void **state)
{
  /* sha256("abc") = ba7816bf... */
  struct ap_secret *s = make_secret("abc");
  char f[24];
  (void)state;
  ap_secret_fingerprint(s, f, sizeof(f));
  assert_string_equal(f, "sha256:ba7816");
  ap_secret_fingerprint(NULL, f, sizeof(f));
  assert_string_equal(f, "");
  ap_secret_free(s);
}

static void test_from_env(void **state)
{
  struct ap_secret *s = (struct ap_secret *)0x1;
  char err[256] = "";
  (void)state;

  assert_int_equal(unsetenv(TEST_ENV), 0);
  assert_int_equal(ap_secret_from_env(TEST_ENV, &s, err, sizeof(err)), 1);
  assert_null(s);

  setenv(TEST_ENV, "", 1);
  s = (struct ap_secret *)0x1;
  assert_int_equal(ap_secret_from_env(TEST_ENV, &s, err, sizeof(err)), 1);
  assert_null(s);

  assert_int_equal(ap_secret_from_env(NULL, &s, err, sizeof(err)), 1);
  assert_null(s);

  setenv(TEST_ENV, "sk-ant-api03-good", 1);
  assert_int_equal(ap_secret_from_env(TEST_ENV, &s, err, sizeof(err)), 0);
  assert_non_null(s);
  assert_string_equal(s->value, "sk-ant-api03-good");
  assert_int_equal(s->len, strlen("sk-ant-api03-good"));
  ap_secret_free(s);
}

static void test_from_env_bad(void **state)
{
  static const char *const bad[] = {"sk-ant\nX-Evil: 1", "sk-ant\r",
                                    "sk-\x01" "ant", "sk ant", "sk-ant\t",
                                    "sk-\x7f"};
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(bad); i++) {
    struct ap_secret *s = (struct ap_secret *)0x1;
    char err[256] = "";
    setenv(TEST_ENV, bad[i], 1);
    assert_int_equal(ap_secret_from_env(TEST_ENV, &s, err, sizeof(err)), -1);
    assert_null(s);
    assert_non_null(strstr(err, TEST_ENV));
  }
  unsetenv(TEST_ENV);
}

struct file_case {
  const char *name;
  const char *content;
  mode_t mode;
  int rc;
  const char *value; /* when rc == 0 */
  int mode_warn;
};

static void test_from_file(void **state)
{
  static const struct file_case cases[] = {
    {"plain", "sk-ant-api03-file", 0600, 0, "sk-ant-api03-file", 0},
    {"newline", "sk-ant-api03-file\n", 0600, 0, "sk-ant-api03-file", 0},
    {"crlf", "sk-ant-api03-file\r\n", 0600, 0, "sk-ant-api03-file", 0},
    {"spaces", "  sk-ant-api03-file \t\n", 0600, 0, "sk-ant-api03-file", 0},
    {"two lines", "sk-ant-api03-first\nsecond line\n", 0600, 0,
     "sk-ant-api03-first", 0},
    {"mode 0644", "sk-ant-api03-file\n", 0644, 0, "sk-ant-api03-file", 1},
    {"mode 0640", "sk-ant-api03-file\n", 0640, 0, "sk-ant-api03-file", 1},
    {"mode 0604", "sk-ant-api03-file\n", 0604, 0, "sk-ant-api03-file", 1},
    {"mode 0400", "sk-ant-api03-file\n", 0400, 0, "sk-ant-api03-file", 0},
    {"empty", "", 0600, -1, NULL, 0},
    {"only newline", "\n", 0600, -1, NULL, 0},
    {"only spaces", "   \n", 0600, -1, NULL, 0},
    {"empty first line", "\nsk-ant-api03-second\n", 0600, -1, NULL, 0},
    {"inner space", "sk-ant api03\n", 0600, -1, NULL, 0},
    {"control char", "sk-ant\x01" "api03\n", 0600, -1, NULL, 0},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    const struct file_case *c = &cases[i];
    char path[128];
    char err[256] = "";
    struct ap_secret *s = (struct ap_secret *)0x1;
    int warn = -1;
    int rc;
    write_file("key", c->content, strlen(c->content), c->mode, path,
               sizeof(path));
    rc = ap_secret_from_file(path, &s, &warn, err, sizeof(err));
    if(rc != c->rc)
      print_error("case '%s': rc %d err '%s'\n", c->name, rc, err);
    assert_int_equal(rc, c->rc);
    if(c->rc == 0) {
      assert_non_null(s);
      assert_string_equal(s->value, c->value);
      assert_int_equal(s->len, strlen(c->value));
      if(warn != c->mode_warn)
        print_error("case '%s': mode warning %d\n", c->name, warn);
      assert_int_equal(warn, c->mode_warn);
      ap_secret_free(s);
    } else {
      assert_null(s);
      assert_non_null(strstr(err, path));
    }
  }
}

static void test_from_file_missing(void **state)
{
  char path[128];
  char err[256] = "";
  struct ap_secret *s = (struct ap_secret *)0x1;
  int warn = -1;
  (void)state;
  snprintf(path, sizeof(path), "%s/does-not-exist", tmpdir);
  assert_int_equal(ap_secret_from_file(path, &s, &warn, err, sizeof(err)),
                   -1);
  assert_null(s);
  assert_non_null(strstr(err, path));

  /* a directory is not a key file */
  s = (struct ap_secret *)0x1;
  assert_int_equal(ap_secret_from_file(tmpdir, &s, &warn, err, sizeof(err)),
                   -1);
  assert_null(s);
  assert_non_null(strstr(err, tmpdir));
}

/* A FIFO (or any non-regular file) as key file is refused at once: a
 * blocking open() of a FIFO with no writer would stop the host daemon's
 * start (issue 13, defect 1). SIGALRM fails the test if it blocks. */
static void test_from_file_fifo(void **state)
{
  char path[128];
  char err[256] = "";
  struct ap_secret *s = (struct ap_secret *)0x1;
  int warn = -1;
  (void)state;
  snprintf(path, sizeof(path), "%s/fifo", tmpdir);
  unlink(path);
  assert_int_equal(mkfifo(path, 0600), 0);
  alarm(5);
  assert_int_equal(ap_secret_from_file(path, &s, &warn, err, sizeof(err)),
                   -1);
  alarm(0);
  assert_null(s);
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, "not a regular file"));
  /* a character device neither (/dev/zero would be read forever) */
  s = (struct ap_secret *)0x1;
  alarm(5);
  assert_int_equal(
    ap_secret_from_file("/dev/zero", &s, &warn, err, sizeof(err)), -1);
  alarm(0);
  assert_null(s);
  unlink(path);
}

static void test_from_file_sizes(void **state)
{
  static const size_t sizes[] = {AP_SECRET_MAX - 1, AP_SECRET_MAX,
                                 AP_SECRET_MAX + 1, AP_SECRET_MAX + 2, 5000,
                                 100000};
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(sizes); i++) {
    char *data = malloc(sizes[i]);
    char path[128];
    char err[256] = "";
    struct ap_secret *s = NULL;
    int warn;
    int rc;
    assert_non_null(data);
    memset(data, 'k', sizes[i]);
    write_file("big", data, sizes[i], 0600, path, sizeof(path));
    free(data);
    rc = ap_secret_from_file(path, &s, &warn, err, sizeof(err));
    if(sizes[i] <= AP_SECRET_MAX) {
      assert_int_equal(rc, 0);
      assert_int_equal(s->len, sizes[i]);
      ap_secret_free(s);
    } else {
      assert_int_equal(rc, -1);
      assert_null(s);
      assert_non_null(strstr(err, path));
    }
  }
}

struct redact_case {
  const char *text;
  const char *want;
};

/* Redact each case's text with KEY and compare. */
static void check_redact(const char *key, const struct redact_case *cases,
                         size_t n)
{
  struct ap_secret *s = make_secret(key);
  size_t i;
  for(i = 0; i < n; i++) {
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", cases[i].text);
    ap_redact(buf, sizeof(buf), s);
    if(strcmp(buf, cases[i].want))
      print_error("case %zu: '%s' -> '%s'\n", i, cases[i].text, buf);
    assert_string_equal(buf, cases[i].want);
    if(strlen(key) < AP_REDACT_RUN)
      assert_null(strstr(buf, key));
  }
  ap_secret_free(s);
}

static void test_redact(void **state)
{
  static const char key[] = "K3y-Value_0123";
  static const struct redact_case cases[] = {
    {"no key here", "no key here"},
    {"", ""},
    {"the key K3y-Value_0123 leaked", "the key [REDACTED] leaked"},
    {"K3y-Value_0123 at start", "[REDACTED] at start"},
    {"at end K3y-Value_0123", "at end [REDACTED]"},
    {"K3y-Value_0123", "[REDACTED]"},
    {"twice K3y-Value_0123 and K3y-Value_0123.",
     "twice [REDACTED] and [REDACTED]."},
    {"glued K3y-Value_0123K3y-Value_0123", "glued [REDACTED][REDACTED]"},
    {"x-api-key: K3y-Value_0123\r\n", "x-api-key: [REDACTED]\r\n"},
    /* a key-looking token, even when it is not the key */
    {"other sk-ant-api03-AbCdEf0123456789_xyz-Q here",
     "other [REDACTED] here"},
    {"sk-ant-api03-AbCdEf0123456789", "[REDACTED]"},
    {"key=sk-0123456789abcdef!", "key=[REDACTED]!"},
    /* too short, or not at a token start: left alone */
    {"short sk-abc stays", "short sk-abc stays"},
    {"sk-0123456789abcde", "sk-0123456789abcde"},
    {"task-0123456789abcdefghij", "task-0123456789abcdefghij"},
    {"partial K3y-Value_012 stays", "partial K3y-Value_012 stays"},
  };
  (void)state;
  check_redact(key, cases, N_ELEMS(cases));
}

/* Issue 13, defect 5: a key that does not start with sk- and was cut
 * (a message cut near it) still leaked its first characters. Any run of
 * 16 or more characters of the key is redacted now. */
static void test_redact_key_runs(void **state)
{
  static const char key[] =
    "gw-0123456789abcdef0123456789abcdef0123456789abcdefXYZ";
  static const struct redact_case cases[] = {
    /* the key's head, cut after 28 characters */
    {"invalid key gw-0123456789abcdef0123", "invalid key [REDACTED]"},
    /* 16 characters from its middle */
    {"echo 456789abcdef0123 end", "echo [REDACTED] end"},
    /* its tail */
    {"tail 3456789abcdefXYZ!", "tail [REDACTED]!"},
    /* 15 characters are not enough */
    {"gw-0123456789ab stays", "gw-0123456789ab stays"},
    {"the whole gw-0123456789abcdef0123456789abcdef0123456789abcdefXYZ.",
     "the whole [REDACTED]."},
  };
  (void)state;
  check_redact(key, cases, N_ELEMS(cases));
}

static void test_redact_without_key(void **state)
{
  char buf[128];
  (void)state;
  snprintf(buf, sizeof(buf), "token sk-ant-api03-0123456789abcdef ok");
  ap_redact(buf, sizeof(buf), NULL);
  assert_string_equal(buf, "token [REDACTED] ok");
  snprintf(buf, sizeof(buf), "nothing to hide");
  ap_redact(buf, sizeof(buf), NULL);
  assert_string_equal(buf, "nothing to hide");
  ap_redact(NULL, 10, NULL); /* accepted */
}

/* The mask is longer than a short key: the text must stay within CAP and
 * NUL-terminated, and the key must still be gone. */
static void test_redact_small_buffer(void **state)
{
  struct ap_secret *s = make_secret("abcd");
  char buf[16];
  (void)state;
  snprintf(buf, sizeof(buf), "abcd abcd abcd");
  ap_redact(buf, sizeof(buf), s);
  assert_true(strlen(buf) < sizeof(buf));
  assert_null(strstr(buf, "abcd"));
  assert_int_equal(strncmp(buf, "[REDACTED]", 10), 0);
  ap_secret_free(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fingerprint),
    cmocka_unit_test(test_fingerprint_known),
    cmocka_unit_test(test_from_env),
    cmocka_unit_test(test_from_env_bad),
    cmocka_unit_test(test_from_file),
    cmocka_unit_test(test_from_file_missing),
    cmocka_unit_test(test_from_file_fifo),
    cmocka_unit_test(test_from_file_sizes),
    cmocka_unit_test(test_redact),
    cmocka_unit_test(test_redact_key_runs),
    cmocka_unit_test(test_redact_without_key),
    cmocka_unit_test(test_redact_small_buffer),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
