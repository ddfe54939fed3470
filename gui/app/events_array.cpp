// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/events_array.h"

#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <unordered_set>

#include "driver/backend.h"
#include "sim/script/calls.h"
#include "sim/uapi.h"

namespace epollscope::app {
namespace {

// A statement's text without its expectation (`=> ...`, `?=> ...`): the call as the program makes
// it. (A twin of compare mode keeps the original's text, whose expectation is not its own.)
std::string without_expectation(const std::string& source) {
  bool quoted = false;
  for (std::size_t i = 0; i + 1 < source.size(); ++i) {
    if (source[i] == '"' && (i == 0 || source[i - 1] != '\\')) quoted = !quoted;
    if (quoted || source[i] != '=' || source[i + 1] != '>') continue;
    std::size_t end = i > 0 && source[i - 1] == '?' ? i - 1 : i;
    while (end > 0 && (source[end - 1] == ' ' || source[end - 1] == '\t'))
      --end;
    return source.substr(0, end);
  }
  return source;
}

using sim::script::Statement;

bool harvests(sim::script::CallId call) {
  return sim::script::harvests_epoll(call);
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

// The fds and names a statement binds (`x = call(...)`: the new fd; `pipe(r, w)`: the two new
// fds, the last two names written) or unbinds (`close(x)`), on the model.
struct Binding {
  std::string_view bound_name[2];
  int bound_fd[2] = {-1, -1};
  int bound = 0;
  std::string_view closed_name;  // close(x)
  int closed_fd = -1;            // close(5)
};

Binding binding_of(const driver::StatementResult& r) {
  Binding b;
  if (r.backends.empty() || !r.backends[0].ran || !r.statement) return b;
  const Statement& st = *r.statement;
  if (st.kind != Statement::Kind::kCall) return b;
  const driver::Outcome& o = r.backends[0].outcome;
  if (o.blocked || o.ret < 0) return b;
  if (st.call == sim::script::CallId::kClose) {
    for (const sim::script::Arg& a : st.args) {
      if (a.kind == sim::script::Arg::Kind::kName) b.closed_name = a.name;
      if (a.kind == sim::script::Arg::Kind::kNumber) b.closed_fd = static_cast<int>(a.number);
    }
    return b;
  }
  if (o.new_fds.size() == 2) {
    // pipe(r, w), socketpair(a, b): the output arguments are the last two names written.
    std::string_view last[2];
    int names = 0;
    for (const sim::script::Arg& a : st.args)
      if (a.kind == sim::script::Arg::Kind::kName) {
        last[0] = last[1];
        last[1] = a.name;
        ++names;
      }
    if (names >= 2)
      for (int k = 0; k < 2; ++k) {
        b.bound_name[k] = last[k];
        b.bound_fd[k] = o.new_fds[static_cast<std::size_t>(k)];
        b.bound = 2;
      }
  } else if (!st.assign.empty() &&
             sim::script::call_spec(st.call).result == sim::script::ResultKind::kFd) {
    b.bound_name[0] = st.assign;
    b.bound_fd[0] = static_cast<int>(o.ret);
    b.bound = 1;
  }
  return b;
}

// What the script's names meant just before statement `end` on the model, for the fds and names
// asked about only: the statements are walked back from `end` until each is settled (the latest
// binding of a name, or of an fd, wins; a close unbinds), so a long set-up costs little when the
// names were bound late, and no map of every fd is built.
struct Names {
  std::map<int, std::string> name_of;  // the fds asked about that have a name
  std::map<std::string, int> fd_of;    // the names asked about that name an open fd
};

Names names_before(const Session& s, std::size_t end, const std::set<int>& fds,
                   const std::set<std::string>& names) {
  Names out;
  std::unordered_set<int> fds_done;
  std::set<std::string_view> names_done, closed;
  std::size_t open_fds = fds.size(), open_names = names.size();
  const auto wanted_name = [&](std::string_view n) { return names.count(std::string(n)) > 0; };
  const auto& sts = s.statements();
  for (std::size_t i = std::min(end, sts.size()); i-- > 0 && (open_fds || open_names);) {
    const Binding b = binding_of(sts[i].result);
    if (!b.closed_name.empty() && names_done.insert(b.closed_name).second) {
      closed.insert(b.closed_name);
      if (wanted_name(b.closed_name)) --open_names;
    }
    if (b.closed_fd >= 0 && fds_done.insert(b.closed_fd).second && fds.count(b.closed_fd))
      --open_fds;
    for (int k = 0; k < b.bound; ++k) {
      const std::string_view name = b.bound_name[k];
      const int fd = b.bound_fd[k];
      const bool name_new = !names_done.count(name), fd_new = !fds_done.count(fd);
      if (name_new && fd_new && fds.count(fd)) out.name_of[fd] = std::string(name);
      // The name's latest binding: the fd it names, unless closed since (or the fd rebound).
      if (name_new && fd_new && !closed.count(name) && wanted_name(name))
        out.fd_of[std::string(name)] = fd;
      if (name_new) {
        names_done.insert(name);
        if (wanted_name(name)) --open_names;
      }
      if (fd_new) {
        fds_done.insert(fd);
        if (fds.count(fd)) --open_fds;
      }
    }
  }
  return out;
}

// The names a call statement's arguments use.
std::set<std::string> names_in(const Statement* call) {
  std::set<std::string> out;
  if (call)
    for (const sim::script::Arg& a : call->args)
      if (a.kind == sim::script::Arg::Kind::kName) out.insert(a.name);
  return out;
}

}  // namespace

std::size_t latest_harvest(const Session& s, std::size_t answered) {
  const auto& sts = s.statements();
  for (std::size_t i = std::min(answered, sts.size()); i-- > 0;) {
    const driver::StatementResult& r = sts[i].result;
    if (r.statement && harvests(r.call) && !r.backends.empty() && r.backends[0].ran) return i;
  }
  return SIZE_MAX;
}

EventsArray events_array(const Session& s, std::size_t answered) {
  return events_array_of(s, latest_harvest(s, answered));
}

const EventsArray& EventsArrayCache::get(const Session& s, std::size_t generation,
                                         std::size_t answered) {
  const std::size_t found = latest_harvest(s, answered);
  if (!valid_ || session_ != &s || generation_ != generation || statement_ != found) {
    array_ = events_array_of(s, found);
    valid_ = true;
    session_ = &s;
    generation_ = generation;
    statement_ = found;
  }
  return array_;
}

EventsArray events_array_of(const Session& s, std::size_t found) {
  EventsArray a;
  const auto& sts = s.statements();
  if (found >= sts.size()) return a;
  const driver::StatementResult& r = sts[found].result;
  const Statement& st = *r.statement;
  a.statement = found;
  a.line = st.loc.line;
  a.thread = st.thread;
  const driver::Outcome& o = r.backends[0].outcome;
  a.result = driver::describe_outcome(o, r.call);
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
  std::set<int> data_fds;
  for (const sim::EpollEvent& e : o.events)
    if (e.data <= static_cast<uint64_t>(INT32_MAX)) data_fds.insert(static_cast<int>(e.data));
  const Names names = names_before(s, found, data_fds, names_in(call));
  if (call) {
    a.call = without_expectation(call->source);
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
  // One pass over the items: the first item of that epoll holding each data value.
  std::map<uint64_t, const sim::EpItemView*> item_of;
  for (const sim::EpollEvent& e : o.events)
    item_of.emplace(e.data, nullptr);
  std::size_t unresolved = item_of.size();
  for (const auto& item : after.items) {
    if (!unresolved) break;
    if (!item || (ep_file && ep_file->epoll != 0 && item->ep != ep_file->epoll)) continue;
    auto it = item_of.find(item->data);
    if (it == item_of.end() || it->second) continue;
    it->second = item.get();
    --unresolved;
  }
  for (const sim::EpollEvent& e : o.events) {
    EventsArray::Entry entry;
    entry.data = e.data;
    entry.events = e.events;
    entry.mask = sim::mask_to_c_names(e.events);
    if (e.data <= static_cast<uint64_t>(INT32_MAX))
      if (auto it = names.name_of.find(static_cast<int>(e.data)); it != names.name_of.end())
        entry.script_name = it->second;
    if (const sim::EpItemView* item = item_of[e.data])
      if (const sim::FileView* f = after.file(item->file))
        entry.kernel_name = f->label + ", fd " + std::to_string(item->fd);
    a.entries.push_back(std::move(entry));
  }
  return a;
}

}  // namespace epollscope::app
