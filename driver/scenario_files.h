// SPDX-License-Identifier: GPL-2.0-only
// driver/scenario_files.h — reading scenario files from disk (the model itself performs no I/O).
//
// A path on the command line may name anything: a directory, a FIFO that never delivers, a device
// that never ends (/dev/zero), a symbolic link loop, a file of gigabytes. Only a regular file of at
// most kMaxScenarioFileBytes is read, and every other case is a clear message. Every front end
// (run, check, export-c, the window, the walk-through) reads scenarios through these functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sim/script/parser.h"

namespace epollscope::driver {

// The largest scenario file read: far above any real scenario (the library's largest is a few KB).
inline constexpr std::uintmax_t kMaxScenarioFileBytes = std::uintmax_t{4} << 20;

// The text of a scenario file, or nullopt with `*error` saying why it cannot be read ("is a
// directory", "is not a regular file (a FIFO)", "is 9 MiB; ...", "Too many levels of symbolic
// links (a loop of symbolic links?)").
std::optional<std::string> read_scenario_file(const std::string& path, std::string* error);

// Reads and parses one file; a file that cannot be read is an error at line 0 (ParseError::format
// prints "path: why").
std::variant<sim::script::Scenario, sim::script::ParseError> load_scenario(
    const std::string& path, const sim::script::ParseLimits& limits = {});

// A path that was given or found but cannot be searched or read, and why.
struct PathProblem {
  std::string path;
  std::string message;
};

// Expands files and folders (recursively, *.scn, sorted; symbolic links to folders are not
// followed) into a list of files. A path that was given but does not exist, and a folder or *.scn
// entry that cannot be read (no permission, a link to a file that cannot be opened), are returned
// in `problems`, and the search goes on with the others. A given path that is not a folder is
// listed as it is: load_scenario says what is wrong with it.
std::vector<std::string> collect_scenarios(const std::vector<std::string>& paths,
                                           std::vector<PathProblem>* problems);

}  // namespace epollscope::driver
