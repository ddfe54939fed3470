// live/checker.h — a scenario on the model and on the real kernel, compared call by call.
#pragma once

#include <string>
#include <vector>

#include "live/live_backend.h"
#include "sim/profile.h"
#include "sim/script/scenario.h"

namespace epollscope::live {

struct CheckOptions {
  const sim::KernelProfile* profile = &sim::KernelProfile::default_profile();
  bool live = true;  // false: the model alone (expectations only)
  LiveOptions live_options;
};

struct ScenarioReport {
  std::string path;
  std::string title;
  int calls = 0;
  int divergences = 0;
  int failed_expectations = 0;
  std::vector<std::string> messages;  // one readable block per problem
  std::string error;                  // the scenario could not run to its end
  std::string note;                   // e.g. why the kernel was not asked
  double seconds = 0;
  bool ok() const { return divergences == 0 && failed_expectations == 0 && error.empty(); }
};

ScenarioReport check_scenario(const sim::script::Scenario& scenario, const CheckOptions& options);

}  // namespace epollscope::live
