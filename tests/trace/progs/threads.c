// SPDX-License-Identifier: GPL-2.0-only
// Two threads asleep in epoll_wait on one epoll (each wakes for one eventfd write), a third
// thread blocked in read() on a pipe until main writes. For `epollscope trace` tests: sleeping
// threads, wake-ups from another thread, EPOLLEXCLUSIVE-free wake-one of ep->wq.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int ep, efd, p[2];

static void* waiter(void* arg) {
  (void)arg;
  struct epoll_event out[4];
  int n = epoll_wait(ep, out, 4, 5000);
  uint64_t v;
  if (n > 0) (void)!read(efd, &v, sizeof v);
  return NULL;
}

static void* reader(void* arg) {
  (void)arg;
  char c[16];
  (void)!read(p[0], c, sizeof c);
  return NULL;
}

static void pause_ms(int ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

int main(void) {
  ep = epoll_create1(EPOLL_CLOEXEC);
  efd = eventfd(0, EFD_NONBLOCK);
  if (pipe(p) != 0) return 1;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = (uint64_t)efd};
  epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
  pthread_t a, b, r;
  pthread_create(&a, NULL, waiter, NULL);
  pthread_create(&r, NULL, reader, NULL);
  pause_ms(100);
  uint64_t one = 1;
  (void)!write(efd, &one, sizeof one);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, waiter, NULL);
  pause_ms(100);
  (void)!write(efd, &one, sizeof one);
  pthread_join(b, NULL);
  (void)!write(p[1], "hello", 5);
  pthread_join(r, NULL);
  puts("done");
  return 0;
}
