/* promfile.c -- apiprobe --prometheus-file: the Prometheus text written
 * for node_exporter's textfile collector, atomically. The collector reads
 * the directory at every scrape; a file caught half-written is a scrape
 * error, so the text goes to a temporary file in the same directory
 * (same filesystem), is flushed to disk, then renamed over FILE.
 */
#include "promfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_promfile_write(const char *path, const char *text, char *err,
                       size_t errlen)
{
  const char *slash = strrchr(path, '/');
  size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
  size_t len = strlen(text);
  char *tmp;
  int fd, rc = -1;
  if(!*path || (slash && !slash[1])) {
    snprintf(err, errlen, "--prometheus-file: '%s' names no file", path);
    return -1;
  }
  /* "DIR/.NAME.XXXXXX": a dot file, which the collector ignores (it
   * reads *.prom only); owned here, freed below */
  tmp = malloc(strlen(path) + 9);
  if(!tmp) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  snprintf(tmp, strlen(path) + 9, "%.*s.%s.XXXXXX", (int)dirlen, path,
           path + dirlen);
  fd = mkstemp(tmp);
  if(fd < 0) {
    snprintf(err, errlen, "cannot create a temporary file beside %s: %s",
             path, strerror(errno));
    free(tmp);
    return -1;
  }
  if(fchmod(fd, 0644)) { /* the collector runs as another user */
    snprintf(err, errlen, "chmod %s: %s", tmp, strerror(errno));
  } else {
    size_t off = 0;
    while(off < len) {
      ssize_t w = write(fd, text + off, len - off);
      if(w < 0 && errno == EINTR)
        continue;
      if(w <= 0)
        break;
      off += (size_t)w;
    }
    if(off < len)
      snprintf(err, errlen, "write %s: %s", tmp, strerror(errno));
    else if(fsync(fd))
      snprintf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
    else
      rc = 0;
  }
  if(close(fd) && !rc) {
    snprintf(err, errlen, "close %s: %s", tmp, strerror(errno));
    rc = -1;
  }
  if(!rc && rename(tmp, path)) {
    snprintf(err, errlen, "rename %s to %s: %s", tmp, path,
             strerror(errno));
    rc = -1;
  }
  if(rc)
    unlink(tmp);
  free(tmp);
  return rc;
}
