/*
 * certs.c - generates the fake API's certificates: EC P-256 keys, random
 * 128-bit serials, RFC 5280 extensions.  Validity is relative to now, so
 * `expired`, `expiring` and `notyet` behave the same on every run.
 */
#include "certs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DAY (24L * 3600)

#define GOOD_SAN                                                            \
  "DNS:api.test,DNS:*.api.test,DNS:localhost,IP:127.0.0.1,IP:::1"

enum cert_role {
  ROLE_CA,       /* root: CA:TRUE */
  ROLE_INTER,    /* intermediate: CA:TRUE, pathlen:0 */
  ROLE_LEAF,     /* server certificate */
  ROLE_SELF_LEAF /* self-signed server certificate */
};

/* A certificate to make; issuer NULL means self-signed. */
struct cert_spec {
  const char *cn;
  enum cert_role role;
  const char *san;
  long not_before; /* seconds from now */
  long not_after;
};

/* A key with its certificate. */
struct ident {
  EVP_PKEY *key;
  X509 *cert;
};

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
  X509_EXTENSION *ex = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
  int ok;

  if (!ex)
    return -1;
  ok = X509_add_ext(x, ex, -1);
  X509_EXTENSION_free(ex);
  return ok ? 0 : -1;
}

static int set_serial(X509 *x)
{
  unsigned char b[16];
  BIGNUM *bn;
  int ok;

  if (RAND_bytes(b, sizeof(b)) != 1)
    return -1;
  b[0] = (unsigned char)((b[0] & 0x7f) | 0x40); /* positive, 16 bytes */
  bn = BN_bin2bn(b, sizeof(b), NULL);
  if (!bn)
    return -1;
  ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
  BN_free(bn);
  return ok ? 0 : -1;
}

static int add_extensions(X509 *x, X509 *issuer, const struct cert_spec *s)
{
  X509V3_CTX ctx;
  int rc = 0;

  X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
  switch (s->role) {
  case ROLE_CA:
  case ROLE_INTER:
    rc |= add_ext(x, &ctx, NID_basic_constraints,
                  s->role == ROLE_CA ? "critical,CA:TRUE"
                                     : "critical,CA:TRUE,pathlen:0");
    rc |= add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    break;
  case ROLE_LEAF:
  case ROLE_SELF_LEAF:
    rc |= add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    /* keyCertSign lets OpenSSL see a self-signed leaf as self-signed */
    rc |= add_ext(x, &ctx, NID_key_usage,
                  s->role == ROLE_LEAF ? "critical,digitalSignature"
                                       : "critical,digitalSignature,"
                                         "keyCertSign");
    rc |= add_ext(x, &ctx, NID_ext_key_usage, "serverAuth");
    rc |= add_ext(x, &ctx, NID_subject_alt_name, s->san);
    break;
  }
  rc |= add_ext(x, &ctx, NID_subject_key_identifier, "hash");
  rc |= add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
  return rc ? -1 : 0;
}

/* Makes id->key and id->cert, signed by issuer (NULL: self-signed). */
static int make_ident(struct ident *id, const struct cert_spec *s,
                      const struct ident *issuer)
{
  X509_NAME *name;
  X509 *x;

  id->key = EVP_EC_gen("P-256");
  id->cert = X509_new();
  x = id->cert;
  if (!id->key || !x)
    return -1;
  name = X509_get_subject_name(x);
  if (!X509_set_version(x, X509_VERSION_3) || set_serial(x) ||
      !X509_gmtime_adj(X509_getm_notBefore(x), s->not_before) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), s->not_after) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  (const unsigned char *)s->cn, -1, -1, 0) ||
      !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert)
                                      : name) ||
      !X509_set_pubkey(x, id->key))
    return -1;
  if (add_extensions(x, issuer ? issuer->cert : NULL, s))
    return -1;
  if (X509_sign(x, issuer ? issuer->key : id->key, EVP_sha256()) <= 0)
    return -1;
  return 0;
}

static void free_ident(struct ident *id)
{
  EVP_PKEY_free(id->key);
  X509_free(id->cert);
  id->key = NULL;
  id->cert = NULL;
}

static FILE *open_out(const char *dir, const char *name, const char *ext,
                      int mode)
{
  char path[4096];
  FILE *f;
  int fd;

  snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) {
    fprintf(stderr, "fakeapi: %s: %s\n", path, strerror(errno));
    return NULL;
  }
  f = fdopen(fd, "w");
  if (!f)
    close(fd);
  return f;
}

/* Writes NAME.pem (cert, then chain if given) and NAME.key. */
static int write_ident(const char *dir, const char *name,
                       const struct ident *id, X509 *chain)
{
  FILE *f = open_out(dir, name, "pem", 0644);
  int ok;

  if (!f)
    return -1;
  ok = PEM_write_X509(f, id->cert) && (!chain || PEM_write_X509(f, chain));
  ok = (fclose(f) == 0) && ok;
  if (!ok)
    return -1;
  f = open_out(dir, name, "key", 0600);
  if (!f)
    return -1;
  ok = PEM_write_PrivateKey(f, id->key, NULL, NULL, 0, NULL, NULL);
  ok = (fclose(f) == 0) && ok;
  return ok ? 0 : -1;
}

static int mkdir_p(const char *dir)
{
  char path[4096];
  size_t i;
  size_t n = strlen(dir);

  if (n == 0 || n >= sizeof(path))
    return -1;
  memcpy(path, dir, n + 1);
  for (i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0')
      continue;
    path[i] = '\0';
    if (mkdir(path, 0755) && errno != EEXIST) {
      fprintf(stderr, "fakeapi: mkdir %s: %s\n", path, strerror(errno));
      return -1;
    }
    path[i] = i < n ? '/' : '\0';
  }
  return 0;
}

/* The leaves: name, CN, SAN, validity, and who signs them. */
enum leaf_issuer {
  BY_CA,
  BY_SELF,
  BY_OTHER,
  BY_INTER
};

struct leaf_def {
  const char *name;
  struct cert_spec spec;
  enum leaf_issuer by;
};

static const struct leaf_def leaves[] = {
  { "good", { "api.test", ROLE_LEAF, GOOD_SAN, -DAY, 365 * DAY }, BY_CA },
  { "expiring", { "api.test", ROLE_LEAF, GOOD_SAN, -DAY, 10 * DAY },
    BY_CA },
  { "expiring_crit", { "api.test", ROLE_LEAF, GOOD_SAN, -DAY, 3 * DAY },
    BY_CA },
  { "expired", { "api.test", ROLE_LEAF, GOOD_SAN, -30 * DAY, -DAY },
    BY_CA },
  { "notyet", { "api.test", ROLE_LEAF, GOOD_SAN, 10 * DAY, 375 * DAY },
    BY_CA },
  { "wrongname",
    { "wrong.example", ROLE_LEAF, "DNS:wrong.example", -DAY, 365 * DAY },
    BY_CA },
  { "selfsigned",
    { "api.test", ROLE_SELF_LEAF, GOOD_SAN, -DAY, 365 * DAY }, BY_SELF },
  { "untrusted", { "api.test", ROLE_LEAF, GOOD_SAN, -DAY, 365 * DAY },
    BY_OTHER },
  { "chain", { "api.test", ROLE_LEAF, GOOD_SAN, -DAY, 365 * DAY },
    BY_INTER },
};

static const struct cert_spec ca_spec = {
  "apiprobe Test CA", ROLE_CA, NULL, -365 * DAY, 3650 * DAY
};
static const struct cert_spec other_spec = {
  "Corp Proxy CA", ROLE_CA, NULL, -365 * DAY, 3650 * DAY
};
static const struct cert_spec inter_spec = {
  "apiprobe Test Intermediate", ROLE_INTER, NULL, -DAY, 5 * DAY
};

static int make_leaves(const char *dir, const struct ident *ca,
                       const struct ident *other, const struct ident *inter)
{
  size_t i;

  for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
    const struct leaf_def *d = &leaves[i];
    const struct ident *by = NULL;
    struct ident leaf = { NULL, NULL };
    int rc;

    if (d->by == BY_CA)
      by = ca;
    else if (d->by == BY_OTHER)
      by = other;
    else if (d->by == BY_INTER)
      by = inter;
    rc = make_ident(&leaf, &d->spec, by);
    if (!rc)
      rc = write_ident(dir, d->name, &leaf,
                       d->by == BY_INTER ? inter->cert : NULL);
    free_ident(&leaf);
    if (rc) {
      fprintf(stderr, "fakeapi: cannot make certificate '%s'\n", d->name);
      return -1;
    }
  }
  return 0;
}

int certs_generate(const char *dir)
{
  struct ident ca = { NULL, NULL };
  struct ident other = { NULL, NULL };
  struct ident inter = { NULL, NULL };
  int rc = -1;

  if (mkdir_p(dir))
    return -1;
  if (make_ident(&ca, &ca_spec, NULL) ||
      make_ident(&other, &other_spec, NULL) ||
      make_ident(&inter, &inter_spec, &ca)) {
    fputs("fakeapi: cannot make the CA certificates\n", stderr);
    goto out;
  }
  if (write_ident(dir, "ca", &ca, NULL) ||
      write_ident(dir, "otherca", &other, NULL) ||
      make_leaves(dir, &ca, &other, &inter))
    goto out;
  rc = 0;
out:
  if (rc)
    ERR_print_errors_fp(stderr);
  free_ident(&ca);
  free_ident(&other);
  free_ident(&inter);
  return rc;
}
