// SPDX-License-Identifier: GPL-2.0-only
// gui/app/session.h — a scenario run once on the model, every step recorded, with the real
// kernel's result of each call beside the model's. The GUI's panels read Sessions; nothing in a
// Session changes after it is built, so stepping back is just looking at an earlier snapshot.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "driver/variant.h"
#include "sim/profile.h"
#include "sim/recorder.h"
#include "sim/script/parser.h"
#include "sim/script/scenario.h"

namespace epollscope::app {

using driver::StatementRun;

// How a variant of a scenario differs from the original (compare mode).
enum class Variant {
  kAsWritten,
  kFlipTrigger,  // every EPOLLET added or removed in epoll_ctl's events: ET ↔ LT
};

struct SessionOptions {
  const sim::KernelProfile* profile = &sim::KernelProfile::default_profile();
  // Makes the real kernel's backend; empty: the model alone. If it cannot run, the session falls
  // back to the model alone and says why in note().
  driver::KernelFactory kernel;
  Variant variant = Variant::kAsWritten;
  // Statements before this index run untraced and are not stepped through (they have no steps):
  // the set-up of a scenario with very many items, where a snapshot per step would cost O(items)
  // each. 0 records everything.
  std::size_t record_from = 0;
  // What the parser may expand the scenario to (sim/script/parser.h); bench gui raises it for its
  // generated scenario of up to a million items.
  sim::script::ParseLimits limits;
};

class Session {
 public:
  // Parses and runs `text` (from `path`) with the one scenario driver (driver/driver.h); a parse
  // error leaves the session empty with `error()` holding "file:line:col: message" and the line
  // with a caret.
  static std::unique_ptr<Session> from_text(const std::string& text, const std::string& path,
                                            const SessionOptions& options);
  // Reads `path` as every front end does (driver/scenario_files.h: a regular file of at most 4
  // MiB); a file that cannot be read leaves the session empty with `error()` saying why.
  static std::unique_ptr<Session> from_file(const std::string& path, const SessionOptions& options);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // e.g. "the real kernel could not be asked (...): the model alone runs it"
  const std::string& note() const;
  const sim::script::Scenario& scenario() const;
  const sim::KernelProfile& profile() const;
  bool live() const { return run_ && run_->kernel_asked(); }
  Variant variant() const { return variant_; }
  // A short name for the pane: "edge-triggered", "level-triggered", "Linux 5.10", "as written".
  const std::string& label() const { return label_; }

  const sim::Recorder& recorder() const;
  // The run itself (nullptr after a parse error): what Predict mode checks a prediction with.
  const driver::ScenarioRun* run() const { return run_.get(); }
  std::size_t step_count() const { return recorder().size(); }
  const std::vector<StatementRun>& statements() const;
  // The statement a step belongs to (the last statement for the end of the run).
  std::size_t statement_of_step(std::size_t step) const;
  // The state after `steps` steps (0 = before the first step).
  const sim::Snapshot& snapshot_after(std::size_t steps) const;
  // Statements before this index ran untraced (SessionOptions::record_from).
  std::size_t recorded_from() const { return recorded_from_; }
  // For a statement that lists alternatives (`=> A or B`, a race): "Kernel may take either path"
  // and why — the model's race step (a mutex_lock taken after another thread woken with it, the
  // latest at or before the statement) or, without one, how many outcomes are listed — then,
  // when the kernel was asked, which listed outcome it took. For a statement whose own steps hold
  // a race step: that step's whole text. Empty for any other statement.
  std::string either_path_note(std::size_t statement) const;
  int divergences() const { return run_ ? run_->divergences() : 0; }
  int failed_expectations() const { return run_ ? run_->failed_expectations() : 0; }
  // The statements whose expectation did not hold on the model or on the kernel, or that could
  // not run, in order (the driver's verdicts, found once when the session is built).
  const std::vector<std::size_t>& marked_statements() const { return marked_; }
  // Where the run ended early: a statement that could not run (a thread still asleep, a name
  // without an fd) or a run that could not start. `statement` is the one that could not run (the
  // number of statements run when none did), `line` its line (0 if unknown).
  struct Stop {
    bool stopped = false;
    std::size_t statement = 0;
    int line = 0;
    std::string why;
  };
  const Stop& stop() const { return stop_; }

 private:
  Session() = default;

  std::string error_;
  std::string label_;
  Variant variant_ = Variant::kAsWritten;
  std::size_t recorded_from_ = 0;
  std::unique_ptr<driver::ScenarioRun> run_;
  std::vector<std::size_t> race_steps_;  // the recorder's race steps (mutex_lock), in order
  std::vector<std::size_t> marked_;
  Stop stop_;
};

}  // namespace epollscope::app
