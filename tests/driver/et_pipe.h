// SPDX-License-Identifier: GPL-2.0-only
// tests/driver/et_pipe.h — the seed's pipe example, edge-triggered, with a second write at the end
// (the line where kernel profiles disagree), and a parser for scenarios written inline. Shared by
// the driver's tests and the checks against this machine's kernel.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "sim/script/parser.h"

namespace epollscope::test {

inline constexpr const char* kEtPipe = R"(ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLET)
write(w, 2048)                 => 2048
epoll_wait(ep, 8, 0)           => [r: EPOLLIN]
read(r, 1024)                  => 1024
epoll_wait(ep, 8, 0)           => []
write(w, 10)                   => 10
epoll_wait(ep, 8, 0)           => [r: EPOLLIN]
)";

// `text` parsed as the file "inline.scn" (a parse error fails the test).
inline sim::script::Scenario parse_inline(const std::string& text) {
  auto r = sim::script::parse_scenario(text, "inline.scn");
  if (auto* e = std::get_if<sim::script::ParseError>(&r)) ADD_FAILURE() << e->format();
  return std::get<sim::script::Scenario>(std::move(r));
}

}  // namespace epollscope::test
