// gui/walkthrough.h — the built-in terminal walk-through of the seed's example: 2 KB written into a
// pipe, 1 KB read, epoll_wait again; edge-triggered beside level-triggered, on the model.
#pragma once

#include <ostream>

#include "sim/profile.h"

namespace epollscope::app {

struct WalkthroughOptions {
  const sim::KernelProfile* profile = &sim::KernelProfile::default_profile();
  bool show_steps = true;  // the kernel functions inside each call
  bool show_state = true;  // the state after each call, ET beside LT
  int width = 120;         // terminal columns
};

// Prints the walk-through; returns 0 when both models gave the results the real kernel gives
// (ET: nothing after the partial read; LT: the pipe again), 1 otherwise.
int run_walkthrough(std::ostream& out, const WalkthroughOptions& options);

}  // namespace epollscope::app
