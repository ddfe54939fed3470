// SPDX-License-Identifier: GPL-2.0-only
// A program that forks: the child makes calls of its own (not mirrored: the tracer says so) and
// the parent waits for it, then uses its epoll.
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int ep = epoll_create1(0);
  int p[2];
  if (pipe(p) != 0) return 1;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)p[0]};
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  pid_t c = fork();
  if (c == 0) {
    int q[2];
    (void)!pipe(q);
    close(q[0]);
    close(q[1]);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  (void)!write(p[1], "x", 1);
  struct epoll_event out[2];
  int n = epoll_wait(ep, out, 2, 100);
  printf("%d\n", n);
  return 0;
}
