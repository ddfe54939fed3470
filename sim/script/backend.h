// sim/script/backend.h — what runs a scenario's calls: the model (ModelBackend, in sim/) or the
// real kernel (LiveBackend, in live/). The runner drives one or both through this interface, in
// lockstep, and compares what they report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/eventpoll.h"
#include "sim/script/scenario.h"

namespace epollscope::sim::script {

// A call statement with its arguments resolved for one backend: fd names replaced by that
// backend's fd numbers.
struct ResolvedCall {
  const Statement* statement = nullptr;
  std::string thread;           // "main", "t1", ...
  std::string call;             // "epoll_ctl"
  std::vector<int64_t> values;  // one per argument (0 for NULL, the length for a string)
  std::vector<bool> is_null;    // one per argument
  std::string text;             // the bytes of a "string" argument, if any
  bool has_text = false;
};

// What one call did.
struct Outcome {
  bool blocked = false;            // the calling thread sleeps in it
  long ret = 0;                    // the return value (the value read, for eventfd_read)
  int err = 0;                     // errno when ret == -1
  std::vector<EpollEvent> events;  // epoll_wait's events, in order
  std::vector<int> new_fds;        // fds created: the assigned fd, or pipe/socketpair's two
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// A sleeping call of a thread that finished later.
struct ThreadOutcome {
  std::string thread;
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

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;  // "model", "kernel"
  // Prepares a fresh process; false with a reason when the backend cannot run here.
  virtual bool start(std::string* error) = 0;
  virtual Outcome perform(const ResolvedCall& call) = 0;
  // Results of sleeping calls that finished since the last perform (after letting the system
  // settle: wake-ups delivered, loopback segments arrived), in the order they finished.
  virtual std::vector<ThreadOutcome> take_completions() = 0;
  // The interest list of an epoll fd, in rbtree order; empty when the fd is not an epoll.
  virtual std::vector<FdinfoEntry> fdinfo(int epfd) = 0;
  // Ends the process; every sleeping thread is abandoned.
  virtual void stop() = 0;
};

// Formats an outcome for people: "1 [4: IN]", "-1 EAGAIN", "blocks", "3 (fd 3)".
std::string describe_outcome(const Outcome& o, const std::string& call);

}  // namespace epollscope::sim::script
