// SPDX-License-Identifier: GPL-2.0-only
/*
 * examples/echo_server_mt.c — epollscope-echo-server-mt: the echo server with T threads, each with
 * an epoll of its own, sharing one listener through EPOLLEXCLUSIVE:
 *
 *                        ┌─► epoll 1 (thread 1): listener (lt, excl), its connections (et)
 *   listener (one) ──────┼─► epoll 2 (thread 2): listener (lt, excl), its connections (et)
 *                        └─► epoll T ...
 *   stop eventfd ────────────► every epoll (lt): wakes every thread to end it
 *
 *   epollscope-echo-server-mt [--port P] [--exit-after N] [--threads T]
 *
 * Without EPOLLEXCLUSIVE, a new connection wakes every thread sleeping in epoll_wait on the
 * listener, and all but one find the accept queue empty (the "thundering herd"). With it, each
 * epoll's item waits on the listener's wait queue as an exclusive entry, and the wake-up
 * (__wake_up_common) stops after the first such entry whose epoll has a thread asleep in
 * epoll_wait (ep_poll_callback returns 1 for it): one thread is woken. The listener stays
 * level-triggered: if that thread is slow, the queue stays non-empty, and the next thread to call
 * epoll_wait finds the listener ready again.
 *
 * A thread accepts until EAGAIN and keeps each connection in its own epoll, edge-triggered, as in
 * echo_server.c (echo.c). --exit-after N counts the connections all threads closed together.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "echo.h"

#define MAXEVENTS 64

static const char usage[] = "epollscope-echo-server-mt [--port P] [--exit-after N] [--threads T]";

struct shared {
  int listener;       /* the one listening socket, in every thread's epoll */
  int stop_event;     /* written by SIGINT, SIGTERM, --exit-after; never read: it stays ready */
  long exit_after;    /* 0: never */
  atomic_long closed; /* connections closed by all threads */
  atomic_long waits_for_out;
};

static char listener_mark, stop_mark; /* epoll_event.data of the listener and the eventfd */

static int add(int ep, int fd, uint32_t events, void* data) {
  struct epoll_event event;
  event.events = events;
  event.data.ptr = data;
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event);
}

static void* worker(void* arg) {
  struct shared* s = arg;
  struct echo_loop loop = {.ep = epoll_create1(0), .edge_triggered = 1};
  /* EPOLLEXCLUSIVE is allowed only with EPOLL_CTL_ADD, and beside it only EPOLLIN, EPOLLOUT,
   * EPOLLERR, EPOLLHUP, EPOLLWAKEUP and EPOLLET (otherwise EINVAL). The stop eventfd is not
   * exclusive: it must wake every thread. */
  if (loop.ep == -1 || add(loop.ep, s->listener, EPOLLIN | EPOLLEXCLUSIVE, &listener_mark) == -1 ||
      add(loop.ep, s->stop_event, EPOLLIN, &stop_mark) == -1) {
    perror("epollscope-echo-server-mt: thread setup");
    eventfd_write(s->stop_event, 1); /* take the other threads down too */
    if (loop.ep != -1) close(loop.ep);
    return NULL;
  }

  struct epoll_event events[MAXEVENTS];
  int running = 1;
  while (running) {
    int n = epoll_wait(loop.ep, events, MAXEVENTS, -1);
    if (n == -1 && errno == EINTR) continue; /* a stop signal of a debugger, say */
    if (n == -1) {
      perror("epoll_wait");
      break;
    }
    for (int i = 0; i < n; i++) {
      void* data = events[i].data.ptr;
      if (data == &stop_mark) {
        running = 0;
      } else if (data == &listener_mark) {
        accept_connections(&loop, s->listener, 0);
      } else if (on_connection_event(&loop, data)) {
        long closed = atomic_fetch_add(&s->closed, 1) + 1;
        if (s->exit_after > 0 && closed == s->exit_after) eventfd_write(s->stop_event, 1);
      }
    }
  }
  atomic_fetch_add(&s->waits_for_out, loop.writes_waited_for_out);
  close_all_connections(&loop);
  close(loop.ep);
  return NULL;
}

int main(int argc, char* argv[]) {
  struct echo_options options = {.threads = 4};
  echo_parse_options(argc, argv, usage, &options);

  struct shared s = {.exit_after = options.exit_after};
  s.listener = create_and_bind("epollscope-echo-server-mt", options.port);
  if (s.listener == -1) return EXIT_FAILURE;
  s.stop_event = stop_event_fd();
  if (s.stop_event == -1) {
    perror("epollscope-echo-server-mt: setup");
    return EXIT_FAILURE;
  }
  announce_port(s.listener);

  pthread_t threads[64];
  int started = 0;
  while (started < options.threads && pthread_create(&threads[started], NULL, worker, &s) == 0)
    ++started;
  if (started < options.threads) {
    fprintf(stderr, "epollscope-echo-server-mt: could only start %d threads\n", started);
    eventfd_write(s.stop_event, 1);
  }
  for (int i = 0; i < started; ++i)
    pthread_join(threads[i], NULL);

  fprintf(stderr,
          "epollscope-echo-server-mt: %ld connections closed, %ld writes waited for EPOLLOUT\n",
          atomic_load(&s.closed), atomic_load(&s.waits_for_out));
  close(s.stop_event);
  close(s.listener);
  return started == options.threads ? EXIT_SUCCESS : EXIT_FAILURE;
}
