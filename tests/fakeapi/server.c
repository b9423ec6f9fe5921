/*
 * server.c - listeners, connection threads and the per-scenario connection
 * behaviour (TLS handshake, request read, answer, stall, close or reset).
 * Blocking I/O in one thread per connection; shutdown wakes every blocked
 * thread with shutdown(2) on its socket and a condition variable.
 */
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "api.h"
#include "http.h"
#include "stream.h"
#include "util.h"

#define IO_TIMEOUT_S 60            /* a silent peer frees its thread */
#define DRAIN_MS 1000              /* lingering close: wait for the FIN */
#define BODY_CAP (8L * 1024 * 1024) /* request body bytes read and dropped */
#define HUGE_LEN 10485760LL        /* huge_body content-length */
#define STALL_BODY_LEN 5000        /* stall_body content-length */
#define STALL_BODY_SENT 100        /* ... of which are sent */
#define GARBAGE_LEN 200

struct server;
struct listener;

/* One accepted connection and its thread. */
struct conn {
  struct listener *l;
  int fd;              /* closed (and set to -1) under srv->mu */
  int done;            /* the thread has finished: join it */
  pthread_t tid;
  struct conn *next;   /* in l->conns, under srv->mu */
  struct request req;
};

/* One scenario's listening socket and its accept thread. */
struct listener {
  struct server *srv;
  const struct scenario *sc;
  SSL_CTX *ctx;        /* NULL for scenarios that never do TLS */
  int fd;
  int port;
  int has_thread;
  pthread_t tid;
  unsigned long nreq;  /* requests read so far, under srv->mu */
  struct conn *conns;  /* live and finished connections, under srv->mu */
};

struct server {
  pthread_mutex_t mu;
  pthread_cond_t cv;   /* CLOCK_MONOTONIC; broadcast on stop, conn exit */
  int stopping;
  int active;          /* connection threads running */
  pthread_mutex_t log_mu;
  FILE *log;
  struct api_env env;
  char org_id[40];
  unsigned long requests;     /* requests read, all listeners, under mu */
  unsigned long generations;  /* generation requests (tokens!), under mu */
  struct listener *ls;
  size_t nls;
};

/*=== Small helpers ========================================================*/

/* Waits for shutdown, at most ms (< 0: forever).  Returns 1 if stopping. */
static int wait_stop(struct server *s, long ms)
{
  struct timespec dl;
  int stop;

  clock_gettime(CLOCK_MONOTONIC, &dl);
  if (ms >= 0) {
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
      dl.tv_sec++;
      dl.tv_nsec -= 1000000000L;
    }
  }
  pthread_mutex_lock(&s->mu);
  while (!s->stopping) {
    if (ms < 0)
      pthread_cond_wait(&s->cv, &s->mu);
    else if (pthread_cond_timedwait(&s->cv, &s->mu, &dl) == ETIMEDOUT)
      break;
  }
  stop = s->stopping;
  pthread_mutex_unlock(&s->mu);
  return stop;
}

static int is_stopping(struct server *s)
{
  int stop;

  pthread_mutex_lock(&s->mu);
  stop = s->stopping;
  pthread_mutex_unlock(&s->mu);
  return stop;
}

/* A stall: holds the connection without a word until the server stops or
 * the client goes away (FIN, RST). A stall that outlived its client held
 * its thread, and in a long run (tests/soak) the stalled connections
 * reached SERVER_MAX_CONNS within two minutes and every scenario stopped
 * answering. */
static void stall(struct conn *c)
{
  struct server *s = c->l->srv;
  struct pollfd p;

  while (!is_stopping(s)) {
    p.fd = c->fd;
    p.events = POLLRDHUP;
    p.revents = 0;
    if (poll(&p, 1, 200) > 0 &&
        (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
      return;
  }
}

/* Closes the socket: with a FIN, or with a RST when rst is set. */
static void conn_close(struct conn *c, int rst)
{
  struct server *s = c->l->srv;

  pthread_mutex_lock(&s->mu);
  if (c->fd >= 0) {
    if (rst) {
      struct linger lg;

      lg.l_onoff = 1;
      lg.l_linger = 0;
      setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    close(c->fd);
    c->fd = -1;
  }
  pthread_mutex_unlock(&s->mu);
}

static long ms_since(const struct timespec *t0)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long)(now.tv_sec - t0->tv_sec) * 1000 +
         (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Reads and drops input until EOF, an error or DRAIN_MS, so close() sends a
 * FIN and not a RST for unread bytes. */
static void drain(int fd)
{
  struct timespec t0;
  char scratch[4096];
  size_t total = 0;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (total < (1u << 20)) {
    struct pollfd pfd;
    long left = DRAIN_MS - ms_since(&t0);
    ssize_t n;

    if (left <= 0)
      break;
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, (int)left) <= 0)
      break;
    n = recv(fd, scratch, sizeof(scratch), 0);
    if (n <= 0)
      break;
    total += (size_t)n;
  }
}

static int send_raw(int fd, const void *p, size_t n)
{
  const char *q = p;

  while (n > 0) {
    ssize_t w = send(fd, q, n, MSG_NOSIGNAL);

    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    q += w;
    n -= (size_t)w;
  }
  return 0;
}

static int ssl_send(SSL *ssl, const void *p, size_t n)
{
  size_t w = 0;

  if (n == 0)
    return 0;
  return SSL_write_ex(ssl, p, n, &w) == 1 && w == n ? 0 : -1;
}

/* close_notify, FIN, wait for the peer's FIN, close. */
static void finish_tls(struct conn *c, SSL *ssl)
{
  SSL_shutdown(ssl);
  shutdown(c->fd, SHUT_WR);
  drain(c->fd);
  conn_close(c, 0);
}

/*=== Scenarios below TLS ==================================================*/

/* Reads what the client sends first: a whole TLS record if it is one (a
 * ClientHello), else whatever one read returns.  Returns bytes read. */
static size_t read_hello(int fd, unsigned char *b, size_t cap)
{
  size_t got = 0;
  size_t need = 1;

  while (got < need) {
    ssize_t n = recv(fd, b + got, cap - got, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
    if (b[0] == 0x16 && got < 5)
      need = 5;
    else if (b[0] == 0x16)
      need = 5 + ((size_t)b[3] << 8 | b[4]);
    if (need > cap)
      need = cap;
  }
  return got;
}

static void serve_plain(struct conn *c)
{
  unsigned char in[HTTP_HEAD_MAX];
  struct buf out;

  if (read_hello(c->fd, in, sizeof(in)) == 0) {
    conn_close(c, 0);
    return;
  }
  buf_init(&out);
  api_plain_400(&out);
  if (send_raw(c->fd, out.p, out.len) == 0) {
    shutdown(c->fd, SHUT_WR);
    drain(c->fd);
  }
  buf_free(&out);
  conn_close(c, 0);
}

/*=== HTTP over TLS ========================================================*/

/* Returns 0 with a complete head, -1 on EOF/error, -2 if over the cap. */
static int read_request(SSL *ssl, struct request *r)
{
  r->len = 0;
  r->head_len = 0;
  for (;;) {
    size_t n = 0;

    if (r->len >= HTTP_HEAD_MAX)
      return -2;
    if (SSL_read_ex(ssl, r->raw + r->len, HTTP_HEAD_MAX - r->len, &n) != 1)
      return -1;
    r->len += n;
    r->raw[r->len] = '\0';
    r->head_len = http_head_end(r->raw, r->len);
    if (r->head_len)
      return 0;
  }
}

/* Keeps the body's first bytes in r->body, from BUF (N bytes). */
static void keep_body(struct request *r, const char *buf, size_t n)
{
  size_t room = sizeof(r->body) - 1 - r->body_len;

  if (n > room)
    n = room;
  memcpy(r->body + r->body_len, buf, n);
  r->body_len += n;
  r->body[r->body_len] = '\0';
}

/* Reads a content-length body (up to BODY_CAP), keeping its start. */
static void read_body(SSL *ssl, struct request *r)
{
  long left;
  char scratch[4096];

  r->body_len = 0;
  r->body[0] = '\0';
  if (r->content_length <= 0)
    return;
  keep_body(r, r->raw + r->head_len, r->len - r->head_len);
  left = r->content_length - (long)(r->len - r->head_len);
  if (left > BODY_CAP)
    left = BODY_CAP;
  while (left > 0) {
    size_t n = 0;
    size_t want = sizeof(scratch);

    if ((size_t)left < want)
      want = (size_t)left;
    if (SSL_read_ex(ssl, scratch, want, &n) != 1)
      return;
    keep_body(r, scratch, n);
    left -= (long)n;
  }
}

/* Copies s for the log: no blanks or control bytes, no API keys. */
static void log_clean(char *out, size_t n, const char *s)
{
  static const char redacted[] = "[REDACTED]";
  size_t o = 0;

  while (*s && o + 1 < n) {
    unsigned char ch = (unsigned char)*s;

    if (!strncmp(s, "sk-ant-", 7)) {
      size_t k = strlen(redacted);

      if (o + k + 1 > n)
        break;
      memcpy(out + o, redacted, k);
      o += k;
      s += strcspn(s, "&;, ");
      continue;
    }
    out[o++] = (ch <= 0x20 || ch >= 0x7f) ? '_' : (char)ch;
    s++;
  }
  out[o] = '\0';
}

static void log_request(struct server *s, const struct listener *l,
                        const struct request *r)
{
  static const char *const keys[] = { "missing", "invalid", "valid" };
  char method[32];
  char path[1024];
  char version[256];
  const char *auth = r->authorization;
  int bearer = auth && !strncasecmp(auth, "Bearer ", 7);

  if (!s->log)
    return;
  log_clean(method, sizeof(method), r->method);
  log_clean(path, sizeof(path), r->target);
  if (r->nversion)
    log_clean(version, sizeof(version), r->version);
  else
    snprintf(version, sizeof(version), "missing");
  pthread_mutex_lock(&s->log_mu);
  fprintf(s->log, "%s %s %s key=%s version=%s auth_bearer=%s\n",
          l->sc->spec, method, path, keys[api_key_state(&s->env, r)],
          version, bearer ? "yes" : "no");
  fflush(s->log);
  pthread_mutex_unlock(&s->log_mu);
}

static int stream_huge(SSL *ssl)
{
  static const char head[] = "{\"data\":[";
  static const char tail[] =
    "],\"has_more\":false,\"first_id\":null,\"last_id\":null}";
  char block[16384];
  long long sent = 0;

  while (sent < HUGE_LEN) {
    size_t n = sizeof(block);

    if (HUGE_LEN - sent < (long long)n)
      n = (size_t)(HUGE_LEN - sent);
    memset(block, ' ', n);
    if (sent == 0)
      memcpy(block, head, sizeof(head) - 1);
    if (sent + (long long)n == HUGE_LEN)
      memcpy(block + n - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
    if (ssl_send(ssl, block, n))
      return -1;
    sent += (long long)n;
  }
  return 0;
}

static void stream_chunked(struct server *s, SSL *ssl)
{
  static const char head[] = "{\"data\":[";
  char chunk[6 + 4096 + 2];
  int first = 1;

  memcpy(chunk, "1000\r\n", 6);
  memset(chunk + 6, ' ', 4096);
  memcpy(chunk + 6 + 4096, "\r\n", 2);
  while (!is_stopping(s)) {
    if (first)
      memcpy(chunk + 6, head, sizeof(head) - 1);
    else if (chunk[6] != ' ')
      memset(chunk + 6, ' ', sizeof(head) - 1);
    first = 0;
    if (ssl_send(ssl, chunk, sizeof(chunk)))
      return;
  }
}

/* Answers for the kinds that stream, stall or misbehave after the request.
 * Returns 1 if it handled (and closed) the connection. */
static int answer_special(struct conn *c, SSL *ssl)
{
  struct server *s = c->l->srv;
  const struct scenario *sc = c->l->sc;
  unsigned char junk[GARBAGE_LEN];
  char part[STALL_BODY_SENT];
  struct buf out;
  int ok;

  switch (sc->kind) {
  case SCN_STALL_HEADERS:
    stall(c);
    conn_close(c, 0);
    return 1;
  case SCN_CLOSE_AFTER_REQUEST:
    SSL_shutdown(ssl);
    conn_close(c, 0);
    return 1;
  case SCN_RESET_AFTER_REQUEST:
    conn_close(c, 1);
    return 1;
  case SCN_GARBAGE:
    rand_fill(junk, sizeof(junk));
    junk[0] = 0x8f; /* never "HTTP/" */
    junk[1] = 0x00;
    if (ssl_send(ssl, junk, sizeof(junk)) == 0)
      finish_tls(c, ssl);
    else
      conn_close(c, 0);
    return 1;
  case SCN_STALL_BODY:
  case SCN_HUGE_BODY:
  case SCN_ENDLESS_CHUNKED:
    break;
  default:
    return 0;
  }

  buf_init(&out);
  if (sc->kind == SCN_STALL_BODY) {
    api_stream_head(&s->env, sc, STALL_BODY_LEN, &out);
    memset(part, ' ', sizeof(part));
    memcpy(part, "{\"data\":[{\"type\":\"model\",\"id\":\"claude-x\"", 40);
    buf_add(&out, part, sizeof(part));
  } else {
    api_stream_head(&s->env, sc,
                    sc->kind == SCN_HUGE_BODY ? HUGE_LEN : -1, &out);
  }
  ok = ssl_send(ssl, out.p, out.len) == 0;
  buf_free(&out);
  if (ok && sc->kind == SCN_STALL_BODY)
    stall(c);
  else if (ok && sc->kind == SCN_HUGE_BODY && stream_huge(ssl) == 0) {
    finish_tls(c, ssl);
    return 1;
  } else if (ok && sc->kind == SCN_ENDLESS_CHUNKED)
    stream_chunked(s, ssl);
  conn_close(c, 0);
  return 1;
}

/*=== Generation requests (streamed) ======================================*/

struct conn_io {
  struct conn *c;
  SSL *ssl;
};

static int io_send(void *ctx, const void *p, size_t n)
{
  struct conn_io *io = ctx;

  return ssl_send(io->ssl, p, n);
}

static int io_pause(void *ctx, long ms)
{
  struct conn_io *io = ctx;

  return wait_stop(io->c->l->srv, ms);
}

static void io_hang(void *ctx)
{
  struct conn_io *io = ctx;

  wait_stop(io->c->l->srv, -1);
}

/* POST /v1/messages or /v1/chat/completions: an error or whole answer, or
 * the event stream. */
static void answer_generation(struct conn *c, SSL *ssl, unsigned long seq)
{
  struct server *s = c->l->srv;
  const struct scenario *sc = c->l->sc;
  struct conn_io cio;
  struct stream_io io;
  struct buf out;
  char model[128];
  long max_tokens;
  int whole, rc;

  buf_init(&out);
  whole = api_generation_begin(&s->env, sc, &c->req, seq, &out, model,
                               sizeof(model), &max_tokens);
  rc = ssl_send(ssl, out.p, out.len);
  buf_free(&out);
  if (rc) {
    conn_close(c, 0);
    return;
  }
  if (whole) {
    finish_tls(c, ssl);
    return;
  }
  cio.c = c;
  cio.ssl = ssl;
  io.send = io_send;
  io.pause = io_pause;
  io.hang = io_hang;
  io.ctx = &cio;
  if (sc->kind == SCN_OPENAI)
    rc = stream_openai(&io, &c->req, max_tokens);
  else
    rc = stream_anthropic(&io, sc, model, max_tokens);
  if (rc == STREAM_DONE)
    finish_tls(c, ssl);
  else
    conn_close(c, 0); /* no close_notify: the stream is cut */
}

/* GET /fake/stats: the counters the tests read (no key needed). */
static int answer_stats(struct conn *c, SSL *ssl)
{
  struct server *s = c->l->srv;
  struct buf out, body;
  unsigned long req, gen;

  if (strcmp(c->req.method, "GET") || strcmp(c->req.target, "/fake/stats"))
    return 0;
  pthread_mutex_lock(&s->mu);
  req = s->requests;
  gen = s->generations;
  pthread_mutex_unlock(&s->mu);
  buf_init(&body);
  buf_printf(&body, "{\"requests\":%lu,\"generation_requests\":%lu}\n",
             req, gen);
  buf_init(&out);
  buf_printf(&out,
             "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
             "content-length: %zu\r\nconnection: close\r\n\r\n%s",
             body.len, body.p);
  if (ssl_send(ssl, out.p, out.len) == 0)
    finish_tls(c, ssl);
  else
    conn_close(c, 0);
  buf_free(&out);
  buf_free(&body);
  return 1;
}

static void answer(struct conn *c, SSL *ssl, unsigned long seq)
{
  struct server *s = c->l->srv;
  const struct scenario *sc = c->l->sc;
  struct buf out;

  if (answer_stats(c, ssl) || answer_special(c, ssl))
    return;
  if (sc->delay_ms > 0 && wait_stop(s, sc->delay_ms)) {
    conn_close(c, 0);
    return;
  }
  if (api_is_generation(&c->req)) {
    answer_generation(c, ssl, seq);
    return;
  }
  buf_init(&out);
  api_respond(&s->env, sc, &c->req, seq, &out);
  if (ssl_send(ssl, out.p, out.len) == 0)
    finish_tls(c, ssl);
  else
    conn_close(c, 0);
  buf_free(&out);
}

static void send_edge_error(struct conn *c, SSL *ssl, int status)
{
  struct buf out;

  buf_init(&out);
  api_edge_error(status, &out);
  if (ssl_send(ssl, out.p, out.len) == 0)
    finish_tls(c, ssl);
  else
    conn_close(c, 0);
  buf_free(&out);
}

static void serve_tls(struct conn *c)
{
  struct listener *l = c->l;
  struct server *s = l->srv;
  unsigned long seq;
  SSL *ssl = SSL_new(l->ctx);
  int rc;

  if (!ssl || SSL_set_fd(ssl, c->fd) != 1 || SSL_accept(ssl) != 1) {
    conn_close(c, 0);
    goto out;
  }
  rc = read_request(ssl, &c->req);
  if (rc == -2) {
    send_edge_error(c, ssl, 431);
    goto out;
  }
  if (rc) {
    conn_close(c, 0);
    goto out;
  }
  if (http_parse_request(&c->req)) {
    send_edge_error(c, ssl, 400);
    goto out;
  }
  log_request(s, l, &c->req);
  pthread_mutex_lock(&s->mu);
  seq = ++l->nreq;
  s->requests++;
  if (api_is_generation(&c->req))
    s->generations++;
  pthread_mutex_unlock(&s->mu);
  read_body(ssl, &c->req);
  answer(c, ssl, seq);
out:
  SSL_free(ssl);
  ERR_clear_error();
}

/*=== Threads ==============================================================*/

static void *conn_main(void *arg)
{
  struct conn *c = arg;
  struct server *s = c->l->srv;
  unsigned char hello[HTTP_HEAD_MAX];

  switch (c->l->sc->kind) {
  case SCN_STALL_HANDSHAKE:
    stall(c);
    conn_close(c, 0);
    break;
  case SCN_CLOSE_HANDSHAKE:
    read_hello(c->fd, hello, sizeof(hello));
    conn_close(c, 0);
    break;
  case SCN_RESET_HANDSHAKE:
    read_hello(c->fd, hello, sizeof(hello));
    conn_close(c, 1);
    break;
  case SCN_PLAIN_HTTP:
    serve_plain(c);
    break;
  default:
    serve_tls(c);
    break;
  }
  pthread_mutex_lock(&s->mu);
  c->done = 1;
  s->active--;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

/* Joins finished connection threads of l (all of them if all is set). */
static void reap(struct listener *l, int all)
{
  struct server *s = l->srv;
  struct conn *dead = NULL;
  struct conn **pp;

  pthread_mutex_lock(&s->mu);
  pp = &l->conns;
  while (*pp) {
    struct conn *c = *pp;

    if (all || c->done) {
      *pp = c->next;
      c->next = dead;
      dead = c;
    } else {
      pp = &c->next;
    }
  }
  pthread_mutex_unlock(&s->mu);
  while (dead) {
    struct conn *c = dead;

    dead = c->next;
    pthread_join(c->tid, NULL);
    free(c);
  }
}

static void tune_socket(int fd)
{
  struct timeval tv;
  int one = 1;

  tv.tv_sec = IO_TIMEOUT_S;
  tv.tv_usec = 0;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Starts a thread for fd; returns -1 (fd closed) when stopping. */
static int spawn_conn(struct listener *l, int fd)
{
  struct server *s = l->srv;
  struct conn *c = calloc(1, sizeof(*c));

  if (!c) {
    close(fd);
    return 0;
  }
  c->l = l;
  c->fd = fd;
  pthread_mutex_lock(&s->mu);
  if (s->stopping) {
    pthread_mutex_unlock(&s->mu);
    close(fd);
    free(c);
    return -1;
  }
  c->next = l->conns;
  l->conns = c;
  s->active++;
  pthread_mutex_unlock(&s->mu);
  if (pthread_create(&c->tid, NULL, conn_main, c) == 0)
    return 0;
  pthread_mutex_lock(&s->mu);
  l->conns = c->next; /* still first: only this thread adds */
  s->active--;
  pthread_mutex_unlock(&s->mu);
  close(fd);
  free(c);
  return 0;
}

static void *accept_main(void *arg)
{
  struct listener *l = arg;
  struct server *s = l->srv;

  for (;;) {
    int fd;
    int stop;

    reap(l, 0);
    pthread_mutex_lock(&s->mu);
    while (!s->stopping && s->active >= SERVER_MAX_CONNS)
      pthread_cond_wait(&s->cv, &s->mu);
    stop = s->stopping;
    pthread_mutex_unlock(&s->mu);
    if (stop)
      break;
    fd = accept(l->fd, NULL, NULL);
    if (fd < 0) {
      struct timespec ts = { 0, 10 * 1000000L };

      if (is_stopping(s))
        break;
      if (errno != EINTR && errno != ECONNABORTED)
        nanosleep(&ts, NULL); /* EMFILE and friends: back off 10 ms */
      continue;
    }
    tune_socket(fd);
    if (spawn_conn(l, fd))
      break;
  }
  return NULL;
}

/*=== Setup ================================================================*/

static int alpn_select(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
  unsigned int i = 0;

  (void)ssl;
  (void)arg;
  while (i < inlen) {
    unsigned int n = in[i];

    if (i + 1 + n > inlen)
      break;
    if (n == 8 && !memcmp(in + i + 1, "http/1.1", 8)) {
      *out = in + i + 1;
      *outlen = (unsigned char)n;
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + n;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

static SSL_CTX *make_ctx(const char *dir, const struct scenario *sc)
{
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  char crt[4096];
  char key[4096];

  snprintf(crt, sizeof(crt), "%s/%s.pem", dir, sc->cert);
  snprintf(key, sizeof(key), "%s/%s.key", dir, sc->cert);
  if (!ctx)
    goto fail;
  if (SSL_CTX_use_certificate_chain_file(ctx, crt) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    fprintf(stderr, "fakeapi: cannot load %s / %s (run `fakeapi certs %s`"
            " first)\n", crt, key, dir);
    goto fail;
  }
  switch (sc->tls) {
  case SCN_TLS_12_13:
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    break;
  case SCN_TLS_12:
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    break;
  case SCN_TLS_10_11:
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") != 1)
      goto fail;
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
    break;
  }
  SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
  return ctx;
fail:
  ERR_print_errors_fp(stderr);
  SSL_CTX_free(ctx);
  return NULL;
}

/* Opens a listening socket on an ephemeral port of addr; -1 on error. */
static int open_listener(const char *addr, int *port)
{
  struct addrinfo hints;
  struct addrinfo *res = NULL;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  char host[256];
  size_t n = strlen(addr);
  int fd = -1;
  int one = 1;
  int rc;

  if (n >= 2 && n < sizeof(host) && addr[0] == '[' && addr[n - 1] == ']')
    snprintf(host, sizeof(host), "%.*s", (int)(n - 2), addr + 1);
  else
    snprintf(host, sizeof(host), "%s", addr);
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  rc = getaddrinfo(host, "0", &hints, &res);
  if (rc) {
    fprintf(stderr, "fakeapi: bad --bind address '%s': %s\n", addr,
            gai_strerror(rc));
    return -1;
  }
  fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd < 0)
    goto fail;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (res->ai_family == AF_INET6) {
    /* "::" is a dual-stack socket (IPv4 too, as ::ffff:a.b.c.d), so one
     * port serves both families; any other IPv6 address is IPv6 only. */
    const struct in6_addr *a6 =
        &((const struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
    int v6only = !IN6_IS_ADDR_UNSPECIFIED(a6);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
  }
  if (bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 1024) ||
      getsockname(fd, (struct sockaddr *)&ss, &sl))
    goto fail;
  if (ss.ss_family == AF_INET6)
    *port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  else
    *port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  freeaddrinfo(res);
  return fd;
fail:
  fprintf(stderr, "fakeapi: cannot listen on %s: %s\n", addr,
          strerror(errno));
  if (fd >= 0)
    close(fd);
  freeaddrinfo(res);
  return -1;
}

static int write_portfile(const char *path, const struct server *s)
{
  char tmp[4096];
  FILE *f;
  size_t i;
  int ok = 1;

  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  f = fopen(tmp, "w");
  if (!f) {
    fprintf(stderr, "fakeapi: %s: %s\n", tmp, strerror(errno));
    return -1;
  }
  for (i = 0; i < s->nls; i++)
    if (fprintf(f, "%s %d\n", s->ls[i].sc->spec, s->ls[i].port) < 0)
      ok = 0;
  if (fflush(f) || fsync(fileno(f)))
    ok = 0;
  if (fclose(f))
    ok = 0;
  if (!ok || rename(tmp, path)) {
    fprintf(stderr, "fakeapi: cannot write %s: %s\n", path,
            strerror(errno));
    unlink(tmp);
    return -1;
  }
  return 0;
}

static int needs_tls(enum scn_kind k)
{
  return k != SCN_STALL_ACCEPT && k != SCN_STALL_HANDSHAKE &&
         k != SCN_CLOSE_HANDSHAKE && k != SCN_RESET_HANDSHAKE &&
         k != SCN_PLAIN_HTTP;
}

static int setup(struct server *s, const struct serve_opts *o)
{
  size_t i;

  if (o->log) {
    s->log = fopen(o->log, "a");
    if (!s->log) {
      fprintf(stderr, "fakeapi: %s: %s\n", o->log, strerror(errno));
      return -1;
    }
  }
  s->ls = calloc(o->nscn, sizeof(*s->ls));
  if (!s->ls)
    return -1;
  s->nls = o->nscn;
  for (i = 0; i < s->nls; i++) {
    s->ls[i].srv = s;
    s->ls[i].sc = &o->scn[i];
    s->ls[i].fd = -1;
  }
  for (i = 0; i < s->nls; i++) {
    struct listener *l = &s->ls[i];

    if (needs_tls(l->sc->kind)) {
      l->ctx = make_ctx(o->dir, l->sc);
      if (!l->ctx)
        return -1;
    }
    l->fd = open_listener(o->bind, &l->port);
    if (l->fd < 0)
      return -1;
  }
  for (i = 0; i < s->nls; i++) {
    struct listener *l = &s->ls[i];

    if (l->sc->kind == SCN_STALL_ACCEPT)
      continue; /* the kernel's backlog completes the TCP handshakes */
    if (pthread_create(&l->tid, NULL, accept_main, l)) {
      fputs("fakeapi: cannot start a thread\n", stderr);
      return -1;
    }
    l->has_thread = 1;
  }
  return write_portfile(o->portfile, s);
}

static void teardown(struct server *s)
{
  size_t i;

  pthread_mutex_lock(&s->mu);
  s->stopping = 1;
  pthread_cond_broadcast(&s->cv);
  for (i = 0; i < s->nls; i++) {
    struct conn *c;

    for (c = s->ls[i].conns; c; c = c->next)
      if (c->fd >= 0)
        shutdown(c->fd, SHUT_RDWR);
  }
  pthread_mutex_unlock(&s->mu);
  for (i = 0; i < s->nls; i++)
    if (s->ls[i].fd >= 0)
      shutdown(s->ls[i].fd, SHUT_RDWR);
  for (i = 0; i < s->nls; i++)
    if (s->ls[i].has_thread)
      pthread_join(s->ls[i].tid, NULL);
  for (i = 0; i < s->nls; i++) {
    reap(&s->ls[i], 1);
    if (s->ls[i].fd >= 0)
      close(s->ls[i].fd);
    SSL_CTX_free(s->ls[i].ctx);
  }
  free(s->ls);
  s->ls = NULL;
  if (s->log)
    fclose(s->log);
}

int serve_run(const struct serve_opts *o)
{
  struct server srv;
  struct sigaction sa;
  pthread_condattr_t ca;
  sigset_t set;
  int sig = 0;
  int rc = 1;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads inherit the mask */

  memset(&srv, 0, sizeof(srv));
  pthread_mutex_init(&srv.mu, NULL);
  pthread_mutex_init(&srv.log_mu, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&srv.cv, &ca);
  pthread_condattr_destroy(&ca);
  rand_uuid(srv.org_id, sizeof(srv.org_id));
  srv.env.valid_key = o->key;
  srv.env.org_id = srv.org_id;

  if (setup(&srv, o) == 0 && sigwait(&set, &sig) == 0)
    rc = 0;
  teardown(&srv);
  pthread_cond_destroy(&srv.cv);
  pthread_mutex_destroy(&srv.mu);
  pthread_mutex_destroy(&srv.log_mu);
  return rc;
}
