// SPDX-License-Identifier: GPL-2.0-only
// trace/observer.h — watching a traced program's observed files on the real kernel.
//
// An observed file (a socket whose peer is another program, a timerfd, a tty ...) is one the
// model cannot simulate end to end. For each item a program's epoll has on such a file, the
// observer holds a duplicate of the program's fd (pidfd_getfd: the same struct file, the program
// untouched) registered in an epoll of epollscope's own with the program's events and EPOLLET.
// Its ep_poll_callback then runs for exactly the wake-ups that reach the program's item (the same
// key filter), and its ready list keeps them in the order the kernel issued them: drain() is the
// order of the wake-ups since the last drain, which the mirror hands to the model.
//
// A duplicate holds a reference to the file: before the program drops its last fd of a file
// (close, dup2 over it, exit), the mirror must call forget_file, so that the file's final fput —
// and with it epoll's removal of the program's items (eventpoll_release) — happens in the
// program's own call, as it would untraced.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace epollscope::trace {

class Observer {
 public:
  Observer() = default;
  ~Observer();
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

  // pidfd_open of the program and the observer's epoll. False with *error when this kernel or
  // these permissions do not allow it.
  bool open(pid_t pid, std::string* error);
  bool is_open() const { return ep_ >= 0; }

  // The program's epoll `epfd` has an item on its fd `fd` (the model's file `file_id`) with
  // `events`. False when the fd cannot be duplicated (the program closed it meanwhile).
  bool watch(int epfd, int fd, uint32_t file_id, uint32_t events);
  void modify(int epfd, int fd, uint32_t events);
  void unwatch(int epfd, int fd);
  // Drops every watch of the model's file `file_id` (its duplicates are closed).
  void forget_file(uint32_t file_id);
  // Drops every watch made through the program's fd `fd`.
  void forget_fd(int fd);
  // Drops every watch made through the program's epoll `epfd` (the epoll is going away).
  void forget_epoll(int epfd);
  bool watches_file(uint32_t file_id) const;

  struct Wake {
    int epfd;          // the program's epoll whose item was woken
    int fd;            // the program's fd of the item
    uint32_t file_id;  // the model's file
    uint32_t events;   // the poll mask when the observer harvested it (& the item's events)
    int count = 1;     // wake-ups it stands for (a listener: the connections queued since)
  };
  // The wake-ups since the last drain, in the order the kernel issued them.
  std::vector<Wake> drain();
  // The current poll mask of the program's fd (poll(2) on a duplicate), or nullopt-like -1.
  int64_t mask(int fd);
  // The masks of several fds with one poll(2) (fds without a watch are asked one by one).
  std::map<int, int64_t> masks(const std::vector<int>& fds);
  // A duplicate of the program's fd, for questions (getpeername, fdinfo); the caller closes it.
  int dup_of(int fd) const;
  int wakeups_seen() const { return wakeups_; }
  // The program accepted a connection from the listening socket `file_id` (its queue shrank by
  // one: drain() counts the connections that came since from the queue's length).
  void accepted(uint32_t file_id) { ++accepted_[file_id]; }

 private:
  struct Watch {
    int epfd = -1;
    int fd = -1;
    uint32_t file_id = 0;
    uint32_t events = 0;
    int own_fd = -1;  // our duplicate, registered in ep_
  };
  void drop(std::map<uint64_t, Watch>::iterator it);

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int ep_ = -1;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Watch> watches_;               // by the id in the observer's epoll data
  std::map<std::pair<int, int>, uint64_t> by_key_;  // (epfd, fd) -> id
  int wakeups_ = 0;
  // Listening sockets: the accept queue's length at the last drain, and accepts since.
  std::map<uint32_t, long> backlog_;
  std::map<uint32_t, long> accepted_;
  // The length of the accept queue of a listening socket (TCP_INFO's tcpi_unacked is
  // sk_ack_backlog for a listener), or -1 when `fd` is not one.
  static long accept_queue(int fd);
};

}  // namespace epollscope::trace
