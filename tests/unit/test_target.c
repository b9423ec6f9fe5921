/* test_target.c -- plugin/target.c and option.c: defaults,
 * ap_target_set() for every option with good and bad values (the error
 * names the option and the target is left unchanged), URL normalisation,
 * option-name spelling, ap_target_finish() (key from file/env, exclusive
 * options) and free+reuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "secret.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define TEST_KEY_ENV "AP_UNIT_TARGET_KEY"

static char tmpdir[64];

static int group_setup(void **state)
{
  (void)state;
  if(curl_global_init(CURL_GLOBAL_DEFAULT))
    return -1;
  unsetenv("ANTHROPIC_API_KEY");
  unsetenv(TEST_KEY_ENV);
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/ap-unit-target-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
  char cmd[128];
  (void)state;
  unsetenv(TEST_KEY_ENV);
  curl_global_cleanup();
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_defaults(void **state)
{
  struct ap_target t;
  (void)state;
  memset(&t, 0x5a, sizeof(t));
  ap_target_init(&t);
  assert_int_equal(t.min_tls, 12);
  assert_true(t.connect_timeout_s == 5);
  assert_true(t.timeout_s == 10);
  assert_true(t.cert_warn_days == 21);
  assert_true(t.cert_crit_days == 7);
  assert_int_equal(t.ip_family, 0);
  assert_int_equal(t.insecure, 0);
  assert_int_equal(t.resolve_count, 0);
  assert_null(t.url);
  assert_null(t.proxy);
  assert_null(t.noproxy);
  assert_null(t.key);
  assert_null(t.prober);
  assert_string_equal(t.key_source, "none");
  ap_target_free(&t); /* an only-initialised target is accepted */
}

struct set_case {
  const char *name;
  const char *value;
  enum ap_code rc;
  const char *err_has; /* substring of the message when rc != AP_OK */
};

static const struct set_case set_cases[] = {
  /* seconds */
  {"timeout", "3", AP_OK, NULL},
  {"timeout", "2.5", AP_OK, NULL},
  {"timeout", "0.001", AP_OK, NULL},
  {"timeout", "3600", AP_OK, NULL},
  {"timeout", "abc", AP_E_ARG, "--timeout"},
  {"timeout", "-1", AP_E_ARG, "--timeout"},
  {"timeout", "0", AP_E_ARG, "--timeout"},
  {"timeout", "1e9", AP_E_ARG, "--timeout"},
  {"timeout", "5x", AP_E_ARG, "--timeout"},
  {"timeout", "", AP_E_ARG, "--timeout"},
  {"timeout", " 5", AP_E_ARG, "--timeout"},
  {"timeout", "nan", AP_E_ARG, "--timeout"},
  {"timeout", "inf", AP_E_ARG, "--timeout"},
  {"connect-timeout", "2", AP_OK, NULL},
  {"connect-timeout", "0", AP_E_ARG, "--connect-timeout"},
  {"connect-timeout", "3601", AP_E_ARG, "--connect-timeout"},
  /* days */
  {"cert-warn-days", "30", AP_OK, NULL},
  {"cert-warn-days", "0", AP_OK, NULL},
  {"cert-warn-days", "3650", AP_OK, NULL},
  {"cert-warn-days", "-1", AP_E_ARG, "--cert-warn-days"},
  {"cert-warn-days", "3651", AP_E_ARG, "--cert-warn-days"},
  {"cert-crit-days", "x", AP_E_ARG, "--cert-crit-days"},
  {"cert-crit-days", "1.5", AP_OK, NULL},
  /* TLS version */
  {"min-tls", "1.0", AP_OK, NULL},
  {"min-tls", "1.1", AP_OK, NULL},
  {"min-tls", "1.2", AP_OK, NULL},
  {"min-tls", "1.3", AP_OK, NULL},
  {"min-tls", "1.4", AP_E_ARG, "--min-tls"},
  {"min-tls", "1", AP_E_ARG, "--min-tls"},
  {"min-tls", "TLSv1.2", AP_E_ARG, "--min-tls"},
  {"min-tls", "", AP_E_ARG, "--min-tls"},
  /* flags */
  {"insecure", "", AP_OK, NULL},
  {"insecure", "yes", AP_OK, NULL},
  {"insecure", "off", AP_OK, NULL},
  {"insecure", "maybe", AP_E_ARG, "--insecure"},
  {"ipv4", "1", AP_OK, NULL},
  {"ipv4", "2", AP_E_ARG, "--ipv4"},
  {"ipv6", "true", AP_OK, NULL},
  {"ipv6", "nope", AP_E_ARG, "--ipv6"},
  /* url */
  {"url", "https://api.anthropic.com/v1/models?limit=1", AP_OK, NULL},
  {"url", "https://h", AP_OK, NULL},
  {"url", "https://h:8443/custom?x=1", AP_OK, NULL},
  {"url", "https://[::1]:8443/", AP_OK, NULL},
  {"url", "http://x", AP_E_ARG, "--url"},
  {"url", "ftp://x/", AP_E_ARG, "--url"},
  {"url", "not a url", AP_E_ARG, "--url"},
  {"url", "", AP_E_ARG, "--url"},
  {"url", "https://", AP_E_ARG, "--url"},
  {"url", "https://user:pw@host/", AP_E_ARG, "--url"},
  {"url", "https://user@host/", AP_E_ARG, "--url"},
  {"url", "https://h/\r\nx-injected: 1", AP_E_ARG, "--url"},
  /* resolve */
  {"resolve", "h:443:127.0.0.1", AP_OK, NULL},
  {"resolve", "h:443:[::1]", AP_OK, NULL},
  {"resolve", "h:443:127.0.0.1,[::1]", AP_OK, NULL},
  {"resolve", "h:443:::1", AP_OK, NULL},
  {"resolve", "h:443:notanip", AP_E_ARG, "--resolve"},
  {"resolve", "h:99999:1.2.3.4", AP_E_ARG, "--resolve"},
  {"resolve", "h:0:1.2.3.4", AP_E_ARG, "--resolve"},
  {"resolve", "h:x:1.2.3.4", AP_E_ARG, "--resolve"},
  {"resolve", "h::1.2.3.4", AP_E_ARG, "--resolve"},
  {"resolve", ":443:1.2.3.4", AP_E_ARG, "--resolve"},
  {"resolve", "h:443", AP_E_ARG, "--resolve"},
  {"resolve", "h:443:", AP_E_ARG, "--resolve"},
  {"resolve", "h:443:1.2.3.4,", AP_E_ARG, "--resolve"},
  {"resolve", "h:443:1.2.3.4,,5.6.7.8", AP_E_ARG, "--resolve"},
  {"resolve", "h:443:1.2.3.256", AP_E_ARG, "--resolve"},
  {"resolve", "h:443:[1.2.3.4]", AP_E_ARG, "--resolve"},
  {"resolve", "", AP_E_ARG, "--resolve"},
  /* proxy */
  {"proxy", "http://p:3128", AP_OK, NULL},
  {"proxy", "https://p:3129", AP_OK, NULL},
  {"proxy", "http://user:pw@p:3128", AP_OK, NULL},
  {"proxy", "", AP_OK, NULL},
  {"proxy", "ftp://p", AP_E_ARG, "--proxy"},
  {"proxy", "socks5://p:1080", AP_E_ARG, "--proxy"},
  {"proxy", "http://p:3128\n", AP_E_ARG, "--proxy"},
  {"proxy", "http://", AP_E_ARG, "--proxy"},
  /* names, env names, paths */
  {"name", "prod-eu", AP_OK, NULL},
  {"name", "", AP_E_ARG, "--name"},
  {"name", "a\nb", AP_E_ARG, "--name"},
  {"noproxy", "", AP_OK, NULL},
  {"noproxy", "localhost,.internal", AP_OK, NULL},
  {"noproxy", "a\tb", AP_E_ARG, "--noproxy"},
  {"key-env", "MY_KEY", AP_OK, NULL},
  {"key-env", "_K1", AP_OK, NULL},
  {"key-env", "1BAD", AP_E_ARG, "--key-env"},
  {"key-env", "BAD-NAME", AP_E_ARG, "--key-env"},
  {"key-env", "BAD NAME", AP_E_ARG, "--key-env"},
  {"key-env", "", AP_E_ARG, "--key-env"},
  {"key-file", "/etc/apiprobe/key", AP_OK, NULL},
  {"key-file", "", AP_E_ARG, "--key-file"},
  {"key-file", "a\nb", AP_E_ARG, "--key-file"},
  {"ca-file", "/etc/ssl/certs/ca-certificates.crt", AP_OK, NULL},
  {"ca-file", "", AP_E_ARG, "--ca-file"},
  {"anthropic-version", "2023-06-01", AP_OK, NULL},
  {"anthropic-version", "", AP_E_ARG, "--anthropic-version"},
  {"anthropic-version", "2023\r\nx: y", AP_E_ARG, "--anthropic-version"},
  /* unknown names */
  {"bogus-option", "1", AP_E_ARG, "bogus-option"},
  {"", "1", AP_E_ARG, "unknown"},
  {"time-out", "1", AP_E_ARG, "time-out"},
};

static void test_set_table(void **state)
{
  size_t i;
  int bad = 0;
  (void)state;
  for(i = 0; i < N_ELEMS(set_cases); i++) {
    const struct set_case *c = &set_cases[i];
    struct ap_target t;
    struct ap_target before;
    char err[256] = "";
    enum ap_code rc;
    ap_target_init(&t);
    before = t;
    rc = ap_target_set(&t, c->name, c->value, err, sizeof(err));
    if(rc != c->rc) {
      print_error("case %zu %s='%s': %s (%s), want %s\n", i, c->name,
                  c->value, ap_code_name(rc), err, ap_code_name(c->rc));
      bad++;
    } else if(rc != AP_OK && !strstr(err, c->err_has)) {
      print_error("case %zu %s='%s': message '%s' lacks '%s'\n", i, c->name,
                  c->value, err, c->err_has);
      bad++;
    } else if(rc != AP_OK && memcmp(&t, &before, sizeof(t))) {
      print_error("case %zu %s='%s': the target changed on error\n", i,
                  c->name, c->value);
      bad++;
    }
    ap_target_free(&t);
  }
  assert_int_equal(bad, 0);
}

static void test_set_values(void **state)
{
  struct ap_target t;
  char err[256];
  (void)state;
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "timeout", "2.5", err, sizeof(err)),
                   AP_OK);
  assert_true(t.timeout_s == 2.5);
  assert_int_equal(
    ap_target_set(&t, "connect-timeout", "1.25", err, sizeof(err)), AP_OK);
  assert_true(t.connect_timeout_s == 1.25);
  assert_int_equal(ap_target_set(&t, "min-tls", "1.3", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(t.min_tls, 13);
  assert_int_equal(ap_target_set(&t, "min-tls", "1.0", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(t.min_tls, 10);
  assert_int_equal(ap_target_set(&t, "insecure", "", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(t.insecure, 1);
  assert_int_equal(ap_target_set(&t, "insecure", "no", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(t.insecure, 0);
  assert_int_equal(ap_target_set(&t, "ipv4", "", err, sizeof(err)), AP_OK);
  assert_int_equal(t.ip_family, 4);
  assert_int_equal(ap_target_set(&t, "ipv6", "", err, sizeof(err)), AP_OK);
  assert_int_equal(t.ip_family, 6);
  /* turning ipv4 off does not clear ipv6 */
  assert_int_equal(ap_target_set(&t, "ipv4", "0", err, sizeof(err)), AP_OK);
  assert_int_equal(t.ip_family, 6);
  assert_int_equal(ap_target_set(&t, "ipv6", "0", err, sizeof(err)), AP_OK);
  assert_int_equal(t.ip_family, 0);
  assert_int_equal(
    ap_target_set(&t, "cert-warn-days", "30", err, sizeof(err)), AP_OK);
  assert_true(t.cert_warn_days == 30);
  assert_int_equal(ap_target_set(&t, "name", "prod", err, sizeof(err)),
                   AP_OK);
  assert_string_equal(t.name, "prod");
  assert_int_equal(ap_target_set(&t, "name", "again", err, sizeof(err)),
                   AP_OK);
  assert_string_equal(t.name, "again");
  assert_int_equal(ap_target_set(&t, "proxy", "http://p:3128", err,
                                 sizeof(err)),
                   AP_OK);
  assert_string_equal(t.proxy, "http://p:3128");
  assert_int_equal(ap_target_set(&t, "proxy", "", err, sizeof(err)), AP_OK);
  assert_non_null(t.proxy);
  assert_string_equal(t.proxy, "");
  assert_int_equal(ap_target_set(&t, "key-env", "MY_KEY", err, sizeof(err)),
                   AP_OK);
  assert_string_equal(t.key_env, "MY_KEY");

  /* a bad value keeps the previous one */
  assert_int_equal(ap_target_set(&t, "timeout", "abc", err, sizeof(err)),
                   AP_E_ARG);
  assert_true(t.timeout_s == 2.5);
  assert_int_equal(ap_target_set(&t, "name", "", err, sizeof(err)),
                   AP_E_ARG);
  assert_string_equal(t.name, "again");
  ap_target_free(&t);
}

struct url_case {
  const char *in;
  const char *want;
  const char *provider; /* NULL: anthropic */
};

static void test_url_normalise(void **state)
{
  static const struct url_case cases[] = {
    {"https://h", "https://h/v1/models?limit=1", NULL},
    {"https://h/", "https://h/v1/models?limit=1", NULL},
    {"https://h:8443", "https://h:8443/v1/models?limit=1", NULL},
    {"https://h/#frag", "https://h/v1/models?limit=1", NULL},
    {"https://h/custom?x=1", "https://h/custom?x=1", NULL},
    {"https://h/custom", "https://h/custom", NULL},
    {"https://h/v1/models?limit=1#frag", "https://h/v1/models?limit=1", NULL},
    {"https://h/?x=1", "https://h/?x=1", NULL},
    {"HTTPS://H/v1/models", "https://H/v1/models", NULL},
    /* the probe path is the provider's, chosen at ap_target_finish */
    {"https://h", "https://h/v1/models", "openai"},
    {"https://h", "https://h/", "https"},
    {"https://h/health", "https://h/health", "https"},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    struct ap_target t;
    char err[256] = "";
    ap_target_init(&t);
    assert_int_equal(ap_target_set(&t, "url", cases[i].in, err, sizeof(err)),
                     AP_OK);
    if(cases[i].provider)
      assert_int_equal(ap_target_set(&t, "provider", cases[i].provider, err,
                                     sizeof(err)),
                       AP_OK);
    assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
    if(strcmp(t.url, cases[i].want))
      print_error("case %zu '%s' -> '%s'\n", i, cases[i].in, t.url);
    assert_string_equal(t.url, cases[i].want);
    ap_target_free(&t);
  }
}

/* wrong answer 2: a Statuspage's base address (what a user copies from
 * the browser) reads its summary.json, as the summary URL itself does */
static void test_status_page_base(void **state)
{
  static const struct url_case cases[] = {
    {"https://status.example.com",
     "https://status.example.com/api/v2/summary.json", NULL},
    {"https://status.example.com/",
     "https://status.example.com/api/v2/summary.json", NULL},
    {"https://status.example.com/api/v2/summary.json",
     "https://status.example.com/api/v2/summary.json", NULL},
    {"https://example.statuspage.io/pages/x/",
     "https://example.statuspage.io/pages/x/api/v2/summary.json", NULL},
    {"https://status.example.com/api/v2/status.json",
     "https://status.example.com/api/v2/status.json", NULL},
    {"anthropic", "https://status.claude.com/api/v2/summary.json", NULL},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    struct ap_target t;
    char err[256] = "";
    ap_target_init(&t);
    assert_int_equal(
      ap_target_set(&t, "status-page", cases[i].in, err, sizeof(err)),
      AP_OK);
    assert_string_equal(t.status_page, cases[i].want);
    ap_target_free(&t);
  }
  {
    struct ap_target t;
    char err[256] = "";
    ap_target_init(&t);
    assert_int_equal(ap_target_set(&t, "status-page", "http://status.x",
                                   err, sizeof(err)),
                     AP_E_ARG);
    assert_non_null(strstr(err, "base address"));
    ap_target_free(&t);
  }
}

static void test_url_credentials_message(void **state)
{
  struct ap_target t;
  char err[256] = "";
  (void)state;
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "url", "https://user:pw@host/", err,
                                 sizeof(err)),
                   AP_E_ARG);
  assert_non_null(strstr(err, "credentials"));
  assert_null(strstr(err, "pw")); /* the password is not echoed */
  assert_null(t.url);
  ap_target_free(&t);
}

static void test_resolve_entries(void **state)
{
  struct ap_target t;
  char err[256];
  char v[64];
  int i;
  (void)state;
  ap_target_init(&t);
  for(i = 0; i < AP_MAX_RESOLVE; i++) {
    snprintf(v, sizeof(v), "h%d:443:127.0.0.%d", i, i + 1);
    assert_int_equal(ap_target_set(&t, "resolve", v, err, sizeof(err)),
                     AP_OK);
  }
  assert_int_equal(t.resolve_count, AP_MAX_RESOLVE);
  assert_string_equal(t.resolve[0], "h0:443:127.0.0.1");
  assert_int_equal(
    ap_target_set(&t, "resolve", "x:443:127.0.0.1", err, sizeof(err)),
    AP_E_ARG);
  assert_non_null(strstr(err, "--resolve"));
  assert_int_equal(t.resolve_count, AP_MAX_RESOLVE);
  ap_target_free(&t);
  assert_int_equal(t.resolve_count, 0);
}

static void test_option_names(void **state)
{
  static const char *const spellings[] = {"Connect_Timeout",
                                          "CONNECT-TIMEOUT", "connect_timeout",
                                          "connect-timeout"};
  struct ap_target t;
  char err[256] = "";
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(spellings); i++) {
    ap_target_init(&t);
    assert_int_equal(ap_target_set(&t, spellings[i], "3", err, sizeof(err)),
                     AP_OK);
    assert_true(t.connect_timeout_s == 3);
    ap_target_free(&t);
  }
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "Key_Env", "K", err, sizeof(err)),
                   AP_OK);
  assert_string_equal(t.key_env, "K");
  assert_int_equal(ap_target_set(&t, "no-such", "3", err, sizeof(err)),
                   AP_E_ARG);
  assert_non_null(strstr(err, "no-such"));
  assert_int_equal(ap_target_set(&t, NULL, "3", err, sizeof(err)), AP_E_ARG);
  assert_int_equal(ap_target_set(&t, "timeout", NULL, err, sizeof(err)),
                   AP_E_ARG);
  ap_target_free(&t);
}

static void test_option_table(void **state)
{
  size_t i;
  (void)state;
  assert_int_equal(ap_option_is_flag("insecure"), 1);
  assert_int_equal(ap_option_is_flag("ipv4"), 1);
  assert_int_equal(ap_option_is_flag("IPv6"), 1);
  assert_int_equal(ap_option_is_flag("url"), 0);
  assert_int_equal(ap_option_is_flag("timeout"), 0);
  assert_int_equal(ap_option_is_flag("key_file"), 0);
  assert_int_equal(ap_option_is_flag("nope"), -1);
  assert_int_equal(ap_option_is_flag(""), -1);
  /* every row has a name and help, and flags have no argument name */
  for(i = 0; ap_option_get(i); i++) {
    const struct ap_option_info *o = ap_option_get(i);
    assert_non_null(o->name);
    assert_non_null(o->help);
    assert_true(o->help[0] != '\0');
    assert_int_equal(ap_option_is_flag(o->name), o->arg == NULL);
  }
  assert_true(i >= 17);
  assert_null(ap_option_get(i));
  assert_null(ap_option_get(10000));
}

/* Write a key file with MODE into tmpdir; path into OUT. */
static void key_file(const char *name, const char *data, mode_t mode,
                     char *out, size_t outlen)
{
  int fd;
  snprintf(out, outlen, "%s/%s", tmpdir, name);
  unlink(out);
  fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

static void test_finish_defaults(void **state)
{
  struct ap_target t;
  char err[256] = "";
  (void)state;
  unsetenv("ANTHROPIC_API_KEY");
  ap_target_init(&t);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_string_equal(t.url, "https://api.anthropic.com/v1/models?limit=1");
  assert_string_equal(t.name, "api.anthropic.com");
  assert_string_equal(t.anthropic_version, "2023-06-01");
  assert_null(t.key);
  assert_string_equal(t.key_source, "none");
  assert_string_equal(t.key_fingerprint, "");
  ap_target_free(&t);

  /* connect timeout is capped by the whole timeout */
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "timeout", "2", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_true(t.connect_timeout_s == 2);
  ap_target_free(&t);

  /* the name defaults to the URL's host, brackets removed */
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "url", "https://[::1]:8443/", err,
                                 sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_string_equal(t.name, "::1");
  ap_target_free(&t);
}

static void test_finish_key_file(void **state)
{
  struct ap_target t;
  struct ap_secret ref;
  char path[128], want_src[160], want_fp[24];
  char err[256] = "";
  (void)state;
  key_file("key600", "sk-ant-api03-from-file\n", 0600, path, sizeof(path));
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "key-file", path, err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_non_null(t.key);
  assert_string_equal(t.key->value, "sk-ant-api03-from-file");
  snprintf(want_src, sizeof(want_src), "file:%s", path);
  assert_string_equal(t.key_source, want_src);
  ref.value = (char *)(uintptr_t) "sk-ant-api03-from-file";
  ref.len = strlen(ref.value);
  ap_secret_fingerprint(&ref, want_fp, sizeof(want_fp));
  assert_string_equal(t.key_fingerprint, want_fp);
  assert_int_equal(strncmp(t.key_fingerprint, "sha256:", 7), 0);
  assert_int_equal(t.key_file_mode_warning, 0);
  ap_target_free(&t);

  key_file("key644", "sk-ant-api03-from-file\n", 0644, path, sizeof(path));
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "key-file", path, err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_int_equal(t.key_file_mode_warning, 1);
  ap_target_free(&t);

  /* a missing key file is an I/O error naming it */
  snprintf(path, sizeof(path), "%s/missing", tmpdir);
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "key-file", path, err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_E_IO);
  assert_non_null(strstr(err, path));
  assert_null(t.key);
  ap_target_free(&t);
}

/* A FIFO as --ca-file is refused by ap_target_finish() (access() let it
 * through) and the trust store never blocks on one: OpenSSL would read
 * it past --timeout (issue 13, defect 1). SIGALRM fails a blocked test. */
static void test_finish_ca_file_fifo(void **state)
{
  struct ap_target t;
  char path[128];
  char err[256] = "";
  void *store;
  (void)state;
  snprintf(path, sizeof(path), "%s/ca-fifo", tmpdir);
  unlink(path);
  assert_int_equal(mkfifo(path, 0600), 0);
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "ca-file", path, err, sizeof(err)),
                   AP_OK);
  alarm(5);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_E_IO);
  alarm(0);
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, "not a regular file"));
  ap_target_free(&t);
  alarm(5);
  store = ap_tls_store_new(path, err, sizeof(err));
  alarm(0);
  assert_null(store);
  assert_non_null(strstr(err, "not a regular file"));
  unlink(path);
}

static void test_finish_key_env(void **state)
{
  struct ap_target t;
  char err[256] = "";
  char fp[24];
  (void)state;
  setenv(TEST_KEY_ENV, "sk-ant-api03-from-env", 1);
  ap_target_init(&t);
  assert_int_equal(
    ap_target_set(&t, "key-env", TEST_KEY_ENV, err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_non_null(t.key);
  assert_string_equal(t.key->value, "sk-ant-api03-from-env");
  assert_string_equal(t.key_source, "env:" TEST_KEY_ENV);
  assert_int_equal(strlen(t.key_fingerprint), 13);
  snprintf(fp, sizeof(fp), "%s", t.key_fingerprint);

  /* finishing again reloads the key: same fingerprint, no leak */
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_string_equal(t.key_fingerprint, fp);
  ap_target_free(&t);

  /* the default variable */
  setenv("ANTHROPIC_API_KEY", "sk-ant-api03-default", 1);
  ap_target_init(&t);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_string_equal(t.key_source, "env:ANTHROPIC_API_KEY");
  assert_non_null(t.key);
  assert_string_not_equal(t.key_fingerprint, fp);
  ap_target_free(&t);
  unsetenv("ANTHROPIC_API_KEY");

  /* a key with a newline in it is a config error */
  setenv(TEST_KEY_ENV, "sk-ant\nX-Evil: 1", 1);
  ap_target_init(&t);
  assert_int_equal(
    ap_target_set(&t, "key-env", TEST_KEY_ENV, err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_E_CONFIG);
  assert_null(t.key);
  ap_target_free(&t);

  /* an unset variable: no key, not an error */
  unsetenv(TEST_KEY_ENV);
  ap_target_init(&t);
  assert_int_equal(
    ap_target_set(&t, "key-env", TEST_KEY_ENV, err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_null(t.key);
  assert_string_equal(t.key_source, "none");
  ap_target_free(&t);
}

static void test_finish_conflicts(void **state)
{
  struct ap_target t;
  char path[128];
  char err[256] = "";
  (void)state;
  key_file("keyx", "sk-ant-api03-x\n", 0600, path, sizeof(path));
  setenv(TEST_KEY_ENV, "sk-ant-api03-y", 1);
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "key-file", path, err, sizeof(err)),
                   AP_OK);
  assert_int_equal(
    ap_target_set(&t, "key-env", TEST_KEY_ENV, err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_E_CONFIG);
  assert_non_null(strstr(err, "--key-file"));
  assert_non_null(strstr(err, "--key-env"));
  assert_null(t.key);
  ap_target_free(&t);
  unsetenv(TEST_KEY_ENV);

  ap_target_init(&t);
  assert_int_equal(
    ap_target_set(&t, "cert-crit-days", "30", err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_E_CONFIG);
  assert_non_null(strstr(err, "--cert-crit-days"));
  ap_target_free(&t);

  /* equal is fine */
  ap_target_init(&t);
  assert_int_equal(
    ap_target_set(&t, "cert-crit-days", "21", err, sizeof(err)), AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  ap_target_free(&t);

  /* an unreadable CA file */
  snprintf(path, sizeof(path), "%s/no-ca.pem", tmpdir);
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "ca-file", path, err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_E_IO);
  assert_non_null(strstr(err, "--ca-file"));
  ap_target_free(&t);
}

static void test_free_and_reuse(void **state)
{
  struct ap_target t;
  char path[128];
  char err[256] = "";
  (void)state;
  key_file("reuse", "sk-ant-api03-reuse\n", 0600, path, sizeof(path));
  ap_target_init(&t);
  assert_int_equal(ap_target_set(&t, "url", "https://h", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_set(&t, "resolve", "h:443:127.0.0.1", err,
                                 sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_set(&t, "proxy", "http://p:1", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_set(&t, "noproxy", "x", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_set(&t, "ca-file", path, err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_set(&t, "key-file", path, err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_set(&t, "timeout", "3", err, sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_non_null(t.key);
  ap_target_free(&t);
  /* back to the defaults, owning nothing */
  assert_null(t.url);
  assert_null(t.name);
  assert_null(t.proxy);
  assert_null(t.key);
  assert_null(t.key_file);
  assert_int_equal(t.resolve_count, 0);
  assert_true(t.timeout_s == 10);
  assert_string_equal(t.key_source, "none");
  assert_string_equal(t.key_fingerprint, "");
  /* and usable again */
  assert_int_equal(ap_target_set(&t, "url", "https://other", err,
                                 sizeof(err)),
                   AP_OK);
  assert_int_equal(ap_target_finish(&t, err, sizeof(err)), AP_OK);
  assert_string_equal(t.name, "other");
  ap_target_free(&t);
  ap_target_free(&t); /* twice is harmless */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_set_table),
    cmocka_unit_test(test_set_values),
    cmocka_unit_test(test_url_normalise),
    cmocka_unit_test(test_status_page_base),
    cmocka_unit_test(test_url_credentials_message),
    cmocka_unit_test(test_resolve_entries),
    cmocka_unit_test(test_option_names),
    cmocka_unit_test(test_option_table),
    cmocka_unit_test(test_finish_defaults),
    cmocka_unit_test(test_finish_key_file),
    cmocka_unit_test(test_finish_ca_file_fifo),
    cmocka_unit_test(test_finish_key_env),
    cmocka_unit_test(test_finish_conflicts),
    cmocka_unit_test(test_free_and_reuse),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
