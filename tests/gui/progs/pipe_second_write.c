// SPDX-License-Identifier: GPL-2.0-only
// An edge-triggered pipe written twice: the second write, into a pipe that is not empty, wakes
// the reader again since Linux 5.15 (pipe_write and poll_usage), so the second epoll_wait reports
// it. Traced with the 5.10 profile, the model does not: the window's test of a divergence.
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

int main(void) {
  int p[2];
  int ep = epoll_create1(0);
  if (ep < 0 || pipe(p) != 0) return 1;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = p[0]}, out[8];
  if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0) return 1;
  if (write(p[1], "a", 1) != 1) return 1;
  int first = epoll_wait(ep, out, 8, 0);
  if (write(p[1], "b", 1) != 1) return 1;
  int second = epoll_wait(ep, out, 8, 0);
  printf("%d %d\n", first, second);
  return 0;
}
