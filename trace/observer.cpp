// SPDX-License-Identifier: GPL-2.0-only
#include "trace/observer.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace epollscope::trace {

namespace {
// What a program's item may ask for that the observer's must not: one-shot disarming, exclusive
// wake-ups (ours would take a wake-up from the program's) and wakeup sources. The observer is
// edge-triggered: it wants each wake-up, not the level.
constexpr uint32_t kNotMirrored = EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLET;
}  // namespace

Observer::~Observer() {
  for (auto& [id, w] : watches_)
    if (w.own_fd >= 0) ::close(w.own_fd);
  if (ep_ >= 0) ::close(ep_);
  if (pidfd_ >= 0) ::close(pidfd_);
}

bool Observer::open(pid_t pid, std::string* error) {
  pid_ = pid;
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd_ < 0) {
    *error = std::string("pidfd_open: ") + std::strerror(errno);
    return false;
  }
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) {
    *error = std::string("epoll_create1: ") + std::strerror(errno);
    return false;
  }
  return true;
}

int Observer::dup_of(int fd) const {
  if (pidfd_ < 0) return -1;
  return static_cast<int>(syscall(SYS_pidfd_getfd, pidfd_, fd, 0));
}

bool Observer::watch(int epfd, int fd, uint32_t file_id, uint32_t events) {
  if (ep_ < 0) return false;
  unwatch(epfd, fd);
  const int own = dup_of(fd);
  if (own < 0) return false;
  const uint64_t id = next_id_++;
  epoll_event ev{};
  ev.events = (events & ~kNotMirrored) | EPOLLET;
  ev.data.u64 = id;
  if (epoll_ctl(ep_, EPOLL_CTL_ADD, own, &ev) != 0) {
    ::close(own);
    return false;
  }
  watches_[id] = Watch{epfd, fd, file_id, events, own};
  if (!backlog_.count(file_id)) {
    const long q = accept_queue(own);
    if (q >= 0) backlog_[file_id] = q;
  }
  by_key_[{epfd, fd}] = id;
  return true;
}

void Observer::modify(int epfd, int fd, uint32_t events) {
  auto k = by_key_.find({epfd, fd});
  if (k == by_key_.end()) return;
  Watch& w = watches_[k->second];
  w.events = events;
  epoll_event ev{};
  ev.events = (events & ~kNotMirrored) | EPOLLET;
  ev.data.u64 = k->second;
  epoll_ctl(ep_, EPOLL_CTL_MOD, w.own_fd, &ev);
}

void Observer::drop(std::map<uint64_t, Watch>::iterator it) {
  Watch& w = it->second;
  if (w.own_fd >= 0) {
    // DEL first: closing our fd alone would leave the item while the program holds the file.
    epoll_ctl(ep_, EPOLL_CTL_DEL, w.own_fd, nullptr);
    ::close(w.own_fd);
  }
  by_key_.erase({w.epfd, w.fd});
  watches_.erase(it);
}

void Observer::unwatch(int epfd, int fd) {
  auto k = by_key_.find({epfd, fd});
  if (k == by_key_.end()) return;
  drop(watches_.find(k->second));
}

void Observer::forget_file(uint32_t file_id) {
  for (auto it = watches_.begin(); it != watches_.end();) {
    auto next = std::next(it);
    if (it->second.file_id == file_id) drop(it);
    it = next;
  }
}

void Observer::forget_fd(int fd) {
  for (auto it = watches_.begin(); it != watches_.end();) {
    auto next = std::next(it);
    if (it->second.fd == fd) drop(it);
    it = next;
  }
}

void Observer::forget_epoll(int epfd) {
  for (auto it = watches_.begin(); it != watches_.end();) {
    auto next = std::next(it);
    if (it->second.epfd == epfd) drop(it);
    it = next;
  }
}

bool Observer::watches_file(uint32_t file_id) const {
  for (const auto& [id, w] : watches_)
    if (w.file_id == file_id) return true;
  return false;
}

std::vector<Observer::Wake> Observer::drain() {
  std::vector<Wake> out;
  if (ep_ < 0 || watches_.empty()) return out;
  epoll_event evs[64];
  while (true) {
    const int n = epoll_wait(ep_, evs, 64, 0);
    if (n <= 0) break;
    for (int i = 0; i < n; ++i) {
      auto it = watches_.find(evs[i].data.u64);
      if (it == watches_.end()) continue;
      Wake wk{it->second.epfd, it->second.fd, it->second.file_id, evs[i].events, 1};
      // A listener wakes once per connection that joins its queue (sk_data_ready from
      // tcp_child_process): the connections since the last drain, from the queue's length.
      if (auto b = backlog_.find(wk.file_id); b != backlog_.end()) {
        const bool first_of_file = out.empty() || out.back().file_id != wk.file_id;
        if (first_of_file) {
          const long q = accept_queue(it->second.own_fd);
          if (q >= 0) {
            const long came = q - b->second + accepted_[wk.file_id];
            wk.count = static_cast<int>(std::max(1L, came));
            b->second = q;
            accepted_[wk.file_id] = 0;
          }
        } else {
          wk.count = out.back().count;
        }
      }
      out.push_back(wk);
    }
    if (n < 64) break;
  }
  wakeups_ += static_cast<int>(out.size());
  return out;
}

std::map<int, int64_t> Observer::masks(const std::vector<int>& fds) {
  std::map<int, int64_t> out;
  std::vector<pollfd> polls;
  std::vector<int> which;
  for (int fd : fds) {
    int own = -1;
    for (const auto& [id, w] : watches_)
      if (w.fd == fd) {
        own = w.own_fd;
        break;
      }
    if (own < 0) {
      out[fd] = mask(fd);
      continue;
    }
    polls.push_back(pollfd{own,
                           static_cast<short>(POLLIN | POLLOUT | POLLPRI | POLLRDHUP | POLLRDNORM |
                                              POLLRDBAND | POLLWRNORM | POLLWRBAND),
                           0});
    which.push_back(fd);
  }
  if (!polls.empty() && ::poll(polls.data(), polls.size(), 0) >= 0)
    for (std::size_t i = 0; i < polls.size(); ++i)
      out[which[i]] = static_cast<uint16_t>(polls[i].revents);
  return out;
}

long Observer::accept_queue(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return -1;
  if (info.tcpi_state != TCP_LISTEN) return -1;
  return static_cast<long>(info.tcpi_unacked);
}

int64_t Observer::mask(int fd) {
  int own = -1;
  bool temporary = false;
  for (const auto& [id, w] : watches_)
    if (w.fd == fd) {
      own = w.own_fd;
      break;
    }
  if (own < 0) {
    own = dup_of(fd);
    temporary = true;
  }
  if (own < 0) return -1;
  pollfd p{own,
           static_cast<short>(POLLIN | POLLOUT | POLLPRI | POLLRDHUP | POLLRDNORM | POLLRDBAND |
                              POLLWRNORM | POLLWRBAND),
           0};
  int64_t m = -1;
  if (::poll(&p, 1, 0) >= 0) m = static_cast<uint16_t>(p.revents);
  if (temporary) ::close(own);
  return m;
}

}  // namespace epollscope::trace
