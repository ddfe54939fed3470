// SPDX-License-Identifier: GPL-2.0-only
// gui/app/compare.h — compare mode: what differs between two models at the same position of the
// timeline (the chains and tree of each epoll, each item, each file), worked out from snapshots
// without any GUI library. The eventpoll view marks what differs with ≠ in magenta.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_set>

#include "sim/snapshot.h"

namespace epollscope::app {

struct Differences {
  std::set<std::string> lists;         // "epoll#1 rdllist", "epoll#1 rbr", ...
  std::unordered_set<uint64_t> items;  // item_key(epoll id, fd) of items that differ
  std::unordered_set<uint32_t> files;  // ids of files that differ
  // The two models numbered their objects alike (checked: same ids for the same epolls, items
  // with the same fds, files with the same labels), so objects are paired by id, and the next
  // pair of snapshots can be compared from this one by looking only at the views that changed.
  bool same_ids = false;
  bool any() const { return !lists.empty() || !items.empty() || !files.empty(); }
  static uint64_t item_key(uint32_t epoll, int fd) {
    return static_cast<uint64_t>(epoll) << 32 | static_cast<uint32_t>(fd);
  }
};

// From scratch: what differs in `a` from `b` (nothing when b is null). Items are matched by fd
// and files by label, or by id when the models number alike (the usual case: they run the same
// scenario and create the same objects).
Differences differences(const sim::Snapshot& a, const sim::Snapshot* b);

// `d` holds the differences of a0 from b0 (snapshots of the same two models); makes it those of a
// from b by looking only at the objects whose views changed in either model. False when that
// cannot be done (the models do not number alike); `d` is then to be computed from scratch.
bool update_differences(const sim::Snapshot& a0, const sim::Snapshot& b0, const sim::Snapshot& a,
                        const sim::Snapshot& b, Differences& d);

}  // namespace epollscope::app
