// SPDX-License-Identifier: GPL-2.0-only
#include "sim/text_wrap.h"

#include <algorithm>

namespace epollscope::sim {

unsigned code_point(std::string_view text, std::size_t i, std::size_t* len) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  const std::size_t n = c < 0x80         ? 1
                        : (c >> 5) == 6  ? 2
                        : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4
                                         : 1;
  if (i + n > text.size()) {
    *len = 1;
    return c;
  }
  unsigned cp = n == 1 ? c : c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  *len = n;
  return cp;
}

bool is_wide(unsigned cp) {
  return (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6);
}

bool is_closing(unsigned cp) {
  for (const unsigned c :
       {0xFF0Cu,       0x3002u,       0x3001u,       0xFF1Bu,       0xFF1Au,       0xFF09u,
        0x3009u,       0x300Bu,       0x300Du,       0x300Fu,       0x3011u,       0xFF01u,
        0xFF1Fu,       0xFF3Du,       0xFF5Du,       0x201Du,       0x2019u,       0x2026u,
        unsigned{','}, unsigned{'.'}, unsigned{';'}, unsigned{':'}, unsigned{'!'}, unsigned{'?'},
        unsigned{')'}, unsigned{']'}, unsigned{'}'}})
    if (cp == c) return true;
  return false;
}

bool is_opening(unsigned cp) {
  for (const unsigned c : {0xFF08u, 0x3008u, 0x300Au, 0x300Cu, 0x300Eu, 0x3010u, 0xFF3Bu, 0xFF5Bu,
                           0x201Cu, 0x2018u, unsigned{'('}, unsigned{'['}, unsigned{'{'}})
    if (cp == c) return true;
  return false;
}

namespace {

// A piece a line does not break inside: an ASCII word (with what sticks to it), a CJK character
// (with the closing punctuation after it, or after the opening punctuation before it), or a run of
// spaces.
struct Unit {
  std::size_t begin = 0, end = 0;
  float width = 0;
  bool space = false;
  bool ends_wide = false;
  bool ends_opening = false;
};

std::vector<Unit> units_of(std::string_view text, std::size_t begin, std::size_t end,
                           const std::function<float(unsigned)>& advance) {
  std::vector<Unit> units;
  for (std::size_t i = begin; i < end;) {
    std::size_t len = 1;
    const unsigned cp = code_point(text, i, &len);
    const float w = advance(cp);
    const bool wide = is_wide(cp);
    const bool space = cp == ' ' || cp == '\t';
    Unit* last = units.empty() ? nullptr : &units.back();
    if (last && space == last->space &&
        (space || is_closing(cp) || last->ends_opening || (!wide && !last->ends_wide))) {
      last->end = i + len;
      last->width += w;
      last->ends_wide = wide;
      last->ends_opening = is_opening(cp);
    } else {
      units.push_back({i, i + len, w, space, wide, is_opening(cp)});
    }
    i += len;
  }
  return units;
}

}  // namespace

std::vector<WrappedLine> wrap_lines(std::string_view text, float width,
                                    const std::function<float(unsigned cp)>& advance,
                                    LongWords long_words) {
  std::vector<WrappedLine> lines;
  for (std::size_t start = 0; start < text.size() || lines.empty();) {
    std::size_t stop = text.find('\n', start);
    if (stop == std::string_view::npos) stop = text.size();
    // The line being filled: [line_begin, line_end), `used` wide, the spaces after it pending.
    std::size_t line_begin = start, line_end = start;
    float used = 0, pending_space = 0;
    bool has_words = false;
    for (const Unit& u : units_of(text, start, stop, advance)) {
      if (u.space) {
        if (has_words) {
          pending_space = u.width;
        } else if (line_begin == start) {
          used += u.width;  // the spaces that indent a line after '\n' are kept
        } else {
          line_begin = u.end;  // those at a break are dropped
        }
        continue;
      }
      if (has_words && used + pending_space + u.width > width) {
        lines.push_back({line_begin, line_end});
        line_begin = u.begin;
        used = 0;
        has_words = false;
      }
      pending_space = has_words ? pending_space : 0;
      if (long_words == LongWords::kCut && used + pending_space + u.width > width) {
        // Alone and still too wide: cut between characters, at least one on each line.
        used += pending_space;
        for (std::size_t i = u.begin; i < u.end;) {
          std::size_t len = 1;
          const float w = advance(code_point(text, i, &len));
          if (has_words && used + w > width) {
            lines.push_back({line_begin, line_end});
            line_begin = i;
            used = 0;
          }
          used += w;
          line_end = i + len;
          has_words = true;
          i += len;
        }
      } else {
        used += pending_space + u.width;
        line_end = u.end;
        has_words = true;
      }
      pending_space = 0;
    }
    lines.push_back({line_begin, has_words ? line_end : line_begin});
    start = stop + 1;
    if (stop == text.size()) break;
  }
  return lines;
}

float terminal_columns(unsigned cp) {
  return is_wide(cp) ? 2.f : 1.f;
}

std::size_t text_columns(std::string_view text) {
  std::size_t columns = 0;
  for (std::size_t i = 0, len = 1; i < text.size(); i += len)
    columns += static_cast<std::size_t>(terminal_columns(code_point(text, i, &len)));
  return columns;
}

std::vector<std::string> wrap_hanging(std::string_view text, std::size_t width,
                                      std::size_t indent) {
  text.remove_prefix(std::min(text.find_first_not_of(' '), text.size()));
  if (text.empty()) return {};
  const auto wrapped = [](std::string_view part, std::size_t w) {
    return wrap_lines(part, static_cast<float>(w), terminal_columns, LongWords::kKeep);
  };
  std::vector<std::string> out;
  const std::vector<WrappedLine> first = wrapped(text, width);
  if (indent == 0 || indent + 1 >= width || first.size() < 2) {
    for (const WrappedLine& l : first)
      out.emplace_back(text.substr(l.begin, l.end - l.begin));
    return out;
  }
  // The first line as it is; the rest wrapped again to the room beside the indent.
  out.emplace_back(text.substr(first[0].begin, first[0].end - first[0].begin));
  const std::string_view rest = text.substr(first[1].begin);
  const std::string pad(indent, ' ');
  for (const WrappedLine& l : wrapped(rest, width - indent))
    out.push_back(pad + std::string(rest.substr(l.begin, l.end - l.begin)));
  return out;
}

}  // namespace epollscope::sim
