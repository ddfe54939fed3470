// SPDX-License-Identifier: GPL-2.0-only
// sim/text_wrap.h — where a line of the front ends' text may break, in English and in Chinese.
//
// English breaks between words, at spaces. Chinese has no spaces: a line may break between any two
// CJK characters (ideographs, kana, hangul, fullwidth forms, CJK punctuation), and between a CJK
// character and a Latin word — but never before closing punctuation (，。、；：）」! ...) nor after
// opening punctuation (（「“ ...), which stay with the character they close or open. The terminal
// (cli/term.h: columns, a CJK character taking two) and the window (gui/ui/text_wrap.h: the font's
// advances in pixels) measure differently and share these break positions: each hands in the
// width of one code point.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace epollscope::sim {

// The code point starting at text[i] and its length in bytes (a stray byte is itself, length 1).
unsigned code_point(std::string_view text, std::size_t i, std::size_t* len);
// A character two terminal columns wide (East Asian Wide or Fullwidth), and one a line may break
// before or after.
bool is_wide(unsigned cp);
// Terminal columns: 2 for a wide character, 1 for any other code point.
float terminal_columns(unsigned cp);
// The terminal columns of a text (UTF-8; no escape sequences).
std::size_t text_columns(std::string_view text);
// Punctuation a line must not start with (，。、；：！？）」』》” and their ASCII kin , . ; : ! ? )
// ] }).
bool is_closing(unsigned cp);
// Punctuation a line must not end with (（「『《“ and ( [ {).
bool is_opening(unsigned cp);

// One line of wrapped text: the bytes [begin, end) of the text, without the spaces at its break.
struct WrappedLine {
  std::size_t begin = 0;
  std::size_t end = 0;
};

enum class LongWords {
  kKeep,  // a word wider than the width stays whole on a line of its own (the terminal)
  kCut,   // it is cut between two characters, so that no line is wider (the window)
};

// Wraps `text` into lines at most `width` wide, where a code point is `advance(cp)` wide: as many
// words or CJK characters on a line as fit, the spaces at a break dropped; '\n' ends a line (the
// spaces that start a line after it, or the text, are kept). An empty text is one empty line; a
// text ending in '\n' has no empty line after it.
std::vector<WrappedLine> wrap_lines(std::string_view text, float width,
                                    const std::function<float(unsigned cp)>& advance,
                                    LongWords long_words);

// Wraps `text` (its leading spaces dropped) to `width` terminal columns at the break positions
// above; continuation lines start with `indent` spaces and take the width that is left. A word
// wider than the width stays whole. A blank text has no lines.
std::vector<std::string> wrap_hanging(std::string_view text, std::size_t width, std::size_t indent);

}  // namespace epollscope::sim
