// SPDX-License-Identifier: GPL-2.0-only
// sim/snapshot.h — an immutable view of the whole model after a step.
//
// The GUI and the terminal replay never look at live kernel objects: they read Snapshots. A
// snapshot is plain data (ids instead of pointers), cheap to keep for every step of a long
// scenario because consecutive snapshots share every object view that did not change
// (structural sharing through shared_ptr<const ...>): take_snapshot compares each freshly built
// view with the previous snapshot's view of the same object and reuses the old one when equal.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/file.h"
#include "sim/task.h"
#include "sim/uapi.h"

namespace epollscope::sim {

class Kernel;

struct WaitEntryView {
  // kPoll: a poll_table_entry of a task's poll or select call (sim/select.h).
  enum class Kind : uint8_t { kEpItem, kTask, kPoll };
  Kind kind = Kind::kEpItem;
  uint32_t id = 0;  // epitem id or task id (kTask, kPoll)
  bool exclusive = false;
  friend bool operator==(const WaitEntryView&, const WaitEntryView&) = default;
};

struct WaitQueueView {
  uint32_t id = 0;
  std::string label;                   // "pipe#3 rd_wait"
  std::vector<WaitEntryView> entries;  // in list order: the order a wake-up calls them
  friend bool operator==(const WaitQueueView&, const WaitQueueView&) = default;
};

struct FileView {
  uint32_t id = 0;
  FileKind kind = FileKind::kRegular;
  std::string label;
  uint64_t address = 0;  // ep_cmp_ffd's key
  long refcount = 0;     // f_count
  int f_flags = 0;
  poll_t mask = 0;  // what ->poll() would return now
  std::vector<WaitQueueView> queues;
  std::vector<uint32_t> watchers;  // epitems on f_ep
  // Type-specific: a one-line summary, the data chunks (pipe slots / socket skbs, bytes each),
  // the slot capacity, a counter (eventfd), the other end, the epoll it is.
  std::string detail;
  std::vector<uint32_t> chunks;
  uint32_t capacity = 0;
  uint64_t counter = 0;
  uint32_t peer = 0;
  int peer_readers = 0;
  int peer_writers = 0;
  uint32_t epoll = 0;
  friend bool operator==(const FileView&, const FileView&) = default;
};

struct EpItemView {
  enum class Where : uint8_t { kNone, kRdllist, kTxlist };
  uint32_t id = 0;
  uint32_t ep = 0;
  uint32_t file = 0;
  int fd = 0;
  poll_t events = 0;  // stored mask
  uint64_t data = 0;
  bool red = false;                          // colour in rbr
  uint32_t parent = 0, left = 0, right = 0;  // epitem ids in rbr, 0 = none
  Where where = Where::kNone;
  bool on_ovflist = false;
  bool dying = false;
  poll_t ready = 0;              // what a harvest would report now (file mask & stored mask)
  std::vector<uint32_t> queues;  // wait-queue ids of its eppoll_entries
  friend bool operator==(const EpItemView&, const EpItemView&) = default;
};

struct EventPollView {
  uint32_t id = 0;
  uint32_t file = 0;
  std::string label;
  uint32_t root = 0;              // rbr root item, 0 = empty
  std::vector<uint32_t> rbr;      // items in tree (key) order
  std::vector<uint32_t> rdllist;  // front to back
  std::vector<uint32_t> txlist;   // the running scan's private list
  bool scanning = false;          // ovflist != EP_UNACTIVE_PTR
  std::vector<uint32_t> ovflist;  // from the head of the chain (most recent first)
  WaitQueueView wq;               // sleeping epoll_wait tasks
  WaitQueueView poll_wait;        // outer epolls and pollers
  long refcount = 0;
  friend bool operator==(const EventPollView&, const EventPollView&) = default;
};

struct TaskView {
  uint32_t id = 0;
  std::string name;
  TaskState state = TaskState::kRunning;
  uint32_t waiting_on = 0;  // wait-queue id
  std::optional<int64_t> deadline_ns;
  std::string blocked_call;
  friend bool operator==(const TaskView&, const TaskView&) = default;
};

struct FdView {
  int fd = 0;
  uint32_t file = 0;
  bool cloexec = false;
  friend bool operator==(const FdView&, const FdView&) = default;
};

struct Snapshot {
  uint64_t seq = 0;   // trace step after which it was taken (0 = before any)
  uint32_t call = 0;  // syscall number
  int64_t now_ns = 0;
  std::vector<std::shared_ptr<const FileView>> files;        // by id
  std::vector<std::shared_ptr<const EventPollView>> epolls;  // by id
  std::vector<std::shared_ptr<const EpItemView>> items;      // by id
  std::shared_ptr<const std::vector<FdView>> fds;
  std::shared_ptr<const std::vector<TaskView>> tasks;

  const FileView* file(uint32_t id) const;
  const EventPollView* epoll(uint32_t id) const;
  const EpItemView* item(uint32_t id) const;
  const FileView* file_of_fd(int fd) const;
};

// The ids of the objects whose views differ between two snapshots of one model, given the same
// kind of view list of each (sorted by id): views that did not change are the same objects, so
// most of the walk compares pointers and never looks at a view.
template <class V>
std::vector<uint32_t> changed_ids(const std::vector<std::shared_ptr<const V>>& a,
                                  const std::vector<std::shared_ptr<const V>>& b) {
  std::vector<uint32_t> out;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++i, ++j;
      continue;
    }
    const uint32_t x = a[i]->id, y = b[j]->id;
    out.push_back(std::min(x, y));
    if (x <= y) ++i;
    if (y <= x) ++j;
  }
  for (; i < a.size(); ++i)
    out.push_back(a[i]->id);
  for (; j < b.size(); ++j)
    out.push_back(b[j]->id);
  return out;
}

// Builds a snapshot of `k`, sharing unchanged views with `previous` (may be null).
Snapshot take_snapshot(const Kernel& k, const Snapshot* previous);

// Bytes a snapshot adds on top of `previous` (views it does not share), for benchmarks.
std::size_t snapshot_unshared_bytes(const Snapshot& s, const Snapshot* previous);

}  // namespace epollscope::sim
