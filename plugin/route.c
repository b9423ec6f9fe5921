/* route.c -- where packets to the API stop: a TTL-limited TCP SYN trace to
 * the API's own port (firewalls pass or drop by port, so an ICMP or UDP
 * traceroute can show a path TCP does not take).
 *
 * Unprivileged: each SYN is an ordinary non-blocking connect() with IP_TTL
 * (IPV6_UNICAST_HOPS) set; a router's ICMP "time exceeded" or
 * "unreachable" for it comes back on that socket's error queue
 * (IP_RECVERR / IPV6_RECVERR), naming the router. No raw sockets, no root.
 * TTLs go out a batch at a time (a few SYNs, not thirty), each batch waits
 * at most AP_ROUTE_HOP_WAIT, and the whole trace ends by its deadline.
 *
 * Also here: what a route adds to a tcp failure's reason. Not here: when to
 * trace (the runner asks ap_route_after with what is left of --timeout).
 */
#include "internal.h"
#include "strutil.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define AP_ROUTE_BATCH 8     /* TTLs in flight at once */
#define AP_ROUTE_HOP_WAIT 1.0 /* s a batch waits for silent hops */
#define AP_ROUTE_GAP 5       /* this many silent hops after the last answer:
                                packets stop there */

enum ap_hop_kind ap_route_icmp_kind(int origin, int type)
{
  if(origin == SO_EE_ORIGIN_ICMP)
    return type == 11 ? AP_HOP_EXPIRED : type == 3 ? AP_HOP_UNREACH
                                                   : AP_HOP_OTHER;
  if(origin == SO_EE_ORIGIN_ICMP6)
    return type == 3 ? AP_HOP_EXPIRED : type == 1 ? AP_HOP_UNREACH
                                                  : AP_HOP_OTHER;
  return AP_HOP_NONE;
}

struct hop_sock {
  int fd;
  double sent; /* mono */
  int settled;
};

/* A SYN to SS with TTL; the socket (caller closes) or -errno. */
static int syn_with_ttl(const struct sockaddr_storage *ss, socklen_t sl,
                        int ttl)
{
  int on = 1, rc;
  struct linger lg;
  int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  0);
  if(fd < 0)
    return -errno;
  if(ss->ss_family == AF_INET6)
    rc = setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) ||
         setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
  else
    rc = setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) ||
         setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
  /* a SYN that reached the API is reset on close, not left half-open */
  lg.l_onoff = 1;
  lg.l_linger = 0;
  if(!rc)
    rc = setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  if(rc) {
    rc = -errno;
    close(fd);
    return rc;
  }
  if(connect(fd, (const struct sockaddr *)ss, sl) && errno != EINPROGRESS) {
    rc = -errno;
    close(fd);
    return rc;
  }
  return fd;
}

/* The ICMP answer queued on FD: its kind, the sender into ADDR. */
static enum ap_hop_kind read_errqueue(int fd, char *addr, size_t addrlen)
{
  char data[128];
  union {
    char buf[512];
    struct cmsghdr align;
  } ctl;
  struct iovec iov;
  struct msghdr msg;
  struct cmsghdr *cm;

  iov.iov_base = data;
  iov.iov_len = sizeof(data);
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl.buf;
  msg.msg_controllen = sizeof(ctl.buf);
  if(recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
    return AP_HOP_NONE;
  for(cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
    struct sock_extended_err ee;
    struct sockaddr_storage off;
    size_t have;
    enum ap_hop_kind k;
    if(!((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
         (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
      continue;
    if(cm->cmsg_len < CMSG_LEN(sizeof(ee)))
      continue;
    memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
    k = ap_route_icmp_kind(ee.ee_origin, ee.ee_type);
    if(k == AP_HOP_NONE)
      continue;
    /* the offender's address follows the struct (SO_EE_OFFENDER) */
    memset(&off, 0, sizeof(off));
    have = cm->cmsg_len - CMSG_LEN(sizeof(ee));
    memcpy(&off, CMSG_DATA(cm) + sizeof(ee),
           have < sizeof(off) ? have : sizeof(off));
    addr[0] = '\0';
    if(off.ss_family == AF_INET)
      inet_ntop(AF_INET, &((struct sockaddr_in *)&off)->sin_addr, addr,
                (socklen_t)addrlen);
    else if(off.ss_family == AF_INET6)
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&off)->sin6_addr, addr,
                (socklen_t)addrlen);
    return k;
  }
  return AP_HOP_NONE;
}

/* FD has news: fill HOP (the SYN's answer) and say it settled. */
static void settle(struct hop_sock *s, struct ap_route_hop *hop,
                   const char *dest)
{
  int err = 0;
  socklen_t el = sizeof(err);
  char who[48];
  enum ap_hop_kind k = read_errqueue(s->fd, who, sizeof(who));
  double rtt = ap_mono_s() - s->sent;
  s->settled = 1;
  if(k == AP_HOP_EXPIRED || k == AP_HOP_UNREACH) {
    ap_strlcpy(hop->address, who, sizeof(hop->address));
    hop->rtt_s = rtt;
    hop->unreachable = k == AP_HOP_UNREACH;
    return;
  }
  if(getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el))
    err = errno;
  /* SYN-ACK or RST: the destination itself answered */
  if(!err || err == ECONNREFUSED) {
    ap_strlcpy(hop->address, dest, sizeof(hop->address));
    hop->rtt_s = rtt;
    hop->reached = 1;
  }
}

/* A hop reached the API or rejected, and every lower TTL has answered or
 * given up: the higher TTLs cannot add a hop (they end at the same place,
 * and their ICMP may be rate-limited away). */
static int ends_early(const struct hop_sock *hs,
                      const struct ap_route_hop *hops, int n)
{
  int i;
  for(i = 0; i < n; i++) {
    if(!hs[i].settled)
      return 0;
    if(hops[i].reached || hops[i].unreachable)
      return 1;
  }
  return 0;
}

/* One batch: TTLs FIRST..FIRST+N-1 at once, until each answered or END.
 * Returns 0, or -errno when this host cannot send at all. */
static int trace_batch(const struct sockaddr_storage *ss, socklen_t sl,
                       const char *dest, int first, int n, double end,
                       struct ap_route_hop *hops)
{
  struct hop_sock hs[AP_ROUTE_BATCH];
  struct pollfd pfd[AP_ROUTE_BATCH];
  int i, pending = 0, opened = 0, rc = 0;

  for(i = 0; i < n; i++) {
    struct ap_route_hop *h = &hops[i];
    memset(h, 0, sizeof(*h));
    h->ttl = first + i;
    h->rtt_s = NAN;
    hs[i].settled = 0;
    hs[i].fd = syn_with_ttl(ss, sl, first + i);
    hs[i].sent = ap_mono_s();
    if(hs[i].fd < 0) {
      rc = hs[i].fd;
      hs[i].settled = 1;
    } else {
      pending++;
      opened++;
    }
    pfd[i].fd = hs[i].fd;
    pfd[i].events = POLLOUT;
    pfd[i].revents = 0;
  }
  while(pending > 0) {
    double rest = end - ap_mono_s();
    int ms = rest > 0 ? (int)(rest * 1000.0) + 1 : 0;
    int prc = ms > 0 ? poll(pfd, (nfds_t)n, ms) : 0;
    if(prc < 0 && errno == EINTR)
      continue;
    if(prc <= 0)
      break;
    for(i = 0; i < n; i++) {
      if(hs[i].settled || !pfd[i].revents)
        continue;
      settle(&hs[i], &hops[i], dest);
      pfd[i].fd = -1;
      pending--;
    }
    if(ends_early(hs, hops, n))
      break;
  }
  for(i = 0; i < n; i++)
    if(hs[i].fd >= 0)
      close(hs[i].fd);
  return !opened && rc ? rc : 0;
}

/* Keep hops up to the first that reached the API or answered
 * unreachable; after the last answer keep one silent hop (where packets
 * stop). Sets the last hop. */
void ap_route_finish(struct ap_tcp_result *tcp)
{
  int i, last = -1, end = tcp->route_count;
  for(i = 0; i < tcp->route_count; i++) {
    if(tcp->route[i].address[0])
      last = i;
    if(tcp->route[i].reached || tcp->route[i].unreachable) {
      end = i + 1;
      break;
    }
  }
  if(last + 2 < end)
    end = last + 2;
  tcp->route_count = end;
  tcp->route_last_hop[0] = '\0';
  if(last >= 0)
    ap_strlcpy(tcp->route_last_hop, tcp->route[last].address,
               sizeof(tcp->route_last_hop));
}

int ap_route_trace(const char *address, int port, double budget_s,
                   struct ap_tcp_result *tcp)
{
  struct sockaddr_storage ss;
  socklen_t sl = ap_tcp_sockaddr(address, port, &ss);
  double deadline = ap_mono_s() + budget_s;
  int first;

  tcp->route_traced = 1;
  tcp->route_count = 0;
  tcp->route_error[0] = '\0';
  if(!sl) {
    ap_strlcpy(tcp->route_error, "no address to trace",
               sizeof(tcp->route_error));
    return -1;
  }
  for(first = 1; first <= AP_ROUTE_MAX; first += AP_ROUTE_BATCH) {
    int n = AP_ROUTE_MAX - first + 1, i, silent = 0, stop = 0, rc;
    double now = ap_mono_s();
    double end = now + AP_ROUTE_HOP_WAIT;
    if(deadline - now < 0.01)
      break;
    if(end > deadline)
      end = deadline;
    if(n > AP_ROUTE_BATCH)
      n = AP_ROUTE_BATCH;
    rc = trace_batch(&ss, sl, address, first, n, end,
                     &tcp->route[first - 1]);
    if(rc) {
      snprintf(tcp->route_error, sizeof(tcp->route_error), "%s",
               strerror(-rc));
      break;
    }
    tcp->route_count = first - 1 + n;
    /* silent hops since the last answer, over this and earlier batches */
    for(i = 0; i < tcp->route_count; i++) {
      const struct ap_route_hop *h = &tcp->route[i];
      silent = h->address[0] ? 0 : silent + 1;
      if(h->reached || h->unreachable)
        stop = 1;
    }
    if(stop || silent >= AP_ROUTE_GAP)
      break;
  }
  ap_route_finish(tcp);
  return tcp->route_error[0] ? -1 : 0;
}

/* The last hop that answered, its index, or -1. */
static int last_answer(const struct ap_tcp_result *tcp)
{
  int i;
  for(i = tcp->route_count - 1; i >= 0; i--)
    if(tcp->route[i].address[0])
      return i;
  return -1;
}

void ap_route_explain(struct ap_tcp_result *tcp, int port)
{
  char add[AP_TEXT];
  int i = last_answer(tcp);
  const struct ap_route_hop *h;
  size_t len;
  if(i < 0 || (tcp->h.error != AP_ERR_TCP_TIMEOUT &&
               tcp->h.error != AP_ERR_TCP_UNREACHABLE))
    return;
  h = &tcp->route[i];
  if(h->reached)
    snprintf(add, sizeof(add),
             "; a trace reaches %s at hop %d: it drops or rejects only "
             "some connections",
             h->address, h->ttl);
  else if(h->unreachable)
    snprintf(add, sizeof(add),
             "; hop %d (%s) answers 'unreachable' to packets for port %d: "
             "a router or firewall there rejects them",
             h->ttl, h->address, port);
  else
    snprintf(add, sizeof(add),
             "; packets to port %d stop after hop %d (%s): a firewall "
             "between that hop and the API",
             port, h->ttl, h->address);
  len = strlen(tcp->h.reason);
  if(len < sizeof(tcp->h.reason) - 1)
    ap_strlcpy(tcp->h.reason + len, add, sizeof(tcp->h.reason) - len);
}

size_t ap_route_text(const struct ap_tcp_result *tcp, char *out,
                     size_t outlen)
{
  size_t n = 0;
  int i;
  if(!outlen)
    return 0;
  out[0] = '\0';
  if(!tcp->route_traced)
    return 0;
  if(tcp->route_error[0])
    n = (size_t)snprintf(out, outlen, "route not traced: %s",
                         tcp->route_error);
  else
    n = (size_t)snprintf(out, outlen, "route:");
  for(i = 0; i < tcp->route_count && n < outlen; i++) {
    const struct ap_route_hop *h = &tcp->route[i];
    if(h->address[0])
      n += (size_t)snprintf(out + n, outlen - n, " %d %s %.1f ms%s", h->ttl,
                            h->address, h->rtt_s * 1000.0,
                            h->unreachable ? " (unreachable)"
                            : h->reached   ? " (the API)"
                                           : "");
    else
      n += (size_t)snprintf(out + n, outlen - n, " %d *", h->ttl);
    if(i + 1 < tcp->route_count && n < outlen)
      n += (size_t)snprintf(out + n, outlen - n, ",");
  }
  if(n < outlen && !tcp->route_count && !tcp->route_error[0])
    n += (size_t)snprintf(out + n, outlen - n, " no hop answered");
  return n < outlen ? n : outlen - 1;
}

size_t ap_tcp_text(const struct ap_tcp_result *tcp, char *out, size_t outlen)
{
  size_t n = 0;
  if(!outlen)
    return 0;
  out[0] = '\0';
  if(tcp->working_mss > 0 && n < outlen)
    n += (size_t)snprintf(out + n, outlen - n, "%sworks with MSS %d",
                          n ? ", " : "", tcp->working_mss);
  if(tcp->retransmits > 0 && n < outlen)
    n += (size_t)snprintf(out + n, outlen - n, "%s%d retransmit%s",
                          n ? ", " : "", tcp->retransmits,
                          tcp->retransmits == 1 ? "" : "s");
  if(tcp->syn_retransmits > 0 && n < outlen)
    n += (size_t)snprintf(out + n, outlen - n, " (%d of the SYN)",
                          tcp->syn_retransmits);
  return n < outlen ? n : outlen - 1;
}

/* The proxy's address when the transfer never connected to it (libcurl
 * names none): its URL's host, looked up when it is a name. "" none. */
static void proxy_address(const struct ap_result *r, double budget_s,
                          char *out, size_t outlen)
{
  char host[AP_TEXT];
  struct sockaddr_storage ss;
  struct ap_dns_result *dns;
  out[0] = '\0';
  if(ap_url_host(r->env.proxy, host, sizeof(host)))
    return;
  if(ap_tcp_sockaddr(host, 1, &ss)) {
    ap_strlcpy(out, host, outlen);
    return;
  }
  dns = calloc(1, sizeof(*dns)); /* freed here */
  if(!dns)
    return;
  if(!ap_dns_resolve(host, 0, budget_s, dns) && dns->address_count)
    ap_strlcpy(out, dns->addresses[0], outlen);
  free(dns);
}

void ap_route_after(struct ap_result *r, int trace, const char *proxy_addr,
                    int proxy_port, int port, double budget_s)
{
  char looked_up[48];
  const char *dest = r->tcp.address;
  enum ap_error e = r->tcp.h.error;
  int failed = e == AP_ERR_TCP_TIMEOUT || e == AP_ERR_TCP_UNREACHABLE;
  if(proxy_port > 0) {
    /* through a proxy, the path that matters is the one to the proxy */
    failed = r->proxy.h.error == AP_ERR_PROXY_CONNECT ||
             r->proxy.h.error == AP_ERR_PROXY_TIMEOUT;
    dest = proxy_addr;
    port = proxy_port;
    if((failed || trace) && (!dest || !dest[0]) && budget_s >= 0.1) {
      double t0 = ap_mono_s();
      proxy_address(r, budget_s / 2 < 1.0 ? budget_s / 2 : 1.0, looked_up,
                    sizeof(looked_up));
      dest = looked_up;
      budget_s -= ap_mono_s() - t0;
    }
  } else if(!dest[0] && r->dns.address_count) {
    dest = r->dns.addresses[0];
  }
  if((!failed && !trace) || !dest || !dest[0] || budget_s < 0.05)
    return;
  ap_route_trace(dest, port, budget_s, &r->tcp);
  if(!proxy_port)
    ap_route_explain(&r->tcp, port);
}
