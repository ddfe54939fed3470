// SPDX-License-Identifier: GPL-2.0-only
// A timerfd (a file the model cannot simulate: an observed file) in an edge-triggered epoll
// beside a pipe: its wake-ups come from the real kernel's timer, watched by the tracer.
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

int main(void) {
  int ep = epoll_create1(0);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  int p[2];
  if (ep < 0 || tfd < 0 || pipe(p) != 0) return 1;
  struct itimerspec its = {.it_interval = {0, 20000000}, .it_value = {0, 20000000}};
  timerfd_settime(tfd, 0, &its, NULL);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = (uint64_t)tfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
  ev.data.u64 = (uint64_t)p[0];
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  struct epoll_event out[4];
  int ticks = 0;
  for (int i = 0; i < 5; ++i) {
    int n = epoll_wait(ep, out, 4, 1000);
    for (int j = 0; j < n; ++j) {
      uint64_t v;
      if (out[j].data.u64 == (uint64_t)tfd && read(tfd, &v, sizeof v) == sizeof v) ticks += (int)v;
    }
    if (i == 2) (void)!write(p[1], "x", 1);
  }
  // The timer stopped: no wake-up, the wait times out.
  struct itimerspec off = {{0, 0}, {0, 0}};
  timerfd_settime(tfd, 0, &off, NULL);
  uint64_t v;
  (void)!read(tfd, &v, sizeof v);
  int last = epoll_wait(ep, out, 4, 30);
  printf("ticks %d last %d\n", ticks, last);
  return 0;
}
