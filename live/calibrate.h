// SPDX-License-Identifier: GPL-2.0-only
// live/calibrate.h — which kernel profile does this machine's kernel follow?
//
// Three probes, a few milliseconds in all, each a behaviour that changed upstream:
//   1. does a write into a NON-empty pipe wake an edge-triggered reader?   (5.15: poll_usage)
//   2. does a 1-byte read from a full pipe (no slot freed) wake the writer? (6.14: no)
//      seen through the ready-list position that such a spurious wake-up fixes;
//   3. is a fifth epoll link refused when the chain is built top-down?     (6.17: ELOOP)
// The answers select the profile; a combination no profile has picks the closest one and says so.
#pragma once

#include <string>
#include <vector>

#include "sim/profile.h"

namespace epollscope::live {

struct Calibration {
  const sim::KernelProfile* profile = nullptr;
  bool exact = false;                 // the three answers match the profile exactly
  std::vector<std::string> findings;  // one sentence per probe
  std::string error;                  // a probe could not run (the profile is then the default)
};

Calibration calibrate();

}  // namespace epollscope::live
