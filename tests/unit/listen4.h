/* listen4.h -- for the unit tests that need a TCP listener: a socket
 * listening on 127.0.0.1 on a free port. Include after cmocka.h.
 */
#ifndef AP_TEST_LISTEN4_H
#define AP_TEST_LISTEN4_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* A listening socket on 127.0.0.1 (backlog 64), its port into *PORT. */
static int listen4(int *port)
{
  struct sockaddr_in a;
  socklen_t l = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(listen(fd, 64), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
  *port = ntohs(a.sin_port);
  return fd;
}

#endif
