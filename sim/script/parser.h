// SPDX-License-Identifier: GPL-2.0-only
// sim/script/parser.h — scenario text → Scenario, or the first error as file:line:col.
//
// The parser checks everything that can be known before running: the call exists, the number and
// kind of its arguments, every flag is a known C constant, every name is defined before use and
// defined only once, strings are terminated, nothing trails a statement, and an expectation fits
// the call. Numbers that only the run knows (fd numbers) are resolved by the runners.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "sim/script/scenario.h"

namespace epollscope::sim::script {

struct ParseError {
  std::string path;
  int line = 0;
  int col = 0;
  std::string message;
  std::string source_line;
  // "path:line:col: message", then the line and a caret under the column.
  std::string format() const;
};

// Parses a whole file's text. `path` is used in messages only.
std::variant<Scenario, ParseError> parse_scenario(std::string_view text, const std::string& path);

}  // namespace epollscope::sim::script
