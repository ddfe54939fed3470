#include "live/checker.h"

#include <chrono>

#include "sim/script/model_backend.h"
#include "sim/script/runner.h"
#include "sim/strings.h"

namespace epollscope::live {

ScenarioReport check_scenario(const sim::script::Scenario& scenario, const CheckOptions& options) {
  using sim::cat;
  ScenarioReport report;
  report.path = scenario.path;
  report.title = scenario.title;
  const auto t0 = std::chrono::steady_clock::now();

  // A scenario about another kernel's behaviour runs on the model of that kernel only.
  const sim::KernelProfile* profile = options.profile;
  bool live = options.live;
  if (!scenario.profile.empty() && scenario.profile != profile->name) {
    profile = sim::KernelProfile::by_name(scenario.profile);
    if (live)
      report.note = cat("model only: the scenario is about Linux ", scenario.profile,
                        ", this kernel follows ", options.profile->name);
    live = false;
  }
  sim::script::ModelBackend model(*profile);
  LiveBackend kernel(options.live_options);
  std::vector<sim::script::Backend*> backends{&model};
  if (live) backends.push_back(&kernel);
  sim::script::Runner runner(scenario, backends);
  std::string error;
  try {
    if (!runner.start(&error)) {
      report.error = error;
      return report;
    }
    while (!runner.done()) {
      const sim::script::StatementResult& r = runner.step();
      const auto& st = *r.statement;
      const std::string where = cat(scenario.path, ":", st.loc.line, ": ", st.source);
      if (!r.error.empty()) {
        report.error = cat(where, "\n    ", r.error);
        break;
      }
      for (const auto& d : r.divergences)
        report.messages.push_back(cat(where, "\n    divergence: ", d));
      for (std::size_t b = 0; b < r.backends.size(); ++b)
        for (const auto& f : r.backends[b].failed)
          report.messages.push_back(cat(where, "\n    ", f));
    }
  } catch (const LiveBackendError& e) {
    report.error = cat(scenario.path, ": the real kernel could not be asked: ", e.what());
  }
  runner.stop();
  report.calls = runner.calls();
  report.divergences = runner.divergences();
  report.failed_expectations = runner.failed_expectations();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace epollscope::live
