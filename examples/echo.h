// SPDX-License-Identifier: GPL-2.0-only
/*
 * examples/echo.h — what the two epoll echo servers share: their options, the loopback listener,
 * the signals that stop them, accepting connections and echoing on one connection.
 *
 * echo_server.c is the seed blog post's server (one thread, one epoll); echo_server_mt.c runs the
 * same connections in several threads, each with its own epoll. Both keep one struct connection
 * per accepted socket, and give epoll a pointer to it as the item's data: the kernel stores that
 * value in the epitem and hands it back untouched with every event.
 */
#ifndef EPOLLSCOPE_EXAMPLES_ECHO_H
#define EPOLLSCOPE_EXAMPLES_ECHO_H

#include <stddef.h>
#include <stdint.h>

struct echo_options {
  int port;            /* --port P: the port on 127.0.0.1; 0 lets the kernel choose a free one */
  long exit_after;     /* --exit-after N: end after N connections were closed; 0: never */
  int level_triggered; /* --lt: the level-triggered twin (echo_server.c only) */
  int threads;         /* --threads T: worker threads (echo_server_mt.c only) */
};

/* Reads argv into *options. --help: the usage on stdout, exit 0. An unknown flag or a bad value:
 * what is wrong and the usage on stderr, exit 2. `usage` is the line after "usage: ". --threads
 * is taken when options->threads holds a default (the MT server), --lt otherwise. */
void echo_parse_options(int argc, char** argv, const char* usage, struct echo_options* options);

/* The seed's two helpers. make_socket_non_blocking: O_NONBLOCK added with F_GETFL/F_SETFL.
 * create_and_bind: a TCP socket with SO_REUSEADDR, bound to 127.0.0.1:port (never another
 * address) and listening, non-blocking; -1 after saying why on stderr. */
int make_socket_non_blocking(int fd);
int create_and_bind(const char* program, int port);
/* Prints "listening on 127.0.0.1:PORT" (the port the kernel chose if port was 0) and flushes:
 * whoever started the server reads the port from it. */
void announce_port(int listener);

/* An eventfd that SIGINT and SIGTERM write to (their handler does only that), for the event loop
 * to watch like any socket: a signal can then never be missed between checking a flag and going
 * to sleep in epoll_wait (the self-pipe trick, with an eventfd as the pipe). Also ignores SIGPIPE.
 * Returns the eventfd, or -1. */
int stop_event_fd(void);

enum { ECHO_BUFFER = 16384 };

struct connection {
  int fd;
  size_t pending_off, pending_len; /* bytes read but not yet written back: buffer[off, off+len) */
  char buffer[ECHO_BUFFER];
  struct connection *prev, *next; /* the loop's list of open connections, freed at its end */
};

struct echo_loop {
  int ep;                     /* this loop's epoll */
  int edge_triggered;         /* EPOLLET on the connections */
  struct connection* open;    /* the open connections, newest first */
  long closed;                /* connections this loop has closed */
  long writes_waited_for_out; /* times a write was cut short and we waited for EPOLLOUT */
};

/* accept()s on the non-blocking listener until EAGAIN (or once, if `only_one`), and adds each new
 * connection to loop->ep with EPOLLIN | EPOLLRDHUP (| EPOLLET). Returns how many it accepted. */
int accept_connections(struct echo_loop* loop, int listener, int only_one);

/* epoll_wait reported connection c: read, echo, close. Returns 1 when c was closed (and freed),
 * 0 when it stays open. */
int on_connection_event(struct echo_loop* loop, struct connection* c);

/* Closes and frees every connection still open (the server is ending). */
void close_all_connections(struct echo_loop* loop);

#endif
