// SPDX-License-Identifier: GPL-2.0-only
/*
 * examples/echo_server.c — epollscope-echo-server: the seed blog post's epoll echo server, cleaned
 * up. One thread, one epoll:
 *
 *        clients ──► listener (EPOLLIN | EPOLLET) ──┐
 *                    connection 1 (EPOLLIN | EPOLLET | EPOLLRDHUP) ──┤
 *                    connection 2 ...                                ├──► epoll ──► epoll_wait loop
 *                    stop eventfd (SIGINT, SIGTERM) ─────────────────┘
 *
 *   epollscope-echo-server [--port P] [--exit-after N] [--lt]
 *
 * It listens on 127.0.0.1 only (port P, or one the kernel chooses), prints
 * "listening on 127.0.0.1:PORT", and echoes every byte back. --lt is its level-triggered twin:
 * no EPOLLET, one accept and one read per event. --exit-after N ends it (exit 0) once N
 * connections were closed; so do SIGINT and SIGTERM. What happens on a connection is in echo.c.
 *
 * Try it: `epollscope-echo-server --port 7000`, then `nc 127.0.0.1 7000` in another terminal.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "echo.h"

#define MAXEVENTS 64

static const char usage[] = "epollscope-echo-server [--port P] [--exit-after N] [--lt]";

/* epoll_event.data of the listener and of the stop eventfd: addresses no connection has. */
static char listener_mark, stop_mark;

static int add(int ep, int fd, uint32_t events, void* data) {
  struct epoll_event event;
  event.events = events;
  event.data.ptr = data;
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event);
}

int main(int argc, char* argv[]) {
  struct echo_options options = {0};
  echo_parse_options(argc, argv, usage, &options);
  const int et = !options.level_triggered;

  int listener = create_and_bind("epollscope-echo-server", options.port);
  if (listener == -1) return EXIT_FAILURE;
  int stop = stop_event_fd();

  /* epoll_create1(0) is epoll_create(size) without the size, which the kernel ignores since
   * 2.6.8: the interest list (a red-black tree, rbr) grows as needed. */
  struct echo_loop loop = {.ep = epoll_create1(0), .edge_triggered = et};
  if (stop == -1 || loop.ep == -1 ||
      add(loop.ep, listener, EPOLLIN | (et ? EPOLLET : 0), &listener_mark) == -1 ||
      add(loop.ep, stop, EPOLLIN, &stop_mark) == -1) {
    perror("epollscope-echo-server: setup");
    return EXIT_FAILURE;
  }
  announce_port(listener);

  /* The events epoll_wait fills in: the kernel copies at most MAXEVENTS ready items here per
   * call (plain copy_to_user, no shared memory); the rest stay on its ready list for the next. */
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
        running = 0; /* SIGINT or SIGTERM: finish cleanly */
      } else if (data == &listener_mark) {
        /* One or more new connections. Edge-triggered: all of them now, until EAGAIN.
         * Level-triggered: one; epoll reports the listener again while its queue is not empty. */
        accept_connections(&loop, listener, !et);
      } else if (on_connection_event(&loop, data) && options.exit_after > 0 &&
                 loop.closed >= options.exit_after) {
        running = 0;
      }
    }
  }

  fprintf(stderr,
          "epollscope-echo-server: %ld connections closed, %ld writes waited for EPOLLOUT\n",
          loop.closed, loop.writes_waited_for_out);
  close_all_connections(&loop);
  close(loop.ep);
  close(stop);
  close(listener);
  return EXIT_SUCCESS;
}
