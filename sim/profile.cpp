// SPDX-License-Identifier: GPL-2.0-only
#include "sim/profile.h"

namespace epollscope::sim {

const std::vector<KernelProfile>& KernelProfile::all() {
  static const std::vector<KernelProfile> profiles = [] {
    std::vector<KernelProfile> v;

    KernelProfile current;
    current.name = "6.18";
    current.description =
        "Linux 6.17+: every pipe write wakes the read end once it was polled (5.15), a read wakes "
        "the writer only when it frees a slot of a full pipe (6.14), nesting depth checked up and "
        "down (6.17)";
    v.push_back(current);

    KernelProfile before614 = current;
    before614.name = "6.13";
    before614.description =
        "Linux 5.15 to 6.13: every pipe write wakes the read end once it was polled, any read that "
        "starts on a full pipe wakes the writer, nesting depth checked downwards only";
    before614.pipe_read_wake_writer = PipeReadWakeWriter::kFullAtStart;
    before614.loop_check = LoopCheckDepth::kDownwardOnly;
    v.push_back(before614);

    KernelProfile old = before614;
    old.name = "5.10";
    old.description =
        "Linux 5.5 to 5.13 (5.10 before the August 2021 stable backports): a pipe write wakes the "
        "read end only when the pipe was empty, so edge-triggered readers miss writes into a "
        "non-empty pipe";
    old.pipe_write_wake = PipeWriteWake::kWasEmpty;
    v.push_back(old);
    return v;
  }();
  return profiles;
}

const KernelProfile& KernelProfile::default_profile() {
  return all().front();
}

const KernelProfile* KernelProfile::by_name(std::string_view name) {
  for (const auto& p : all())
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace epollscope::sim
