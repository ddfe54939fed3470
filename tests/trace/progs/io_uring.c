// SPDX-License-Identifier: GPL-2.0-only
// A program that sets up an io_uring (raw syscall, no liburing): the tracer reports the ring as
// an observed file whose work it cannot see, not as a divergence.
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  struct io_uring_params params;
  memset(&params, 0, sizeof params);
  int ring = (int)syscall(SYS_io_uring_setup, 4, &params);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)ring};
  int r = ring >= 0 ? epoll_ctl(ep, EPOLL_CTL_ADD, ring, &ev) : -1;
  struct epoll_event out[2];
  int n = epoll_wait(ep, out, 2, 0);
  printf("ring %d add %d wait %d\n", ring >= 0, r, n);
  return 0;
}
