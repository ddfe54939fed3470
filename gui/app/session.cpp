// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/session.h"

#include <algorithm>
#include <variant>

#include "driver/scenario_files.h"
#include "sim/kernel.h"
#include "sim/script/parser.h"
#include "sim/strings.h"

namespace epollscope::app {

std::unique_ptr<Session> Session::from_file(const std::string& path,
                                            const SessionOptions& options) {
  std::string why;
  std::optional<std::string> text = driver::read_scenario_file(path, &why);
  if (!text) {
    auto s = std::unique_ptr<Session>(new Session());
    sim::script::ParseError e;
    e.path = path;
    e.message = why;
    s->error_ = e.format();
    return s;
  }
  return from_text(*text, path, options);
}

std::unique_ptr<Session> Session::from_text(const std::string& text, const std::string& path,
                                            const SessionOptions& options) {
  auto s = std::unique_ptr<Session>(new Session());
  auto parsed = sim::script::parse_scenario(text, path, options.limits);
  if (auto* e = std::get_if<sim::script::ParseError>(&parsed)) {
    s->error_ = e->format();
    return s;
  }
  sim::script::Scenario scenario = std::get<sim::script::Scenario>(std::move(parsed));
  s->variant_ = options.variant;
  if (s->variant_ == Variant::kFlipTrigger) scenario = driver::flip_trigger(scenario);
  s->recorded_from_ = options.record_from;
  driver::RunOptions ro;
  ro.profile = options.profile;
  ro.kernel = options.kernel;
  ro.record = true;
  ro.record_from = options.record_from;
  ro.fall_back_to_model = true;
  s->run_ = std::make_unique<driver::ScenarioRun>(std::move(scenario), ro);
  s->run_->run_all();
  s->label_ = driver::trigger_label(s->run_->scenario());
  if (&s->run_->profile() != &sim::KernelProfile::default_profile())
    s->label_ += " (Linux " + s->run_->profile().name + ")";
  return s;
}

const std::string& Session::note() const {
  static const std::string none;
  return run_ ? run_->note() : none;
}

const sim::script::Scenario& Session::scenario() const {
  static const sim::script::Scenario none;
  return run_ ? run_->scenario() : none;
}

const sim::KernelProfile& Session::profile() const {
  return run_ ? run_->profile() : sim::KernelProfile::default_profile();
}

const sim::Recorder& Session::recorder() const {
  static const sim::Kernel kernel;
  static const sim::Recorder empty(kernel);
  return run_ ? run_->recorder() : empty;
}

const std::vector<StatementRun>& Session::statements() const {
  static const std::vector<StatementRun> none;
  return run_ ? run_->statements() : none;
}

std::size_t Session::statement_of_step(std::size_t step) const {
  const auto& sts = statements();
  for (std::size_t i = 0; i < sts.size(); ++i)
    if (step < sts[i].end_step) return i;
  return sts.empty() ? 0 : sts.size() - 1;
}

const sim::Snapshot& Session::snapshot_after(std::size_t steps) const {
  if (run_) return run_->snapshot_after(steps);
  return recorder().initial();
}

}  // namespace epollscope::app
