/* tcp.c -- the tcp layer's own facts, beside what libcurl times:
 *
 * - the connected socket's path MTU, MSS and smoothed RTT (TCP_INFO), read
 *   once TCP is up, so a small MTU shows even when the handshake then fails;
 * - per-family connects: when a name has IPv4 and IPv6 addresses, one
 *   non-blocking connect to the first address of each family, at once, on
 *   a thread of its own beside the transfer, so "IPv6 is black-holed but
 *   IPv4 works" is a warning instead of a hidden success (libcurl's happy
 *   eyeballs falls back silently) or a false critical. A family this host
 *   has no route for at all (ENETUNREACH: an IPv4-only host) is n/a, since
 *   clients fail over at once.
 *
 * - retransmits (TCP_INFO total_retrans): those before the connection was
 *   up are the SYN's, a lossy path's first sign;
 * - the sockets libcurl holds for a transfer (ap_tcp_socks): TCP_INFO is
 *   read only from those, since a closed one's number may be another
 *   thread's socket by then (resident hosts run probes on many threads).
 *
 * The family job belongs to the probe that started it; finish joins the
 * thread (which ends by its own deadline) and frees the job.
 */
#include "internal.h"
#include "strutil.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int ap_tcp_sockinfo(int fd, struct ap_tcp_result *tcp)
{
  struct tcp_info ti;
  socklen_t len = sizeof(ti);
  if(fd < 0)
    return -1;
  memset(&ti, 0, sizeof(ti));
  if(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) ||
     ti.tcpi_state != 1 /* TCP_ESTABLISHED */)
    return -1;
  tcp->path_mtu = (int)ti.tcpi_pmtu;
  /* the route's current path MTU, as PMTU discovery left it */
  {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int mtu = 0;
    socklen_t ml = sizeof(mtu);
    if(!getsockname(fd, (struct sockaddr *)&ss, &sl) &&
       !(ss.ss_family == AF_INET6
           ? getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &ml)
           : getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &ml)) &&
       mtu > 0)
      tcp->path_mtu = mtu;
  }
  /* the first look is when TCP just came up: every retransmit so far was
   * a SYN (the kernel counts them in total_retrans) */
  if(tcp->syn_retransmits < 0)
    tcp->syn_retransmits = (int)ti.tcpi_total_retrans;
  tcp->retransmits = (int)ti.tcpi_total_retrans;
  tcp->mss = (int)ti.tcpi_snd_mss;
  tcp->rtt_s = ti.tcpi_rtt ? (double)ti.tcpi_rtt / 1e6 : NAN;
  return 0;
}

void ap_tcp_socks_opened(struct ap_tcp_socks *s, int fd)
{
  if(fd >= 0 && s->n < (int)(sizeof(s->fd) / sizeof(s->fd[0])))
    s->fd[s->n++] = fd;
}

void ap_tcp_socks_closed(struct ap_tcp_socks *s, int fd)
{
  int i;
  for(i = 0; i < s->n; i++)
    if(s->fd[i] == fd) {
      /* keep the order: the newest is read first */
      memmove(&s->fd[i], &s->fd[i + 1],
              (size_t)(s->n - i - 1) * sizeof(s->fd[0]));
      s->n--;
      return;
    }
}

int ap_tcp_socks_read(const struct ap_tcp_socks *s, struct ap_tcp_result *tcp)
{
  int i;
  for(i = s->n - 1; i >= 0; i--)
    if(!ap_tcp_sockinfo(s->fd[i], tcp))
      return 0;
  return -1;
}

struct ap_family_job {
  pthread_t tid;
  int started;
  int port;
  double timeout_s;
  int wake[2];           /* finish writes the family the probe used */
  double done_at;        /* mono, when the thread ended */
  struct ap_family_result fam[2];
};

socklen_t ap_tcp_sockaddr(const char *address, int port,
                          struct sockaddr_storage *ss)
{
  memset(ss, 0, sizeof(*ss));
  if(!strchr(address, ':')) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    in->sin_port = htons((unsigned short)port);
    if(inet_pton(AF_INET, address, &in->sin_addr) != 1)
      return 0;
    return sizeof(*in);
  }
  {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((unsigned short)port);
    if(inet_pton(AF_INET6, address, &in6->sin6_addr) != 1)
      return 0;
    return sizeof(*in6);
  }
}

static void family_done(struct ap_family_result *f, int err, double t)
{
  if(!err) {
    f->state = AP_STATE_OK;
    f->error = AP_ERR_NONE;
    f->time_s = t;
    snprintf(f->reason, sizeof(f->reason), "connected in %.1f ms",
             t * 1000.0);
    return;
  }
  f->state = AP_STATE_CRITICAL;
  f->error = err == ETIMEDOUT ? AP_ERR_TCP_TIMEOUT : ap_classify_errno(err);
  if(f->error == AP_ERR_NONE)
    f->error = AP_ERR_TCP_FAILED;
  /* this host has no route (or no stack) for the family at all: clients
   * fail over at once instead of stalling, so it is n/a, not a warning */
  if(err == ENETUNREACH || err == EAFNOSUPPORT || err == EADDRNOTAVAIL) {
    f->state = AP_STATE_NA;
    f->error = AP_ERR_TCP_UNREACHABLE;
    snprintf(f->reason, sizeof(f->reason),
             "%s: this host has no route for IPv%d", strerror(err),
             f->family);
    return;
  }
  if(err == ETIMEDOUT)
    snprintf(f->reason, sizeof(f->reason), "no answer within %.1f s", t);
  else
    snprintf(f->reason, sizeof(f->reason), "%s", strerror(err));
}

/* The probe's own connection went through F's family: F is not judged by
 * its own SYNs any more (they may just have been unlucky). */
static void family_used(struct ap_family_result *f)
{
  f->state = AP_STATE_OK;
  f->error = AP_ERR_NONE;
  snprintf(f->reason, sizeof(f->reason),
           "the probe's own connection went through");
}

/* Connect both at once; each ends at its answer or the deadline, or when
 * finish says the probe's connection used its family. Each connect is an
 * ordinary one: the kernel sends its SYN again (after 1 s, 3 s ...) within
 * the deadline, like any client's. */
/* Start F's non-blocking connect to PORT (T0: the job's start): the
 * socket while it is in progress, -1 when F is already done. */
static int family_connect(struct ap_family_result *f, int port, double t0)
{
  struct sockaddr_storage ss;
  socklen_t sl = ap_tcp_sockaddr(f->address, port, &ss);
  int fd;
  if(!sl) {
    family_done(f, EINVAL, 0);
    return -1;
  }
  fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if(fd < 0) {
    family_done(f, errno, 0);
    return -1;
  }
  if(!connect(fd, (struct sockaddr *)&ss, sl)) {
    family_done(f, 0, ap_mono_s() - t0);
    close(fd);
    return -1;
  }
  if(errno != EINPROGRESS) {
    family_done(f, errno, ap_mono_s() - t0);
    close(fd);
    return -1;
  }
  return fd;
}

static void *family_thread(void *arg)
{
  struct ap_family_job *j = arg;
  struct pollfd pfd[3];
  int idx[3], n = 0, i, left;
  double t0 = ap_mono_s();

  for(i = 0; i < 2; i++) {
    int fd = family_connect(&j->fam[i], j->port, t0);
    if(fd < 0)
      continue;
    pfd[n].fd = fd;
    pfd[n].events = POLLOUT;
    pfd[n].revents = 0;
    idx[n++] = i;
  }
  left = n;
  pfd[n].fd = j->wake[0];
  pfd[n].events = POLLIN;
  pfd[n].revents = 0;
  while(left > 0) {
    double rest = j->timeout_s - (ap_mono_s() - t0);
    int ms = rest > 0 ? (int)(rest * 1000.0) + 1 : 0;
    int rc = ms > 0 ? poll(pfd, (nfds_t)n + 1, ms) : 0;
    if(rc < 0 && errno == EINTR)
      continue;
    if(rc <= 0)
      break;
    if(pfd[n].revents) {
      unsigned char used = 0;
      if(read(j->wake[0], &used, 1) != 1)
        used = 0;
      pfd[n].fd = -1;
      for(i = 0; i < n; i++) {
        if(pfd[i].fd < 0 || j->fam[idx[i]].family != used)
          continue;
        family_used(&j->fam[idx[i]]);
        close(pfd[i].fd);
        pfd[i].fd = -1;
        left--;
      }
    }
    for(i = 0; i < n; i++) {
      int err = 0;
      socklen_t el = sizeof(err);
      if(pfd[i].fd < 0 || !pfd[i].revents)
        continue;
      if(getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &el))
        err = errno;
      family_done(&j->fam[idx[i]], err, ap_mono_s() - t0);
      close(pfd[i].fd);
      pfd[i].fd = -1; /* poll ignores it from now on */
      left--;
    }
  }
  for(i = 0; i < n; i++) {
    if(pfd[i].fd < 0)
      continue;
    family_done(&j->fam[idx[i]], ETIMEDOUT, ap_mono_s() - t0);
    close(pfd[i].fd);
  }
  j->done_at = ap_mono_s();
  return NULL;
}

struct ap_family_job *ap_family_start(const struct ap_dns_result *dns,
                                      int port, double timeout_s)
{
  struct ap_family_job *j;
  int i, have4 = 0, have6 = 0;
  pthread_attr_t attr;

  if(!dns->a_count || !dns->aaaa_count || timeout_s <= 0)
    return NULL;
  j = calloc(1, sizeof(*j)); /* owned by the probe until finish */
  if(!j)
    return NULL;
  j->port = port;
  j->timeout_s = timeout_s;
  for(i = 0; i < dns->address_count; i++) {
    int v6 = strchr(dns->addresses[i], ':') != NULL;
    struct ap_family_result *f = &j->fam[v6];
    if(v6 ? have6++ : have4++)
      continue;
    f->family = v6 ? 6 : 4;
    ap_strlcpy(f->address, dns->addresses[i], sizeof(f->address));
    f->state = AP_STATE_UNKNOWN;
    f->time_s = NAN;
  }
  if(pipe2(j->wake, O_CLOEXEC | O_NONBLOCK)) {
    free(j);
    return NULL;
  }
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 128 * 1024);
  j->started = !pthread_create(&j->tid, &attr, family_thread, j);
  pthread_attr_destroy(&attr);
  if(!j->started) {
    close(j->wake[0]);
    close(j->wake[1]);
    free(j);
    return NULL;
  }
  return j;
}

double ap_family_finish(struct ap_family_job *j, struct ap_tcp_result *tcp)
{
  double done;
  int i;
  unsigned char used;
  if(!j)
    return 0;
  used = (unsigned char)tcp->family;
  /* the family the connection went through needs no more waiting */
  if(used && write(j->wake[1], &used, 1) != 1)
    used = 0;
  pthread_join(j->tid, NULL);
  close(j->wake[0]);
  close(j->wake[1]);
  for(i = 0; i < 2; i++)
    if(j->fam[i].family == tcp->family && tcp->h.state == AP_STATE_OK &&
       isnan(j->fam[i].time_s))
      j->fam[i].time_s = tcp->h.time_s;
  memcpy(tcp->families, j->fam, sizeof(tcp->families));
  tcp->family_count = 2;
  done = j->done_at;
  free(j);
  return done;
}

void ap_family_spare_used(struct ap_tcp_result *tcp)
{
  int i;
  if(tcp->h.state != AP_STATE_OK || !tcp->family)
    return;
  for(i = 0; i < tcp->family_count; i++)
    if(tcp->families[i].family == tcp->family &&
       tcp->families[i].state == AP_STATE_CRITICAL)
      family_used(&tcp->families[i]);
}

void ap_family_judge(struct ap_result *r)
{
  const struct ap_tcp_result *tcp = &r->tcp;
  const struct ap_family_result *bad, *good;
  char reason[AP_TEXT];
  if(tcp->family_count != 2 || tcp->h.state != AP_STATE_OK)
    return;
  ap_family_spare_used(&r->tcp);
  if(tcp->families[0].state == AP_STATE_OK &&
     tcp->families[1].state == AP_STATE_CRITICAL) {
    bad = &tcp->families[1];
    good = &tcp->families[0];
  } else if(tcp->families[1].state == AP_STATE_OK &&
            tcp->families[0].state == AP_STATE_CRITICAL) {
    bad = &tcp->families[0];
    good = &tcp->families[1];
  } else {
    return;
  }
  snprintf(reason, sizeof(reason),
           "IPv%d fails (%s %s: %s) while IPv%d works (%s)", bad->family,
           bad->address, ap_error_name(bad->error), bad->reason,
           good->family, good->address);
  ap_layer_set(r, AP_LAYER_TCP, AP_ERR_TCP_FAMILY, reason);
}

void ap_tcp_fill(struct ap_result *r, const struct ap_facts *f)
{
  if(f->proxy[0]) {
    /* the connection is the proxy's: the proxy layer times it */
    ap_head_set(&r->tcp.h, AP_STATE_NA, r->tcp.h.error, NULL);
  } else if(f->o.tcp_connected) {
    ap_head_set(&r->tcp.h, AP_STATE_OK, r->tcp.h.error, NULL);
    /* libcurl leaves the connect time unset when the TLS handshake on top
     * of it fails: the start of TLS is when TCP was done */
    r->tcp.h.time_s = f->t_conn > 0 ? f->t_conn : ap_facts_tls_start(f);
  }
  r->tcp.os_errno = (int)f->o.os_errno;
  if(f->ip[0]) {
    ap_strlcpy(r->tcp.address, f->ip, sizeof(r->tcp.address));
    r->tcp.family = strchr(f->ip, ':') ? 6 : 4;
    r->tcp.port = (int)f->ip_port;
  } else {
    r->tcp.port = f->port;
  }
}

int ap_tcp_reason(const struct ap_result *r, const struct ap_facts *f,
                  enum ap_error e, char *out, size_t outlen)
{
  const char *addr = r->tcp.address[0] ? r->tcp.address : f->host;
  /* a failed connect has no connect time (a metric would mislead): how
   * long it was tried goes into the reason */
  if(e == AP_ERR_TCP_TIMEOUT)
    snprintf(out, outlen, "no answer connecting to %s port %d within %.1f s",
             addr, f->port, f->t_total - f->t_name);
  else
    snprintf(out, outlen, "connect to %s port %d: %s", addr, f->port,
             r->tcp.os_errno ? strerror((int)r->tcp.os_errno)
             : f->o.errbuf && f->o.errbuf[0] ? f->o.errbuf
                                             : "failed");
  return 1;
}
