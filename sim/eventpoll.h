// SPDX-License-Identifier: GPL-2.0-only
// sim/eventpoll.h — fs/eventpoll.c of Linux 6.18: struct eventpoll, struct epitem,
// struct eppoll_entry, and the functions that move items between the tree, the target files'
// wait queues, the ready list, a scan's private txlist and the overflow list.
//
// The objects and who owns them
//   EventPoll   one per epoll instance, owned by its "[eventpoll]" file (EventPollFile).
//     rbr       every registration, an EpItem keyed by (file address, fd) — ep_cmp_ffd();
//     rdllist   the ready list: items that got a wake-up (or were ready at ADD/MOD) and have not
//               been harvested since, in the order of that first wake-up;
//     ovflist   while a scan runs (ep_start_scan … ep_done_scan) callbacks push items here instead
//               of on rdllist; kEpUnactive when no scan runs, nullptr when one runs and it is
//               empty;
//     wq        threads sleeping in epoll_wait (exclusive, head-inserted: the last to sleep is
//     woken
//               first);
//     poll_wait whoever polls this epoll fd: outer epolls (nested epoll) and poll()ers.
//     index     not the kernel's: where each (file, fd) is in rbr. A fast path for tracing off
//               only: finding an item and the link a new one hangs from then costs a cache miss
//               or two, not a walk of rbr (sim/ep_index.h). With tracing on the model walks rbr as
//               the kernel does, each comparison a trace step. rbr itself is exactly the
//               kernel's; the invariant checker holds the index equal to it after every step.
//   EpItem      one per (epoll, file, fd) registration, allocated from the kernel's epi cache.
//   EppollEntry one per wait queue the target's ->poll() registered the item on; its wait entry's
//               function is ep_poll_callback. Pipes and sockets register one queue per file.
//               The first is stored inside its EpItem (see EpItem), further ones in pwq_cache.
//   EpollGlobals the statics of fs/eventpoll.c: the epi and pwq slab caches, max_user_watches and
//               the user's watch count, and what the nesting checks of one EPOLL_CTL_ADD share
//               (loop_check_gen, inserting_into, tfile_check_list, path_count). The Kernel owns
//               one; the code here reaches it through KernelContext::epoll().
//
// The order things happen in
//   epoll_ctl(ADD) → ep_insert: link into rbr, poll the file once with ep_ptable_queue_proc (which
//   adds an EppollEntry to the file's queue: at the head, or at the tail for EPOLLEXCLUSIVE), and
//   if the file is ready put the item at the tail of rdllist.
//   A file event → the file calls wake_up on its queue → ep_poll_callback for each of our entries:
//   a disarmed ONESHOT item or a key that does not intersect the mask is ignored; otherwise the
//   item goes to the tail of rdllist unless it is already linked (its place is kept), or onto
//   ovflist if a scan runs; then one sleeping epoll_wait thread is woken and outer epolls hear of
//   it through poll_wait.
//   epoll_wait → ep_poll → ep_send_events: steal rdllist into txlist, and for each item (up to
//   maxevents) unlink it, poll the file again, drop it if nothing is ready, else report the current
//   mask; ONESHOT items are disarmed, LT items go back to the tail of rdllist, ET items stay off.
//   ep_done_scan puts the ovflist items back (FIFO), splices the unreached txlist items at the
//   head, and wakes the next sleeper if anything is left.
//
// Invariants (checked by check_invariants): an item is "linked" (rdllink not empty) iff it is on
// rdllist or on the running scan's txlist; `next` is kEpUnactive iff the item is not on ovflist;
// every item is in rbr exactly once, on its file's f_ep, with one EppollEntry per queue; rbr is a
// valid red-black tree in (address, fd) order; the index holds rbr's items in rbr's order;
// refcount = 1 + number of items.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sim/ep_index.h"
#include "sim/file.h"
#include "sim/list.h"
#include "sim/rbtree.h"
#include "sim/slab.h"
#include "sim/wait.h"

namespace epollscope::sim {

class KernelContext;
struct EventPoll;
struct EppollEntry;

// EP_PRIVATE_BITS: bits that say how to report, not what to report.
inline constexpr poll_t kEP_PRIVATE_BITS =
    kEPOLLWAKEUP | kEPOLLONESHOT | kEPOLLET | kEPOLLEXCLUSIVE;
inline constexpr poll_t kEPOLLINOUT_BITS = kEPOLLIN | kEPOLLOUT;
inline constexpr poll_t kEPOLLEXCLUSIVE_OK_BITS =
    kEPOLLINOUT_BITS | kEPOLLERR | kEPOLLHUP | kEPOLLWAKEUP | kEPOLLET | kEPOLLEXCLUSIVE;

struct EppollEntry {
  EppollEntry* next;     // next entry of the same item (pwqlist chain)
  EpItem* base;          // the item
  WaitQueueEntry wait;   // on the target's queue; func = ep_poll_callback
  WaitQueueHead* whead;  // that queue
};

// The fields a tree walk reads (the node and the key) share the first cache line, as in the
// kernel's struct epitem; the slab keeps items cache-line aligned (SLAB_HWCACHE_ALIGN).
//
// Not the kernel's layout: the item's first eppoll_entry lives inside it (the kernel allocates
// every one from pwq_cache; a second one, for a file that registers two queues such as a pipe
// opened for reading and writing, comes from pwq_cache here too). Its wait-queue link and the
// f_ep link share the last cache line, so the neighbours that removing an item must rewrite on
// the file's wait queue and on its f_ep — the same items when they were added in the same order,
// as both lists are head-inserted — cost one cache miss each, not two plus the entry's own.
// Nothing observable depends on where an entry lives.
struct EpItem {
  RbNode rbn;             // node in ep->rbr
  uint64_t file_address;  // ffd.file as the number ep_cmp_ffd compares (without touching the file)
  int fd;                 // ffd.fd: the fd number given at ADD (a key part; never re-resolved)
  uint32_t id;            // identity in traces and snapshots
  ListHead rdllink;       // link in ep->rdllist, or in a running scan's txlist
  EpItem* next;           // link in ep->ovflist; kEpUnactive when not on it
  File* file;             // ffd.file: the watched open file description
  EppollEntry* pwqlist;   // the item's wait-queue entries, one per queue of the target
  EventPoll* ep;          // the epoll this item belongs to
  EpollEvent event;       // stored mask (with ERR|HUP and private bits) and data
  bool dying;             // set by eventpoll_release_file() on last close
  EppollEntry first_pwq;  // the storage of the first entry on pwqlist
  HlistNode fllink;       // link in file->f_ep
};
static_assert(sizeof(EpItem) == 192, "an epitem with its first eppoll_entry is three cache lines");
namespace layout {
constexpr std::size_t line_of(std::size_t offset) {
  return offset / 64;
}
inline constexpr std::size_t kFirstWaitLink =
    offsetof(EpItem, first_pwq) + offsetof(EppollEntry, wait) + offsetof(WaitQueueEntry, entry);
inline constexpr std::size_t kFepLink = offsetof(EpItem, fllink);
static_assert(line_of(kFirstWaitLink) == line_of(kFirstWaitLink + sizeof(ListHead) - 1) &&
                  line_of(kFepLink) == line_of(kFepLink + sizeof(HlistNode) - 1) &&
                  line_of(kFirstWaitLink) == line_of(kFepLink),
              "the f_ep link and the first wait-queue link share a cache line");
}  // namespace layout

// EP_UNACTIVE_PTR: "not on ovflist" for an item, "no scan running" for ep->ovflist.
inline EpItem* const kEpUnactive = reinterpret_cast<EpItem*>(~uintptr_t{0});

inline EpItem* ep_item_from_rb(RbNode* n) {
  return EPOLLSCOPE_CONTAINER_OF(n, EpItem, rbn);
}
inline const EpItem* ep_item_from_rb(const RbNode* n) {
  return EPOLLSCOPE_CONTAINER_OF(n, EpItem, rbn);
}
inline EpItem* ep_item_from_rdllink(ListHead* l) {
  return EPOLLSCOPE_CONTAINER_OF(l, EpItem, rdllink);
}
inline EpItem* ep_item_from_fllink(HlistNode* n) {
  return EPOLLSCOPE_CONTAINER_OF(n, EpItem, fllink);
}
inline bool ep_is_linked(const EpItem* epi) {
  return !list_empty(&epi->rdllink);
}

class EventPollFile;

struct EventPoll {
  uint32_t id = 0;
  WaitQueueHead wq;         // threads in epoll_wait
  WaitQueueHead poll_wait;  // pollers of this epoll fd (outer epolls)
  ListHead rdllist;         // ready list, FIFO
  RbRootCached rbr;         // all items
  EpItem* ovflist = kEpUnactive;
  EventPollFile* file = nullptr;
  uint64_t gen = 0;              // loop_check_gen of the last loop/depth walk that visited us
  uint8_t loop_check_depth = 0;  // memo of that walk
  long refcount = 1;             // 1 for the file + 1 per item
  ListHead* txlist = nullptr;    // the running scan's private list (for snapshots and invariants)
  std::size_t item_count = 0;    // number of items in rbr
  // Where each (file, fd) is, beside rbr (sim/ep_index.h); rebuilt from rbr when stale (files
  // were given new addresses, which keeps every tree's order but not the index's keys).
  EpIndex index;
  bool index_stale = false;

  // ep->refs: epitems of other epolls that watch this epoll (the file's f_ep).
  HlistHead& refs();
  const HlistHead& refs() const;
  ObjRef ref() const { return {ObjKind::kEventPoll, id}; }
};

// The "[eventpoll]" anon-inode file; private_data is the EventPoll.
class EventPollFile final : public File {
 public:
  EventPollFile(KernelContext& k, int f_flags);
  ~EventPollFile() override;

  EventPoll* ep() { return ep_.get(); }
  const EventPoll* ep() const { return ep_.get(); }

  poll_t poll(KernelContext& k, PollTable* pt) override;  // ep_eventpoll_poll
  poll_t peek_poll() const override;
  long read(KernelContext& k, Task& task, IoRequest& io) override;   // no .read: EINVAL
  long write(KernelContext& k, Task& task, IoRequest& io) override;  // no .write: EINVAL
  void release(KernelContext& k) override;                           // ep_eventpoll_release
  std::vector<const WaitQueueHead*> wait_queues() const override;
  void describe(FileView& view) const override;

 private:
  std::unique_ptr<EventPoll> ep_;
};

inline bool is_file_epoll(const File* f) {
  return f->kind == FileKind::kEpoll;
}

// The statics of fs/eventpoll.c, and the one user's epoll_watches (ep->user->epoll_watches: the
// model has one user). The nesting checks' fields are meaningful only inside one EPOLL_CTL_ADD
// with a full check (under epnested_mutex in the kernel); between calls tfile_check_list is empty.
struct EpollGlobals {
  // /proc/sys/fs/epoll/max_user_watches on the project's machines
  long max_user_watches = 5491511;
  long epoll_watches = 0;       // items the user has in all epolls; ENOSPC at max_user_watches
  uint64_t loop_check_gen = 0;  // stamps the epolls one loop/depth walk has visited
  EventPoll* inserting_into = nullptr;  // the epoll an ADD inserts into (ep_loop_check's loop end)
  std::vector<File*> tfile_check_list;  // non-epoll files reached by the walk (reverse_path_check)
  int path_count[5] = {0, 0, 0, 0, 0};  // wake-up paths per depth (PATH_ARR_SIZE)
  SlabCache<EpItem> epi_cache;
  SlabCache<EppollEntry> pwq_cache;
  std::size_t embedded_pwqs = 0;  // eppoll_entries stored inside their epitems (see EpItem)
  std::size_t eppoll_entries_in_use() const { return pwq_cache.in_use() + embedded_pwqs; }
};

// --- rbr: where a key is (sim/eventpoll.cpp, [SECTION] the tree) ---
//
// With tracing on, the kernel's walks from the root, one trace step per comparison (ep_cmp_ffd:
// file address first, then fd), so the window shows each node the lookup visits. With tracing off,
// a fast path asks the index (sim/ep_index.h) where the walk would end; the invariant checker
// holds the index equal to rbr after every step, and tests hold both answers equal.

// ep_find: the item registered under (file, fd), or nullptr. `warm`: see EpIndex::find (tracing
// off only).
EpItem* ep_find(KernelContext& k, EventPoll* ep, File* file, int fd, int warm = 0);

// Where ep_rbtree_insert links a new item: under `parent` at its free link `*link` (the root link
// when rbr is empty), and whether it becomes rbr's leftmost node (no comparison went right).
struct EpRbLink {
  RbNode* parent;
  RbNode** link;
  bool leftmost;
};
// ep_rbtree_insert's walk for `epi`'s key, which must not be in rbr; ep_rbtree_insert then links
// the item there and rebalances.
EpRbLink ep_rbtree_link(KernelContext& k, EventPoll* ep, const EpItem* epi);

// --- the syscall bodies (fd lookup and errno order live in the syscall layer, sim/kernel.h) ---

// do_epoll_ctl after the fds are resolved: steps 4-11 of docs/kernel-notes.md, C2.2.
int do_epoll_ctl(KernelContext& k, File* f, File* tf, int op, int fd, EpollEvent* epds);

// The events buffer an epoll_wait caller passes.
enum class UserBuffer : uint8_t {
  kValid,          // writable user memory
  kFaultsOnCopy,   // passes access_ok but faults when written (NULL, an unmapped user address)
  kFailsAccessOk,  // a kernel address: ep_check_params refuses it before "is it an epoll"
};

// One epoll_wait in progress (ep_poll's locals), kept across sleeps.
struct EpPollState {
  EventPollFile* file = nullptr;  // holds a reference while the task sleeps
  int maxevents = 0;
  UserBuffer buffer = UserBuffer::kValid;  // where epoll_put_uevent copies the events
  bool timed_out = false;
  std::optional<int64_t> deadline_ns;  // nullopt: wait for ever
  bool eavail = false;
  std::vector<EpollEvent> events;  // what was copied to the user
};

// ep_poll: returns the number of events (events in st.events), 0, -errno, or kWouldSleep when
// the task sleeps on ep->wq. Call again with `resumed` after the task is woken or timed out.
long ep_poll(KernelContext& k, Task& task, EpPollState& st, bool resumed);

// eventpoll_release(): the file's last reference is gone; remove every item watching it.
void eventpoll_release(KernelContext& k, File* file);

// ep_item_poll: poll the item's file (or __ep_eventpoll_poll for an epoll target) and mask it.
poll_t ep_item_poll(KernelContext& k, const EpItem* epi, PollTable* pt, int depth);

// The item's mask as a harvest would see it now, without side effects (snapshots).
poll_t ep_item_peek(const EpItem* epi);

}  // namespace epollscope::sim
