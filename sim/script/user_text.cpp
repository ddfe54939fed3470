// SPDX-License-Identifier: GPL-2.0-only
// sim/script/user_text.cpp — terminal-safe text and spelling hints (see user_text.h).
#include "sim/script/user_text.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

namespace epollscope::sim::script {
namespace {

// The length of the valid UTF-8 sequence at text[i] and its code point, or 0 when the byte there
// does not start one (a stray continuation byte, an overlong form, a surrogate, beyond U+10FFFF,
// or cut short).
std::size_t utf8_sequence(std::string_view text, std::size_t i, uint32_t* cp) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  std::size_t n = 0;
  uint32_t v = 0, min = 0;
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  } else if ((b0 & 0xe0) == 0xc0) {
    n = 2, v = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 3, v = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 4, v = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    v = v << 6 | (byte(i + k) & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return n;
}

bool acts_on_terminal(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

std::string escape_byte(unsigned char b) {
  switch (b) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", b);
      return buf;
    }
  }
}

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Optimal string alignment distance (Levenshtein with adjacent transpositions), ignoring case.
std::size_t distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

}  // namespace

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    if (b == '\t' || (b == '\n' && keep_newlines) || (b >= 0x20 && b < 0x7f)) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const std::size_t n = b < 0x80 ? 0 : utf8_sequence(text, i, &cp);
    if (n == 0) {  // a control character, DEL, or a byte that is not valid UTF-8
      out += escape_byte(b);
      ++i;
      continue;
    }
    if (acts_on_terminal(cp)) {
      char buf[12];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t w = 0;
  for (char c : printable(text))
    w += (static_cast<unsigned char>(c) & 0xc0) != 0x80 ? 1 : 0;
  return w;
}

std::string nearest_name(std::string_view name, const std::vector<std::string_view>& candidates) {
  if (name.empty() || name.size() > 64) return {};
  // A quarter of the name: EPOLL_ET finds EPOLLET, but EPOLLFAST is not taken for EPOLLET.
  const std::size_t allowed = std::clamp<std::size_t>(name.size() / 4, 1, 3);
  std::string_view best;
  std::size_t best_d = allowed + 1;
  for (std::string_view c : candidates) {
    if (c.size() > name.size() + allowed || c.size() + allowed < name.size()) continue;
    const std::size_t d = distance(name, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best_d <= allowed ? std::string(best) : std::string();
}

std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates) {
  const std::string n = nearest_name(name, candidates);
  return n.empty() ? std::string() : " (did you mean " + n + "?)";
}

}  // namespace epollscope::sim::script
