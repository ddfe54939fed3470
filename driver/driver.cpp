// SPDX-License-Identifier: GPL-2.0-only
#include "driver/driver.h"

#include <algorithm>
#include <cassert>
#include <chrono>

#include "sim/kernel.h"
#include "sim/strings.h"

namespace epollscope::driver {

using sim::cat;

ScenarioRun::ScenarioRun(sim::script::Scenario scenario, RunOptions options)
    : scenario_(std::move(scenario)), options_(std::move(options)), profile_(options_.profile) {
  if (!scenario_.profile.empty() && scenario_.profile != profile_->name) {
    if (const sim::KernelProfile* p = sim::KernelProfile::by_name(scenario_.profile)) {
      if (options_.kernel)
        note_ = cat("model only: the scenario is about Linux ", scenario_.profile,
                    ", this kernel follows ", profile_->name);
      profile_ = p;
      options_.kernel = nullptr;
    }
  }
  // A call made inside a harvest (`during ep_send_events`) cannot be timed on the real kernel.
  if (const sim::script::Statement* st = scenario_.first_during(); st && options_.kernel) {
    note_ = cat("model only: line ", st->loc.line,
                " makes a call on another CPU during ep_send_events, a moment the real kernel "
                "cannot be made to choose");
    options_.kernel = nullptr;
  }
  reset_backends();
}

ScenarioRun::~ScenarioRun() {
  if (runner_) runner_->stop();
}

void ScenarioRun::reset_backends() {
  if (runner_) runner_->stop();
  runner_.reset();
  kernel_.reset();
  statements_.clear();
  started_ = ended_ = kernel_failed_ = false;
  model_ = std::make_unique<ModelBackend>(*profile_, options_.record && options_.record_from == 0);
  std::vector<Backend*> backends{model_.get()};
  if (options_.kernel) {
    kernel_ = options_.kernel();
    if (kernel_) {
      kernel_->set_scenario(scenario_);
      backends.push_back(kernel_.get());
    }
  }
  // The model's process starts with the real one's fd limits (a lower hard limit, say).
  if (kernel_)
    if (auto limits = kernel_->rlimit_nofile()) model_->set_nofile_limits(*limits);
  runner_ = std::make_unique<Runner>(scenario_, backends);
}

void ScenarioRun::fail(std::string why) {
  error_ = std::move(why);
  ended_ = true;
}

int64_t real_wait_ms(CallId call, const std::string& thread, int64_t timeout) {
  if (call == CallId::kSleep) return std::max<int64_t>(timeout, 0);
  if ((call == CallId::kEpollPwait2 || sim::script::takes_fd_sets(call) ||
       call == CallId::kPpoll) &&
      thread == "main")
    return std::max<int64_t>(timeout, 0);
  if (sim::script::waits_for_events(call) && thread == "main")
    return std::max(static_cast<int>(timeout), 0);
  return 0;
}

namespace {

// The first statement that would make the scenario wait on the real kernel for longer than
// kMaxRealWaitMs, as "path:line:col: why"; empty when there is none.
std::string too_long_a_wait(const sim::script::Scenario& scenario) {
  for (const sim::script::Statement& st : scenario.statements) {
    if (st.kind != sim::script::Statement::Kind::kCall) continue;
    const int arg = sim::script::call_spec(st.call).timeout_arg;
    const int at = arg >= 0 && static_cast<std::size_t>(arg) < st.placed.size()
                       ? st.placed[static_cast<std::size_t>(arg)]
                       : -1;
    if (at < 0) continue;
    const sim::script::Arg& a = st.args[static_cast<std::size_t>(at)];
    if (a.kind != sim::script::Arg::Kind::kNumber) continue;
    const int64_t ms = real_wait_ms(st.call, st.thread, sim::script::timeout_ms(st.call, a.number));
    if (ms > kMaxRealWaitMs)
      return cat(scenario.path, ":", st.loc.line, ":", a.loc.col, ": ", st.source, " waits ", ms,
                 " ms; on the real kernel a call may wait at most ", kMaxRealWaitMs,
                 " ms (the model alone runs any wait)");
  }
  return {};
}

}  // namespace

bool ScenarioRun::start() {
  if (started_) return error_.empty();
  started_ = true;
  std::string why;
  try {
    // Every real wait is bounded: a scenario that asks for more is refused before any call.
    if (kernel_) why = too_long_a_wait(scenario_);
    if (why.empty() && runner_->start(&why)) {
      // A recorded kernel says so, as every front end shows the note.
      if (kernel_ && note_.empty() && !kernel_->origin().empty())
        note_ = cat("kernel: ", kernel_->origin());
      return true;
    }
  } catch (const BackendError& e) {
    why = e.what();
  }
  if (kernel_ && options_.fall_back_to_model) {
    note_ = cat("the real kernel could not be asked (", why, "): the model alone runs it");
    options_.kernel = nullptr;
    reset_backends();
    return start();
  }
  fail(why);
  return false;
}

bool ScenarioRun::done() const {
  return ended_ || runner_->done();
}

const StatementRun& ScenarioRun::step() {
  if (!started_) start();
  assert(!done() && "step() after the run ended: check done() first");
  StatementRun r;
  auto recorded = [&] { return model_->recorder() ? model_->recorder()->size() : 0; };
  if (options_.record && statements_.size() == options_.record_from) model_->start_recording();
  r.first_step = recorded();
  try {
    r.result = runner_->step();
  } catch (const BackendError& e) {
    const sim::script::Statement& st = scenario_.statements[runner_->position() - 1];
    r.result.statement = &st;
    r.result.call = st.call;
    r.result.error = cat("the real kernel could not be asked: ", e.what());
    r.end_step = recorded();
    statements_.push_back(std::move(r));
    kernel_failed_ = true;
    fail(statements_.back().result.error);
    return statements_.back();
  }
  r.end_step = recorded();
  statements_.push_back(std::move(r));
  if (!statements_.back().result.error.empty()) fail(statements_.back().result.error);
  return statements_.back();
}

void ScenarioRun::run_all() {
  if (!start()) return;
  while (!done())
    step();
  if (kernel_failed_ && options_.fall_back_to_model) {
    note_ = cat(error_, ": the model alone runs it");
    error_.clear();
    options_.kernel = nullptr;
    reset_backends();
    run_all();
  }
}

const sim::Recorder& ScenarioRun::recorder() const {
  if (model_->recorder()) return *model_->recorder();
  static const sim::Kernel kernel;
  static const sim::Recorder empty(kernel);
  return empty;
}

const sim::Snapshot& ScenarioRun::snapshot_after(std::size_t steps) const {
  const sim::Recorder& r = recorder();
  if (steps == 0 || r.snapshots().empty()) return r.initial();
  return r.snapshots()[std::min(steps, r.snapshots().size()) - 1];
}

std::vector<std::string> ScenarioRun::backend_names() const {
  std::vector<std::string> names{model_->name()};
  if (kernel_) names.push_back(kernel_->name());
  return names;
}

const std::map<std::string, int>& ScenarioRun::names(std::size_t backend) const {
  static const std::map<std::string, int> none;
  return runner_ && backend < backend_names().size() ? runner_->names(backend) : none;
}

bool ScenarioRun::holds(const sim::script::Expectation& e, std::size_t backend, const Outcome& o,
                        std::string* why) const {
  return runner_ && runner_->holds(e, backend, o, why);
}

int ScenarioRun::calls() const {
  return runner_->calls();
}
int ScenarioRun::divergences() const {
  return runner_->divergences();
}
int ScenarioRun::approximations() const {
  return runner_->approximations();
}
int ScenarioRun::failed_expectations() const {
  return runner_->failed_expectations();
}

std::string describe_paths(const StatementResult& r, const std::vector<std::string>& names) {
  const sim::script::Expectation& e = r.statement->expect;
  if (!e.has_alternatives() || r.backends.size() < 2 || names.size() < 2) return {};
  const BackendResult &model = r.backends[0], &kernel = r.backends[1];
  if (!model.ran || !kernel.ran || model.alternative < 0 || kernel.alternative < 0) return {};
  auto alt = [&](int i) {
    return cat("alternative ", i + 1, " of ", e.count(), " (",
               e.alternative(static_cast<std::size_t>(i)).text, ")");
  };
  if (!r.other_path) return cat(names[1], " took ", alt(kernel.alternative), ", as the ", names[0]);
  return cat(names[1], " took the other listed path: ", alt(kernel.alternative), "; the ", names[0],
             " took ", alt(model.alternative));
}

CheckReport check_scenario(sim::script::Scenario scenario, RunOptions options) {
  const auto t0 = std::chrono::steady_clock::now();
  CheckReport report;
  report.path = scenario.path;
  report.title = scenario.title;
  options.record = false;
  ScenarioRun run(std::move(scenario), std::move(options));
  run.run_all();
  // One wrong model state repeats itself: a loop of 59,000 statements after one setrlimit the
  // model got wrong once gave as many blocks. The first ones say what went wrong.
  std::size_t unshown = 0;
  auto add = [&](std::string block) {
    if (report.messages.size() < kCheckMessagesShown)
      report.messages.push_back(std::move(block));
    else
      ++unshown;
  };
  for (const StatementRun& s : run.statements()) {
    const StatementResult& r = s.result;
    const std::string where =
        cat(report.path, ":", r.statement->loc.line, ": ", r.statement->source);
    if (!r.error.empty()) report.error = cat(where, "\n    ", r.error);
    const std::string paths = describe_paths(r, run.backend_names());
    if (!paths.empty()) {
      report.races.push_back(
          {cat(report.path, ":", r.statement->loc.line, ": ", paths), r.other_path});
      if (r.other_path) ++report.other_paths;
    }
    for (const auto& d : r.divergences)
      add(cat(where, "\n    divergence: ", d));
    for (const auto& a : r.approximations)
      if (report.approximate_counts.size() < kCheckMessagesShown)
        report.approximate_counts.push_back(cat(where, "\n    approximate count: ", a));
    for (const auto& b : r.backends)
      for (const auto& f : b.failed)
        add(cat(where, "\n    ", f));
  }
  if (unshown > 0)
    report.messages.push_back(cat("... and ", unshown, " more divergence", unshown == 1 ? "" : "s",
                                  " or failed expectation", unshown == 1 ? "" : "s", " in ",
                                  report.path));
  // A run that could not start: the backend's reason, or a statement's "path:line:col: ...".
  const std::string& e = run.error();
  if (report.error.empty() && !e.empty())
    report.error = e.rfind(report.path + ":", 0) == 0 ? e : cat(report.path, ": ", e);
  report.note = run.note();
  report.calls = run.calls();
  report.divergences = run.divergences();
  report.approximations = run.approximations();
  report.failed_expectations = run.failed_expectations();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace epollscope::driver
