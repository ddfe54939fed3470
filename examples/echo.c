// SPDX-License-Identifier: GPL-2.0-only
/*
 * examples/echo.c — the connection side of the echo servers (echo.h): options, the listener,
 * accepting, and the echo itself, edge-triggered or level-triggered.
 *
 * One connection's life:
 *
 *   accept ─► EPOLLIN (| EPOLLET) ─► read ─► write ─► ... read returns 0 or an error ─► close
 *                                              │
 *                                    write cut short (EAGAIN):
 *                                    keep the rest, EPOLL_CTL_MOD to EPOLLOUT,
 *                                    write the rest when it comes, MOD back to EPOLLIN
 *
 * While bytes wait to be written we stop reading: a client that sends faster than it reads then
 * fills its own socket buffer, not our memory (back pressure).
 */
#define _POSIX_C_SOURCE 200809L

#include "echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage_exit(const char* usage, const char* why) {
  if (why) fprintf(stderr, "%s\n", why);
  fprintf(why ? stderr : stdout, "usage: %s\n", usage);
  exit(why ? 2 : 0);
}

/* A whole number from min to max, or the usage and exit 2. */
static long number_arg(const char* usage, const char* flag, const char* text, long min, long max) {
  char* end = NULL;
  errno = 0;
  long value = text ? strtol(text, &end, 10) : 0;
  if (!text || errno || end == text || *end || value < min || value > max) {
    char why[160];
    snprintf(why, sizeof why, "%s needs a whole number from %ld to %ld", flag, min, max);
    usage_exit(usage, why);
  }
  return value;
}

void echo_parse_options(int argc, char** argv, const char* usage, struct echo_options* o) {
  int mt = o->threads > 0; /* only the MT server has threads to count, and a default for them */
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      usage_exit(usage, NULL);
    } else if (strcmp(arg, "--port") == 0) {
      o->port = (int)number_arg(usage, arg, i + 1 < argc ? argv[++i] : NULL, 0, 65535);
    } else if (strcmp(arg, "--exit-after") == 0) {
      o->exit_after = number_arg(usage, arg, i + 1 < argc ? argv[++i] : NULL, 0, 1000000000);
    } else if (!mt && strcmp(arg, "--lt") == 0) {
      o->level_triggered = 1;
    } else if (mt && strcmp(arg, "--threads") == 0) {
      o->threads = (int)number_arg(usage, arg, i + 1 < argc ? argv[++i] : NULL, 1, 64);
    } else {
      char why[160];
      snprintf(why, sizeof why, "unknown option '%.100s'", arg);
      usage_exit(usage, why);
    }
  }
}

int make_socket_non_blocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags == -1) return -1;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int create_and_bind(const char* program, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd == -1) {
    fprintf(stderr, "%s: socket: %s\n", program, strerror(errno));
    return -1;
  }
  /* A restarted server may bind its port again while connections of the last run are still in
   * TIME_WAIT. It does not let two servers listen on one port: that stays EADDRINUSE. */
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);

  /* Loopback only: this server is for experiments, never reachable from another machine. */
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons((uint16_t)port);
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) == -1) {
    fprintf(stderr, "%s: cannot bind 127.0.0.1:%d: %s\n", program, port, strerror(errno));
    close(fd);
    return -1;
  }
  /* Non-blocking: with EPOLLET we accept until EAGAIN, which a blocking accept never returns. */
  if (make_socket_non_blocking(fd) == -1 || listen(fd, SOMAXCONN) == -1) {
    fprintf(stderr, "%s: listen: %s\n", program, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

void announce_port(int listener) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  getsockname(listener, (struct sockaddr*)&addr, &len);
  printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
  fflush(stdout);
}

static int stop_fd = -1;

static void on_stop_signal(int sig) {
  (void)sig;
  uint64_t one = 1;
  ssize_t n = write(stop_fd, &one, sizeof one); /* write() is safe in a signal handler */
  (void)n;
}

int stop_event_fd(void) {
  stop_fd = eventfd(0, EFD_CLOEXEC);
  if (stop_fd == -1) return -1;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGINT, &action, NULL) == -1 || sigaction(SIGTERM, &action, NULL) == -1) return -1;
  /* A client that vanishes makes write() raise SIGPIPE, which would kill us: we want EPIPE. */
  signal(SIGPIPE, SIG_IGN);
  return stop_fd;
}

int accept_connections(struct echo_loop* loop, int listener, int only_one) {
  int accepted = 0;
  do {
    int fd = accept(listener, NULL, NULL);
    if (fd == -1) {
      /* A connection reset while it waited in the queue: the next one may be fine. */
      if (errno == ECONNABORTED || errno == EINTR) continue;
      /* EAGAIN: the accept queue is empty, every pending connection is ours. With EPOLLET we
       * must get here: the listener is reported again only when a *new* connection arrives. */
      if (errno != EAGAIN && errno != EWOULDBLOCK) perror("accept");
      break;
    }
    struct connection* c = calloc(1, sizeof *c);
    if (!c || make_socket_non_blocking(fd) == -1) {
      perror("connection");
      free(c);
      close(fd);
      continue;
    }
    c->fd = fd;
    /* EPOLLRDHUP: told when the client shuts down its side (shutdown(SHUT_WR) or close); the
     * read that follows returns what is left and then 0. */
    struct epoll_event event;
    event.events = EPOLLIN | EPOLLRDHUP | (loop->edge_triggered ? EPOLLET : 0);
    event.data.ptr = c;
    if (epoll_ctl(loop->ep, EPOLL_CTL_ADD, fd, &event) == -1) {
      perror("epoll_ctl");
      free(c);
      close(fd);
      continue;
    }
    c->next = loop->open;
    if (loop->open) loop->open->prev = c;
    loop->open = c;
    ++accepted;
  } while (!only_one);
  return accepted;
}

static void close_connection(struct echo_loop* loop, struct connection* c) {
  /* close() also takes the socket off the interest list: epoll forgets a file when its last fd
   * is closed (a dup() of it elsewhere would keep the item alive and reporting). */
  close(c->fd);
  if (c->prev) c->prev->next = c->next;
  if (c->next) c->next->prev = c->prev;
  if (loop->open == c) loop->open = c->next;
  free(c);
  ++loop->closed;
}

static int watch(struct echo_loop* loop, struct connection* c, uint32_t events) {
  struct epoll_event event;
  event.events = events | EPOLLRDHUP | (loop->edge_triggered ? EPOLLET : 0);
  event.data.ptr = c;
  return epoll_ctl(loop->ep, EPOLL_CTL_MOD, c->fd, &event);
}

/* Writes what is pending. 1: all written; 0: the socket buffer is full (EAGAIN), the rest is
 * kept; -1: the connection is broken (EPIPE, ECONNRESET). */
static int write_pending(struct connection* c) {
  while (c->pending_len > 0) {
    ssize_t n = write(c->fd, c->buffer + c->pending_off, c->pending_len);
    if (n == -1) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
    c->pending_off += (size_t)n;
    c->pending_len -= (size_t)n;
  }
  c->pending_off = 0;
  return 1;
}

int on_connection_event(struct echo_loop* loop, struct connection* c) {
  /* Which events were reported matters little: read() and write() say all we need (data, 0 for
   * the end, or the error, such as ECONNRESET behind an EPOLLERR). */
  if (c->pending_len > 0) {
    /* We were waiting for EPOLLOUT (or EPOLLERR / EPOLLHUP, which epoll always reports). */
    int written = write_pending(c);
    if (written < 0) {
      close_connection(loop, c);
      return 1;
    }
    if (written == 0) return 0; /* still full: wait for the next EPOLLOUT */
    /* All written: read again. EPOLL_CTL_MOD polls the socket at once (ep_modify), so bytes
     * that arrived while we waited put the item straight on the ready list: even with EPOLLET
     * nothing that came in meanwhile is lost. */
    if (watch(loop, c, EPOLLIN) == -1) {
      close_connection(loop, c);
      return 1;
    }
    return 0;
  }

  /* Edge-triggered: read until EAGAIN, because epoll reports this socket again only when new
   * bytes arrive, not for those we leave behind. (A read shorter than the buffer does not prove
   * the socket is empty: more may have arrived since.) Level-triggered: one read per event is
   * enough; if bytes are left, the next epoll_wait reports the socket again. */
  do {
    ssize_t n = read(c->fd, c->buffer, sizeof c->buffer);
    if (n == -1 && errno == EINTR) continue;
    if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0; /* drained */
    if (n <= 0) {
      /* 0: the client closed or shut down its side and we have echoed everything; -1: an error
       * such as ECONNRESET (the client reset the connection). Either way, we are done. */
      close_connection(loop, c);
      return 1;
    }
    c->pending_off = 0;
    c->pending_len = (size_t)n;
    int written = write_pending(c);
    if (written < 0) {
      close_connection(loop, c);
      return 1;
    }
    if (written == 0) {
      /* The client's receive window and our send buffer are full. Stop reading and ask for
       * EPOLLOUT instead: epoll reports it when the buffer has room again. */
      ++loop->writes_waited_for_out;
      if (watch(loop, c, EPOLLOUT) == -1) {
        close_connection(loop, c);
        return 1;
      }
      return 0;
    }
  } while (loop->edge_triggered);
  return 0;
}

void close_all_connections(struct echo_loop* loop) {
  while (loop->open)
    close_connection(loop, loop->open);
}
