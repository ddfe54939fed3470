// SPDX-License-Identifier: GPL-2.0-only
// sim/text_view.h — the model as text, for terminal users: the steps of a call, the state after
// it, and two states side by side. The terminal walk-through and `epollscope run` print these; the
// tests read them too.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sim/snapshot.h"
#include "sim/task.h"
#include "sim/trace.h"

namespace epollscope::sim {

// One line per step, indented by nesting depth: "  ep_poll_callback   epitem(fd 4, ...) joins ...".
// Lines are wrapped to `width` columns.
std::vector<std::string> render_steps(const std::vector<TraceStep>& steps, std::size_t from,
                                      std::size_t to, std::size_t width = 112);

// The state of every epoll (rbr in key order with colours, rdllist, txlist/ovflist while a scan
// runs, sleeping threads) and every file that is open or watched (fds, poll mask, buffer, the
// entries on its wait queues). Standard streams are left out. With a `width`, every line is
// word-wrapped to it, continuation lines indented under the line's value (an epitem's mask and its
// ET/LT tag are never cut); 0 leaves lines as long as they are.
std::vector<std::string> render_state(const Snapshot& s, std::size_t width = 0);

// The same state as one block per object (an epoll, a file, a sleeping thread), in the same
// order: `key` names the object the same way from one snapshot to the next ("epoll#1",
// "pipe#1 read end", "thread t1"), `lines` are its lines (the first unindented), and `gone` says
// what it means that the object is no longer shown ("closed", "no longer sleeping"). For a
// terminal replay that prints only what a call changed.
struct StateBlock {
  std::string key;
  std::vector<std::string> lines;
  std::string gone;
};
std::vector<StateBlock> render_state_blocks(const Snapshot& s, std::size_t width = 0);

// One line word-wrapped to `width` (0: not at all): the continuation lines are indented under the
// line's value — after its leading spaces and a label followed by two spaces ("  rbr      fd 4
// ..."), else two more than its leading spaces.
std::vector<std::string> wrap_line(const std::string& line, std::size_t width);

// Two columns of lines, each cut or padded to `width`, under two titles.
std::vector<std::string> side_by_side(const std::vector<std::string>& left,
                                      const std::vector<std::string>& right, std::size_t width,
                                      const std::string& left_title = {},
                                      const std::string& right_title = {});

// Word-wraps `text` to `width` terminal columns (a CJK character takes two) where sim/text_wrap.h
// lets a line break: at spaces, and between CJK characters. Continuation lines start with `indent`
// spaces; a word wider than the width stays whole; '\n' ends a line; a blank text has no lines.
std::vector<std::string> wrap(const std::string& text, std::size_t width, std::size_t indent = 0);

}  // namespace epollscope::sim
