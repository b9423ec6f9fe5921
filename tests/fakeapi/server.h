/*
 * server.h - `fakeapi serve`: one listening socket per scenario, one thread
 * per connection (at most SERVER_MAX_CONNS at once), until SIGTERM/SIGINT.
 */
#ifndef FAKEAPI_SERVER_H
#define FAKEAPI_SERVER_H

#include <stddef.h>

#include "scenario.h"

#define SERVER_MAX_CONNS 256

struct serve_opts {
  const char *dir;      /* from `fakeapi certs DIR` */
  const char *portfile; /* "SCENARIO PORT" lines, written atomically */
  const char *key;      /* the valid x-api-key */
  const char *bind;     /* numeric address, IPv4 or IPv6 */
  const char *log;      /* request log (appended), or NULL */
  const struct scenario *scn;
  size_t nscn;
};

/* Serves until SIGTERM or SIGINT.  Returns 0, or 1 on a setup error. */
int serve_run(const struct serve_opts *o);

#endif
