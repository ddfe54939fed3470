// SPDX-License-Identifier: GPL-2.0-only
// Prints its pid, then sleeps in epoll_wait for ever (tests kill it mid-call, or attach to it).
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

int main(void) {
  int ep = epoll_create1(0);
  int p[2];
  if (pipe(p) != 0) return 1;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)p[0]};
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  struct epoll_event out[2];
  for (;;) {
    int n = epoll_wait(ep, out, 2, 200);
    // EINTR: a tracer attaching (PTRACE_INTERRUPT) or a stop/continue ends the wait early.
    if (n < 0 && errno != EINTR) return 1;
  }
}
