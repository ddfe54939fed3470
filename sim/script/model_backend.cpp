#include "sim/script/model_backend.h"

#include <algorithm>
#include <map>
#include <queue>

#include "sim/strings.h"

namespace epollscope::sim::script {
namespace {

Outcome outcome_of(const SysResult& r) {
  Outcome o;
  o.blocked = r.blocked;
  o.ret = r.ret;
  o.err = r.ret < 0 ? r.err : 0;
  o.events = r.events;
  return o;
}

}  // namespace

std::string describe_outcome(const Outcome& o, const std::string& call) {
  if (o.blocked) return "blocks";
  // eventfd_read's value is a u64: above 2^63 it is negative as a long, but not an error.
  if (call == "eventfd_read" && o.err == 0) return std::to_string(static_cast<uint64_t>(o.ret));
  if (o.ret < 0) return cat("-1 ", errno_name(o.err));
  std::string out = std::to_string(o.ret);
  if (call == "epoll_wait") {
    out += " [";
    for (std::size_t i = 0; i < o.events.size(); ++i)
      out += cat(i ? ", " : "", o.events[i].data, ": ", mask_to_c_names(o.events[i].events));
    out += "]";
  }
  if (o.new_fds.size() == 2) out += cat(" (fds ", o.new_fds[0], ", ", o.new_fds[1], ")");
  return out;
}

ModelBackend::ModelBackend(const KernelProfile& profile, bool record)
    : profile_(profile), record_(record) {}
ModelBackend::~ModelBackend() = default;

bool ModelBackend::start(std::string*) {
  recorder_.reset();
  k_ = std::make_unique<Kernel>(profile_);
  if (record_) {
    recorder_ = std::make_unique<Recorder>(*k_);
    k_->set_trace_sink(recorder_.get());
  }
  thread_of_task_.clear();
  thread_of_task_[k_->main_task().id] = "main";
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

Outcome ModelBackend::perform(const ResolvedCall& c) {
  Task& t = task(c.thread);
  const auto& v = c.values;
  auto arg = [&](std::size_t i, int64_t fallback = 0) { return i < v.size() ? v[i] : fallback; };
  const std::string& n = c.call;
  SysResult r;
  Outcome o;
  if (n == "epoll_create") {
    r = k_->epoll_create(t, static_cast<int>(arg(0)));
  } else if (n == "epoll_create1") {
    r = k_->epoll_create1(t, static_cast<int>(arg(0)));
  } else if (n == "epoll_ctl") {
    std::optional<EpollEvent> ev;
    if (!c.is_null[3])
      ev = EpollEvent{static_cast<poll_t>(arg(3)),
                      static_cast<uint64_t>(v.size() > 4 ? arg(4) : arg(2))};
    r = k_->epoll_ctl(t, static_cast<int>(arg(0)), static_cast<int>(arg(1)),
                      static_cast<int>(arg(2)), ev);
  } else if (n == "epoll_wait") {
    const bool with_buffer = v.size() == 4;
    const UserBuffer buffer =
        with_buffer && c.is_null[1] ? UserBuffer::kFaultsOnCopy : UserBuffer::kValid;
    r = k_->epoll_wait(t, static_cast<int>(arg(0)), static_cast<int>(arg(with_buffer ? 2 : 1)),
                       static_cast<int>(arg(with_buffer ? 3 : 2)), buffer);
  } else if (n == "pipe" || n == "pipe2") {
    r = k_->pipe2(t, n == "pipe2" ? static_cast<int>(arg(2)) : 0);
    if (r.ret == 0) o.new_fds = {r.fds[0], r.fds[1]};
  } else if (n == "socketpair") {
    r = k_->socketpair(t, kSOCK_NONBLOCK);
    if (r.ret == 0) o.new_fds = {r.fds[0], r.fds[1]};
  } else if (n == "eventfd") {
    r = k_->eventfd2(t, static_cast<unsigned>(arg(0)), static_cast<int>(arg(1)));
  } else if (n == "tcp_listen") {
    r = k_->tcp_listen(t, static_cast<int>(v.empty() ? 128 : arg(0)), kSOCK_NONBLOCK);
  } else if (n == "tcp_connect") {
    r = k_->tcp_connect(t, static_cast<int>(arg(0)), kSOCK_NONBLOCK);
  } else if (n == "accept") {
    r = k_->accept4(t, static_cast<int>(arg(0)), kSOCK_NONBLOCK);
  } else if (n == "write") {
    uint64_t first8 = Kernel::kFiller8;
    if (c.has_text) {
      first8 = 0;
      for (std::size_t i = 0; i < 8 && i < c.text.size(); ++i)
        first8 |= static_cast<uint64_t>(static_cast<unsigned char>(c.text[i])) << (8 * i);
    }
    r = k_->write(t, static_cast<int>(arg(0)), static_cast<std::size_t>(arg(1)), first8);
  } else if (n == "read") {
    r = k_->read(t, static_cast<int>(arg(0)), static_cast<std::size_t>(arg(1)));
  } else if (n == "send") {
    r = k_->send(t, static_cast<int>(arg(0)), static_cast<std::size_t>(arg(1)),
                 static_cast<int>(arg(2)));
  } else if (n == "recv") {
    r = k_->recv(t, static_cast<int>(arg(0)), static_cast<std::size_t>(arg(1)),
                 static_cast<int>(arg(2)));
  } else if (n == "eventfd_write") {
    r = k_->eventfd_write(t, static_cast<int>(arg(0)), static_cast<uint64_t>(arg(1)));
    if (r.ret == 8) r.ret = 0;  // glibc's eventfd_write returns 0
  } else if (n == "eventfd_read") {
    // The value read from an eventfd; from any other file (whose bytes the model does not keep)
    // the count read, as the live backend reports it too.
    const File* f = k_->file_at(static_cast<int>(arg(0)));
    const bool counter = f && f->kind == FileKind::kEventFd;
    r = k_->eventfd_read(t, static_cast<int>(arg(0)));
    if (r.ret == 8 && counter) r.ret = static_cast<long>(r.value);
  } else if (n == "shutdown") {
    r = k_->shutdown(t, static_cast<int>(arg(0)), static_cast<int>(arg(1)));
  } else if (n == "close") {
    r = k_->close(t, static_cast<int>(arg(0)));
  } else if (n == "dup") {
    r = k_->dup(t, static_cast<int>(arg(0)));
  } else if (n == "dup2") {
    r = k_->dup2(t, static_cast<int>(arg(0)), static_cast<int>(arg(1)));
  } else if (n == "open_regular") {
    r = k_->open_regular(t, "regular file");
  } else if (n == "setrlimit_nofile") {
    r = k_->setrlimit_nofile(t, static_cast<long>(arg(0)));
  } else if (n == "sleep") {
    k_->advance_clock_to(k_->now_ns() + arg(0) * 1000000);
    r = SysResult::value_of(0);
  } else {
    r = SysResult::error(kEINVAL);
  }

  // The main thread waits for its own call: let time run to that call's deadline.
  if (r.blocked && c.thread == "main" && t.deadline_ns) {
    k_->advance_clock_to(*t.deadline_ns);
    for (auto& done : k_->take_completions()) {
      if (done.task == t.id) {
        r = done.result;
      } else {
        pending_.push_back(ThreadOutcome{thread_of_task_[done.task], outcome_of(done.result)});
      }
    }
  }
  Outcome out = outcome_of(r);
  out.new_fds = o.new_fds;
  const bool returns_fd = n == "epoll_create" || n == "epoll_create1" || n == "eventfd" ||
                          n == "tcp_listen" || n == "tcp_connect" || n == "accept" || n == "dup" ||
                          n == "dup2" || n == "open_regular";
  if (returns_fd && !out.blocked && out.ret >= 0) out.new_fds = {static_cast<int>(out.ret)};
  return out;
}

std::vector<ThreadOutcome> ModelBackend::take_completions() {
  std::vector<ThreadOutcome> out = std::move(pending_);
  pending_.clear();
  for (auto& done : k_->take_completions()) {
    Outcome o = outcome_of(done.result);
    const std::string& call = done.call;
    if (call.rfind("eventfd_read", 0) == 0 && o.ret == 8)
      o.ret = static_cast<long>(done.result.value);
    if (call.rfind("eventfd_write", 0) == 0 && o.ret == 8) o.ret = 0;
    if (call.rfind("accept", 0) == 0 && o.ret >= 0) o.new_fds = {static_cast<int>(o.ret)};
    out.push_back(ThreadOutcome{thread_of_task_[done.task], std::move(o)});
  }
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

}  // namespace epollscope::sim::script
