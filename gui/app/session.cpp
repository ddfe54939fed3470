// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/session.h"

#include <algorithm>
#include <string_view>
#include <variant>

#include "driver/i18n.h"
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
  const auto& steps = s->run_->recorder().steps();
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (std::string_view(steps[i].function) == "mutex_lock" &&
        steps[i].text.rfind("race: ", 0) == 0)
      s->race_steps_.push_back(i);
  const auto& sts = s->run_->statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    bool marked = !sts[i].result.error.empty();
    for (const auto& b : sts[i].result.backends)
      marked = marked || !b.failed.empty();
    if (marked) s->marked_.push_back(i);
  }
  if (!sts.empty() && !sts.back().result.error.empty()) {
    s->stop_ = {true, sts.size() - 1, sts.back().result.statement->loc.line,
                sts.back().result.error};
  } else if (!s->run_->error().empty()) {
    const auto& all = s->run_->scenario().statements;
    s->stop_ = {true, sts.size(), sts.size() < all.size() ? all[sts.size()].loc.line : 0,
                s->run_->error()};
  }
  s->label_ = driver::trigger_label(s->run_->scenario());
  // A scenario with edge- and level-triggered items: its twin has every one flipped, which two
  // panes both titled "as written" would not say.
  if (s->variant_ == Variant::kFlipTrigger && s->label_ == "as written")
    s->label_ = "each item's trigger flipped";
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

std::string Session::either_path_note(std::size_t statement) const {
  const auto& sts = statements();
  if (statement >= sts.size()) return {};
  const driver::StatementResult& r = sts[statement].result;
  const sim::script::Expectation& e = r.statement->expect;
  if (!e.has_alternatives()) {
    // The call where the model made a race step: that step, whole.
    auto in = std::lower_bound(race_steps_.begin(), race_steps_.end(), sts[statement].first_step);
    if (in == race_steps_.end() || *in >= sts[statement].end_step) return {};
    std::string_view text = recorder().steps()[*in].text;
    text.remove_prefix(std::string_view("race: ").size());
    constexpr std::string_view kLast = " The kernel may take either path here.";
    if (text.ends_with(kLast)) text.remove_suffix(kLast.size());
    return driver::trf("Kernel may take either path: {}", text);
  }
  std::string note;
  // The latest race step the model made up to the end of this statement.
  auto it = std::lower_bound(race_steps_.begin(), race_steps_.end(), sts[statement].end_step);
  if (it != race_steps_.begin()) {
    // The step's first sentence says who races for which lock; the step itself says the rest.
    const std::size_t step = *(it - 1);
    const std::string& text = recorder().steps()[step].text;
    const std::size_t from = std::string_view("race: ").size();
    const std::size_t end = text.find(". ", from);
    note =
        driver::trf("Kernel may take either path: {} (the race step, mutex_lock, is in line {}.)",
                    text.substr(from, end == std::string::npos ? end : end + 1 - from),
                    sts[statement_of_step(step)].result.statement->loc.line);
  } else {
    note = driver::trf(
        "Kernel may take either path: the scenario lists {} outcomes ({}), and the model takes "
        "one of them.",
        e.count(), e.all_text());
  }
  if (live()) {
    const std::string paths = driver::describe_paths(r, run_->backend_names());
    if (!paths.empty()) note += driver::trf(" Here the {}.", paths);
  }
  return note;
}

const sim::Snapshot& Session::snapshot_after(std::size_t steps) const {
  if (run_) return run_->snapshot_after(steps);
  return recorder().initial();
}

}  // namespace epollscope::app
