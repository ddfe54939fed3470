// SPDX-License-Identifier: GPL-2.0-only
#include "cli/term.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace epollscope::cli {

int choose_width(const char* columns_env, int tty_columns) {
  if (columns_env && *columns_env) {
    char* end = nullptr;
    const long n = std::strtol(columns_env, &end, 10);
    if (end && *end == '\0' && n > 0)
      return static_cast<int>(std::clamp<long>(n, kMinColumns, 1000));
  }
  if (tty_columns > 0) return std::max(tty_columns, kMinColumns);
  return kPipeColumns;
}

bool parse_color_mode(std::string_view text, ColorMode* mode) {
  if (text == "auto")
    *mode = ColorMode::kAuto;
  else if (text == "always")
    *mode = ColorMode::kAlways;
  else if (text == "never")
    *mode = ColorMode::kNever;
  else
    return false;
  return true;
}

bool use_color(ColorMode mode, bool stdout_is_tty, const char* no_color_env) {
  if (mode == ColorMode::kAlways) return true;
  if (mode == ColorMode::kNever) return false;
  return stdout_is_tty && !(no_color_env && *no_color_env);
}

bool use_color(ColorMode mode) {
  return use_color(mode, isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"));
}

namespace {

const std::string_view kCheck = "\u2713";
const std::string_view kCross = "\u2717";

bool is_errno_start(std::string_view line, std::size_t i) {
  return line.compare(i, 4, "-1 E") == 0 && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '(');
}

}  // namespace

std::string Palette::marks(std::string_view line) const {
  if (!on) return std::string(line);
  std::string out;
  for (std::size_t i = 0; i < line.size();) {
    if (line.compare(i, kCheck.size(), kCheck) == 0) {
      out += green(kCheck);
      i += kCheck.size();
    } else if (line.compare(i, kCross.size(), kCross) == 0) {
      std::size_t end = line.find("   ", i);
      if (end == std::string_view::npos) end = line.size();
      out += red(line.substr(i, end - i));
      i = end;
    } else if (is_errno_start(line, i)) {
      std::size_t end = i + 3;
      while (end < line.size() && (std::isupper(static_cast<unsigned char>(line[end])) ||
                                   std::isdigit(static_cast<unsigned char>(line[end]))))
        ++end;
      out += amber(line.substr(i, end - i));
      i = end;
    } else {
      out += line[i++];
    }
  }
  return out;
}

std::string Palette::step(std::string_view line) const {
  if (!on) return std::string(line);
  const std::size_t b = line.find_first_not_of(' ');
  if (b == std::string_view::npos) return std::string(line);
  std::size_t e = line.find(' ', b);
  if (e == std::string_view::npos) e = line.size();
  // A continuation line of a wrapped step starts far right (the text column): not a name.
  if (b >= 28) return std::string(line);
  return std::string(line.substr(0, b)) + bold(line.substr(b, e - b)) + std::string(line.substr(e));
}

std::size_t display_columns(std::string_view line) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == 0x1b && i + 1 < line.size() && line[i + 1] == '[') {
      i += 2;
      while (i < line.size() && !(line[i] >= 0x40 && line[i] <= 0x7e))
        ++i;
      continue;
    }
    n += (c & 0xC0) != 0x80;
  }
  return n;
}

namespace {

// The code point starting at text[i] and its length in bytes (a stray byte is itself).
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

bool wide(unsigned cp) {
  return (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6);
}

// Punctuation a line must not start with.
bool closing(unsigned cp) {
  for (const unsigned c : {0xFF0Cu, 0x3002u, 0x3001u, 0xFF1Bu, 0xFF1Au, 0xFF09u, 0x300Bu, 0x300Du,
                           0x300Fu, 0xFF01u, 0xFF1Fu, 0x201Du, 0x2019u})
    if (cp == c) return true;
  return false;
}

}  // namespace

std::vector<std::string> wrap_text(std::string_view text, std::size_t width) {
  // Units: an ASCII word (with what sticks to it), a wide character (with the closing
  // punctuation after it), and the spaces between them.
  struct Unit {
    std::string text;
    std::size_t cols = 0;
    bool space = false;
    bool ends_wide = false;
  };
  std::vector<Unit> units;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 1;
    const unsigned cp = code_point(text, i, &len);
    const std::string_view piece = text.substr(i, len);
    const bool w = wide(cp);
    if (cp == ' ') {
      if (units.empty() || !units.back().space) units.push_back({"", 0, true, false});
      units.back().text += ' ';
      ++units.back().cols;
    } else if (!units.empty() && !units.back().space &&
               (closing(cp) || (!w && !units.back().ends_wide))) {
      // Closing punctuation stays with what it closes; an ASCII word's letters stay together.
      units.back().text += piece;
      units.back().cols += w ? 2 : 1;
      units.back().ends_wide = w;
    } else {
      units.push_back({std::string(piece), w ? 2u : 1u, false, w});
    }
    i += len;
  }
  std::vector<std::string> lines;
  std::string line;
  std::size_t cols = 0;
  std::string pending_space;
  for (const Unit& u : units) {
    if (u.space) {
      pending_space = line.empty() ? "" : u.text;
      continue;
    }
    if (!line.empty() && cols + pending_space.size() + u.cols > width) {
      lines.push_back(line);
      line.clear();
      cols = 0;
      pending_space.clear();
    }
    line += pending_space + u.text;
    cols += pending_space.size() + u.cols;
    pending_space.clear();
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

}  // namespace epollscope::cli
