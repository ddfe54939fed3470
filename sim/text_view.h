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
// entries on its wait queues). Standard streams are left out.
std::vector<std::string> render_state(const Snapshot& s);

// Two columns of lines, each cut or padded to `width`, under two titles.
std::vector<std::string> side_by_side(const std::vector<std::string>& left,
                                      const std::vector<std::string>& right, std::size_t width,
                                      const std::string& left_title = {},
                                      const std::string& right_title = {});

// Word-wraps `text` to `width` columns, prefixing continuation lines with `indent` spaces.
std::vector<std::string> wrap(const std::string& text, std::size_t width, std::size_t indent = 0);

}  // namespace epollscope::sim
