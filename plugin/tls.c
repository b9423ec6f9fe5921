/* tls.c -- the tls layer's view inside libcurl's OpenSSL handshake: our
 * SSL_CTX callback installs the target's trust store (parsed once, kept
 * between probes), a verify callback that records the leaf, the chain's
 * earliest expiry and the first verify error even when verification
 * fails (or is disabled), and an info callback that notices alerts.
 */
#include "internal.h"
#include "file.h"
#include "strutil.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <limits.h>
#include <math.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Do A and B name the same file (after symlinks)? */
static int same_file(const char *a, const char *b)
{
  char ra[PATH_MAX], rb[PATH_MAX];
  if(!a || !b || !realpath(a, ra) || !realpath(b, rb))
    return 0;
  return !strcmp(ra, rb);
}

/* Largest CA file read (a full public bundle is ~220 KiB). */
#define TLS_CA_MAX (8u << 20)

/* Load the certificates and CRLs of the PEM file PATH into STORE through
 * ap_file_read (no FIFO, no device: OpenSSL's own open would block). 0 on
 * success, -1 with ERR set (WHAT names the file). */
static int store_load_file(X509_STORE *store, const char *path,
                           const char *what, char *err, size_t errlen)
{
  STACK_OF(X509_INFO) *infos = NULL;
  char *pem = NULL;
  size_t len = 0;
  BIO *bio = NULL;
  int i, n = 0, rc = -1;
  if(ap_file_read(path, what, TLS_CA_MAX, NULL, &pem, &len, err, errlen))
    return -1;
  bio = BIO_new_mem_buf(pem, (int)len);
  if(bio)
    infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
  for(i = 0; infos && i < sk_X509_INFO_num(infos); i++) {
    X509_INFO *xi = sk_X509_INFO_value(infos, i);
    if(xi->x509 && X509_STORE_add_cert(store, xi->x509))
      n++;
    if(xi->crl && X509_STORE_add_crl(store, xi->crl))
      n++;
  }
  if(n > 0)
    rc = 0;
  else
    snprintf(err, errlen, "%s: no certificate could be read from %s", what,
             path);
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  BIO_free(bio);
  free(pem);
  return rc;
}

void *ap_tls_store_new(const char *ca_file, char *err, size_t errlen)
{
  X509_STORE *store = X509_STORE_new();
  X509_LOOKUP *lk;
  const char *dir;
  if(!store) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if(ca_file) {
    if(store_load_file(store, ca_file, "--ca-file", err, errlen)) {
      X509_STORE_free(store);
      return NULL;
    }
    return store;
  }
  /* The system store as a hashed directory: OpenSSL loads only the
   * issuers a chain needs (and caches them in the store), instead of
   * parsing the whole bundle on every process start. */
  dir = getenv(X509_get_default_cert_dir_env());
  if(!dir || !*dir)
    dir = X509_get_default_cert_dir();
  lk = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
  if(!lk || !X509_LOOKUP_add_dir(lk, dir, X509_FILETYPE_PEM)) {
    snprintf(err, errlen, "cannot use the system CA directory %s", dir);
    X509_STORE_free(store);
    return NULL;
  }
  {
    const char *file = getenv(X509_get_default_cert_file_env());
    if(file && *file && same_file(file, X509_get_default_cert_file()))
      file = NULL; /* the default bundle: the hashed directory has it all */
    if(file && *file &&
       store_load_file(store, file, X509_get_default_cert_file_env(), err,
                       errlen)) {
      X509_STORE_free(store);
      return NULL;
    }
  }
  return store;
}

void ap_tls_store_free(void *store)
{
  X509_STORE_free(store);
}

static double days_left(const X509 *cert)
{
  int days = 0, secs = 0;
  if(!ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
    return NAN;
  return days + secs / 86400.0;
}

static void name_line(const X509_NAME *n, char *out, size_t outlen)
{
  BIO *b = BIO_new(BIO_s_mem());
  char *p = NULL;
  long len;
  out[0] = '\0';
  if(!b)
    return;
  X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  len = BIO_get_mem_data(b, &p);
  /* printable, and cut on a character boundary (valid JSON) */
  if(len > 0)
    ap_text_copy(out, outlen, p, (size_t)len, 0);
  BIO_free(b);
}

static void sans_line(X509 *cert, char *out, size_t outlen)
{
  GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL,
                                          NULL);
  int i;
  size_t used = 0;
  out[0] = '\0';
  for(i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
    char buf[64];
    int n;
    buf[0] = '\0';
    if(g->type == GEN_DNS) {
      const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
      int l = ASN1_STRING_length(g->d.dNSName);
      /* all of it: an embedded NUL shows as \0, not as the end */
      memcpy(buf, "DNS:", 4);
      ap_text_copy(buf + 4, sizeof(buf) - 4, (const char *)d,
                   l > 0 ? (size_t)l : 0, 1);
    } else if(g->type == GEN_IPADD) {
      const unsigned char *d = ASN1_STRING_get0_data(g->d.iPAddress);
      int l = ASN1_STRING_length(g->d.iPAddress);
      char ip[48];
      if(l == 4 || l == 16) {
        inet_ntop(l == 4 ? AF_INET : AF_INET6, d, ip, sizeof(ip));
        snprintf(buf, sizeof(buf), "IP:%s", ip);
      }
    }
    if(!buf[0] || ap_has_ctl(buf))
      continue;
    n = snprintf(out + used, outlen - used, "%s%s", used ? "," : "", buf);
    if(n < 0 || (size_t)n >= outlen - used) {
      out[used] = '\0';
      break;
    }
    used += (size_t)n;
  }
  GENERAL_NAMES_free(names);
}

static void chain_min(struct ap_tls_result *out, STACK_OF(X509) *certs)
{
  int i;
  for(i = 0; certs && i < sk_X509_num(certs); i++) {
    X509 *c = sk_X509_value(certs, i);
    double d = days_left(c);
    if(isnan(d))
      continue;
    if(isnan(out->chain_min_days_left) || d < out->chain_min_days_left) {
      out->chain_min_days_left = d;
      name_line(X509_get_subject_name(c), out->chain_min_subject,
                sizeof(out->chain_min_subject));
    }
  }
}

static int host_matches(X509 *leaf, const char *host)
{
  unsigned char tmp[16];
  if(inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp))
    return X509_check_ip_asc(leaf, host, 0) == 1;
  return X509_check_host(leaf, host, 0, 0, NULL) == 1;
}

void ap_leaf_cache_clear(struct ap_leaf_cache *lc)
{
  X509_free(lc->leaf);
  memset(lc, 0, sizeof(*lc));
}

/* Subject, issuer and SANs of LEAF into OUT, from the cache when LEAF is
 * the certificate seen last time (X509_cmp compares the cached hashes). */
static void leaf_names(struct ap_leaf_cache *lc, X509 *leaf,
                       struct ap_tls_result *out)
{
  if(lc && lc->leaf && !X509_cmp(lc->leaf, leaf)) {
    ap_strlcpy(out->cert_subject, lc->subject, sizeof(out->cert_subject));
    ap_strlcpy(out->cert_issuer, lc->issuer, sizeof(out->cert_issuer));
    ap_strlcpy(out->cert_sans, lc->sans, sizeof(out->cert_sans));
    return;
  }
  name_line(X509_get_subject_name(leaf), out->cert_subject,
            sizeof(out->cert_subject));
  name_line(X509_get_issuer_name(leaf), out->cert_issuer,
            sizeof(out->cert_issuer));
  sans_line(leaf, out->cert_sans, sizeof(out->cert_sans));
  if(!lc || !X509_up_ref(leaf))
    return;
  X509_free(lc->leaf);
  lc->leaf = leaf;
  ap_strlcpy(lc->subject, out->cert_subject, sizeof(lc->subject));
  ap_strlcpy(lc->issuer, out->cert_issuer, sizeof(lc->issuer));
  ap_strlcpy(lc->sans, out->cert_sans, sizeof(lc->sans));
}

void ap_tls_cert_names(void *x509, struct ap_tls_result *out)
{
  leaf_names(NULL, x509, out);
}

static void capture_leaf(struct ap_tls_capture *c, X509_STORE_CTX *xs,
                         SSL *ssl)
{
  X509 *leaf = X509_STORE_CTX_get0_cert(xs);
  struct ap_tls_result *out = c->out;
  c->captured = 1;
  ap_tls_session_info(ssl, out);
  if(!leaf)
    return;
  leaf_names(c->cache, leaf, out);
  out->cert_days_left = days_left(leaf);
  out->chain_min_days_left = out->cert_days_left;
  ap_strlcpy(out->chain_min_subject, out->cert_subject,
             sizeof(out->chain_min_subject));
  /* every certificate the server sent, trusted or not */
  chain_min(out, X509_STORE_CTX_get0_untrusted(xs));
  /* with verification on, libcurl checks the name itself and a failure
   * without an X509 error can only be the name; with --insecure we check
   * so the result can say what would have failed */
  if(c->host && c->check_host && !host_matches(leaf, c->host))
    c->host_mismatch = 1;
}

static int verify_cb(int ok, X509_STORE_CTX *xs)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data(
    xs, SSL_get_ex_data_X509_STORE_CTX_idx());
  struct ap_tls_capture *c =
    ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
  if(!c)
    return ok;
  if(!c->captured)
    capture_leaf(c, xs, ssl);
  if(!ok && !c->verify_code) {
    c->verify_code = X509_STORE_CTX_get_error(xs);
    c->verify_depth = X509_STORE_CTX_get_error_depth(xs);
    ap_strlcpy(c->out->verify_detail,
               X509_verify_cert_error_string(c->verify_code),
               sizeof(c->out->verify_detail));
    c->out->verify_code = c->verify_code;
  }
  if(ok && X509_STORE_CTX_get_error_depth(xs) == 0) {
    /* the built chain includes the trust anchor: count it too */
    chain_min(c->out, X509_STORE_CTX_get0_chain(xs));
  }
  return ok;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
  struct ap_tls_capture *c = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
  if(!c || !(where & SSL_CB_ALERT))
    return;
  if((ret & 0xff) == SSL_AD_PROTOCOL_VERSION)
    c->alert_protocol = 1;
}

int ap_tls_ctx_cb(void *curl, void *sslctx, void *parm)
{
  SSL_CTX *ctx = sslctx;
  struct ap_tls_capture *c = parm;
  (void)curl;
  c->started = 1;
  if(c->store)
    SSL_CTX_set1_cert_store(ctx, c->store);
  SSL_CTX_set_app_data(ctx, c);
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), verify_cb);
  SSL_CTX_set_info_callback(ctx, info_cb);
  return 0;
}

void ap_tls_session_info(const void *sslp, struct ap_tls_result *out)
{
  const SSL *ssl = sslp;
  const SSL_CIPHER *ciph;
  const unsigned char *alpn = NULL;
  unsigned int alen = 0;
  if(!ssl)
    return;
  ap_strlcpy(out->version, SSL_get_version(ssl), sizeof(out->version));
  ciph = SSL_get_current_cipher(ssl);
  if(!ciph)
    ciph = SSL_get_pending_cipher(ssl);
  if(ciph)
    ap_strlcpy(out->cipher, SSL_CIPHER_standard_name(ciph),
               sizeof(out->cipher));
  SSL_get0_alpn_selected(ssl, &alpn, &alen);
  if(alpn && alen && alen < sizeof(out->alpn)) {
    memcpy(out->alpn, alpn, alen);
    out->alpn[alen] = '\0';
  }
}

void ap_tls_fill(struct ap_result *r, const struct ap_facts *f)
{
  if(!f->o.tls_done)
    return;
  ap_head_set(&r->tls.h, AP_STATE_OK, r->tls.h.error, NULL);
  r->tls.h.time_s = ap_span(ap_facts_tls_start(f), f->t_app);
}

int ap_tls_reason(const struct ap_result *r, const struct ap_facts *f,
                  enum ap_error e, char *out, size_t outlen)
{
  const struct ap_tls_result *tls = &r->tls;
  const char *addr = r->tcp.address[0] ? r->tcp.address : f->host;
  const char *eb = f->o.errbuf ? f->o.errbuf : "";
  switch(e) {
  case AP_ERR_TLS_UNTRUSTED:
    snprintf(out, outlen, "certificate issued by '%s' is not trusted (%s)",
             tls->cert_issuer, tls->verify_detail);
    return 1;
  case AP_ERR_TLS_EXPIRED:
    snprintf(out, outlen, "certificate of '%s' expired %.1f days ago",
             tls->cert_subject, -tls->chain_min_days_left);
    return 1;
  case AP_ERR_TLS_NOT_YET_VALID:
    snprintf(out, outlen, "certificate of '%s' is not valid yet",
             tls->cert_subject);
    return 1;
  case AP_ERR_TLS_HOSTNAME:
    snprintf(out, outlen, "certificate (%s) does not match %s",
             tls->cert_sans[0] ? tls->cert_sans : tls->cert_subject, f->host);
    return 1;
  case AP_ERR_TLS_TIMEOUT:
    snprintf(out, outlen, "TLS handshake with %s not finished in time", addr);
    return 1;
  case AP_ERR_TLS_RESET:
  case AP_ERR_TLS_CLOSED:
    snprintf(out, outlen,
             "the connection to %s port %d was %s during the TLS "
             "handshake (%s)",
             addr, f->port, e == AP_ERR_TLS_RESET ? "reset" : "closed",
             eb[0] ? eb : "no detail");
    return 1;
  case AP_ERR_TLS_PROTOCOL_VERSION:
    snprintf(out, outlen, "no common TLS version (minimum TLS %d.%d): %s",
             f->min_tls / 10, f->min_tls % 10, eb);
    return 1;
  default:
    return 0;
  }
}

/* --insecure and a certificate that would have failed: say which way. */
static int insecure_judge(struct ap_result *r, const struct ap_facts *f)
{
  char reason[AP_TEXT];
  enum ap_error would;
  if(!f->o.verify_code && !f->o.host_mismatch)
    return 0;
  would = f->o.verify_code ? ap_classify_verify(f->o.verify_code)
                           : AP_ERR_TLS_HOSTNAME;
  snprintf(reason, sizeof(reason),
           "verification disabled (--insecure); the certificate would "
           "fail: %s",
           ap_error_name(would));
  ap_layer_set(r, AP_LAYER_TLS, AP_ERR_TLS_INSECURE, reason);
  return 1;
}

void ap_tls_judge(struct ap_result *r, const struct ap_target *t,
                  const struct ap_facts *f)
{
  struct ap_tls_result *tls = &r->tls;
  double left = tls->chain_min_days_left;
  char reason[AP_TEXT];
  tls->insecure = t->insecure;
  if(t->insecure && insecure_judge(r, f))
    return;
  if(isnan(left))
    return;
  if(left < t->cert_crit_days || left < t->cert_warn_days) {
    enum ap_error e = left < t->cert_crit_days ? AP_ERR_TLS_EXPIRING_CRIT
                                               : AP_ERR_TLS_EXPIRING;
    snprintf(reason, sizeof(reason),
             "certificate '%s' expires in %.1f days", tls->chain_min_subject,
             left);
    /* the handshake succeeded: later layers were reached, not skipped */
    ap_layer_set(r, AP_LAYER_TLS, e, reason);
  } else if(t->insecure) {
    ap_strlcpy(tls->h.reason, "verification disabled (--insecure)",
               sizeof(tls->h.reason));
  }
}
