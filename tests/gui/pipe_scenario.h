// SPDX-License-Identifier: GPL-2.0-only
// tests/gui/pipe_scenario.h — the seed's pipe example (2 KB written, 1 KB read, edge-triggered),
// shared by the GUI's model tests and render tests.
#pragma once

namespace epollscope::test {

inline constexpr const char* kPipeScenario = R"(title "pipe"
ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLET)
write(w, 2048)
epoll_wait(ep, 8, 0)          => [r: EPOLLIN]
read(r, 1024)
epoll_wait(ep, 8, 0)          => []
)";

}  // namespace epollscope::test
