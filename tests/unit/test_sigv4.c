/* test_sigv4.c -- common/sigv4.c against AWS's published SigV4 test suite
 * (tests/unit/sigv4-testsuite, every case: canonical request, string to
 * sign and Authorization header must match byte for byte), plus the
 * Authorization parser, the date helpers and the double encoding of a
 * Bedrock model id's ':' in the path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define DATE "20150830T123600Z"

#ifndef AP_SIGV4_SUITE
#error AP_SIGV4_SUITE must name the test suite directory
#endif

static char *slurp(const char *path, size_t *plen)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  size_t n;
  if(!f)
    return NULL;
  buf = malloc(65536);
  assert_non_null(buf);
  n = fread(buf, 1, 65535, f);
  buf[n] = '\0';
  fclose(f);
  if(plen)
    *plen = n;
  return buf;
}

static char *sibling(const char *req, const char *ext)
{
  static char path[4096];
  size_t n = strlen(req) - 4; /* ".req" */
  snprintf(path, sizeof(path), "%.*s.%s", (int)n, req, ext);
  return slurp(path, NULL);
}

/* One .req file: request line, headers (continuation lines folded into
 * the value with '\n'), blank line, body. Signs it and compares. */
static void run_case(const char *reqpath)
{
  size_t len;
  char *req = slurp(reqpath, &len), *line, *next, *sp, *path, *q;
  char *creq, *sts, *authz, mycreq[16384], sh[512], mysts[512];
  char bodyhash[AP_SIGV4_HEX];
  char *names[AP_SIGV4_MAX_HEADERS], *values[AP_SIGV4_MAX_HEADERS];
  struct ap_sigv4_hdr hs[AP_SIGV4_MAX_HEADERS];
  struct ap_sigv4_msg m;
  struct ap_sigv4_out out;
  size_t n = 0, i;
  const char *body = "";

  assert_non_null(req);
  /* request line */
  next = strchr(req, '\n');
  if(next)
    *next++ = '\0';
  sp = strchr(req, ' ');
  assert_non_null(sp);
  *sp = '\0';
  path = sp + 1;
  sp = strstr(path, " HTTP/1.1");
  assert_non_null(sp);
  *sp = '\0';
  q = strchr(path, '?');
  if(q)
    *q++ = '\0';
  /* headers */
  for(line = next; line; line = next) {
    next = strchr(line, '\n');
    if(next)
      *next++ = '\0';
    if(!*line) {
      body = next ? next : "";
      break;
    }
    if((line[0] == ' ' || line[0] == '\t') && n) {
      char *v = malloc(strlen(values[n - 1]) + strlen(line) + 2);
      sprintf(v, "%s\n%s", values[n - 1], line);
      free(values[n - 1]);
      values[n - 1] = v;
      continue;
    }
    sp = strchr(line, ':');
    assert_non_null(sp);
    assert_true(n < AP_SIGV4_MAX_HEADERS);
    *sp = '\0';
    names[n] = strdup(line);
    values[n] = strdup(sp + 1);
    n++;
  }
  for(i = 0; i < n; i++) {
    hs[i].name = names[i];
    hs[i].value = values[i];
  }
  ap_sigv4_sha256_hex(body, strlen(body), bodyhash);
  memset(&m, 0, sizeof(m));
  m.method = req;
  m.path = path;
  m.query = q;
  m.headers = hs;
  m.nheaders = n;
  m.payload_sha256 = bodyhash;

  creq = sibling(reqpath, "creq");
  sts = sibling(reqpath, "sts");
  authz = sibling(reqpath, "authz");
  assert_non_null(creq);
  assert_non_null(sts);
  assert_non_null(authz);
  print_message("case %s\n", reqpath);
  assert_int_equal(ap_sigv4_canonical(&m, mycreq, sizeof(mycreq), sh,
                                      sizeof(sh)),
                   0);
  assert_string_equal(mycreq, creq);
  assert_int_equal(ap_sigv4_string_to_sign(DATE,
                                           "20150830/us-east-1/service/"
                                           "aws4_request",
                                           mycreq, mysts, sizeof(mysts)),
                   0);
  assert_string_equal(mysts, sts);
  assert_int_equal(
    ap_sigv4_sign(&m, AKID, SECRET, DATE, "us-east-1", "service", &out), 0);
  assert_string_equal(out.authorization, authz);
  for(i = 0; i < n; i++) {
    free(names[i]);
    free(values[i]);
  }
  free(creq);
  free(sts);
  free(authz);
  free(req);
}

static int ncases;

static int visit(const char *fpath, const struct stat *sb, int type,
                 struct FTW *ftw)
{
  size_t n = strlen(fpath);
  (void)sb;
  (void)ftw;
  if(type == FTW_F && n > 4 && !strcmp(fpath + n - 4, ".req")) {
    run_case(fpath);
    ncases++;
  }
  return 0;
}

static void test_suite(void **state)
{
  (void)state;
  ncases = 0;
  assert_int_equal(nftw(AP_SIGV4_SUITE, visit, 16, FTW_PHYS), 0);
  /* every published case, none silently missing */
  assert_int_equal(ncases, 31);
}

/* A wrong secret, a changed header or body gives another signature. */
static void test_changes_break(void **state)
{
  struct ap_sigv4_hdr h[2] = {{"Host", "example.amazonaws.com"},
                              {"X-Amz-Date", DATE}};
  struct ap_sigv4_msg m = {"GET", "/", NULL, h, 2, NULL};
  struct ap_sigv4_out a, b;
  char e[AP_SIGV4_HEX];
  (void)state;
  ap_sigv4_sha256_hex("", 0, e);
  m.payload_sha256 = e;
  assert_int_equal(ap_sigv4_sign(&m, AKID, SECRET, DATE, "us-east-1",
                                 "service", &a),
                   0);
  assert_string_equal(a.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a"
                                   "2260956d9b8aae1d763fbf31");
  assert_int_equal(ap_sigv4_sign(&m, AKID, "other", DATE, "us-east-1",
                                 "service", &b),
                   0);
  assert_string_not_equal(a.signature, b.signature);
  h[0].value = "example2.amazonaws.com";
  assert_int_equal(ap_sigv4_sign(&m, AKID, SECRET, DATE, "us-east-1",
                                 "service", &b),
                   0);
  assert_string_not_equal(a.signature, b.signature);
  h[0].value = "example.amazonaws.com";
  assert_int_equal(ap_sigv4_sign(&m, AKID, SECRET, DATE, "us-west-2",
                                 "service", &b),
                   0);
  assert_string_not_equal(a.signature, b.signature);
  assert_int_equal(ap_sigv4_sign(&m, AKID, SECRET, "2015-08-30", "us-east-1",
                                 "service", &b),
                   -1);
}

/* Bedrock: the model id's ':' goes on the wire as %3A and is signed
 * encoded again (%253A), as the AWS SDKs do for non-S3 services. */
static void test_double_encoding(void **state)
{
  struct ap_sigv4_hdr h[1] = {{"host", "bedrock-runtime.us-east-1."
                                       "amazonaws.com"}};
  struct ap_sigv4_msg m = {"POST",
                           "/model/anthropic.claude-3-haiku-20240307-v1%3A0/"
                           "count-tokens",
                           "", h, 1, "x"};
  char creq[1024], sh[64];
  (void)state;
  assert_int_equal(ap_sigv4_canonical(&m, creq, sizeof(creq), sh,
                                      sizeof(sh)),
                   0);
  assert_non_null(strstr(creq, "\n/model/anthropic.claude-3-haiku-20240307-"
                               "v1%253A0/count-tokens\n"));
  assert_string_equal(sh, "host");
  /* too small a buffer is an error, never a cut */
  assert_int_equal(ap_sigv4_canonical(&m, creq, 20, sh, sizeof(sh)), -1);
}

static void test_parse_auth(void **state)
{
  struct ap_sigv4_auth a;
  (void)state;
  assert_int_equal(
    ap_sigv4_parse_auth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
                        "us-east-1/service/aws4_request, SignedHeaders="
                        "host;x-amz-date, Signature=5fa0",
                        &a),
    0);
  assert_string_equal(a.access_key_id, "AKIDEXAMPLE");
  assert_string_equal(a.date8, "20150830");
  assert_string_equal(a.region, "us-east-1");
  assert_string_equal(a.service, "service");
  assert_string_equal(a.signed_headers, "host;x-amz-date");
  assert_string_equal(a.signature, "5fa0");
  assert_int_equal(ap_sigv4_parse_auth("Bearer x", &a), -1);
  assert_int_equal(ap_sigv4_parse_auth("AWS4-HMAC-SHA256 Credential=A/1/r/s/"
                                       "other, SignedHeaders=host, "
                                       "Signature=1",
                                       &a),
                   -1);
  assert_int_equal(ap_sigv4_parse_auth("AWS4-HMAC-SHA256 Credential=A/1/r/s/"
                                       "aws4_request, Signature=1",
                                       &a),
                   -1);
  assert_int_equal(ap_sigv4_parse_auth(NULL, &a), -1);
}

static void test_dates(void **state)
{
  char d[17];
  (void)state;
  assert_true(ap_sigv4_parse_amz_date(DATE) == 1440938160LL);
  ap_sigv4_amz_date(1440938160LL, d);
  assert_string_equal(d, DATE);
  assert_true(ap_sigv4_parse_amz_date("20150830T123600") == -1);
  assert_true(ap_sigv4_parse_amz_date("2015083XT123600Z") == -1);
  assert_true(ap_sigv4_parse_amz_date("20151330T123600Z") == -1);
  assert_true(ap_sigv4_parse_amz_date(NULL) == -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_suite),
    cmocka_unit_test(test_changes_break),
    cmocka_unit_test(test_double_encoding),
    cmocka_unit_test(test_parse_auth),
    cmocka_unit_test(test_dates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
