// gui/app/session.h — a scenario run once on the model, every step recorded, with the real
// kernel's result of each call beside the model's. The GUI's panels read Sessions; nothing in a
// Session changes after it is built, so stepping back is just looking at an earlier snapshot.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/profile.h"
#include "sim/recorder.h"
#include "sim/script/model_backend.h"
#include "sim/script/runner.h"
#include "sim/script/scenario.h"

namespace epollscope::app {

// What one statement did, and which trace steps it made.
struct StatementRun {
  std::size_t first_step = 0;           // index into the recorder's steps
  std::size_t end_step = 0;             // one past the last step of this statement
  sim::script::StatementResult result;  // model first, then the kernel when it was asked
};

// How a variant of a scenario differs from the original (compare mode).
enum class Variant {
  kAsWritten,
  kFlipTrigger,  // every EPOLLET added or removed in epoll_ctl's events: ET ↔ LT
};

struct SessionOptions {
  const sim::KernelProfile* profile = &sim::KernelProfile::default_profile();
  bool live = true;  // ask the real kernel too (falls back to the model alone if it cannot run)
  Variant variant = Variant::kAsWritten;
  // Statements before this index run untraced and are not stepped through (they have no steps):
  // the set-up of a scenario with very many items, where a snapshot per step would cost O(items)
  // each. 0 records everything.
  std::size_t record_from = 0;
};

class Session {
 public:
  // Parses and runs `text` (from `path`); a parse error leaves the session empty with `error()`
  // holding "file:line:col: message" and the line with a caret.
  static std::unique_ptr<Session> from_text(const std::string& text, const std::string& path,
                                            const SessionOptions& options);
  static std::unique_ptr<Session> from_file(const std::string& path, const SessionOptions& options);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& note() const { return note_; }  // e.g. "the kernel was not asked: ..."
  const sim::script::Scenario& scenario() const { return scenario_; }
  const sim::KernelProfile& profile() const { return *profile_; }
  bool live() const { return live_; }
  Variant variant() const { return variant_; }
  // A short name for the pane: "edge-triggered", "level-triggered", "Linux 5.10", "as written".
  const std::string& label() const { return label_; }

  const sim::Recorder& recorder() const {
    return backend_->recorder() ? *backend_->recorder() : empty_recorder();
  }
  std::size_t step_count() const { return recorder().size(); }
  const std::vector<StatementRun>& statements() const { return statements_; }
  // The statement a step belongs to (the last statement for the end of the run).
  std::size_t statement_of_step(std::size_t step) const;
  // The state after `steps` steps (0 = before the first step).
  const sim::Snapshot& snapshot_after(std::size_t steps) const;
  // Statements before this index ran untraced (SessionOptions::record_from).
  std::size_t recorded_from() const { return recorded_from_; }
  int divergences() const { return divergences_; }
  int failed_expectations() const { return failed_; }

 private:
  Session() = default;
  void run(const SessionOptions& options);
  static const sim::Recorder& empty_recorder();

  sim::script::Scenario scenario_;
  std::string error_;
  std::string note_;
  std::string label_;
  const sim::KernelProfile* profile_ = nullptr;
  bool live_ = false;
  Variant variant_ = Variant::kAsWritten;
  std::unique_ptr<sim::script::ModelBackend> backend_;
  std::vector<StatementRun> statements_;
  std::size_t recorded_from_ = 0;
  int divergences_ = 0;
  int failed_ = 0;
};

// The scenario with EPOLLET toggled in every epoll_ctl event argument and its expectations
// removed (they belong to the original).
sim::script::Scenario flip_trigger(const sim::script::Scenario& s);
// True if any epoll_ctl of the scenario sets EPOLLET.
bool uses_edge_trigger(const sim::script::Scenario& s);

}  // namespace epollscope::app
