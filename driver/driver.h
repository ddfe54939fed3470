// SPDX-License-Identifier: GPL-2.0-only
// driver/driver.h — the one way to run a scenario, for every front end: the window's sessions,
// `run`, `check`, the terminal walk-through (and the tracing of real programs that comes next).
//
// A ScenarioRun runs a scenario's statements on the model and, when a kernel backend is given, on
// the kernel in lockstep (driver/runner.h); it records the model's trace steps and snapshots and
// keeps, per statement, what every backend did and which trace steps the statement made. It makes
// the decisions every front end needs made the same way:
//   - the profile: the one given (this kernel's, calibrated, or chosen by the user), unless the
//     scenario says it is about another kernel (`profile "5.10"`): then that kernel's model runs
//     it alone, since this kernel would give other answers, and note() says so;
//   - the kernel: a backend that cannot start or fails mid-run (BackendError) either ends the run
//     with error() (check, run), or — with `fall_back_to_model`, for the window — makes the run
//     start again on the model alone, with a note() saying why.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "driver/model_backend.h"
#include "driver/runner.h"
#include "sim/profile.h"
#include "sim/recorder.h"
#include "sim/script/scenario.h"

namespace epollscope::driver {

// The longest a call may make a scenario wait on the real kernel, in ms: sleep(ms) in any thread,
// and a timeout of the main thread, which waits it out (docs/scenario-language.md). A scenario
// with a longer one is refused before the kernel is asked, naming its line; the model alone, whose
// time is virtual, runs any.
inline constexpr int64_t kMaxRealWaitMs = 10000;
// How long a call of `thread` with this timeout argument makes the scenario wait on the real
// kernel (0: it does not wait; epoll_wait's timeout is the syscall's int, as the backends pass it).
int64_t real_wait_ms(CallId call, const std::string& thread, int64_t timeout);

// Makes a fresh kernel backend for one run (the live child, say).
using KernelFactory = std::function<std::unique_ptr<Backend>()>;

struct RunOptions {
  const sim::KernelProfile* profile = &sim::KernelProfile::default_profile();
  KernelFactory kernel;  // empty: the model alone
  bool record = true;    // keep every trace step with a snapshot
  // Statements before this index run untraced and have no steps: the set-up of a scenario with
  // very many items, where a snapshot per step would cost O(items) each.
  std::size_t record_from = 0;
  bool fall_back_to_model = false;  // see above
};

// What one statement did, and which trace steps of the recording it made.
struct StatementRun {
  std::size_t first_step = 0;  // index into the recorder's steps
  std::size_t end_step = 0;    // one past the last step of this statement
  StatementResult result;      // the model first, then the kernel when it was asked
};

class ScenarioRun {
 public:
  ScenarioRun(sim::script::Scenario scenario, RunOptions options);
  ~ScenarioRun();
  ScenarioRun(const ScenarioRun&) = delete;
  ScenarioRun& operator=(const ScenarioRun&) = delete;

  // Starts the backends. False, with error(), when the run cannot start; with
  // fall_back_to_model a kernel that cannot start only leaves a note.
  bool start();
  bool done() const;
  // Runs the next statement (start() first). A statement that cannot run, or a backend failure,
  // ends the run: done() is then true and error() says why.
  const StatementRun& step();
  // start() and step() to the end; with fall_back_to_model, a kernel that fails mid-run makes
  // the whole run start again on the model alone.
  void run_all();

  const sim::script::Scenario& scenario() const { return scenario_; }
  const sim::KernelProfile& profile() const { return *profile_; }
  bool kernel_asked() const { return kernel_ != nullptr; }
  // Why the kernel was not asked, if so; or which kernel answered when it was a recording
  // ("kernel: recorded on Linux 6.1.0 (RUN.txt)", driver/kernel_recording.h).
  const std::string& note() const { return note_; }
  const std::string& error() const { return error_; }  // why the run ended early, if it did
  // The run ended because the kernel backend failed (not because a statement could not run).
  bool kernel_failed() const { return kernel_failed_; }
  bool ok() const { return error_.empty() && divergences() == 0 && failed_expectations() == 0; }

  const ModelBackend& model() const { return *model_; }
  // The recording (an empty one when recording is off or has not started).
  const sim::Recorder& recorder() const;
  // The recorded state after `steps` steps (0: before the first).
  const sim::Snapshot& snapshot_after(std::size_t steps) const;
  const std::vector<StatementRun>& statements() const { return statements_; }
  // "model", and "kernel" when it was asked: the order of StatementResult::backends.
  std::vector<std::string> backend_names() const;
  // The fd names bound so far on a backend (the order of backend_names()); empty before start().
  const std::map<std::string, int>& names(std::size_t backend) const;
  // Does an expectation that is not the scenario's (a quiz answer) hold for an outcome of a
  // backend, with the names bound so far (Runner::holds)?
  bool holds(const sim::script::Expectation& e, std::size_t backend, const Outcome& o,
             std::string* why) const;
  int calls() const;
  int divergences() const;
  int approximations() const;  // counts that differ only where the model marks them approximate
  int failed_expectations() const;

 private:
  void reset_backends();
  void fail(std::string why);

  sim::script::Scenario scenario_;
  RunOptions options_;
  const sim::KernelProfile* profile_;
  std::string note_;
  std::string error_;
  std::unique_ptr<ModelBackend> model_;
  std::unique_ptr<Backend> kernel_;
  std::unique_ptr<Runner> runner_;
  std::vector<StatementRun> statements_;
  bool started_ = false;
  bool ended_ = false;
  bool kernel_failed_ = false;  // the kernel backend failed mid-run (BackendError)
};

// A scenario checked from start to end (`epollscope check`): the counts, and one readable block
// per problem ("path:line: statement" and what went wrong).
struct CheckReport {
  std::string path;
  std::string title;
  int calls = 0;
  int divergences = 0;
  int failed_expectations = 0;
  // Counts the model marks approximate (sim::SysResult::approximate) that differ from the
  // kernel's: reported, not a divergence. Their blocks are not among `messages`' first ones.
  int approximations = 0;
  std::vector<std::string>
      approximate_counts;  // "path:line: statement" + both counts, the first few
  // One block per divergence or failed expectation, the first kCheckMessagesShown of them, then
  // a line "... and N more divergences or failed expectations in PATH" if there were more.
  std::vector<std::string> messages;
  std::string error;  // the scenario could not run to its end
  std::string note;   // e.g. why the kernel was not asked
  // One per statement that lists alternatives (`=> A or B`) and ran on the model and the kernel:
  // "path:line: " and describe_paths(), and whether the kernel took another listed outcome than
  // the model; other_paths counts those.
  struct Race {
    std::string text;
    bool other_path = false;
  };
  std::vector<Race> races;
  int other_paths = 0;
  double seconds = 0;
  bool ok() const { return divergences == 0 && failed_expectations == 0 && error.empty(); }
};
inline constexpr std::size_t kCheckMessagesShown = 20;

// For a statement that lists alternatives and ran on the model and the kernel, which listed
// outcome each took: "kernel took alternative 1 of 2 ([]), as the model" or "kernel took the
// other listed path: alternative 2 of 2 ([inner: EPOLLIN]); the model took alternative 1 ([])";
// empty otherwise (no alternatives, no kernel, or an outcome that is none of them).
std::string describe_paths(const StatementResult& r, const std::vector<std::string>& names);
CheckReport check_scenario(sim::script::Scenario scenario, RunOptions options);

}  // namespace epollscope::driver
