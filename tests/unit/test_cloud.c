/* test_cloud.c -- plugin/cloud*.c's pure parts: the service-account file,
 * IMDS role credentials and token answers (good, hostile, truncated), the
 * error bodies of Bedrock and Vertex, and the classifier's table from the
 * services' error types to apiprobe's errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "secret.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_sa(void **state)
{
  const char *ok = "{\"type\":\"service_account\",\"project_id\":\"p-1\","
                   "\"private_key_id\":\"k1\",\"private_key\":\"-----BEGIN "
                   "PRIVATE KEY-----\\nMII\\n-----END PRIVATE KEY-----\\n\","
                   "\"client_email\":\"a@p-1.iam.gserviceaccount.com\"}";
  static const char *const bad[] = {
    "{\"type\":\"authorized_user\"}",
    "{\"type\":\"service_account\",\"client_email\":\"a@b\"}",
    "{\"type\":\"service_account\",\"client_email\":\"a b\",\"private_key\":"
    "\"-----BEGIN\"}",
    "{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key\":"
    "\"-----BEGIN\",\"token_uri\":\"http://evil/token\"}",
    "[1]", "{", "",
  };
  struct ap_gcp_sa sa;
  char err[128];
  size_t i;
  (void)state;
  assert_int_equal(ap_cloud_parse_sa(ok, strlen(ok), &sa, err, sizeof(err)),
                   0);
  assert_string_equal(sa.client_email, "a@p-1.iam.gserviceaccount.com");
  assert_string_equal(sa.project_id, "p-1");
  assert_string_equal(sa.private_key_id, "k1");
  /* token_uri defaults to Google's */
  assert_string_equal(sa.token_uri, "https://oauth2.googleapis.com/token");
  assert_non_null(strstr(sa.private_key->value, "BEGIN PRIVATE KEY"));
  ap_secret_free(sa.private_key);
  for(i = 0; i < N_ELEMS(bad); i++) {
    assert_int_equal(ap_cloud_parse_sa(bad[i], strlen(bad[i]), &sa, err,
                                       sizeof(err)),
                     -1);
    assert_null(sa.private_key);
  }
}

static void test_imds(void **state)
{
  const char *ok = "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAX\","
                   "\"SecretAccessKey\":\"s\",\"Token\":\"t\","
                   "\"Expiration\":\"2015-08-30T12:36:00Z\"}";
  const char *fail = "{\"Code\":\"AssumeRoleUnauthorizedAccess\"}";
  const char *ctl = "{\"Code\":\"Success\",\"AccessKeyId\":\"A\\nB\","
                    "\"SecretAccessKey\":\"s\"}";
  struct ap_aws_creds c;
  char err[128];
  (void)state;
  assert_int_equal(ap_cloud_parse_imds(ok, strlen(ok), &c, err, sizeof(err)),
                   0);
  assert_string_equal(c.akid->value, "ASIAX");
  assert_string_equal(c.secret->value, "s");
  assert_string_equal(c.token->value, "t");
  assert_true(c.expires == 1440938160.0);
  ap_secret_free(c.akid);
  ap_secret_free(c.secret);
  ap_secret_free(c.token);
  assert_int_equal(ap_cloud_parse_imds(fail, strlen(fail), &c, err,
                                       sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "AssumeRoleUnauthorizedAccess"));
  assert_int_equal(ap_cloud_parse_imds(ctl, strlen(ctl), &c, err,
                                       sizeof(err)),
                   -1);
  assert_null(c.akid);
}

static void test_token(void **state)
{
  const char *ok = "{\"access_token\":\"ya29.x\",\"expires_in\":3599}";
  const char *err = "{\"error\":\"invalid_grant\",\"error_description\":"
                    "\"Invalid JWT\\u0007\\u009b: x\"}";
  struct ap_token_answer ta;
  (void)state;
  assert_int_equal(ap_cloud_parse_token(ok, strlen(ok), &ta), 0);
  assert_string_equal(ta.access_token->value, "ya29.x");
  assert_true(ta.expires_in == 3599);
  ap_secret_free(ta.access_token);
  assert_int_equal(ap_cloud_parse_token(err, strlen(err), &ta), -1);
  assert_null(ta.access_token);
  assert_string_equal(ta.error, "invalid_grant");
  /* control characters from the network never pass */
  assert_null(strchr(ta.error_description, '\a'));
  assert_null(strstr(ta.error_description, "\xc2\x9b"));
}

static void test_classify(void **state)
{
  static const struct {
    int provider;
    long status;
    const char *amzn, *body;
    enum ap_error want;
  } cases[] = {
    {AP_PROVIDER_BEDROCK, 200, "", "{\"inputTokens\":8}", AP_ERR_NONE},
    {AP_PROVIDER_BEDROCK, 403, "UnrecognizedClientException",
     "{\"message\":\"The security token included in the request is "
     "invalid.\"}",
     AP_ERR_AUTH_UNKNOWN_ACCESS_KEY},
    {AP_PROVIDER_BEDROCK, 403, "InvalidSignatureException",
     "{\"message\":\"The request signature we calculated does not match\"}",
     AP_ERR_AUTH_SIGNATURE_MISMATCH},
    {AP_PROVIDER_BEDROCK, 403, "InvalidSignatureException",
     "{\"message\":\"Signature expired: 20150830T123600Z is now earlier "
     "than ...\"}",
     AP_ERR_AUTH_SIGNATURE_EXPIRED},
    {AP_PROVIDER_BEDROCK, 403, "ExpiredTokenException", "{}",
     AP_ERR_AUTH_TOKEN_EXPIRED},
    {AP_PROVIDER_BEDROCK, 403, "AccessDeniedException", "{}",
     AP_ERR_AUTH_ACCESS_DENIED},
    {AP_PROVIDER_BEDROCK, 404, "ResourceNotFoundException", "{}",
     AP_ERR_AUTH_MODEL_NOT_FOUND},
    {AP_PROVIDER_BEDROCK, 429, "ThrottlingException", "{}",
     AP_ERR_AUTH_THROTTLED},
    {AP_PROVIDER_BEDROCK, 503, "ServiceUnavailableException", "{}",
     AP_ERR_AUTH_UNAVAILABLE},
    /* the type from the body when the header is missing */
    {AP_PROVIDER_BEDROCK, 429, "",
     "{\"__type\":\"com.amazon#ThrottlingException\",\"message\":\"x\"}",
     AP_ERR_AUTH_THROTTLED},
    {AP_PROVIDER_VERTEX, 200, "", "{\"input_tokens\":9}", AP_ERR_NONE},
    {AP_PROVIDER_VERTEX, 403, "",
     "{\"error\":{\"code\":403,\"message\":\"m\",\"status\":"
     "\"PERMISSION_DENIED\"}}",
     AP_ERR_AUTH_PERMISSION_DENIED},
    {AP_PROVIDER_VERTEX, 404, "",
     "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\"}}",
     AP_ERR_AUTH_MODEL_NOT_FOUND},
    {AP_PROVIDER_VERTEX, 429, "",
     "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\"}}",
     AP_ERR_AUTH_QUOTA_EXCEEDED},
    {AP_PROVIDER_VERTEX, 503, "",
     "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}",
     AP_ERR_AUTH_UNAVAILABLE},
  };
  size_t i;
  (void)state;
  for(i = 0; i < N_ELEMS(cases); i++) {
    struct ap_answer a;
    struct ap_auth_result auth;
    memset(&a, 0, sizeof(a));
    memset(&auth, 0, sizeof(auth));
    a.provider = cases[i].provider;
    a.status = cases[i].status;
    a.body = cases[i].body;
    a.body_len = strlen(cases[i].body);
    a.key_sent = 1;
    a.has_request_id = cases[i].provider == AP_PROVIDER_BEDROCK;
    assert_int_equal(ap_cloud_classify(&a, cases[i].amzn, &auth),
                     AP_ERR_NONE);
    if(auth.h.error != cases[i].want)
      print_error("case %zu: got %s\n", i, ap_error_name(auth.h.error));
    assert_int_equal(auth.h.error, cases[i].want);
    assert_int_equal(auth.h.state, cases[i].want == AP_ERR_NONE
                                     ? AP_STATE_OK
                                     : ap_error_state(cases[i].want));
  }
}

/* An answer without the service's marks is not the service's. */
static void test_not_from_service(void **state)
{
  struct ap_answer a;
  struct ap_auth_result auth;
  (void)state;
  memset(&a, 0, sizeof(a));
  memset(&auth, 0, sizeof(auth));
  a.provider = AP_PROVIDER_VERTEX;
  a.status = 502;
  a.body = "<html>Bad gateway</html>";
  a.body_len = strlen(a.body);
  assert_int_equal(ap_cloud_classify(&a, "", &auth), AP_ERR_HTTP_5XX);
  a.status = 200;
  assert_int_equal(ap_cloud_classify(&a, "", &auth), AP_ERR_HTTP_NOT_API);
  a.status = 302;
  assert_int_equal(ap_cloud_classify(&a, "", &auth), AP_ERR_HTTP_REDIRECT);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sa),
    cmocka_unit_test(test_imds),
    cmocka_unit_test(test_token),
    cmocka_unit_test(test_classify),
    cmocka_unit_test(test_not_from_service),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
