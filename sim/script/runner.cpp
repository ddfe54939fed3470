#include "sim/script/runner.h"

#include <algorithm>

#include "sim/script/calls.h"
#include "sim/script/model_backend.h"
#include "sim/strings.h"

namespace epollscope::sim::script {
namespace {

// The argument kinds of a statement as written (epoll_wait's buffer argument is optional).
std::vector<ArgKind> arg_kinds(const Statement& st) {
  const CallSpec* spec = find_call(st.call);
  if (!spec) return {};
  std::vector<ArgKind> kinds = spec->args;
  if (st.call == "epoll_wait" && st.args.size() == 3) kinds.erase(kinds.begin() + 1);
  kinds.resize(st.args.size());
  return kinds;
}

bool changes_interest_lists(const std::string& call) {
  return call == "epoll_ctl" || call == "close" || call == "dup2";
}

std::string fdinfo_text(const std::vector<FdinfoEntry>& entries) {
  if (entries.empty()) return "(empty)";
  std::string out;
  for (const auto& e : entries)
    out += cat(out.empty() ? "" : ", ", "tfd ", e.tfd, " events ", hex(e.events), " data ", e.data);
  return out;
}

std::vector<ThreadOutcome> sorted(std::vector<ThreadOutcome> v) {
  std::stable_sort(v.begin(), v.end(), [](const ThreadOutcome& a, const ThreadOutcome& b) {
    return a.thread < b.thread;
  });
  return v;
}

}  // namespace

Runner::Runner(const Scenario& scenario, std::vector<Backend*> backends)
    : scenario_(scenario), backends_(std::move(backends)), state_(backends_.size()) {
  for (Backend* b : backends_)
    if (auto* m = dynamic_cast<ModelBackend*>(b)) model_ = m;
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
  out.backends.resize(backends_.size());
  if (st.kind == Statement::Kind::kThreadResult)
    run_thread_result(st, out);
  else
    run_call(st, out);
  if (backends_.size() > 1) compare(st, out);
  divergences_ += static_cast<int>(out.divergences.size());
  for (const auto& r : out.backends)
    failed_ += static_cast<int>(r.failed.size());
  results_.push_back(std::move(out));
  return results_.back();
}

void Runner::run_call(const Statement& st, StatementResult& out) {
  ++calls_;
  const std::vector<ArgKind> kinds = arg_kinds(st);
  const bool is_add = st.call == "epoll_ctl" && st.args.size() > 1 &&
                      st.args[1].kind == Arg::Kind::kNumber && st.args[1].number == kEPOLL_CTL_ADD;
  // The kernel goes first, so that the model can learn the kernel's tree order for an ADD.
  std::vector<std::size_t> order;
  for (std::size_t b = 0; b < backends_.size(); ++b)
    if (backends_[b] != model_) order.push_back(b);
  for (std::size_t b = 0; b < backends_.size(); ++b)
    if (backends_[b] == model_) order.push_back(b);
  std::vector<FdinfoEntry> kernel_after_add;
  bool have_kernel_order = false;

  for (std::size_t b : order) {
    BackendState& bs = state_[b];
    BackendResult& r = out.backends[b];
    ThreadState& ts = bs.threads[st.thread];
    if (ts.blocked) {
      out.error = cat("thread ", st.thread, " is still sleeping in ", ts.call, " (",
                      backends_[b]->name(), "); it cannot make another call");
      continue;
    }
    ResolvedCall rc;
    rc.statement = &st;
    rc.thread = st.thread;
    rc.call = st.call;
    bool resolved = true;
    for (std::size_t i = 0; i < st.args.size(); ++i) {
      const Arg& a = st.args[i];
      int64_t value = 0;
      bool null = false;
      if (a.kind == Arg::Kind::kNumber) {
        value = a.number;
      } else if (a.kind == Arg::Kind::kNull) {
        null = true;
      } else if (a.kind == Arg::Kind::kString) {
        rc.text = a.name;
        rc.has_text = true;
        value = static_cast<int64_t>(a.name.size());
      } else if (i < kinds.size() &&
                 (kinds[i] == ArgKind::kNewFd || kinds[i] == ArgKind::kBuffer)) {
        value = 0;
      } else {
        auto it = bs.names.find(a.name);
        if (it == bs.names.end()) {
          out.error = cat("'", a.name, "' has no fd on the ", backends_[b]->name(),
                          ": the call that defined it failed");
          resolved = false;
          break;
        }
        value = it->second;
      }
      rc.values.push_back(value);
      rc.is_null.push_back(null);
    }
    if (!resolved) continue;

    if (backends_[b] == model_ && is_add && have_kernel_order)
      model_->order_like(static_cast<int>(rc.values[0]), static_cast<int>(rc.values[2]),
                         kernel_after_add);
    const std::size_t items_before =
        backends_[b] == model_ ? model_->kernel().epitems_in_use() : 0;
    Outcome o = backends_[b]->perform(rc);
    if (backends_[b] == model_) model_removed_items_ = model_->kernel().epitems_in_use() < items_before;
    if (backends_[b] != model_ && is_add && !o.blocked && o.ret == 0) {
      kernel_after_add = backends_[b]->fdinfo(static_cast<int>(rc.values[0]));
      have_kernel_order = true;
    }
    r.ran = true;
    r.outcome = o;

    // Bind the names this call defines.
    if (!o.blocked && o.ret >= 0) {
      std::size_t next_fd = 0;
      for (std::size_t i = 0; i < st.args.size() && i < kinds.size(); ++i)
        if (kinds[i] == ArgKind::kNewFd && next_fd < o.new_fds.size())
          bs.names[st.args[i].name] = o.new_fds[next_fd++];
      if (!st.assign.empty() && !o.new_fds.empty()) bs.names[st.assign] = o.new_fds[0];
      if ((st.call == "epoll_create" || st.call == "epoll_create1") && !o.new_fds.empty())
        bs.epolls.insert(o.new_fds[0]);
    }
    ts.call = st.call;
    ts.blocked = o.blocked;
    collect_completions(b, r);
    check_expectation(st, b, o, r);
  }
}

void Runner::run_thread_result(const Statement& st, StatementResult& out) {
  for (std::size_t b = 0; b < backends_.size(); ++b) {
    BackendState& bs = state_[b];
    BackendResult& r = out.backends[b];
    collect_completions(b, r);
    const ThreadState& ts = bs.threads[st.thread];
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
    check_expectation(st, b, o, r);
  }
}

// Sleeping calls that finished: their threads are free again and remember the result.
void Runner::collect_completions(std::size_t b, BackendResult& r) {
  r.completions = backends_[b]->take_completions();
  for (const auto& c : r.completions) {
    ThreadState& done = state_[b].threads[c.thread];
    done.blocked = false;
    done.has_result = true;
    done.last = c.outcome;
  }
}

void Runner::check_expectation(const Statement& st, std::size_t b, const Outcome& o,
                               BackendResult& r) {
  const Expectation& e = st.expect;
  const std::string call =
      st.kind == Statement::Kind::kThreadResult ? state_[b].threads[st.thread].call : st.call;
  auto fail = [&](const std::string& why) {
    r.failed.push_back(cat("expected ", e.text, ", ", backends_[b]->name(), " gave ",
                           describe_outcome(o, call), why.empty() ? "" : " (" + why + ")"));
  };
  switch (e.kind) {
    case Expectation::Kind::kNone:
      return;
    case Expectation::Kind::kBlocks:
      if (!o.blocked) fail("");
      return;
    case Expectation::Kind::kValue:
      if (o.blocked || o.ret != e.value) fail("");
      return;
    case Expectation::Kind::kError:
      if (o.blocked || o.ret != -1 || o.err != e.err) fail("");
      return;
    case Expectation::Kind::kEvents: {
      if (o.blocked || o.ret < 0 || o.events.size() != e.events.size()) {
        fail("");
        return;
      }
      for (std::size_t i = 0; i < e.events.size(); ++i) {
        const ExpectedEvent& want = e.events[i];
        int64_t data = want.data;
        if (!want.name.empty()) {
          auto it = state_[b].names.find(want.name);
          if (it == state_[b].names.end()) {
            fail(cat("'", want.name, "' has no fd"));
            return;
          }
          data = it->second;
        }
        if (o.events[i].data != static_cast<uint64_t>(data) || o.events[i].events != want.events) {
          fail("");
          return;
        }
      }
      return;
    }
  }
}

void Runner::compare(const Statement& st, StatementResult& out) {
  const std::size_t ref = 0;
  if (!out.backends[ref].ran) return;
  const std::string call =
      st.kind == Statement::Kind::kThreadResult ? state_[ref].threads[st.thread].call : st.call;
  for (std::size_t b = 1; b < backends_.size(); ++b) {
    if (!out.backends[b].ran) continue;
    const Outcome& x = out.backends[ref].outcome;
    const Outcome& y = out.backends[b].outcome;
    if (!(x == y))
      out.divergences.push_back(cat(backends_[ref]->name(), " ", describe_outcome(x, call), "; ",
                                    backends_[b]->name(), " ", describe_outcome(y, call)));
    auto cx = sorted(out.backends[ref].completions), cy = sorted(out.backends[b].completions);
    if (cx != cy) {
      auto list = [](const std::vector<ThreadOutcome>& v) {
        std::string s;
        for (const auto& c : v)
          s += cat(s.empty() ? "" : ", ", c.thread, " returned ",
                   describe_outcome(c.outcome, "epoll_wait"));
        return s.empty() ? std::string("none") : s;
      };
      out.divergences.push_back(cat("threads that finished: ", backends_[ref]->name(), " ",
                                    list(cx), "; ", backends_[b]->name(), " ", list(cy)));
    }
    // A call that failed the same way on both changed no interest list (a failed epoll_ctl, close
    // or dup2 leaves them as they were, in the kernel and in the model alike).
    const bool both_failed = x == y && !x.blocked && x.ret == -1;
    // A close or dup2 that released no watched file in the model (no epitem went away) changed no
    // interest list there; had the kernel's lists differed, an earlier comparison would have
    // shown it, and a later one will.
    const bool no_release = model_ && st.call != "epoll_ctl" && !model_removed_items_;
    if (st.kind == Statement::Kind::kCall && changes_interest_lists(st.call) && !both_failed &&
        !no_release) {
      // epoll_ctl changes one interest list; a close or dup2 may drop items from any of them.
      std::set<int> epolls;
      if (st.call == "epoll_ctl" && !st.args.empty()) {
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
  }
}

}  // namespace epollscope::sim::script
