// SPDX-License-Identifier: GPL-2.0-only
// gui/app/script_lines.cpp — the lines of a scenario the script panel shows in each language.
#include "gui/app/script_lines.h"

#include <string>
#include <string_view>

namespace epollscope::app {
namespace {

std::string_view trimmed(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// The parser's rule (sim/script/parser.cpp): `#zh` alone or before a space or a tab.
bool is_zh_comment(std::string_view t) {
  return t.rfind("#zh", 0) == 0 && (t.size() == 3 || t[3] == ' ' || t[3] == '\t');
}

// `word "...`: a title line (`title_zh = epoll_create1(0)` is a statement, not a title).
bool is_title_line(std::string_view t, std::string_view word) {
  if (t.rfind(word, 0) != 0) return false;
  const std::string_view rest = trimmed(t.substr(word.size()));
  return t.size() > word.size() && (t[word.size()] == ' ' || t[word.size()] == '\t') &&
         !rest.empty() && rest.front() == '"';
}

}  // namespace

std::vector<std::size_t> script_lines_shown(const sim::script::Scenario& scenario,
                                            driver::Lang lang) {
  const auto& lines = scenario.lines;
  const bool zh = lang == driver::Lang::zh;
  const bool has_title_zh = !scenario.title_zh.empty();
  std::vector<std::size_t> shown;
  shown.reserve(lines.size());
  // The narration of a statement is every `#` line before it since the previous code line: in
  // Chinese its English lines are hidden when it has `#zh` lines.
  std::size_t i = 0;
  while (i < lines.size()) {
    const std::string_view t = trimmed(lines[i]);
    if (t.empty() || t.front() != '#') {
      const bool hide =
          zh ? (has_title_zh && is_title_line(t, "title")) : is_title_line(t, "title_zh");
      if (!hide) shown.push_back(i);
      ++i;
      continue;
    }
    // A narration block: `#` lines, with blank and `//` lines among them, up to the next code line.
    std::size_t end = i;
    bool block_has_zh = false;
    while (end < lines.size()) {
      const std::string_view u = trimmed(lines[end]);
      if (!u.empty() && u.front() != '#' && u.rfind("//", 0) != 0) break;
      if (!u.empty() && is_zh_comment(u)) block_has_zh = true;
      ++end;
    }
    for (std::size_t k = i; k < end; ++k) {
      const std::string_view u = trimmed(lines[k]);
      if (!u.empty() && u.front() == '#') {
        const bool is_zh = is_zh_comment(u);
        if (zh ? (block_has_zh && !is_zh) : is_zh) continue;
      }
      shown.push_back(k);
    }
    i = end;
  }
  return shown;
}

}  // namespace epollscope::app
