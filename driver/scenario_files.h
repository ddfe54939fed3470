// SPDX-License-Identifier: GPL-2.0-only
// driver/scenario_files.h — reading scenario files from disk (the model itself performs no I/O).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "sim/script/parser.h"

namespace epollscope::driver {

// Reads and parses one file; a missing or unreadable file is an error at line 0.
std::variant<sim::script::Scenario, sim::script::ParseError> load_scenario(const std::string& path);

// Expands files and folders (recursively, *.scn, sorted) into a list of files. A path that does
// not exist is returned in `missing`.
std::vector<std::string> collect_scenarios(const std::vector<std::string>& paths,
                                           std::vector<std::string>* missing);

}  // namespace epollscope::driver
