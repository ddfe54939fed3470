// SPDX-License-Identifier: GPL-2.0-only
// sim/script/parser.h — scenario text → Scenario, or the first error as file:line:col.
//
// The parser checks everything that can be known before running: the call exists, the number and
// kind of its arguments, every flag is a known C constant, every name is defined before use and
// defined only once, strings are terminated, nothing trails a statement, and an expectation fits
// the call, every number fits its argument's C type (an fd is an int, flags are 32 bits). Numbers
// that only the run knows (fd numbers) are resolved by the runners.
//
// The parser takes untrusted text: it holds no more than ParseLimits allows however the text nests
// its repeat blocks, and every message it makes is printed through printable()
// (sim/script/user_text.h).
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "sim/script/scenario.h"

namespace epollscope::sim::script {

struct ParseError {
  std::string path;
  int line = 0;  // 0: about the file as a whole (it cannot be read), without a line or column
  int col = 0;
  std::string message;
  std::string source_line;
  // "path:line:col: message", then the line and a caret under the column (for line 0: "path:
  // message"); scenario text in it is escaped for a terminal (printable()).
  std::string format() const;
};

// How much a scenario may hold once its repeat blocks are expanded: nested blocks multiply, so a
// few bytes of text could otherwise ask for gigabytes. The defaults are far above any scenario of
// the library (its largest has a few thousand statements) and low enough that parsing and
// exporting the largest scenario they admit stays under 500 MB and 2 s even in the libFuzzer
// build (ASan, -O1), which runs under -rss_limit_mb=2048 -timeout=10; a program that generates a
// larger scenario (bench gui) raises them explicitly.
struct ParseLimits {
  std::size_t max_statements = 100000;
  // An estimate of the memory the expanded statements hold: each statement's own size and the
  // text it keeps (source line, narration, strings, expectation).
  std::size_t max_bytes = std::size_t{64} << 20;
};

// A learner's answer to a quiz question (`epollscope quiz`): one line in the notation of an
// expectation of `call` — `[rfd: EPOLLIN, wfd: EPOLLOUT]`, `[]`, `-1 EAGAIN`, `blocks`, `1024` —
// where `names` are the fd names defined so far. One answer (no `or`); errors name the column
// ("answer:1:col: ...").
std::variant<Expectation, ParseError> parse_answer(std::string_view text, CallId call,
                                                   const std::set<std::string>& names);

// Parses a whole file's text. `path` is used in messages only.
std::variant<Scenario, ParseError> parse_scenario(std::string_view text, const std::string& path,
                                                  const ParseLimits& limits = {});

}  // namespace epollscope::sim::script
