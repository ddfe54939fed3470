// SPDX-License-Identifier: GPL-2.0-only
// driver/runner.h — runs a scenario's statements on one or more backends in lockstep.
//
// Each statement runs on every backend; names are bound per backend to the fds that backend
// created. With two backends (the model and a kernel) the runner compares, after every statement,
// the return value, errno, the events (masks, data and order), whether the call sleeps, the fds
// created, which sleeping threads finished, and — after calls that change an interest list — every
// epoll's fdinfo (tfd, stored events mask, data, in rbtree order). Before an EPOLL_CTL_ADD it runs
// the backends that do not learn the tree order first and hands their fdinfo to the one that does
// (the model), so that it builds the same tree. Expectations are checked on every backend.
//
// Races (`=> A or B`): each backend's outcome must be one of the listed alternatives; when the
// model's and the kernel's are different listed ones, the kernel took the other path of a race
// (StatementResult::other_path), which is not a divergence. A thread whose next statement is a
// thread result with alternatives may finish at another statement on each backend: until that
// statement, which threads finished is compared without it. What follows a race is compared as
// usual: a later difference is a divergence, which names the line where the paths parted.
//
// The Runner knows nothing of profiles, recording or what to do when a backend fails: that is the
// one driver's job (driver/driver.h), which every front end uses.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "driver/backend.h"
#include "sim/script/scenario.h"

namespace epollscope::driver {

struct BackendResult {
  bool ran = false;                        // false when the statement could not run here
  Outcome outcome;                         // the call's outcome (thread results: that thread's)
  std::vector<ThreadOutcome> completions;  // sleeping calls of threads that finished meanwhile
  std::vector<std::string> failed;         // expectations that did not hold, as sentences
  bool approximate = false;  // the backend marked its count approximate (CallResult::approximate)
  // Which listed alternative of the expectation held (0: the first; `=> A or B`), -1 when none
  // held or nothing is expected.
  int alternative = -1;
};

struct StatementResult {
  const sim::script::Statement* statement = nullptr;
  // For a thread result (`t1 => ...`), the call the thread slept in; otherwise the statement's.
  CallId call = CallId::kEpollWait;
  std::vector<BackendResult> backends;   // in the order the backends were given
  std::vector<std::string> divergences;  // where the backends disagree, as sentences
  // Where they disagree only in a count one backend marked approximate: not a divergence.
  std::vector<std::string> approximations;
  std::string error;  // why the statement could not run (a runtime error)
  // The statement lists alternatives (`=> A or B`), and the kernel's outcome is another listed one
  // than the model's: a race the kernel decided the other way. Not a divergence.
  bool other_path = false;
};

class Runner {
 public:
  // `backends` are not owned. A BackendError thrown by one of them leaves the runner's position
  // after the statement that failed.
  Runner(const sim::script::Scenario& scenario, std::vector<Backend*> backends);

  bool start(std::string* error);
  bool done() const { return next_ >= scenario_.statements.size(); }
  std::size_t position() const { return next_; }
  // Runs the next statement on every backend.
  const StatementResult& step();
  const std::vector<StatementResult>& results() const { return results_; }
  void stop();

  int calls() const { return calls_; }
  int divergences() const { return divergences_; }
  int approximations() const { return approximations_; }
  int failed_expectations() const { return failed_; }
  // Does `e` (one alternative) hold for outcome `o` of backend `b`, with the names bound so far?
  // Sets *why when a name has no fd. Expectations of statements are checked by step(); this is
  // for answers that are not in the scenario (a quiz's).
  bool holds(const sim::script::Expectation& e, std::size_t b, const Outcome& o,
             std::string* why) const;
  // The name → fd bindings of one backend so far.
  const std::map<std::string, int>& names(std::size_t backend) const {
    return state_[backend].names;
  }

 private:
  struct ThreadState {
    bool blocked = false;
    CallId call = CallId::kEpollWait;  // what it sleeps in or last ran
    bool has_result = false;
    Outcome last;  // the result of its last finished sleeping call
  };
  struct BackendState {
    std::map<std::string, int> names;
    // Every fd each name has been bound to, in order of binding (`all r` in poll's and select's
    // lists): a name defined in a repeat block is bound anew each time.
    std::map<std::string, std::vector<int>> bindings;
    std::map<std::string, ThreadState> threads;
    std::set<int> epolls;  // fds created by epoll_create*
    long epitems_before = -1;
    bool removed_items = false;  // the last call removed epitems (when the backend can tell)
  };

  bool resolve(const sim::script::Statement& st, std::size_t b, ResolvedCall& rc,
               std::string* error) const;
  void run_call(const sim::script::Statement& st, StatementResult& out);
  void run_thread_result(const sim::script::Statement& st, StatementResult& out);
  void collect_completions(std::size_t backend, BackendResult& r);
  void check_expectation(const sim::script::Statement& st, std::size_t b, CallId call,
                         const Outcome& o, BackendResult& r);
  void find_raced_threads();
  void compare(const sim::script::Statement& st, StatementResult& out);

  const sim::script::Scenario& scenario_;
  std::vector<Backend*> backends_;
  std::vector<BackendState> state_;
  std::vector<StatementResult> results_;
  std::size_t next_ = 0;
  int calls_ = 0;
  int divergences_ = 0;
  int approximations_ = 0;
  int failed_ = 0;
  // Statement index -> the threads whose next statement is a thread result listing alternatives:
  // when such a thread finishes is the race's to decide, so it is not compared until then.
  std::map<std::size_t, std::set<std::string>> raced_;
  int parted_line_ = 0;  // the first line where the kernel took another listed outcome
};

}  // namespace epollscope::driver
