/* file.c -- non-blocking, regular-file-only opens and bounded reads of the
 * files the core reads (see file.h). A FIFO or a device path given as a
 * key, CA or config file is an error at once, never a hang: the open does
 * not wait for a writer, and the type is checked before any read.
 */
#include "file.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ap_file_open(const char *path, const char *what, struct stat *pst,
                 char *err, size_t errlen)
{
  struct stat st;
  int fd, fl;
  if(!path || !*path) {
    snprintf(err, errlen, "%s: no file name", what);
    return -1;
  }
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if(fd < 0) {
    snprintf(err, errlen, "cannot read %s %s: %s", what, path,
             strerror(errno));
    return -1;
  }
  if(fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s %s is not a regular file", what, path);
    close(fd);
    return -1;
  }
  fl = fcntl(fd, F_GETFL);
  if(fl != -1)
    (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  if(pst)
    *pst = st;
  return fd;
}

int ap_file_read(const char *path, const char *what, size_t max,
                 struct stat *pst, char **pbuf, size_t *plen, char *err,
                 size_t errlen)
{
  struct stat st;
  char *buf = NULL;
  size_t len = 0, cap;
  int fd;
  *pbuf = NULL;
  if(plen)
    *plen = 0;
  fd = ap_file_open(path, what, &st, err, errlen);
  if(fd < 0)
    return -1;
  if(pst)
    *pst = st;
  if(st.st_size < 0 || (unsigned long long)st.st_size > max) {
    snprintf(err, errlen, "%s %s is too big (more than %zu bytes)", what,
             path, max);
    goto fail;
  }
  /* the size may change under us: read until EOF, never past MAX */
  cap = max + 1;
  buf = malloc(cap + 1);
  if(!buf) {
    snprintf(err, errlen, "%s %s: out of memory", what, path);
    goto fail;
  }
  for(;;) {
    ssize_t n = read(fd, buf + len, cap - len);
    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0) {
      snprintf(err, errlen, "cannot read %s %s: %s", what, path,
               strerror(errno));
      goto fail;
    }
    if(n == 0)
      break;
    len += (size_t)n;
    if(len > max) {
      snprintf(err, errlen, "%s %s is too big (more than %zu bytes)", what,
               path, max);
      goto fail;
    }
  }
  buf[len] = '\0';
  close(fd);
  *pbuf = buf;
  if(plen)
    *plen = len;
  return 0;
fail:
  if(buf) {
    OPENSSL_cleanse(buf, len); /* it may have held a key */
    free(buf);
  }
  close(fd);
  return -1;
}

int ap_file_next_line(const char *buf, size_t len, size_t *pos,
                      const char **pline, size_t *plinelen)
{
  const char *s, *nl;
  size_t n;
  if(*pos >= len)
    return 0;
  s = buf + *pos;
  nl = memchr(s, '\n', len - *pos);
  n = nl ? (size_t)(nl - s) : len - *pos;
  *pos += n + (nl ? 1 : 0);
  if(n && s[n - 1] == '\r')
    n--;
  *pline = s;
  *plinelen = n;
  return 1;
}
