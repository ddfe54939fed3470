// SPDX-License-Identifier: GPL-2.0-only
// cli/term.h — what the terminal replays (`run`, `walkthrough`) know of the terminal: how wide
// their lines may be, whether to colour them, and the small palette they colour with.
//
// Width: $COLUMNS when it is a number (the user's choice, `COLUMNS=80 epollscope run ...`), else
// the terminal's width when standard output is a terminal, else 100 (a pipe, a file); never below
// kMinColumns. Colour: `--color=always`, `never`, or `auto` (the default): only when standard
// output is a terminal and $NO_COLOR is unset or empty (no-color.org).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace epollscope::cli {

inline constexpr int kMinColumns = 40;
inline constexpr int kPipeColumns = 100;

// The width the replays lay their lines out for (see above). `columns_env` is $COLUMNS (nullptr
// when unset), `tty_columns` the terminal's width (0 when standard output is not a terminal).
int choose_width(const char* columns_env, int tty_columns);

enum class ColorMode { kAuto, kAlways, kNever };
// "auto", "always", "never" (nullopt-like false for anything else).
bool parse_color_mode(std::string_view text, ColorMode* mode);
// Whether to colour: always / never, or for auto a terminal on standard output and no NO_COLOR.
bool use_color(ColorMode mode, bool stdout_is_tty, const char* no_color_env);
// The same for this process (isatty(1), getenv("NO_COLOR")).
bool use_color(ColorMode mode);

// ANSI SGR colours, or nothing when off. One meaning per colour, in every replay:
// red — a divergence or a failed expectation (✗); amber — an errno result (-1 EAGAIN);
// green — ✓; bold — a kernel function's name in the steps; dim — rules and "unchanged" notes.
struct Palette {
  bool on = false;
  std::string red(std::string_view s) const { return wrap("\x1b[31m", s); }
  std::string amber(std::string_view s) const { return wrap("\x1b[33m", s); }
  std::string green(std::string_view s) const { return wrap("\x1b[32m", s); }
  std::string bold(std::string_view s) const { return wrap("\x1b[1m", s); }
  std::string dim(std::string_view s) const { return wrap("\x1b[2m", s); }
  // A result line: ✓ green, ✗ and what follows it up to the next three spaces red, every
  // "-1 ERRNO" amber.
  std::string marks(std::string_view line) const;
  // A step line ("    ep_poll_callback    text"): the function's name bold.
  std::string step(std::string_view line) const;

 private:
  std::string wrap(const char* sgr, std::string_view s) const {
    if (!on || s.empty()) return std::string(s);
    return std::string(sgr) + std::string(s) + "\x1b[0m";
  }
};

// Columns a line takes on screen: UTF-8 continuation bytes and ANSI escape sequences take none.
std::size_t display_columns(std::string_view line);

// Word-wraps `text` to `width` terminal columns, where a CJK character takes two, at the break
// positions of sim/text_wrap.h (between ASCII words at spaces; between two CJK characters, as
// Chinese has no spaces, never before closing punctuation ，。）...). A word longer than the width
// stays whole; '\n' ends a line. Continuation lines start with `indent` spaces (a hanging
// indent) and take the width that is left.
std::vector<std::string> wrap_text(std::string_view text, std::size_t width,
                                   std::size_t indent = 0);

}  // namespace epollscope::cli
