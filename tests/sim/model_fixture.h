// SPDX-License-Identifier: GPL-2.0-only
// tests/sim/model_fixture.h — a Kernel with the invariant checker attached, and short helpers in
// the style of the probe programs of docs/kernel-notes.md C6 (add/mod/wait/w/drain), so that each
// test reads like the probe whose output it reproduces.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "sim/invariants.h"
#include "sim/kernel.h"
#include "sim/snapshot.h"
#include "sim/strings.h"

namespace epollscope::sim::testing {

// "(3:IN) (1:IN|HUP)" — the probes' `waitp` format (kernel-notes C6): data, then the mask.
inline std::string format_events(const std::vector<EpollEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    if (!out.empty()) out += ' ';
    out += cat("(", e.data, ":", mask_to_string(e.events), ")");
  }
  return out;
}

// The kernel functions of the steps traced, in order.
class FunctionLog : public TraceSink {
 public:
  void on_step(const TraceStep& step) override {
    functions.emplace_back(step.function);
    texts.push_back(cat(step.function, ": ", step.text));
  }
  std::vector<std::string> functions;
  std::vector<std::string> texts;  // "function: sentence", in the same order
};

class ModelTest : public ::testing::Test {
 protected:
  explicit ModelTest(const KernelProfile& profile = KernelProfile::default_profile())
      : k(profile), checker_(k, &log_) {
    k.set_trace_sink(&checker_);
  }

  // Checks the mid-call invariants of every step so far and the between-call invariants now.
  void expect_invariants() {
    EXPECT_EQ(checker_.first_violation(), "");
    EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
  }
  SysResult checked(SysResult r) {
    expect_invariants();
    return r;
  }
  static long ret(const SysResult& r) { return r.ret < 0 ? -r.err : r.ret; }

  Task& main() { return k.main_task(); }
  int epoll() {
    SysResult r = checked(k.epoll_create1(main(), 0));
    EXPECT_GE(r.ret, 0);
    return static_cast<int>(r.ret);
  }
  std::pair<int, int> pipe(int flags = kO_NONBLOCK) {
    SysResult r = checked(k.pipe2(main(), flags));
    EXPECT_EQ(r.ret, 0);
    return {r.fds[0], r.fds[1]};
  }
  int eventfd(unsigned init = 0, int flags = kEFD_NONBLOCK) {
    SysResult r = checked(k.eventfd2(main(), init, flags));
    EXPECT_GE(r.ret, 0);
    return static_cast<int>(r.ret);
  }
  // epoll_ctl; returns 0 or -errno.
  long ctl(int ep, int op, int fd, poll_t events, uint64_t data) {
    return ret(checked(k.epoll_ctl(main(), ep, op, fd, EpollEvent{events, data})));
  }
  long add(int ep, int fd, poll_t events, uint64_t data) {
    return ctl(ep, kEPOLL_CTL_ADD, fd, events, data);
  }
  long mod(int ep, int fd, poll_t events, uint64_t data) {
    return ctl(ep, kEPOLL_CTL_MOD, fd, events, data);
  }
  long del(int ep, int fd) {
    return ret(checked(k.epoll_ctl(main(), ep, kEPOLL_CTL_DEL, fd, std::nullopt)));
  }
  std::string wait(int ep, int maxevents = 64, int timeout = 0) {
    SysResult r = checked(k.epoll_wait(main(), ep, maxevents, timeout));
    EXPECT_FALSE(r.blocked);
    EXPECT_GE(r.ret, 0) << errno_name(r.err);
    EXPECT_EQ(static_cast<std::size_t>(r.ret), r.events.size());
    return format_events(r.events);
  }
  long write(int fd, std::size_t n) { return ret(checked(k.write(main(), fd, n))); }
  long read(int fd, std::size_t n) { return ret(checked(k.read(main(), fd, n))); }
  long close(int fd) { return ret(checked(k.close(main(), fd))); }
  long dup(int fd) { return ret(checked(k.dup(main(), fd))); }
  // Reads until the pipe or socket is empty (EAGAIN) or at EOF.
  void drain(int fd) {
    for (int i = 0; i < 1000; ++i)
      if (read(fd, 65536) <= 0) return;
  }

  // The kernel functions of the steps traced since the last clear_functions(), in order.
  const std::vector<std::string>& functions() const { return log_.functions; }
  void clear_functions() {
    log_.functions.clear();
    log_.texts.clear();
  }
  // The steps' sentences since the last clear_functions(), each "function: sentence".
  const std::vector<std::string>& step_texts() const { return log_.texts; }

  Kernel k;

 private:
  FunctionLog log_;
  InvariantCheckingSink checker_;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] probe helpers (order, pipe, eventfd and threads tests)
// ---------------------------------------------------------------------------------------------
// The probes (kernel-notes C6) take raw masks, read eventfd counters and print fdinfo; these
// helpers do the same through the model's syscalls and snapshots, so the tests can quote the probe
// output.
class ProbeTest : public ModelTest {
 protected:
  explicit ProbeTest(const KernelProfile& profile = KernelProfile::default_profile())
      : ModelTest(profile) {}

  // A profile by name; the test stops with a failure if the model does not know it.
  static const KernelProfile& profile_named(std::string_view name) {
    const KernelProfile* p = KernelProfile::by_name(name);
    if (!p) ADD_FAILURE() << "no kernel profile " << name;
    return p ? *p : KernelProfile::default_profile();
  }

  // The probes' raw mask: the fd registered with every poll bit, level-triggered, in a fresh
  // epoll, then epoll_wait(..., 0). "0" when nothing is reported, like the probes print it.
  std::string raw_mask(int fd) {
    constexpr poll_t kAllBits = kEPOLLIN | kEPOLLPRI | kEPOLLOUT | kEPOLLRDNORM | kEPOLLRDBAND |
                                kEPOLLWRNORM | kEPOLLWRBAND | kEPOLLMSG | kEPOLLRDHUP;
    int ep = epoll();
    EXPECT_EQ(add(ep, fd, kAllBits, 0), 0);
    SysResult r = checked(k.epoll_wait(main(), ep, 1, 0));
    EXPECT_EQ(close(ep), 0);
    return r.events.empty() ? std::string("0") : mask_to_string(r.events.front().events);
  }

  // write(efd, &v, 8); returns 8 or -errno.
  long efd_write(int fd, uint64_t v) { return ret(checked(k.eventfd_write(main(), fd, v))); }
  // read(efd, &v, 8); the value read is in `value`.
  SysResult efd_read(int fd) { return checked(k.eventfd_read(main(), fd)); }

  // epoll_wait by another task; the result is blocked or immediate.
  SysResult wait_as(Task& t, int ep, int maxevents, int timeout) {
    return checked(k.epoll_wait(t, ep, maxevents, timeout));
  }

  Snapshot snapshot() const { return take_snapshot(k, nullptr); }
  // The view of the epoll behind `epfd`.
  static const EventPollView* epoll_view(const Snapshot& s, int epfd) {
    const FileView* f = s.file_of_fd(epfd);
    for (const auto& e : s.epolls)
      if (f && e->file == f->id) return e.get();
    ADD_FAILURE() << "fd " << epfd << " is not an epoll in the snapshot";
    return nullptr;
  }
  // The item of epoll `epfd` registered with `data` (what fdinfo prints as "data:").
  static const EpItemView* item_view(const Snapshot& s, int epfd, uint64_t data) {
    const EventPollView* e = epoll_view(s, epfd);
    for (const auto& i : s.items)
      if (e && i->ep == e->id && i->data == data) return i.get();
    ADD_FAILURE() << "no item with data " << data << " in epoll fd " << epfd;
    return nullptr;
  }
  // A list of item ids as their data values, "3 4 5 1 2", for rdllist, txlist and ovflist.
  static std::string data_of(const Snapshot& s, const std::vector<uint32_t>& ids) {
    std::string out;
    for (uint32_t id : ids) {
      if (!out.empty()) out += ' ';
      const EpItemView* i = s.item(id);
      out += i ? std::to_string(i->data) : std::string("?");
    }
    return out;
  }
  // The data values on the ready list of `epfd`, front to back.
  std::string rdllist(int epfd) const {
    Snapshot s = snapshot();
    const EventPollView* e = epoll_view(s, epfd);
    return e ? data_of(s, e->rdllist) : std::string("?");
  }
  // FIONREAD of a pipe end and the number of ring slots in use.
  uint64_t pipe_bytes(int fd) const {
    Snapshot s = snapshot();
    uint64_t n = 0;
    if (const FileView* f = s.file_of_fd(fd))
      for (uint32_t c : f->chunks)
        n += c;
    return n;
  }
  std::size_t pipe_slots(int fd) const {
    Snapshot s = snapshot();
    const FileView* f = s.file_of_fd(fd);
    return f ? f->chunks.size() : 0;
  }
};

// ---------------------------------------------------------------------------------------------
// [SECTION] call-level helpers (errno, dup/close and nested-epoll tests)
// ---------------------------------------------------------------------------------------------
// The probes' raw calls that add/mod/del/wait cannot express (an invalid op, a NULL event
// pointer, a NULL or kernel-address events buffer), poll(2) on one fd, and the interest list as
// /proc/self/fdinfo/<epfd> prints it.
class CallProbeTest : public ProbeTest {
 protected:
  explicit CallProbeTest(const KernelProfile& profile = KernelProfile::default_profile())
      : ProbeTest(profile) {}

  // epoll_ctl with any op; `event` nullopt is a NULL (faulting) event pointer. 0 or -errno.
  long ctl_raw(int ep, int op, int fd, std::optional<EpollEvent> event) {
    return ret(checked(k.epoll_ctl(main(), ep, op, fd, event)));
  }
  // epoll_wait that must not block; the number of events or -errno.
  long wait_ret(int ep, int maxevents, int timeout = 0, UserBuffer buffer = UserBuffer::kValid) {
    SysResult r = checked(k.epoll_wait(main(), ep, maxevents, timeout, buffer));
    EXPECT_FALSE(r.blocked);
    return ret(r);
  }
  long open_file(std::string name) { return ret(checked(k.open_regular(main(), std::move(name)))); }
  long dup2(int oldfd, int newfd) { return ret(checked(k.dup2(main(), oldfd, newfd))); }
  // poll(&pfd, 1, 0) on one fd: its ->poll() once, without staying queued; the revents.
  poll_t poll_fd(int fd) {
    PollTable pt;
    File* f = k.file_at(fd);
    EXPECT_NE(f, nullptr) << "fd " << fd << " is not open";
    poll_t revents = f ? f->poll(k.context(), &pt) : kEPOLLNVAL;
    expect_invariants();
    return revents;
  }
  // The "tfd: %8d events: %8x data: %16llx" lines of fdinfo, in rbr order, one per line.
  std::string fdinfo(int epfd) const {
    auto right = [](std::string s, std::size_t width) {
      return std::string(s.size() < width ? width - s.size() : 0, ' ') + s;
    };
    auto hex_digits = [](uint64_t v) { return hex(v).substr(2); };
    Snapshot s = snapshot();
    const EventPollView* e = epoll_view(s, epfd);
    std::string out;
    for (uint32_t id : e ? e->rbr : std::vector<uint32_t>{}) {
      const EpItemView* i = s.item(id);
      if (!out.empty()) out += '\n';
      out += cat("tfd: ", right(std::to_string(i->fd), 8),
                 " events: ", right(hex_digits(i->events), 8),
                 " data: ", right(hex_digits(i->data), 16));
    }
    return out;
  }
};

}  // namespace epollscope::sim::testing
