// SPDX-License-Identifier: GPL-2.0-only
#include "driver/runner.h"

#include <algorithm>

#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::driver {
namespace {

using sim::cat;
using sim::script::Arg;
using sim::script::ArgKind;
using sim::script::CallSpec;
using sim::script::Expectation;
using sim::script::ExpectedEvent;
using sim::script::Statement;

std::string fdinfo_text(const std::vector<FdinfoEntry>& entries) {
  if (entries.empty()) return "(empty)";
  std::string out;
  for (const auto& e : entries)
    out += cat(out.empty() ? "" : ", ", "tfd ", e.tfd, " events ", sim::hex(e.events), " data ",
               e.data);
  return out;
}

std::vector<ThreadOutcome> sorted(std::vector<ThreadOutcome> v) {
  std::stable_sort(v.begin(), v.end(), [](const ThreadOutcome& a, const ThreadOutcome& b) {
    return a.thread < b.thread;
  });
  return v;
}

bool is_epoll_ctl_add(const Statement& st) {
  if (st.kind != Statement::Kind::kCall || st.call != CallId::kEpollCtl) return false;
  const int op = st.placed.size() > 1 ? st.placed[1] : -1;
  return op >= 0 && st.args[static_cast<std::size_t>(op)].kind == Arg::Kind::kNumber &&
         st.args[static_cast<std::size_t>(op)].number == sim::kEPOLL_CTL_ADD;
}

}  // namespace

Runner::Runner(const sim::script::Scenario& scenario, std::vector<Backend*> backends)
    : scenario_(scenario), backends_(std::move(backends)), state_(backends_.size()) {
  find_raced_threads();
}

bool Runner::start(std::string* error) {
  for (Backend* b : backends_) {
    std::string e;
    if (!b->start(&e)) {
      *error = cat(b->name(), ": ", e);
      return false;
    }
  }
  return true;
}

void Runner::stop() {
  for (Backend* b : backends_)
    b->stop();
}

const StatementResult& Runner::step() {
  const Statement& st = scenario_.statements[next_++];
  StatementResult out;
  out.statement = &st;
  out.call = st.call;
  out.backends.resize(backends_.size());
  if (st.kind == Statement::Kind::kThreadResult)
    run_thread_result(st, out);
  else
    run_call(st, out);
  if (backends_.size() > 1) compare(st, out);
  divergences_ += static_cast<int>(out.divergences.size());
  approximations_ += static_cast<int>(out.approximations.size());
  for (const auto& r : out.backends)
    failed_ += static_cast<int>(r.failed.size());
  results_.push_back(std::move(out));
  return results_.back();
}

// Fills one value per argument of the call's spec: the written argument, the fd a name stands
// for on this backend, or the fallback of an omitted one.
bool Runner::resolve(const Statement& st, std::size_t b, ResolvedCall& rc,
                     std::string* error) const {
  const CallSpec& spec = sim::script::call_spec(st.call);
  rc.statement = &st;
  rc.thread = st.thread;
  rc.call = st.call;
  if (st.during) {
    const Arg& a = st.during->epoll;
    int epfd = static_cast<int>(a.number);
    if (a.kind == Arg::Kind::kName) {
      auto it = state_[b].names.find(a.name);
      if (it == state_[b].names.end()) {
        *error = cat("'", a.name, "' has no fd on the ", backends_[b]->name(),
                     ": the call that defined it failed");
        return false;
      }
      epfd = it->second;
    }
    if (!state_[b].epolls.count(epfd)) {
      *error = cat("'", a.text, "' is not an epoll: a call during ep_send_events needs the epoll ",
                   "whose harvest it falls into");
      return false;
    }
    rc.during_epfd = epfd;
    rc.during_after_items = st.during->after_items;
  }
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    int64_t value = 0;
    bool null = false;
    const int at = i < st.placed.size() ? st.placed[i] : -1;
    if (at < 0) {
      const int from = spec.args[i].fallback_from_arg;
      value = from >= 0 ? rc.values[static_cast<std::size_t>(from)] : spec.args[i].fallback;
    } else {
      const Arg& a = st.args[static_cast<std::size_t>(at)];
      const ArgKind kind = spec.args[i].kind;
      if (a.kind == Arg::Kind::kNumber) {
        value = a.number;
      } else if (a.kind == Arg::Kind::kNull) {
        null = true;
      } else if (a.kind == Arg::Kind::kBadPtr) {
        null = true;  // a pointer given by its address, as NULL is, but one that faults
        value = sim::script::kBadPointer;
      } else if (a.kind == Arg::Kind::kString) {
        rc.text = a.name;
        rc.has_text = true;
        value = static_cast<int64_t>(a.name.size());
      } else if (kind == ArgKind::kNewFd || kind == ArgKind::kBuffer) {
        value = 0;
      } else if (a.kind == Arg::Kind::kList) {
        std::vector<ResolvedCall::Item> items;
        for (const sim::script::ListItem& item : st.items(a)) {
          if (item.all) {
            // Every fd the name was bound to, in order; none when every call binding it failed.
            if (auto it = state_[b].bindings.find(item.name); it != state_[b].bindings.end())
              for (int fd : it->second)
                items.push_back({fd, item.events});
            continue;
          }
          int64_t fd = item.fd;
          if (!item.name.empty()) {
            auto it = state_[b].names.find(item.name);
            if (it == state_[b].names.end()) {
              *error = cat("'", item.name, "' has no fd on the ", backends_[b]->name(),
                           ": the call that defined it failed");
              return false;
            }
            fd = it->second;
          }
          items.push_back({fd, item.events});
        }
        value = static_cast<int64_t>(items.size());
        rc.lists.resize(spec.args.size());
        rc.lists[i] = std::move(items);
      } else {
        auto it = state_[b].names.find(a.name);
        if (it == state_[b].names.end()) {
          *error = cat("'", a.name, "' has no fd on the ", backends_[b]->name(),
                       ": the call that defined it failed");
          return false;
        }
        value = it->second;
      }
    }
    rc.values.push_back(value);
    rc.is_null.push_back(null);
  }
  return true;
}

void Runner::run_call(const Statement& st, StatementResult& out) {
  ++calls_;
  const CallSpec& spec = sim::script::call_spec(st.call);
  const bool is_add = is_epoll_ctl_add(st);
  // Backends that learn the tree order go last, after one that knows it has done the ADD.
  std::vector<std::size_t> order;
  for (std::size_t b = 0; b < backends_.size(); ++b)
    if (!backends_[b]->learns_tree_order()) order.push_back(b);
  for (std::size_t b = 0; b < backends_.size(); ++b)
    if (backends_[b]->learns_tree_order()) order.push_back(b);
  std::vector<FdinfoEntry> order_after_add;
  bool have_order = false;

  for (std::size_t b : order) {
    BackendState& bs = state_[b];
    BackendResult& r = out.backends[b];
    ThreadState& ts = bs.threads[st.thread];
    if (ts.blocked) {
      out.error =
          cat("thread ", st.thread, " is still sleeping in ", sim::script::call_name(ts.call), " (",
              backends_[b]->name(), "); it cannot make another call");
      continue;
    }
    ResolvedCall rc;
    if (!resolve(st, b, rc, &out.error)) continue;

    if (backends_[b]->learns_tree_order() && is_add && have_order)
      backends_[b]->learn_tree_order(static_cast<int>(rc.values[0]), static_cast<int>(rc.values[2]),
                                     order_after_add);
    bs.epitems_before = backends_[b]->epitems();
    const CallResult raw = backends_[b]->perform(rc);
    const Outcome o = normalise(st.call, raw);
    r.approximate = raw.approximate;
    const long epitems_after = backends_[b]->epitems();
    bs.removed_items = bs.epitems_before >= 0 && epitems_after < bs.epitems_before;
    if (!backends_[b]->learns_tree_order() && is_add && !o.blocked && o.ret == 0) {
      order_after_add = backends_[b]->fdinfo(static_cast<int>(rc.values[0]));
      have_order = true;
    }
    r.ran = true;
    r.outcome = o;

    // Bind the names this call defines: its output arguments, then `name = call(...)`.
    if (!o.blocked && o.ret >= 0) {
      auto bind = [&bs](const std::string& name, int fd) {
        bs.names[name] = fd;
        bs.bindings[name].push_back(fd);
      };
      std::size_t next_fd = 0;
      for (std::size_t i = 0; i < spec.args.size(); ++i)
        if (spec.args[i].kind == ArgKind::kNewFd && st.placed[i] >= 0 && next_fd < o.new_fds.size())
          bind(st.args[static_cast<std::size_t>(st.placed[i])].name, o.new_fds[next_fd++]);
      if (!st.assign.empty() && !o.new_fds.empty()) bind(st.assign, o.new_fds[0]);
      if (spec.creates_epoll && !o.new_fds.empty()) bs.epolls.insert(o.new_fds[0]);
    }
    ts.call = st.call;
    ts.blocked = o.blocked;
    collect_completions(b, r);
    check_expectation(st, b, st.call, o, r);
  }
}

void Runner::run_thread_result(const Statement& st, StatementResult& out) {
  for (std::size_t b = 0; b < backends_.size(); ++b) {
    BackendState& bs = state_[b];
    BackendResult& r = out.backends[b];
    collect_completions(b, r);
    const ThreadState& ts = bs.threads[st.thread];
    out.call = ts.call;
    Outcome o;
    if (ts.blocked) {
      o.blocked = true;
    } else if (ts.has_result) {
      o = ts.last;
    } else {
      out.error = cat("thread ", st.thread, " has no call that slept and finished");
      continue;
    }
    r.ran = true;
    r.outcome = o;
    check_expectation(st, b, ts.call, o, r);
  }
}

// Sleeping calls that finished: their threads are free again and remember the result.
void Runner::collect_completions(std::size_t b, BackendResult& r) {
  for (auto& done : backends_[b]->take_completions()) {
    ThreadState& ts = state_[b].threads[done.thread];
    const Outcome o = normalise(ts.call, done.result);
    ts.blocked = false;
    ts.has_result = true;
    ts.last = o;
    r.completions.push_back(ThreadOutcome{done.thread, ts.call, o});
  }
}

// Whether `o` is the outcome one alternative of an expectation describes; `why` says what kept a
// list of events from being compared (a name without an fd on this backend).
bool Runner::holds(const Expectation& e, std::size_t b, const Outcome& o, std::string* why) const {
  switch (e.kind) {
    case Expectation::Kind::kNone:
      return true;
    case Expectation::Kind::kBlocks:
      return o.blocked;
    case Expectation::Kind::kValue:
      return !o.blocked && o.ret == e.value;
    case Expectation::Kind::kError:
      return !o.blocked && o.ret == -1 && o.err == e.err;
    case Expectation::Kind::kEvents: {
      if (o.blocked || o.ret < 0 || o.events.size() != e.events.size()) return false;
      for (std::size_t i = 0; i < e.events.size(); ++i) {
        const ExpectedEvent& want = e.events[i];
        int64_t data = want.data;
        if (!want.name.empty()) {
          auto it = state_[b].names.find(want.name);
          if (it == state_[b].names.end()) {
            *why = cat("'", want.name, "' has no fd");
            return false;
          }
          data = it->second;
        }
        if (o.events[i].data != static_cast<uint64_t>(data) || o.events[i].events != want.events)
          return false;
      }
      return true;
    }
  }
  return false;
}

// The expectation holds when one of its alternatives does; the first that holds is remembered.
void Runner::check_expectation(const Statement& st, std::size_t b, CallId call, const Outcome& o,
                               BackendResult& r) {
  const Expectation& e = st.expect;
  if (e.kind == Expectation::Kind::kNone) return;
  std::string why;
  for (std::size_t i = 0; i < e.count(); ++i)
    if (holds(e.alternative(i), b, o, &why)) {
      r.alternative = static_cast<int>(i);
      return;
    }
  r.failed.push_back(cat("expected ", e.all_text(), ", ", backends_[b]->name(), " gave ",
                         describe_outcome(o, call), why.empty() ? "" : " (" + why + ")"));
}

void Runner::compare(const Statement& st, StatementResult& out) {
  const std::size_t ref = 0;
  if (!out.backends[ref].ran) return;
  const CallSpec& spec = sim::script::call_spec(out.call);
  const std::size_t first_divergence = out.divergences.size();
  // Threads whose next statement lists alternatives: when they finish is the race's to decide.
  const auto raced = raced_.find(next_ - 1);
  auto unraced = [&](std::vector<ThreadOutcome> v) {
    if (raced != raced_.end())
      std::erase_if(v, [&](const ThreadOutcome& c) { return raced->second.count(c.thread) > 0; });
    return sorted(std::move(v));
  };
  for (std::size_t b = 1; b < backends_.size(); ++b) {
    if (!out.backends[b].ran) continue;
    const Outcome& x = out.backends[ref].outcome;
    const Outcome& y = out.backends[b].outcome;
    // A count (or EAGAIN where the other has a count) that a backend marked approximate: the same
    // call otherwise, so it is reported apart.
    auto count_like = [](const Outcome& o) {
      return !o.blocked && (o.ret >= 0 || o.err == sim::kEAGAIN);
    };
    const int ax = out.backends[ref].alternative, ay = out.backends[b].alternative;
    if (!(x == y) && (out.backends[ref].approximate || out.backends[b].approximate) &&
        count_like(x) && count_like(y) && x.events == y.events && x.new_fds == y.new_fds)
      out.approximations.push_back(cat(backends_[ref]->name(), " ", describe_outcome(x, out.call),
                                       "; ", backends_[b]->name(), " ",
                                       describe_outcome(y, out.call)));
    else if (!(x == y) && st.expect.has_alternatives() && ax >= 0 && ay >= 0 && ax != ay)
      out.other_path = true;  // both listed: the race went the other way on this backend
    else if (!(x == y))
      out.divergences.push_back(cat(backends_[ref]->name(), " ", describe_outcome(x, out.call),
                                    "; ", backends_[b]->name(), " ",
                                    describe_outcome(y, out.call)));
    auto cx = unraced(out.backends[ref].completions), cy = unraced(out.backends[b].completions);
    if (cx != cy) {
      auto list = [](const std::vector<ThreadOutcome>& v) {
        std::string s;
        for (const auto& c : v)
          s += cat(s.empty() ? "" : ", ", c.thread, " returned ",
                   describe_outcome(c.outcome, c.call));
        return s.empty() ? std::string("none") : s;
      };
      out.divergences.push_back(cat("threads that finished: ", backends_[ref]->name(), " ",
                                    list(cx), "; ", backends_[b]->name(), " ", list(cy)));
    }
    if (st.kind != Statement::Kind::kCall || !spec.changes_interest_lists) continue;
    // A call that failed the same way on both changed no interest list (a failed epoll_ctl, close
    // or dup2 leaves them as they were, in the kernel and in the model alike).
    if (x == y && !x.blocked && x.ret == -1) continue;
    // A close or dup2 that released no watched file where that can be told (no epitem went away
    // in the model) changed no interest list; had the kernel's lists differed, an earlier
    // comparison would have shown it, and a later one will.
    if (st.call != CallId::kEpollCtl) {
      bool told = false, removed = false;
      for (const auto& s : state_) {
        told |= s.epitems_before >= 0;
        removed |= s.removed_items;
      }
      if (told && !removed) continue;
    }
    // epoll_ctl changes one interest list; a close or dup2 may drop items from any of them.
    std::set<int> epolls;
    if (st.call == CallId::kEpollCtl && !st.args.empty()) {
      const Arg& ep = st.args[0];
      auto it = state_[ref].names.find(ep.name);
      if (ep.kind == Arg::Kind::kNumber)
        epolls.insert(static_cast<int>(ep.number));
      else if (it != state_[ref].names.end())
        epolls.insert(it->second);
    } else {
      epolls = state_[ref].epolls;
      epolls.insert(state_[b].epolls.begin(), state_[b].epolls.end());
    }
    for (int epfd : epolls) {
      auto fx = backends_[ref]->fdinfo(epfd), fy = backends_[b]->fdinfo(epfd);
      if (fx != fy)
        out.divergences.push_back(cat("fdinfo of epoll fd ", epfd, ": ", backends_[ref]->name(),
                                      " ", fdinfo_text(fx), "; ", backends_[b]->name(), " ",
                                      fdinfo_text(fy)));
    }
  }
  // Once a race went another way on the kernel, the two histories differ: a later difference is
  // still a divergence (what follows a race must not depend on its path, or list alternatives
  // again), and says where the paths parted.
  if (parted_line_ > 0)
    for (std::size_t i = first_divergence; i < out.divergences.size(); ++i)
      out.divergences[i] += cat(" (the paths parted at line ", parted_line_,
                                ", where the kernel took another listed outcome)");
  if (out.other_path && parted_line_ == 0) parted_line_ = st.loc.line;
}

// For each statement, the threads whose next statement (this one or a later one) is a thread
// result that lists alternatives.
void Runner::find_raced_threads() {
  std::map<std::string, bool> next_is_raced;  // thread -> its next statement lists alternatives
  for (std::size_t i = scenario_.statements.size(); i-- > 0;) {
    const Statement& st = scenario_.statements[i];
    next_is_raced[st.thread] =
        st.kind == Statement::Kind::kThreadResult && st.expect.has_alternatives();
    for (const auto& [thread, is_raced] : next_is_raced)
      if (is_raced) raced_[i].insert(thread);
  }
}

}  // namespace epollscope::driver
