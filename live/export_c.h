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
//
// What it guarantees: scenario text (the title, the path, narration, statements, strings, names)
// reaches the program only escaped — in comments with no byte that could end, open or continue
// one, in string literals with every `"`, `\`, `?`, control and non-ASCII byte escaped, as
// identifiers made of [A-Za-z0-9_] — so the program performs the scenario's calls and nothing
// else, and it compiles with -Wall -Wextra -Werror (also as strict C11, trigraphs on). It has no
// memory error for any count: the events array is bounded (2^20 events) and ends at an
// inaccessible page; the bytes of a read or write beyond a page are a 2 GiB buffer reserved lazily
// at the live child's address (sim::kUserBuffer), so the kernel gives every count the answer it
// gives the live child (EFAULT for a range past user space, a count capped at MAX_RW_COUNT).
#pragma once

#include <string>

#include "driver/backend.h"
#include "sim/script/scenario.h"

namespace epollscope::live {

std::string export_c(const sim::script::Scenario& scenario);

// One transcript line, as the exported program prints it.
std::string transcript_line(int line, const driver::Outcome& o, driver::CallId call);

}  // namespace epollscope::live
