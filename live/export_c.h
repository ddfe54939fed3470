// SPDX-License-Identifier: GPL-2.0-only
// live/export_c.h — a scenario as a standalone C program.
//
// The program performs the scenario's calls with real syscalls, one worker thread per scenario
// thread (as the live backend does), and prints one line per statement in the transcript format
// below, so that its output can be compared with the live backend's:
//
//   <line>: <outcome>                               a call: "1 [4: EPOLLIN]", "-1 EAGAIN", "blocks"
//   <line>: thread <name> finished: <outcome>       a sleeping call of another thread finished
//   <line>: <thread> => <outcome>                   a thread-result statement
//
// Compile with: cc -O1 -pthread -o scenario scenario.c
#pragma once

#include <string>

#include "driver/backend.h"
#include "sim/script/scenario.h"

namespace epollscope::live {

std::string export_c(const sim::script::Scenario& scenario);

// One transcript line, as the exported program prints it.
std::string transcript_line(int line, const driver::Outcome& o, driver::CallId call);

}  // namespace epollscope::live
