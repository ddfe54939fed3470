// SPDX-License-Identifier: GPL-2.0-only
// gui/app/script_lines.h — which lines of a scenario file the script panel shows in a language:
// the narration comments of that language only (`#zh` lines in Chinese, the other `#` lines in
// English; the English of a statement that has no `#zh` narration in both), and the title of that
// language (`title_zh` in Chinese when there is one, `title` otherwise). Every other line (code,
// `//` comments, blank lines) is shown in both. Without any GUI library, so that it is tested
// without a window.
#pragma once

#include <cstddef>
#include <vector>

#include "driver/i18n.h"
#include "sim/script/scenario.h"

namespace epollscope::app {

// The 0-based indices into `scenario.lines` shown in `lang`, in order (the file's line number of
// shown row k is result[k] + 1).
std::vector<std::size_t> script_lines_shown(const sim::script::Scenario& scenario,
                                            driver::Lang lang);

}  // namespace epollscope::app
