// SPDX-License-Identifier: GPL-2.0-only
// sim/strings.h — small string helpers for trace sentences (the model links only the standard
// library, and GCC 12 has no <format>).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace epollscope::sim {

namespace detail {
inline void append(std::string& out, std::string_view s) {
  out += s;
}
inline void append(std::string& out, const char* s) {
  out += s;
}
inline void append(std::string& out, const std::string& s) {
  out += s;
}
inline void append(std::string& out, char c) {
  out += c;
}
inline void append(std::string& out, bool b) {
  out += b ? "true" : "false";
}
template <class T>
requires std::is_integral_v<T>
inline void append(std::string& out, T v) {
  out += std::to_string(v);
}
}  // namespace detail

// cat("fd ", 3, " is ", name): concatenates strings and integers.
template <class... Args>
std::string cat(const Args&... args) {
  std::string out;
  (detail::append(out, args), ...);
  return out;
}

// "0x1f" for 31.
std::string hex(uint64_t v);
// "1 byte" / "2048 bytes"
std::string bytes(uint64_t n);

}  // namespace epollscope::sim
