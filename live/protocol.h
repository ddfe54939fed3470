// SPDX-License-Identifier: GPL-2.0-only
// live/protocol.h — the line protocol between LiveBackend (the parent) and the live child
// (epollscope-live-child), which performs scenario calls with real syscalls.
//
// One AF_UNIX stream socket, in the child's control thread's own fd table (live_child.cpp): no
// scenario call can reach or name it. The child says READY once it is set up; then one reply per
// request:
//
//   (start)                                                   → READY | ERROR <why>
//   CALL <thread> <call> <n> <value_1> <null_1> ... <value_n> <null_n> <text-hex | -> <lists>
//        <lists>: <k>, then k times <argument> <items> [<fd> <events>]...  (poll, select)
//     → DONE <ret> <errno> <nevents> [<mask> <data>]... <nfds> [<fd>]... <counter | ->
//                                                             the call returned
//     → BLOCKED                                               the thread sleeps in it
//     → ERROR <why>                                           the call could not be made
//   SETTLE <ms>
//     → COMPLETIONS <k>, then k lines: <thread> DONE ...      sleeping calls that returned
//   QUIT
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "driver/backend.h"

namespace epollscope::live {

// How long a call may neither return nor sleep (beyond a timeout it waits out) before the child
// gives up on it with an ERROR; the parent waits a little longer than this for any answer.
inline constexpr int kStuckMs = 10000;
// The longest line either side accepts (an epoll_wait's events: ~40 bytes each).
inline constexpr std::size_t kMaxLine = std::size_t{256} << 20;

inline std::string hex_encode(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out.empty() ? std::string("-") : out;
}

inline std::string hex_decode(const std::string& s) {
  if (s == "-") return {};
  std::string out;
  auto val = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < s.size(); i += 2)
    out += static_cast<char>(val(s[i]) << 4 | val(s[i + 1]));
  return out;
}

inline std::string encode_call(const driver::ResolvedCall& c) {
  std::ostringstream o;
  o << "CALL " << c.thread << ' ' << sim::script::call_name(c.call) << ' ' << c.values.size();
  for (std::size_t i = 0; i < c.values.size(); ++i)
    o << ' ' << c.values[i] << ' ' << (c.is_null[i] ? 1 : 0);
  o << ' ' << (c.has_text ? hex_encode(c.text) : std::string("-"));
  std::size_t lists = 0;
  for (const auto& l : c.lists)
    lists += l.empty() ? 0 : 1;
  o << ' ' << lists;
  for (std::size_t i = 0; i < c.lists.size(); ++i) {
    if (c.lists[i].empty()) continue;
    o << ' ' << i << ' ' << c.lists[i].size();
    for (const auto& item : c.lists[i])
      o << ' ' << item.fd << ' ' << item.events;
  }
  return o.str();
}

// Reads the <lists> part of a CALL line into `c` (whose `values` are read); false if malformed.
inline bool decode_lists(std::istringstream& in, driver::ResolvedCall& c) {
  std::size_t k = 0;
  if (!(in >> k) || k > c.values.size()) return false;
  c.lists.assign(c.values.size(), {});
  for (std::size_t j = 0; j < k; ++j) {
    std::size_t arg = 0, n = 0;
    if (!(in >> arg >> n) || arg >= c.values.size() || n > kMaxLine) return false;
    for (std::size_t i = 0; i < n; ++i) {
      driver::ResolvedCall::Item item;
      if (!(in >> item.fd >> item.events)) return false;
      c.lists[arg].push_back(item);
    }
  }
  return true;
}

inline std::string encode_done(const driver::CallResult& r) {
  std::ostringstream o;
  o << "DONE " << r.ret << ' ' << r.err << ' ' << r.events.size();
  for (const auto& e : r.events)
    o << ' ' << e.events << ' ' << e.data;
  o << ' ' << r.fds.size();
  for (int fd : r.fds)
    o << ' ' << fd;
  o << ' ';
  if (r.counter)
    o << *r.counter;
  else
    o << '-';
  return o.str();
}

// Parses "DONE ..." or "BLOCKED" (after the word DONE/BLOCKED has not been consumed).
inline std::optional<driver::CallResult> decode_result(std::istringstream& in) {
  std::string word;
  if (!(in >> word)) return std::nullopt;
  driver::CallResult o;
  if (word == "BLOCKED") {
    o.blocked = true;
    return o;
  }
  if (word != "DONE") return std::nullopt;
  std::size_t n = 0;
  if (!(in >> o.ret >> o.err >> n)) return std::nullopt;
  for (std::size_t i = 0; i < n; ++i) {
    sim::EpollEvent e;
    if (!(in >> e.events >> e.data)) return std::nullopt;
    o.events.push_back(e);
  }
  std::size_t nfds = 0;
  if (!(in >> nfds)) return std::nullopt;
  for (std::size_t i = 0; i < nfds; ++i) {
    int fd;
    if (!(in >> fd)) return std::nullopt;
    o.fds.push_back(fd);
  }
  std::string counter;
  if (!(in >> counter)) return std::nullopt;
  if (counter != "-") {
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(counter.data(), counter.data() + counter.size(), v);
    if (ec != std::errc() || end != counter.data() + counter.size()) return std::nullopt;
    o.counter = v;
  }
  return o;
}

}  // namespace epollscope::live
