/* test_strutil.c -- common/strutil.c: strict number parsing (trailing junk,
 * empty, spaces, nan/inf, range), flag words, option-name comparison,
 * trimming, bounded copies and the control-character check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct double_case {
  const char *in;
  double min, max;
  int rc;
  double want;
};

static void test_parse_double(void **state)
{
  static const struct double_case cases[] = {
    {"1", 0, 10, 0, 1},
    {"1.5", 0, 10, 0, 1.5},
    {"0.001", 0.001, 3600, 0, 0.001},
    {"3600", 0.001, 3600, 0, 3600},
    {"-2.5", -10, 10, 0, -2.5},
    {"+2", 0, 10, 0, 2},
    {"1e3", 0, 1e9, 0, 1000},
    {".5", 0, 1, 0, 0.5},
    /* trailing junk, empty, spaces */
    {"5x", 0, 10, -1, 0},
    {"1.5.", 0, 10, -1, 0},
    {"1,5", 0, 10, -1, 0},
    {"", 0, 10, -1, 0},
    {" 1", 0, 10, -1, 0},
    {"1 ", 0, 10, -1, 0},
    {"\t1", 0, 10, -1, 0},
    {"1\n", 0, 10, -1, 0},
    {"abc", 0, 10, -1, 0},
    {"-", 0, 10, -1, 0},
    {".", 0, 10, -1, 0},
    /* not finite */
    {"nan", -1e300, 1e300, -1, 0},
    {"NaN", -1e300, 1e300, -1, 0},
    {"inf", -1e300, 1e300, -1, 0},
    {"-infinity", -1e300, 1e300, -1, 0},
    {"1e999", -1e300, 1e300, -1, 0},
    /* out of range */
    {"0", 0.001, 3600, -1, 0},
    {"-1", 0.001, 3600, -1, 0},
    {"3600.5", 0.001, 3600, -1, 0},
    {"1e9", 0.001, 3600, -1, 0},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    double out = -12345;
    int rc = ap_parse_double(cases[i].in, cases[i].min, cases[i].max, &out);
    if(rc != cases[i].rc)
      print_error("case %zu '%s': rc %d\n", i, cases[i].in, rc);
    assert_int_equal(rc, cases[i].rc);
    if(rc == 0)
      assert_true(fabs(out - cases[i].want) < 1e-12);
    else
      assert_true(out == -12345); /* untouched on failure */
  }
  assert_int_equal(ap_parse_double(NULL, 0, 1, NULL), -1);
}

struct long_case {
  const char *in;
  long min, max;
  int rc;
  long want;
};

static void test_parse_long(void **state)
{
  static const struct long_case cases[] = {
    {"0", 0, 10, 0, 0},
    {"443", 1, 65535, 0, 443},
    {"65535", 1, 65535, 0, 65535},
    {"-5", -10, 10, 0, -5},
    {"+7", 0, 10, 0, 7},
    {"007", 0, 10, 0, 7},
    {"65536", 1, 65535, -1, 0},
    {"0", 1, 65535, -1, 0},
    {"-1", 0, 10, -1, 0},
    {"99999999999999999999999", LONG_MIN, LONG_MAX, -1, 0},
    {"-99999999999999999999999", LONG_MIN, LONG_MAX, -1, 0},
    {"12x", 0, 100, -1, 0},
    {"1.0", 0, 100, -1, 0},
    {"1e3", 0, 10000, -1, 0},
    {"", 0, 100, -1, 0},
    {" 12", 0, 100, -1, 0},
    {"12 ", 0, 100, -1, 0},
    {"x", 0, 100, -1, 0},
    {"nan", 0, 100, -1, 0},
    {"inf", 0, 100, -1, 0},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    long out = -12345;
    int rc = ap_parse_long(cases[i].in, cases[i].min, cases[i].max, &out);
    if(rc != cases[i].rc)
      print_error("case %zu '%s': rc %d\n", i, cases[i].in, rc);
    assert_int_equal(rc, cases[i].rc);
    assert_int_equal(out, rc == 0 ? cases[i].want : -12345);
  }
  assert_int_equal(ap_parse_long(NULL, 0, 1, NULL), -1);
}

struct bool_case {
  const char *in;
  int rc;
  int want;
};

static void test_parse_bool(void **state)
{
  static const struct bool_case cases[] = {
    {"", 0, 1},      {"1", 0, 1},      {"true", 0, 1},   {"TRUE", 0, 1},
    {"yes", 0, 1},   {"Yes", 0, 1},    {"on", 0, 1},     {"ON", 0, 1},
    {"0", 0, 0},     {"false", 0, 0},  {"False", 0, 0},  {"no", 0, 0},
    {"NO", 0, 0},    {"off", 0, 0},    {"Off", 0, 0},    {"2", -1, 0},
    {"maybe", -1, 0}, {"y", -1, 0},    {"t", -1, 0},     {" yes", -1, 0},
    {"yes ", -1, 0}, {"truee", -1, 0}, {"01", -1, 0},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    int out = -7;
    int rc = ap_parse_bool(cases[i].in, &out);
    if(rc != cases[i].rc)
      print_error("case %zu '%s': rc %d\n", i, cases[i].in, rc);
    assert_int_equal(rc, cases[i].rc);
    assert_int_equal(out, rc == 0 ? cases[i].want : -7);
  }
  assert_int_equal(ap_parse_bool(NULL, NULL), -1);
}

struct eq_case {
  const char *a, *b;
  int want;
};

static void test_optname_eq(void **state)
{
  static const struct eq_case cases[] = {
    {"ca_file", "CA-File", 1},
    {"ca-file", "ca-file", 1},
    {"connect-timeout", "Connect_Timeout", 1},
    {"key_env", "KEY_ENV", 1},
    {"", "", 1},
    {"ca-file", "ca-files", 0},
    {"ca-files", "ca-file", 0},
    {"ca-file", "cafile", 0},
    {"ca-file", "ca.file", 0},
    {"url", "", 0},
    {"", "url", 0},
    {"timeout", "connect-timeout", 0},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    int got = ap_optname_eq(cases[i].a, cases[i].b);
    if(!!got != cases[i].want)
      print_error("case %zu '%s' '%s': %d\n", i, cases[i].a, cases[i].b,
                  got);
    assert_int_equal(!!got, cases[i].want);
    assert_int_equal(!!ap_optname_eq(cases[i].b, cases[i].a),
                     cases[i].want);
  }
}

struct trim_case {
  const char *in;
  const char *want;
};

static void test_trim(void **state)
{
  static const struct trim_case cases[] = {
    {"abc", "abc"},
    {"  abc", "abc"},
    {"abc  ", "abc"},
    {" \t a b \r\n", "a b"},
    {"", ""},
    {"   ", ""},
    {"\n", ""},
    {"x", "x"},
    {" x ", "x"},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    char buf[64];
    char *r;
    snprintf(buf, sizeof(buf), "%s", cases[i].in);
    r = ap_trim(buf);
    assert_ptr_equal(r, buf);
    assert_string_equal(buf, cases[i].want);
  }
}

static void test_strlcpy(void **state)
{
  char buf[8];
  (void)state;
  memset(buf, 'Z', sizeof(buf));
  assert_int_equal(ap_strlcpy(buf, "abc", sizeof(buf)), 3);
  assert_string_equal(buf, "abc");
  assert_int_equal(ap_strlcpy(buf, "abcdefgh", sizeof(buf)), 8);
  assert_string_equal(buf, "abcdefg");
  assert_int_equal(ap_strlcpy(buf, "", sizeof(buf)), 0);
  assert_string_equal(buf, "");
  buf[0] = 'Q';
  assert_int_equal(ap_strlcpy(buf, "xyz", 0), 3);
  assert_int_equal(buf[0], 'Q');
  assert_int_equal(ap_strlcpy(buf, "xyz", 1), 3);
  assert_string_equal(buf, "");
}

static void test_has_ctl(void **state)
{
  (void)state;
  assert_false(ap_has_ctl(""));
  assert_false(ap_has_ctl("plain text: 1, 2; 3"));
  assert_true(ap_has_ctl("a\nb"));
  assert_true(ap_has_ctl("a\r"));
  assert_true(ap_has_ctl("\tx"));
  assert_true(ap_has_ctl("\x1b[0m"));
  assert_true(ap_has_ctl("del\x7f"));
}

struct text_case {
  const char *in;
  size_t inlen;
  size_t cap;
  int escape_nul;
  const char *want;
};

/* ap_text_copy: printable, valid UTF-8, cut on a character boundary. */
static void test_text_copy(void **state)
{
  static const struct text_case cases[] = {
    {"plain", 5, 64, 0, "plain"},
    {"a\x1b]0;x\x07" "b", 8, 64, 0, "a?]0;x?b"},
    {"line\r\nverdict: ok", 17, 64, 0, "line  verdict: ok"},
    {"tab\there", 8, 64, 0, "tab here"},
    {"del\x7f", 4, 64, 0, "del?"},
    {"c1 \xc2\x9b" "31m", 8, 64, 0, "c1 ?31m"},
    {"caf\xc3\xa9", 5, 64, 0, "caf\xc3\xa9"},
    {"bad \xff\xc3!", 7, 64, 0, "bad ?" "?!"},
    {"overlong \xc0\xaf", 11, 64, 0, "overlong ?" "?"},
    {"surrogate \xed\xa0\x80", 13, 64, 0, "surrogate ?" "?" "?"},
    {"nul\0x", 5, 64, 1, "nul\\0x"},
    {"nul\0x", 5, 64, 0, "nul?x"},
    /* cut: never inside a character */
    {"ab\xc3\xa9", 4, 4, 0, "ab"},
    {"ab\xc3\xa9", 4, 5, 0, "ab\xc3\xa9"},
    {"\xe2\x82\xac\xe2\x82\xac", 6, 6, 0, "\xe2\x82\xac"},
    {"a\0", 2, 3, 1, "a"},
  };
  size_t i;
  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char out[64];
    ap_text_copy(out, cases[i].cap, cases[i].in, cases[i].inlen,
                 cases[i].escape_nul);
    if(strcmp(out, cases[i].want))
      print_error("case %zu: got '%s'\n", i, out);
    assert_string_equal(out, cases[i].want);
  }
}

static void test_mask_userinfo(void **state)
{
  static const char *const cases[][2] = {
    {"Unsupported proxy scheme for 'ftp://alice:pw@host:1'",
     "Unsupported proxy scheme for 'ftp://***@host:1'"},
    {"http://a@h/ and https://u:p@x:1/y?q=a@b",
     "http://*@h/ and https://***@x:1/y?q=a@b"},
    {"no url here a@b", "no url here a@b"},
    {"http://host/path@x", "http://host/path@x"},
    {"http://u:p@q@host", "http://***@host"},
    {"://@x", "://@x"},
  };
  size_t i;
  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", cases[i][0]);
    ap_mask_userinfo(buf);
    assert_string_equal(buf, cases[i][1]);
  }
}

/* One URL as curl prints it: the user info ends only at '/', '?', '#',
 * so quotes or brackets in it are masked too (and a URL in its query). */
static void test_mask_url_userinfo(void **state)
{
  static const char *const cases[][2] = {
    {"http://o'hara:pw@proxy:3128/", "http://***@proxy:3128/"},
    {"http://u\"<x>:p w@h/a@b?c=d@e", "http://***@h/a@b?c=d@e"},
    {"http://a@h/", "http://*@h/"},
    {"http://h/x?next=http://u:p@z", "http://h/x?next=http://***@z"},
  };
  size_t i;
  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", cases[i][0]);
    ap_mask_url_userinfo(buf);
    assert_string_equal(buf, cases[i][1]);
  }
}

/* Bounded body buffers: appended and NUL-terminated, never past the cap
 * (capped set, nothing appended, 0 returned: libcurl then stops). */
static void test_buf_append(void **state)
{
  char *b = NULL;
  size_t len = 0;
  int capped = 0;
  (void)state;
  assert_int_equal(ap_buf_append(&b, &len, 8, &capped, "abcd", 4), 4);
  assert_int_equal(ap_buf_append(&b, &len, 8, &capped, "efgh", 4), 4);
  assert_string_equal(b, "abcdefgh");
  assert_int_equal(len, 8);
  assert_false(capped);
  assert_int_equal(ap_buf_append(&b, &len, 8, &capped, "i", 1), 0);
  assert_true(capped);
  assert_string_equal(b, "abcdefgh");
  assert_int_equal(ap_buf_append(&b, &len, 8, &capped, "x", SIZE_MAX), 0);
  assert_int_equal(len, 8);
  free(b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_text_copy),
    cmocka_unit_test(test_mask_userinfo),
    cmocka_unit_test(test_mask_url_userinfo),
    cmocka_unit_test(test_parse_double), cmocka_unit_test(test_parse_long),
    cmocka_unit_test(test_parse_bool),   cmocka_unit_test(test_optname_eq),
    cmocka_unit_test(test_trim),         cmocka_unit_test(test_strlcpy),
    cmocka_unit_test(test_has_ctl),      cmocka_unit_test(test_buf_append),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
