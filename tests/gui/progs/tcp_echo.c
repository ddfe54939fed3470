// SPDX-License-Identifier: GPL-2.0-only
// A TCP echo over loopback in one program, for the window's trace tests: the parent listens
// (non-blocking, edge-triggered epoll, accept and read until EAGAIN, as the seed's echo server
// does) and echoes what its child sends; the child (a fork: its calls are not mirrored) connects,
// sends "hello", reads the echo and closes. The parent's connection is an observed file whose label
// names both ends ("TCP 127.0.0.1:P ⇄ 127.0.0.1:Q").
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (l < 0 || bind(l, (struct sockaddr*)&a, sizeof a) != 0 || listen(l, 8) != 0 ||
      getsockname(l, (struct sockaddr*)&a, &len) != 0)
    return 1;
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = l};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    char back[16];
    if (c < 0 || connect(c, (struct sockaddr*)&a, sizeof a) != 0) _exit(1);
    if (write(c, "hello", 5) != 5 || read(c, back, sizeof back) != 5) _exit(1);
    close(c);
    _exit(0);
  }
  int echoed = 0, done = 0;
  while (!done) {
    struct epoll_event out[4];
    int n = epoll_wait(ep, out, 4, 5000);
    if (n <= 0) break;
    for (int i = 0; i < n; ++i) {
      int fd = out[i].data.fd;
      if (fd == l) {
        int s;
        while ((s = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = s};
          epoll_ctl(ep, EPOLL_CTL_ADD, s, &cev);
        }
        continue;
      }
      char buf[64];
      for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0) {
          echoed += (int)write(fd, buf, (size_t)r);
        } else {
          if (r == 0) {
            close(fd);
            done = 1;
          }
          break;
        }
      }
    }
  }
  int status = 1;
  waitpid(child, &status, 0);
  printf("echoed %d\n", echoed);
  return echoed == 5 && status == 0 ? 0 : 1;
}
