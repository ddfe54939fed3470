// SPDX-License-Identifier: GPL-2.0-only
// driver/backend.h — what runs a scenario's calls: the model (ModelBackend, driver/) or the real
// kernel (LiveBackend and InProcessBackend, live/). The runner drives them through this interface
// in lockstep and compares what they report.
//
// A backend performs a call as the syscall does and reports the raw result (a CallResult: the
// return value, errno, the events, the fds a pipe wrote into its array, the counter an eventfd
// gave). The language's rules — what a call "returns" in a scenario — are applied once, by
// normalise(), from the call's result kind in the one call table (sim/script/calls.h): a new fd is
// bound to a name, eventfd_write's 8 bytes are glibc's 0, eventfd_read's 8 bytes are the counter.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/eventpoll.h"
#include "sim/fdtable.h"
#include "sim/script/calls.h"
#include "sim/script/scenario.h"

namespace epollscope::driver {

using sim::EpollEvent;
using sim::script::CallId;

// A call statement with its arguments resolved for one backend: fd names replaced by that
// backend's fd numbers, one value per argument of the call's spec (an omitted optional argument
// has its fallback, epoll_ctl's data the fd's number).
struct ResolvedCall {
  const sim::script::Statement* statement = nullptr;
  std::string thread = "main";  // "main", "t1", ...
  CallId call = CallId::kEpollWait;
  std::vector<int64_t> values;  // one per argument (0 for NULL, the length for a string)
  std::vector<bool> is_null;    // one per argument: NULL, or BADPTR (its value kBadPointer)
  // The argument is BADPTR, a pointer that faults (sim/script/calls.h, kBadPointer).
  bool faults(std::size_t i) const {
    return i < is_null.size() && is_null[i] && values[i] == sim::script::kBadPointer;
  }
  std::string text;  // the bytes of a "string" argument, if any
  bool has_text = false;
  // A list argument (poll's array, select's sets): its items, fd names resolved; `values` holds
  // the number of items. Indexed like `values`; an argument that is not a list (or a call made
  // without any) has none: use list(i).
  struct Item {
    int64_t fd = 0;
    int64_t events = 0;  // poll's events; 0 in select's sets
    friend bool operator==(const Item&, const Item&) = default;
  };
  std::vector<std::vector<Item>> lists;
  const std::vector<Item>& list(std::size_t i) const {
    static const std::vector<Item> none;
    return i < lists.size() ? lists[i] : none;
  }
  // `during ep_send_events(ep, n)` (model only): the epoll's fd on this backend, -1 when the
  // call is made at once; the call is then made inside that epoll's next harvest, after n items.
  int during_epfd = -1;
  int64_t during_after_items = 1;
};

// What a backend saw one call do, before the language's rules (normalise) apply.
struct CallResult {
  bool blocked = false;             // the calling thread sleeps in it
  long ret = 0;                     // the syscall's return value; -1 on error
  int err = 0;                      // errno when ret == -1
  std::vector<EpollEvent> events;   // epoll_wait's events, in order
  std::vector<int> fds;             // pipe2 / socketpair: the two fds written into the array
  std::optional<uint64_t> counter;  // eventfd_read on an eventfd: the counter value read
  // The model only: a byte count the model documents as approximate (sim::SysResult). Where the
  // backends differ only in such a count, `check` reports it as approximate, not as a divergence.
  bool approximate = false;
};

// What one call did, as a scenario sees it and as the runner compares it.
struct Outcome {
  bool blocked = false;            // the calling thread sleeps in it
  long ret = 0;                    // the return value (the value read, for eventfd_read)
  int err = 0;                     // errno when ret == -1
  std::vector<EpollEvent> events;  // epoll_wait's events, in order
  std::vector<int> new_fds;        // fds created: the assigned fd, or pipe/socketpair's two
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// The language's rules for `call`'s result kind: a backend's raw result as the scenario sees it.
Outcome normalise(CallId call, const CallResult& raw);

// A sleeping call of a thread that finished later: as the backend saw it, and as compared.
struct ThreadResult {
  std::string thread;
  CallResult result;
};
struct ThreadOutcome {
  std::string thread;
  CallId call = CallId::kEpollWait;  // what the thread slept in
  Outcome outcome;
  friend bool operator==(const ThreadOutcome&, const ThreadOutcome&) = default;
};

// One line of /proc/<pid>/fdinfo/<epfd>: an item of the interest list, in rbtree order.
struct FdinfoEntry {
  int tfd = 0;
  uint32_t events = 0;
  uint64_t data = 0;
  friend bool operator==(const FdinfoEntry&, const FdinfoEntry&) = default;
};

// The backend itself failed (the live child could not start, stopped answering, died) — not an
// answer of the kernel, which is always an ordinary CallResult.
class BackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;  // "model", "kernel"
  // The scenario about to run, told before start (a recorded kernel finds its answers by it).
  virtual void set_scenario(const sim::script::Scenario& /*scenario*/) {}
  // Who answers, when it is not this machine's kernel now: "recorded on Linux 6.1.0 (RUN.txt)"
  // (driver/kernel_recording.h); empty otherwise.
  virtual std::string origin() const { return {}; }
  // Prepares a fresh process; false with a reason when the backend cannot run here.
  virtual bool start(std::string* error) = 0;
  // Performs one call; throws BackendError when the backend itself fails.
  virtual CallResult perform(const ResolvedCall& call) = 0;
  // Results of sleeping calls that finished since the last perform (after letting the system
  // settle: wake-ups delivered, loopback segments arrived), in the order they finished.
  virtual std::vector<ThreadResult> take_completions() = 0;
  // The interest list of an epoll fd, in rbtree order; empty when the fd is not an epoll.
  virtual std::vector<FdinfoEntry> fdinfo(int epfd) = 0;
  // Ends the process; every sleeping thread is abandoned.
  virtual void stop() = 0;

  // A model cannot know where the kernel puts a new file in an epoll's tree (the key is the
  // address of its struct file), so it learns it: before an EPOLL_CTL_ADD the runner performs the
  // call on the other backends first and then hands their fdinfo of the epoll to this one.
  virtual bool learns_tree_order() const { return false; }
  virtual void learn_tree_order(int /*epfd*/, int /*tfd*/,
                                const std::vector<FdinfoEntry>& /*kernel_after_add*/) {}
  // How many epitems exist, when the backend can tell (the model can; a kernel cannot: -1).
  virtual long epitems() const { return -1; }
  // A real process's RLIMIT_NOFILE as a scenario finds it (before start is fine) and fs.nr_open;
  // the model is given the same (ModelBackend::set_nofile_limits) so that both start alike.
  virtual std::optional<sim::RlimitNofile> rlimit_nofile() const { return std::nullopt; }
};

// Formats an outcome for people: "1 [4: IN]", "-1 EAGAIN", "blocks", "0 (fds 3, 4)".
std::string describe_outcome(const Outcome& o, CallId call);

}  // namespace epollscope::driver
