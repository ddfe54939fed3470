// SPDX-License-Identifier: GPL-2.0-only
// The seed's lesson as a program: 2 KB into a pipe, 1 KB read, epoll_wait again. Edge-triggered
// (or level-triggered with "lt"): the second epoll_wait reports the pipe only when LT.
// A program for `epollscope trace` tests: every call runs on a file the model simulates.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const int lt = argc > 1 && strcmp(argv[1], "lt") == 0;
  int p[2];
  char buf[2048];
  memset(buf, 'x', sizeof buf);
  int ep = epoll_create1(0);
  if (ep < 0 || pipe(p) != 0) return 1;
  struct epoll_event ev = {.events = EPOLLIN | (lt ? 0 : EPOLLET), .data.u64 = (uint64_t)p[0]};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0) return 1;
  struct epoll_event out[8];
  if (write(p[1], buf, 2048) != 2048) return 1;
  int n1 = epoll_wait(ep, out, 8, 1000);
  if (read(p[0], buf, 1024) != 1024) return 1;
  int n2 = epoll_wait(ep, out, 8, 0);
  // A timeout that expires: nothing more is written.
  int n3 = epoll_wait(ep, out, 8, lt ? 0 : 20);
  // Errors the model must give too.
  int bad = epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);  // EEXIST
  int badfd = epoll_wait(999, out, 8, 0);             // EBADF
  close(p[1]);
  int n4 = epoll_wait(ep, out, 8, 0);  // HUP: the writer is gone
  close(p[0]);
  close(ep);
  printf("%d %d %d %d %d %d\n", n1, n2, n3, bad, badfd, n4);
  return 0;
}
