// SPDX-License-Identifier: GPL-2.0-only
#include "driver/model_backend.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <queue>

#include "sim/strings.h"

namespace epollscope::driver {

// The model's own vocabulary (rbr walks, epitems, files) reads best unqualified here.
using namespace sim;

ModelBackend::ModelBackend(const KernelProfile& profile, bool record)
    : profile_(profile), record_(record) {}
ModelBackend::~ModelBackend() = default;

bool ModelBackend::start(std::string*) {
  recorder_.reset();
  k_ = std::make_unique<Kernel>(profile_);
  k_->set_nofile_limits(nofile_);
  if (record_) {
    recorder_ = std::make_unique<Recorder>(*k_);
    k_->set_trace_sink(recorder_.get());
  }
  thread_of_task_.clear();
  thread_of_task_[k_->main_task().id] = "main";
  reads_counter_.clear();
  reads_value_.clear();
  pending_.clear();
  return true;
}

void ModelBackend::start_recording() {
  if (recorder_ || !k_) return;
  recorder_ = std::make_unique<Recorder>(*k_);
  k_->set_trace_sink(recorder_.get());
}

void ModelBackend::stop() {
  // The kernel and the recording stay readable after the run.
}

Task& ModelBackend::task(const std::string& thread) {
  if (thread == "main") return k_->main_task();
  if (Task* t = k_->find_task(thread)) return *t;
  Task& t = k_->create_task(thread);
  thread_of_task_[t.id] = thread;
  return t;
}

CallResult ModelBackend::result_of(uint32_t task, const sim::SysResult& r) {
  CallResult out;
  out.blocked = r.blocked;
  out.approximate = r.approximate;
  out.ret = r.ret;
  out.err = r.ret < 0 ? r.err : 0;
  out.events = r.events;
  if (r.fds[0] >= 0) out.fds = {r.fds[0], r.fds[1]};
  auto counter = reads_counter_.find(task);
  if (counter != reads_counter_.end() && counter->second && !r.blocked && r.ret == 8)
    out.counter = r.value;
  if (reads_value_.count(task)) out.counter = r.value;  // FIONREAD, getsockopt: the int written
  return out;
}

namespace {

// a / b rounded towards minus infinity (b > 0).
int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && a < 0 ? 1 : 0);
}

// A timeout in ns as the live child passes it (ppoll, pselect6): a struct timespec of tv_sec =
// ns / 10^9 (rounded down, so a negative one has tv_sec < 0) and tv_nsec the rest; NULL; BADPTR.
sim::UserArg<Kernel::Timespec> timespec_arg(const ResolvedCall& c, std::size_t i) {
  if (c.faults(i)) return sim::UserArg<Kernel::Timespec>::faulting();
  if (c.is_null[i]) return std::nullopt;
  const int64_t ns = c.values[i];
  const int64_t sec = floor_div(ns, 1000000000);
  return Kernel::Timespec{sec, ns - sec * 1000000000};
}

}  // namespace

CallResult ModelBackend::perform(const ResolvedCall& c) {
  Task& t = task(c.thread);
  if (c.during_epfd >= 0) {
    // On another CPU, inside the next harvest of that epoll (Kernel::set_scan_hook): the thread
    // is busy until then, and its result comes as a finished call of that thread.
    const File* f = k_->file_at(c.during_epfd);
    if (f && is_file_epoll(f)) {
      ResolvedCall now = c;
      now.during_epfd = -1;
      const uint32_t ep_id = static_cast<const EventPollFile*>(f)->ep()->ref().id;
      k_->set_scan_hook(ep_id, static_cast<int>(c.during_after_items), [this, now](Kernel&) {
        Task& tt = task(now.thread);
        const sim::SysResult r = dispatch(tt, now);
        // A call that sleeps there finishes later, as any sleeping call does.
        if (!r.blocked) pending_.push_back(ThreadResult{now.thread, result_of(tt.id, r)});
      });
      CallResult out;
      out.blocked = true;
      return out;
    }
  }
  sim::SysResult r = dispatch(t, c);
  if (r.blocked) {
    // The main thread waits for its own call: let time run to that call's deadline.
    if (c.thread == "main" && t.deadline_ns) k_->advance_clock_to(*t.deadline_ns);
    // A call that slept only until the threads its own wake-ups made runnable had run (one of
    // them woke it again, and it finished: a pipe writer that fills the pipe, wakes the reader
    // and sleeps; the reader's fput releases the last read end, pipe_release wakes the writer)
    // has returned before the next statement, as on the kernel: its result is the call's.
    for (auto& done : k_->take_completions()) {
      if (done.task == t.id)
        r = done.result;
      else
        pending_.push_back(
            ThreadResult{thread_of_task_[done.task], result_of(done.task, done.result)});
    }
  }
  k_->settle();
  return result_of(t.id, r);
}

sim::SysResult ModelBackend::dispatch(Task& t, const ResolvedCall& c) {
  using sim::script::CallId;
  auto fd = [&](std::size_t i) { return static_cast<int>(c.values[i]); };
  auto num = [&](std::size_t i) { return c.values[i]; };
  reads_counter_.erase(t.id);
  reads_value_.erase(t.id);
  sim::SysResult r;
  switch (c.call) {
    case CallId::kEpollCreate:
      r = k_->epoll_create(t, static_cast<int>(num(0)));
      break;
    case CallId::kEpollCreate1:
      r = k_->epoll_create1(t, static_cast<int>(num(0)));
      break;
    case CallId::kEpollCtl: {
      std::optional<sim::EpollEvent> ev;
      if (!c.is_null[3])
        ev = sim::EpollEvent{static_cast<sim::poll_t>(num(3)), static_cast<uint64_t>(num(4))};
      r = k_->epoll_ctl(t, fd(0), static_cast<int>(num(1)), fd(2), ev);
      break;
    }
    case CallId::kEpollWait:
      r = k_->epoll_wait(t, fd(0), static_cast<int>(num(2)), static_cast<int>(num(3)),
                         c.is_null[1] ? sim::UserBuffer::kFaultsOnCopy : sim::UserBuffer::kValid);
      break;
    case CallId::kPipe:
      r = k_->pipe2(t, 0);
      break;
    case CallId::kPipe2:
      r = k_->pipe2(t, static_cast<int>(num(2)));
      break;
    case CallId::kSocketpair:
      r = k_->socketpair(t, sim::kSOCK_NONBLOCK);
      break;
    case CallId::kEventfd:
      r = k_->eventfd2(t, static_cast<unsigned>(num(0)), static_cast<int>(num(1)));
      break;
    case CallId::kTcpListen:
      r = k_->tcp_listen(t, static_cast<int>(num(0)), sim::kSOCK_NONBLOCK);
      break;
    case CallId::kTcpConnect:
      r = k_->tcp_connect(t, fd(0), sim::kSOCK_NONBLOCK);
      break;
    case CallId::kAccept:
      r = k_->accept4(t, fd(0), sim::kSOCK_NONBLOCK);
      break;
    case CallId::kWrite: {
      // The model keeps no bytes but the first 8, which an eventfd adds to its counter.
      uint64_t first8 = Kernel::kFiller8;
      if (c.has_text) {
        first8 = 0;
        for (std::size_t i = 0; i < 8 && i < c.text.size(); ++i)
          first8 |= static_cast<uint64_t>(static_cast<unsigned char>(c.text[i])) << (8 * i);
      }
      r = k_->write(t, fd(0), static_cast<std::size_t>(num(1)), first8);
      break;
    }
    case CallId::kRead:
      r = k_->read(t, fd(0), static_cast<std::size_t>(num(1)));
      break;
    case CallId::kSend:
      r = k_->send(t, fd(0), static_cast<std::size_t>(num(1)), static_cast<int>(num(2)));
      break;
    case CallId::kRecv:
      r = k_->recv(t, fd(0), static_cast<std::size_t>(num(1)), static_cast<int>(num(2)));
      break;
    case CallId::kEventfdWrite:
      r = k_->eventfd_write(t, fd(0), static_cast<uint64_t>(num(1)));
      break;
    case CallId::kEventfdRead: {
      const File* f = k_->file_at(fd(0));
      reads_counter_[t.id] = f && f->kind == sim::FileKind::kEventFd;
      r = k_->eventfd_read(t, fd(0));
      break;
    }
    case CallId::kShutdown:
      r = k_->shutdown(t, fd(0), static_cast<int>(num(1)));
      break;
    case CallId::kSetsockopt:
      r = k_->setsockopt(t, fd(0), static_cast<int>(num(1)), static_cast<int>(num(2)),
                         static_cast<int>(num(3)));
      break;
    case CallId::kGetsockopt:
      r = k_->getsockopt(t, fd(0), static_cast<int>(num(1)), static_cast<int>(num(2)));
      break;
    case CallId::kClose:
      r = k_->close(t, fd(0));
      break;
    case CallId::kDup:
      r = k_->dup(t, fd(0));
      break;
    case CallId::kDup2:
      r = k_->dup2(t, fd(0), fd(1));
      break;
    case CallId::kOpenRegular:
      r = k_->open_regular(t, "regular file");
      break;
    case CallId::kSetrlimitNofile:
      r = k_->setrlimit_nofile(t, static_cast<long>(num(0)));
      break;
    case CallId::kFcntl:
      r = k_->fcntl(t, fd(0), static_cast<unsigned>(num(1)), static_cast<uint64_t>(num(2)));
      break;
    case CallId::kAccept4:
      r = k_->accept4(t, fd(0), static_cast<int>(num(1)));
      break;
    case CallId::kEpollPwait:
      r = k_->epoll_pwait(
          t, fd(0), static_cast<int>(num(2)), static_cast<int>(num(3)),
          c.is_null[4] ? std::nullopt : std::optional<uint64_t>(static_cast<uint32_t>(num(4))),
          c.is_null[1] ? sim::UserBuffer::kFaultsOnCopy : sim::UserBuffer::kValid);
      break;
    case CallId::kEpollPwait2: {
      // The timeout in ns as the live child passes it: tv_sec = ns / 10^9 (rounded down),
      // tv_nsec the rest, so a negative timeout has tv_sec < 0.
      std::optional<Kernel::Timespec> ts;
      if (!c.is_null[3]) ts = Kernel::Timespec{floor_div(num(3), 1000000000), 0};
      if (ts) ts->tv_nsec = num(3) - ts->tv_sec * 1000000000;
      r = k_->epoll_pwait2(
          t, fd(0), static_cast<int>(num(2)), ts,
          c.is_null[4] ? std::nullopt : std::optional<uint64_t>(static_cast<uint32_t>(num(4))),
          c.is_null[1] ? sim::UserBuffer::kFaultsOnCopy : sim::UserBuffer::kValid);
      break;
    }
    case CallId::kIoctl:
      r = k_->ioctl(t, fd(0), static_cast<unsigned>(num(1)), num(2), c.is_null[2]);
      if (!r.blocked && r.ret == 0 && static_cast<unsigned>(num(1)) == sim::kFIONREAD)
        reads_value_.insert(t.id);
      break;
    case CallId::kPoll:
    case CallId::kPpoll: {
      // The array, or NULL with nfds entries (a pointer copy_from_user cannot read).
      sim::UserPollfds fds;
      if (c.is_null[0]) {
        fds = sim::UserPollfds::faulting(static_cast<uint32_t>(num(1)));
      } else {
        std::vector<sim::PollFd> array;
        for (const ResolvedCall::Item& item : c.list(0))
          array.push_back(
              sim::PollFd{static_cast<int>(item.fd), static_cast<int16_t>(item.events), 0});
        fds = sim::UserPollfds(std::move(array));
      }
      if (c.call == CallId::kPoll) {
        r = k_->poll(t, std::move(fds), static_cast<int>(num(2)));
        break;
      }
      r = k_->ppoll(
          t, std::move(fds), timespec_arg(c, 2),
          c.is_null[3] ? std::nullopt : std::optional<uint64_t>(static_cast<uint32_t>(num(3))));
      break;
    }
    case CallId::kSelect:
    case CallId::kPselect6: {
      auto set = [&](std::size_t i) -> sim::UserArg<std::vector<int>> {
        if (c.faults(i)) return sim::UserArg<std::vector<int>>::faulting();
        if (c.is_null[i]) return std::nullopt;
        std::vector<int> fds;
        for (const ResolvedCall::Item& item : c.list(i))
          fds.push_back(static_cast<int>(item.fd));
        return fds;
      };
      if (c.call == CallId::kPselect6) {
        r = k_->pselect6(
            t, static_cast<int>(num(0)), set(1), set(2), set(3), timespec_arg(c, 4),
            c.is_null[5] ? std::nullopt : std::optional<uint64_t>(static_cast<uint32_t>(num(5))));
        break;
      }
      // The timeout in ms as the live child passes it: a struct timeval of tv_sec = ms / 1000
      // (rounded down: a negative timeout has tv_sec < 0) and tv_usec the rest.
      sim::UserArg<Kernel::Timeval> tv;
      if (c.faults(4))
        tv = sim::UserArg<Kernel::Timeval>::faulting();
      else if (!c.is_null[4])
        tv = Kernel::Timeval{floor_div(num(4), 1000),
                             (num(4) - floor_div(num(4), 1000) * 1000) * 1000};
      r = k_->select(t, static_cast<int>(num(0)), set(1), set(2), set(3), tv);
      break;
    }
    case CallId::kSleep: {
      // ms <= 0 lets no time pass; a wait past the end of the virtual clock's range (int64 ns,
      // some 292 years) stops there rather than overflowing.
      const int64_t room_ms = (INT64_MAX - k_->now_ns()) / 1000000;
      const int64_t ms = std::clamp<int64_t>(num(0), 0, room_ms);
      k_->advance_clock_to(k_->now_ns() + ms * 1000000);
      r = sim::SysResult::value_of(0);
      break;
    }
  }
  if (c.call == CallId::kGetsockopt && !r.blocked && r.ret == 0) reads_value_.insert(t.id);
  return r;
}

std::vector<ThreadResult> ModelBackend::take_completions() {
  std::vector<ThreadResult> out = std::move(pending_);
  pending_.clear();
  for (auto& done : k_->take_completions())
    out.push_back(ThreadResult{thread_of_task_[done.task], result_of(done.task, done.result)});
  return out;
}

std::vector<FdinfoEntry> ModelBackend::fdinfo(int epfd) {
  std::vector<FdinfoEntry> out;
  File* f = k_->file_at(epfd);
  if (!f || !is_file_epoll(f)) return out;
  const EventPoll* ep = static_cast<EventPollFile*>(f)->ep();
  for (const RbNode* n = rb_first(&ep->rbr); n; n = rb_next(n)) {
    const EpItem* epi = ep_item_from_rb(n);
    out.push_back(FdinfoEntry{epi->fd, epi->event.events, epi->event.data});
  }
  return out;
}

void ModelBackend::order_like(int epfd, int tfd, const std::vector<FdinfoEntry>& kernel_after_add) {
  File* ef = k_->file_at(epfd);
  File* tf = k_->file_at(tfd);
  if (!ef || !tf || !is_file_epoll(ef)) return;
  std::vector<const EpItem*> items;
  const EventPoll* ep = static_cast<EventPollFile*>(ef)->ep();
  for (const RbNode* n = rb_first(&ep->rbr); n; n = rb_next(n))
    items.push_back(ep_item_from_rb(n));
  if (items.size() + 1 != kernel_after_add.size()) return;  // the lists already disagree
  if (items.empty()) return;  // alone in the tree: any key gives the kernel's order
  // The kernel's list after the ADD is the model's list with the new item inserted at `pos`, the
  // first entry where the two differ. The tfd alone cannot find it: after close() the same number
  // can key an item of another file that is still open through a dup [F1].
  std::size_t pos = 0;
  while (pos < items.size() && kernel_after_add[pos].tfd == items[pos]->fd &&
         kernel_after_add[pos].events == items[pos]->event.events &&
         kernel_after_add[pos].data == items[pos]->event.data)
    ++pos;
  if (kernel_after_add[pos].tfd != tfd) return;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (place_between(ep, tf, items, pos)) return;
    // No room left between the neighbours' keys (after ~30 halvings): spread every file's key
    // out again, keeping their order, and try once more.
    renumber_files();
  }
}

// The gaps tf holds in other trees leave no key between its new neighbours: keys the model gave
// files that were never compared in one tree (so any order was right until now) are in the way.
// Every tree's in-order sequence of files is a chain of facts about the kernel's order, and so is
// the new tree with tf at `pos`: sort all files by these facts (keeping the current order where
// they say nothing) and give them new keys. Every existing tree keeps its order, hence its shape.
bool ModelBackend::reorder_files(const EventPoll* ep, File* tf,
                                 const std::vector<const EpItem*>& items, std::size_t pos) {
  std::vector<File*> files = k_->files();
  std::sort(files.begin(), files.end(),
            [](const File* a, const File* b) { return a->address < b->address; });
  std::map<const File*, std::size_t> index;
  for (std::size_t i = 0; i < files.size(); ++i)
    index[files[i]] = i;
  std::vector<std::vector<std::size_t>> after(files.size());
  std::vector<int> preceding(files.size(), 0);
  auto chain = [&](const std::vector<const File*>& seq) {
    for (std::size_t i = 1; i < seq.size(); ++i) {
      if (seq[i - 1] == seq[i]) continue;
      auto a = index.find(seq[i - 1]), b = index.find(seq[i]);
      if (a == index.end() || b == index.end()) continue;
      after[a->second].push_back(b->second);
      ++preceding[b->second];
    }
  };
  for (File* f : files) {
    if (!is_file_epoll(f)) continue;
    const EventPoll* other = static_cast<EventPollFile*>(f)->ep();
    if (other == ep) continue;
    std::vector<const File*> seq;
    for (const RbNode* n = rb_first(&other->rbr); n; n = rb_next(n))
      seq.push_back(ep_item_from_rb(n)->file);
    chain(seq);
  }
  std::vector<const File*> seq;
  for (std::size_t i = 0; i <= items.size(); ++i) {
    if (i == pos) seq.push_back(tf);
    if (i < items.size()) seq.push_back(items[i]->file);
  }
  chain(seq);
  // Kahn's algorithm, the lowest current key first among the files free to go.
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < files.size(); ++i)
    if (preceding[i] == 0) ready.push(i);
  std::vector<File*> order;
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    order.push_back(files[i]);
    for (std::size_t j : after[i])
      if (--preceding[j] == 0) ready.push(j);
  }
  if (order.size() != files.size()) return true;  // contradictory facts: keep the model's order
  rekey(order);
  return true;
}

// New keys in this order, all above every key in use (so that none collides on the way).
void ModelBackend::rekey(const std::vector<File*>& order) {
  uint64_t next = 0;
  for (const File* f : k_->files())
    next = std::max(next, f->address);
  for (File* f : order) {
    next += uint64_t{1} << 32;
    k_->set_file_address(f, next);
  }
}

void ModelBackend::renumber_files() {
  std::vector<File*> files = k_->files();
  std::sort(files.begin(), files.end(),
            [](const File* a, const File* b) { return a->address < b->address; });
  rekey(files);
}

bool ModelBackend::place_between(const EventPoll* ep, File* tf,
                                 const std::vector<const EpItem*>& items, std::size_t pos) {
  uint64_t lo = pos > 0 ? items[pos - 1]->file_address : 0;
  uint64_t hi = pos < items.size() ? items[pos]->file_address : lo + (uint64_t{1} << 32);
  // A file other epolls already watch (an inner epoll in a diamond, say) may move too, but only
  // within the gap its items occupy in those epolls' trees, so that they stay in key order.
  for (HlistNode* n = tf->f_ep.first; n; n = n->next) {
    EpItem* other = ep_item_from_fllink(n);
    if (other->ep == ep)
      return true;  // a dup of tf is in this tree: the fds alone decide the order
    const RbNode* prev = rb_prev(&other->rbn);
    while (prev && ep_item_from_rb(prev)->file == tf)
      prev = rb_prev(prev);
    const RbNode* next = rb_next(&other->rbn);
    while (next && ep_item_from_rb(next)->file == tf)
      next = rb_next(next);
    if (prev) lo = std::max(lo, ep_item_from_rb(prev)->file_address);
    if (next) hi = std::min(hi, ep_item_from_rb(next)->file_address);
  }
  if (hi <= lo) return reorder_files(ep, tf, items, pos);
  if (hi - lo < 2) return false;
  // The middle of the gap, or near it if another file (in no tree here) has that key.
  const uint64_t mid = lo + (hi - lo) / 2;
  for (uint64_t d = 0; d < 64; ++d) {
    if (mid + d < hi && k_->set_file_address(tf, mid + d)) return true;
    if (mid - d > lo && k_->set_file_address(tf, mid - d)) return true;
  }
  return false;
}

}  // namespace epollscope::driver
