/* pmtu.c -- a PMTU black hole told apart from a server that stalls.
 *
 * When TCP connected but the TLS handshake never finished, the server's
 * first flight (certificates: several full-size packets) may be what is
 * lost: a link on the way has a smaller MTU and the ICMP "fragmentation
 * needed" / "packet too big" that should shrink the server's packets is
 * filtered (a classic VPN fault). The same handshake is tried again with
 * the MSS clamped (TCP_MAXSEG before connect: the SYN advertises it, so
 * the server sends segments that small): 1200, then 536. If a clamped
 * handshake completes, the path drops large packets: pmtu_blackhole, with
 * the MSS that worked. A server that never answers stalls clamped too and
 * stays a tls timeout.
 *
 * The clamped handshake checks delivery only: no certificate verification
 * (the real probe verified nothing either: it never got the certificate).
 */
#include "internal.h"
#include "timeutil.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

static const int clamps[] = {1200, 536};

/* Wait for FD to be ready for EVENTS until DEADLINE (mono). 1 ready. */
static int wait_fd(int fd, short events, double deadline)
{
  for(;;) {
    struct pollfd p;
    double rest = deadline - ap_mono_s();
    int rc;
    if(rest <= 0)
      return 0;
    p.fd = fd;
    p.events = events;
    p.revents = 0;
    rc = poll(&p, 1, (int)(rest * 1000.0) + 1);
    if(rc < 0 && errno == EINTR)
      continue;
    return rc > 0;
  }
}

/* A connected socket to ADDRESS:PORT with the MSS clamped, or -1. */
static int clamped_connect(const char *address, int port, int mss,
                           double deadline)
{
  struct sockaddr_storage ss;
  socklen_t sl = ap_tcp_sockaddr(address, port, &ss);
  int err = 0;
  socklen_t el = sizeof(err);
  int fd;
  if(!sl)
    return -1;
  fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if(fd < 0)
    return -1;
  if(setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)) ||
     (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) ||
     !wait_fd(fd, POLLOUT, deadline) ||
     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
    close(fd);
    return -1;
  }
  return fd;
}

/* SSL_set_tlsext_host_name() is a macro that casts the name's const away,
 * which clang's -Wcast-qual reports in our code (gcc hides it in the system
 * header): OpenSSL copies the name, so a local copy is handed over. */
static int pmtu_set_sni(SSL *ssl, const char *sni)
{
  char name[256];
  size_t n = strlen(sni);

  if(n >= sizeof(name))
    return 0;
  memcpy(name, sni, n + 1);
  return SSL_set_tlsext_host_name(ssl, name) == 1;
}

static int pmtu_handshake(const char *address, int port, const char *sni,
                          int mss, double timeout_s)
{
  double deadline = ap_mono_s() + timeout_s;
  SSL_CTX *ctx = NULL;
  SSL *ssl = NULL;
  int fd, done = 0;

  fd = clamped_connect(address, port, mss, deadline);
  if(fd < 0)
    return 0;
  ctx = SSL_CTX_new(TLS_client_method());
  if(ctx)
    ssl = SSL_new(ctx);
  if(!ssl || !SSL_set_fd(ssl, fd) ||
     (sni && sni[0] && !pmtu_set_sni(ssl, sni)))
    goto out;
  SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
  for(;;) {
    int rc = SSL_connect(ssl);
    int e;
    if(rc == 1) {
      done = 1;
      break;
    }
    e = SSL_get_error(ssl, rc);
    if(e == SSL_ERROR_WANT_READ) {
      if(!wait_fd(fd, POLLIN, deadline))
        break;
    } else if(e == SSL_ERROR_WANT_WRITE) {
      if(!wait_fd(fd, POLLOUT, deadline))
        break;
    } else {
      /* an alert or a close came back: the packets got through, but the
       * handshake itself failed; not a delivery answer either way */
      break;
    }
  }
out:
  ERR_clear_error(); /* nothing of this try leaks into the next error */
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  return done;
}

/* The handshake writes to a socket the path may reset: inside a host
 * daemon that must not raise SIGPIPE. Block it on this thread for the
 * handshake and take back one raised meanwhile (libpq's way). */
struct pipe_guard {
  sigset_t set, old;
  int was_pending;
};

static void pipe_block(struct pipe_guard *g)
{
  sigset_t pend;
  sigemptyset(&g->set);
  sigaddset(&g->set, SIGPIPE);
  sigemptyset(&pend);
  g->was_pending = !sigpending(&pend) && sigismember(&pend, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &g->set, &g->old);
}

static void pipe_restore(struct pipe_guard *g)
{
  sigset_t pend;
  sigemptyset(&pend);
  if(!g->was_pending && !sigpending(&pend) &&
     sigismember(&pend, SIGPIPE) == 1) {
    struct timespec zero = {0, 0};
    while(sigtimedwait(&g->set, NULL, &zero) < 0 && errno == EINTR)
      ;
  }
  pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

int ap_pmtu_try(const char *address, int port, const char *sni, int mss,
                double timeout_s)
{
  struct pipe_guard g;
  int done;
  pipe_block(&g);
  done = pmtu_handshake(address, port, sni, mss, timeout_s);
  pipe_restore(&g);
  return done;
}

void ap_pmtu_after(struct ap_result *r, const char *sni, double try_s,
                   double budget_s)
{
  double end = ap_mono_s() + budget_s;
  char reason[AP_TEXT];
  size_t i;
  if(r->tls.h.error != AP_ERR_TLS_TIMEOUT ||
     r->tcp.h.state != AP_STATE_OK || !r->tcp.address[0])
    return;
  for(i = 0; i < sizeof(clamps) / sizeof(clamps[0]); i++) {
    double left = end - ap_mono_s();
    double t = try_s < left ? try_s : left;
    if(t < 0.05)
      return;
    if(!ap_pmtu_try(r->tcp.address, r->tcp.port, sni, clamps[i], t))
      continue;
    r->tcp.working_mss = clamps[i];
    snprintf(reason, sizeof(reason),
             "the TLS handshake with %s stalls with full-size packets but "
             "completes with the MSS clamped to %d: large packets are lost "
             "on the path",
             r->tcp.address, clamps[i]);
    ap_layer_set(r, AP_LAYER_TCP, AP_ERR_TCP_PMTU_BLACKHOLE, reason);
    return;
  }
}
