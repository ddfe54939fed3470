// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/events_array.h"

#include <map>
#include <string_view>

#include "driver/backend.h"
#include "sim/script/calls.h"
#include "sim/uapi.h"

namespace epollscope::app {
namespace {

using sim::script::Statement;

bool harvests(sim::script::CallId call) {
  return sim::script::call_spec(call).result == sim::script::ResultKind::kEvents;
}

// The value of argument `name` of a call statement as written (its fallback when left out);
// `fds` resolves an fd name.
int64_t argument(const Statement& st, std::string_view name, const std::map<std::string, int>& fds,
                 bool* known) {
  const auto& spec = sim::script::call_spec(st.call);
  *known = false;
  for (std::size_t i = 0; i < spec.args.size() && i < st.placed.size(); ++i) {
    if (std::string_view(spec.args[i].name) != name) continue;
    if (st.placed[i] < 0) {
      *known = spec.args[i].fallback_from_arg < 0;
      return spec.args[i].fallback;
    }
    const sim::script::Arg& a = st.args[static_cast<std::size_t>(st.placed[i])];
    if (a.kind == sim::script::Arg::Kind::kName) {
      auto it = fds.find(a.name);
      *known = it != fds.end();
      return *known ? it->second : 0;
    }
    *known = a.kind == sim::script::Arg::Kind::kNumber;
    return a.number;
  }
  return 0;
}

// The script's names of fds, as the statements up to `end` on the model bound them.
struct Names {
  std::map<std::string, int> fd_of;
  std::map<int, std::string> name_of;
  void bind(const std::string& name, int fd) {
    if (auto old = fd_of.find(name); old != fd_of.end()) name_of.erase(old->second);
    fd_of[name] = fd;
    name_of[fd] = name;
  }
  void unbind_fd(int fd) {
    if (auto it = name_of.find(fd); it != name_of.end()) {
      fd_of.erase(it->second);
      name_of.erase(it);
    }
  }
};

Names names_up_to(const Session& s, std::size_t end) {
  Names n;
  const auto& sts = s.statements();
  for (std::size_t i = 0; i < end && i < sts.size(); ++i) {
    const driver::StatementResult& r = sts[i].result;
    if (r.backends.empty() || !r.backends[0].ran || !r.statement) continue;
    const Statement& st = *r.statement;
    if (st.kind != Statement::Kind::kCall) continue;
    const driver::Outcome& o = r.backends[0].outcome;
    if (o.blocked || o.ret < 0) continue;
    if (st.call == sim::script::CallId::kClose) {
      bool known = false;
      const int64_t fd = argument(st, "fd", n.fd_of, &known);
      if (known) n.unbind_fd(static_cast<int>(fd));
      continue;
    }
    if (o.new_fds.size() == 2) {
      // pipe(rfd, wfd), socketpair(a, b): the output arguments are the last two names written.
      std::vector<std::string> outs;
      for (const sim::script::Arg& a : st.args)
        if (a.kind == sim::script::Arg::Kind::kName) outs.push_back(a.name);
      if (outs.size() >= 2) {
        for (std::size_t k = 0; k < 2; ++k) {
          n.unbind_fd(o.new_fds[k]);
          n.bind(outs[outs.size() - 2 + k], o.new_fds[k]);
        }
      }
    } else if (!st.assign.empty() &&
               sim::script::call_spec(st.call).result == sim::script::ResultKind::kFd) {
      n.unbind_fd(static_cast<int>(o.ret));
      n.bind(st.assign, static_cast<int>(o.ret));
    }
  }
  return n;
}

}  // namespace

EventsArray events_array(const Session& s, std::size_t answered) {
  EventsArray a;
  const auto& sts = s.statements();
  std::size_t found = sts.size();
  for (std::size_t i = std::min(answered, sts.size()); i-- > 0;) {
    const driver::StatementResult& r = sts[i].result;
    if (!r.statement || !harvests(r.call) || r.backends.empty() || !r.backends[0].ran) continue;
    found = i;
    break;
  }
  if (found == sts.size()) return a;
  const driver::StatementResult& r = sts[found].result;
  const Statement& st = *r.statement;
  a.statement = found;
  a.line = st.loc.line;
  a.thread = st.thread;
  const driver::Outcome& o = r.backends[0].outcome;
  a.result = driver::describe_outcome(o, r.call);
  const Names names = names_up_to(s, found);
  // The call itself: this statement, or for a thread's result the statement it slept in.
  const Statement* call = &st;
  if (st.kind == Statement::Kind::kThreadResult) {
    call = nullptr;
    for (std::size_t i = found; i-- > 0;) {
      const Statement* c = sts[i].result.statement;
      if (c && c->kind == Statement::Kind::kCall && c->thread == st.thread && harvests(c->call)) {
        call = c;
        break;
      }
    }
  }
  if (call) {
    a.call = call->source;
    bool known = false;
    const int64_t n = argument(*call, "maxevents", names.fd_of, &known);
    a.maxevents = known ? static_cast<long>(n) : 0;
  }
  if (o.blocked) {
    a.state = EventsArray::State::kSleeping;
    return a;
  }
  if (o.ret < 0) {
    a.state = EventsArray::State::kError;
    return a;
  }
  a.state = EventsArray::State::kFilled;
  // The kernel's name of each entry's file: the epitem holding that data, in the state after the
  // call (on the epoll it waited on when that is known).
  const sim::Snapshot& after = s.snapshot_after(sts[found].end_step);
  bool ep_known = false;
  const int64_t epfd = call ? argument(*call, "ep", names.fd_of, &ep_known) : 0;
  const sim::FileView* ep_file = ep_known ? after.file_of_fd(static_cast<int>(epfd)) : nullptr;
  for (const sim::EpollEvent& e : o.events) {
    EventsArray::Entry entry;
    entry.data = e.data;
    entry.events = e.events;
    entry.mask = sim::mask_to_c_names(e.events);
    if (e.data <= static_cast<uint64_t>(INT32_MAX))
      if (auto it = names.name_of.find(static_cast<int>(e.data)); it != names.name_of.end())
        entry.script_name = it->second;
    for (const auto& item : after.items) {
      if (!item || item->data != e.data) continue;
      if (ep_file && ep_file->epoll != 0 && item->ep != ep_file->epoll) continue;
      if (const sim::FileView* f = after.file(item->file))
        entry.kernel_name = f->label + ", fd " + std::to_string(item->fd);
      break;
    }
    a.entries.push_back(std::move(entry));
  }
  return a;
}

}  // namespace epollscope::app
