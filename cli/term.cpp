// SPDX-License-Identifier: GPL-2.0-only
#include "cli/term.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "sim/text_wrap.h"

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

std::vector<std::string> wrap_text(std::string_view text, std::size_t width, std::size_t indent) {
  std::vector<std::string> lines = sim::wrap_hanging(text, width, indent);
  if (lines.empty()) lines.emplace_back();
  return lines;
}

}  // namespace epollscope::cli
