// SPDX-License-Identifier: GPL-2.0-only
// sim/script/user_text.h — text from a scenario shown to a user: made safe for a terminal, and
// the nearest known name offered for a misspelt one ("did you mean EPOLLET?").
//
// A scenario is untrusted text: its title, comments, narration, strings and even its file name
// reach the terminal through `run`, `check` and every error message. A raw ESC could clear the
// screen or recolour a FAIL line, a CR could overwrite it, a newline could forge a line of output.
// Every front end prints such text through printable(), the one place that decides what passes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace epollscope::sim::script {

// `text` with everything that could act on a terminal written as a visible escape: C0 control
// characters and DEL as \x1b (\n, \r as themselves escaped: "\n", "\r"), the C1 controls
// U+0080..U+009F (a terminal may take U+009B for CSI) and the bidirectional overrides and
// isolates U+202A..U+202E, U+2066..U+2069 (they reorder what is shown) as \u009b, and a byte that
// is not part of valid UTF-8 as \xff. A tab and printable UTF-8 pass unchanged. With
// `keep_newlines`, '\n' stays a line break (a message of several lines, each escaped).
std::string printable(std::string_view text, bool keep_newlines = false);

// How many terminal columns printable(text) takes on one line: its code points (tabs count 1).
std::size_t display_width(std::string_view text);

// The candidate nearest to `name` — by edit distance, ignoring case, a swap of two neighbours
// counting as one edit — when it is near enough to be a likely misspelling (at most a quarter of
// the name's length in edits, at least 1 and at most 3); "" when none is. Ties go to the earlier
// candidate.
std::string nearest_name(std::string_view name, const std::vector<std::string_view>& candidates);

// " (did you mean X?)" for the nearest candidate, or "".
std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace epollscope::sim::script
