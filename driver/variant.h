// SPDX-License-Identifier: GPL-2.0-only
// driver/variant.h — a scenario's twin for comparing two runs side by side: the same calls with
// EPOLLET flipped in every epoll_ctl, so that an edge-triggered scenario can be watched beside its
// level-triggered self (the window's compare mode, the terminal walk-through).
#pragma once

#include <string>

#include "sim/script/scenario.h"

namespace epollscope::driver {

// The scenario with EPOLLET toggled in every epoll_ctl event argument (ADD and MOD) and its
// expectations removed (they belong to the original). The lines as written are rewritten too, so
// that what is shown is what runs.
sim::script::Scenario flip_trigger(const sim::script::Scenario& s);
// True if any epoll_ctl of the scenario sets EPOLLET.
bool uses_edge_trigger(const sim::script::Scenario& s);
// "edge-triggered", "level-triggered" or "as written" (both), over the epoll_ctl calls with events.
std::string trigger_label(const sim::script::Scenario& s);

}  // namespace epollscope::driver
