/* secret.c -- loading, fingerprinting, wiping and redacting the API key.
 * The key lives only in a struct ap_secret; every copy the library makes
 * of it (a request header) is wiped with OPENSSL_cleanse as well.
 */
#include "secret.h"
#include "file.h"
#include "strutil.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int secret_new(const char *v, size_t len, struct ap_secret **ps,
                      char *err, size_t errlen)
{
  struct ap_secret *s;
  size_t i;
  *ps = NULL;
  for(i = 0; i < len; i++) {
    unsigned char c = (unsigned char)v[i];
    if(c < 0x21 || c > 0x7e) {
      snprintf(err, errlen, "the key contains a space or control character");
      return -1;
    }
  }
  s = calloc(1, sizeof(*s));
  if(!s) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  s->value = malloc(len + 1);
  if(!s->value) {
    free(s);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memcpy(s->value, v, len);
  s->value[len] = '\0';
  s->len = len;
  *ps = s;
  return 0;
}

int ap_secret_from_env(const char *name, struct ap_secret **ps, char *err,
                       size_t errlen)
{
  const char *v = name ? getenv(name) : NULL;
  *ps = NULL;
  if(!v || !*v)
    return 1;
  if(strlen(v) > AP_SECRET_MAX) {
    snprintf(err, errlen, "the key in $%s is too long", name);
    return -1;
  }
  if(secret_new(v, strlen(v), ps, err, errlen)) {
    size_t n = strlen(err);
    snprintf(err + n, errlen > n ? errlen - n : 0, " ($%s)", name);
    return -1;
  }
  return 0;
}

int ap_secret_from_file(const char *path, struct ap_secret **ps,
                        int *pmode_warn, char *err, size_t errlen)
{
  struct stat st;
  size_t len = 0;
  int rc = -1;
  char *buf = NULL, *line;

  *ps = NULL;
  *pmode_warn = 0;
  /* never blocks on a FIFO or device: zabbix_agentd's and collectd's
   * start would stop behind it */
  if(ap_file_read(path, "key file", AP_SECRET_MAX, &st, &buf, &len, err,
                  errlen))
    return -1;
  if(st.st_mode & (S_IRWXG | S_IRWXO))
    *pmode_warn = 1;
  line = buf;
  line[strcspn(line, "\r\n")] = '\0';
  ap_trim(line);
  if(!*line) {
    snprintf(err, errlen, "key file %s is empty", path);
    goto out;
  }
  if(secret_new(line, strlen(line), ps, err, errlen)) {
    size_t m = strlen(err);
    snprintf(err + m, errlen > m ? errlen - m : 0, " (file %s)", path);
    goto out;
  }
  rc = 0;
out:
  OPENSSL_cleanse(buf, len);
  free(buf);
  return rc;
}

void ap_secret_fingerprint(const struct ap_secret *s, char *out,
                           size_t outlen)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if(!s || !EVP_Digest(s->value, s->len, md, &mdlen, EVP_sha256(), NULL) ||
     mdlen < 3) {
    ap_strlcpy(out, "", outlen);
    return;
  }
  snprintf(out, outlen, "sha256:%02x%02x%02x", md[0], md[1], md[2]);
}

void ap_secret_free(struct ap_secret *s)
{
  if(!s)
    return;
  if(s->value) {
    OPENSSL_cleanse(s->value, s->len);
    free(s->value);
  }
  free(s);
}

static int keychar(int c)
{
  return isalnum(c) || c == '-' || c == '_';
}

/* Length of the key-looking token at P ("sk-" + 16 key chars), else 0. */
static size_t keylike(const char *p)
{
  size_t n = 3;
  if(strncmp(p, "sk-", 3))
    return 0;
  while(keychar((unsigned char)p[n]))
    n++;
  return n >= 19 ? n : 0;
}

/* Length of the run at P (LEFT bytes to the NUL) to redact for key S:
 * the longest run of AP_REDACT_RUN or more characters that occurs in the
 * key (a key cut anywhere still shows no more than AP_REDACT_RUN - 1 of
 * its characters), or the whole key when it is shorter than that. */
static size_t key_run(const char *p, size_t left, const struct ap_secret *s)
{
  size_t n;
  if(s->len < AP_REDACT_RUN)
    return left >= s->len && !memcmp(p, s->value, s->len) ? s->len : 0;
  if(left < AP_REDACT_RUN || !memmem(s->value, s->len, p, AP_REDACT_RUN))
    return 0;
  n = AP_REDACT_RUN;
  while(n < left && n < s->len && memmem(s->value, s->len, p, n + 1))
    n++;
  return n;
}

void ap_redact(char *text, size_t cap, const struct ap_secret *s)
{
  static const char mask[] = "[REDACTED]";
  const size_t ml = sizeof(mask) - 1;
  size_t len, i = 0;
  if(!text || !cap)
    return;
  len = strnlen(text, cap - 1);
  text[len] = '\0';
  while(i < len) {
    size_t skip = 0;
    if(s && s->len)
      skip = key_run(text + i, len - i, s);
    if(!skip && (i == 0 || !keychar((unsigned char)text[i - 1])))
      skip = keylike(text + i);
    if(!skip) {
      i++;
      continue;
    }
    if(skip >= ml) {
      /* in place: the mask replaces the run, the rest moves left */
      memmove(text + i + ml, text + i + skip, len - (i + skip) + 1);
      memcpy(text + i, mask, ml);
      len = len - skip + ml;
      i += ml;
    } else if(i + ml < cap) {
      /* a short key: the text grows, its tail is cut at CAP */
      size_t tail = len - (i + skip), room = cap - 1 - (i + ml);
      size_t keep = tail < room ? tail : room;
      memmove(text + i + ml, text + i + skip, keep);
      text[i + ml + keep] = '\0';
      memcpy(text + i, mask, ml);
      len = i + ml + keep;
      i += ml;
    } else {
      /* no room for the mask: star the run out */
      memset(text + i, '*', skip);
      i += skip;
    }
  }
}
