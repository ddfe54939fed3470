// SPDX-License-Identifier: GPL-2.0-only
#include "sim/invariants.h"

#include <algorithm>
#include <vector>

#include "sim/eventpoll.h"
#include "sim/kernel.h"
#include "sim/select.h"
#include "sim/strings.h"

namespace epollscope::sim {
namespace {

// Walks a circular list checking both directions; fills `members`. Returns "" or a violation.
std::string check_list(const ListHead* head, const std::string& what,
                       std::vector<const ListHead*>* members) {
  std::size_t guard = 0;
  const ListHead* p = head;
  do {
    if (p->next->prev != p) return cat(what, ": next->prev does not point back");
    p = p->next;
    if (p != head && members) members->push_back(p);
    if (++guard > 50'000'000) return cat(what, ": the list does not come back to its head");
  } while (p != head);
  return {};
}

// BST order by (address, fd) and parent links; counts nodes.
std::string check_bst(const RbNode* n, const RbNode* parent, const EpItem** prev,
                      std::size_t* count) {
  if (!n) return {};
  if (rb_parent(n) != parent) return "rbr: a parent pointer is wrong";
  if (auto e = check_bst(n->left, n, prev, count); !e.empty()) return e;
  const EpItem* cur = ep_item_from_rb(n);
  if (cur->file_address != cur->file->address)
    return cat("rbr: fd ", cur->fd, "'s key no longer matches its file's address");
  if (*prev) {
    const EpItem* p = *prev;
    const bool ordered = p->file_address < cur->file_address ||
                         (p->file_address == cur->file_address && p->fd < cur->fd);
    if (!ordered)
      return cat("rbr: fd ", p->fd, " and fd ", cur->fd, " are out of (file, fd) order");
  }
  *prev = cur;
  ++*count;
  return check_bst(n->right, n, prev, count);
}

// ep_insert hangs a new item on its file's f_ep before ep_rbtree_insert walks rbr to link it, as
// the kernel does: a step of that walk sees the item on f_ep only, fresh from the cache (no tree
// links), not yet polled and on no list.
bool being_inserted(const EpItem* epi) {
  const RbNode& n = epi->rbn;
  return n.parent_color == 0 && !n.left && !n.right && epi->ep->rbr.root != &n && !epi->pwqlist &&
         !ep_is_linked(epi) && epi->next == kEpUnactive;
}

// The checker runs after every trace step over every object, so its sets are sorted vectors (one
// allocation each, reused for every epoll) rather than hash sets with a node per element: that
// keeps scenarios with thousands of epolls (docs/kernel-notes.md, N7-N9) fast.
template <class T>
bool contains(const std::vector<T>& sorted, T x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

class Checker {
 public:
  Checker(const Kernel& k, InvariantLevel level)
      : k_(k), strong_(level == InvariantLevel::kBetweenCalls) {}

  std::string run() {
    const std::vector<const File*> files = k_.files();
    // One entry per fd slot or sleeping call that holds a file: its expected f_count.
    std::vector<const File*> refs;
    if (strong_) {
      for (const FdSlot& s : k_.fd_table())
        if (s.file) refs.push_back(s.file);
      for (const auto& t : k_.tasks())
        if (t->holds_file) refs.push_back(t->holds_file);
      // A poll or select call's poll_table_entries hold their files (__pollwait's get_file).
      for (const auto& t : k_.tasks())
        if (t->poll_wqueues)
          for (const auto& entry : t->poll_wqueues->entries)
            refs.push_back(entry->filp);
      std::sort(refs.begin(), refs.end());
    }
    // The poll tables of the poll and select calls under way: a poll_table_entry on a queue must
    // belong to one of them (none outlives its call), and each of theirs must be on its queue.
    poll_tables_.clear();
    std::size_t poll_entries = 0;
    for (const auto& t : k_.tasks())
      if (t->poll_wqueues) {
        if (t->poll_wqueues->polling_task != t.get())
          return cat("task ", t->name, ": its poll table belongs to another task");
        if (strong_ && t->state != TaskState::kSleeping)
          return cat("task ", t->name,
                     " is not asleep in poll/select but still has its poll table ",
                     "(poll_freewait must run before the call returns)");
        poll_tables_.push_back(t->poll_wqueues);
        poll_entries += t->poll_wqueues->entries.size();
      }
    std::sort(poll_tables_.begin(), poll_tables_.end());

    if (strong_) {
      // ep_cmp_ffd's keys are pointers in the kernel: two live files never share one.
      std::vector<std::pair<uint64_t, const File*>> keys;
      keys.reserve(files.size());
      for (const File* f : files)
        keys.emplace_back(f->address, f);
      std::sort(keys.begin(), keys.end());
      for (std::size_t i = 1; i < keys.size(); ++i)
        if (keys[i].first == keys[i - 1].first)
          return cat(keys[i - 1].second->label, " and ", keys[i].second->label,
                     " have the same key (file address) ", hex(keys[i].first));
    }
    items_.reserve(k_.epitems_in_use());
    entries_seen_.reserve(k_.eppoll_entries_in_use());
    long total_items = 0;
    for (const File* f : files) {
      if (is_file_epoll(f)) {
        if (auto e = check_epoll(static_cast<const EventPollFile*>(f)->ep()); !e.empty()) return e;
        total_items += static_cast<long>(static_cast<const EventPollFile*>(f)->ep()->item_count);
      }
    }
    std::sort(items_.begin(), items_.end());
    std::size_t fep_nodes = 0;
    for (const File* f : files) {
      for (const HlistNode* n = f->f_ep.first; n; n = n->next) {
        ++fep_nodes;
        const EpItem* epi = EPOLLSCOPE_CONTAINER_OF(n, EpItem, fllink);
        if (!contains(items_, epi) && !(!strong_ && being_inserted(epi)))
          return cat(f->label, ": f_ep holds an epitem that is in no epoll's rbr");
        if (epi->file != f) return cat(f->label, ": f_ep holds an epitem of another file");
      }
      // check_epoll has walked an epoll's own queues; each queue is walked once.
      if (!is_file_epoll(f))
        for (const WaitQueueHead* wq : f->wait_queues())
          if (auto e = check_queue(wq); !e.empty()) return e;
      if (strong_) {
        auto [first, last] = std::equal_range(refs.begin(), refs.end(), f);
        long expected = static_cast<long>(last - first);
        if (f->f_count != expected)
          return cat(f->label, ": f_count is ", f->f_count, " but ", expected,
                     " fd slots and sleeping calls refer to it");
        if (f->on_check_list)
          return cat(f->label, ": still on tfile_check_list after epoll_ctl returned");
      }
    }
    // Every item must hang on its live file's f_ep, and each of its eppoll_entries on the queue it
    // names. Every f_ep node and every queued entry of a live item was matched to its item above,
    // so equal counts prove both; only a mismatch needs the search that names the culprit.
    std::size_t pwq_count = 0;
    for (const EpItem* epi : items_)
      for (const EppollEntry* pwq = epi->pwqlist; pwq; pwq = pwq->next) {
        if (pwq->base != epi)
          return cat("epitem fd ", epi->fd, ": an eppoll_entry points at another item");
        ++pwq_count;
      }
    std::size_t queued_of_live_items = 0;
    for (const WaitQueueEntry* e : entries_seen_)
      if (contains(items_,
                   static_cast<const EpItem*>(EPOLLSCOPE_CONTAINER_OF(e, EppollEntry, wait)->base)))
        ++queued_of_live_items;
    if (fep_nodes != items_.size() || queued_of_live_items != pwq_count)
      if (auto e = find_unattached_item(files); !e.empty()) return e;
    if (poll_entries_seen_ != poll_entries)
      return cat(poll_entries, " poll_table_entries belong to poll/select calls, but ",
                 poll_entries_seen_, " are on wait queues");
    if (strong_) {
      if (total_items != k_.epoll_watches())
        return cat("epoll_watches is ", k_.epoll_watches(), " but the epolls hold ", total_items,
                   " items");
      if (static_cast<long>(k_.epitems_in_use()) != total_items)
        return cat(k_.epitems_in_use(), " epitems allocated but ", total_items, " in trees (leak)");
      for (const auto& t : k_.tasks()) {
        if (t->state == TaskState::kRunnable)
          return cat("task ", t->name, " is runnable between syscalls");
        if (t->state == TaskState::kRunning && !list_empty(&t->wait.entry))
          return cat("task ", t->name, " is running but its wait entry is still queued");
      }
    }
    return {};
  }

 private:
  std::string find_unattached_item(const std::vector<const File*>& files) {
    std::vector<const HlistNode*> fep_links;
    for (const File* f : files)
      for (const HlistNode* n = f->f_ep.first; n; n = n->next)
        fep_links.push_back(n);
    std::sort(fep_links.begin(), fep_links.end());
    std::vector<const File*> live_files(files);
    std::sort(live_files.begin(), live_files.end());
    std::sort(entries_seen_.begin(), entries_seen_.end());
    for (const EpItem* epi : items_) {
      if (!contains(fep_links, &epi->fllink))
        return cat("epitem fd ", epi->fd, ": not on its file's f_ep");
      if (!contains(live_files, static_cast<const File*>(epi->file)))
        return cat("epitem fd ", epi->fd, ": its file no longer exists");
      for (const EppollEntry* pwq = epi->pwqlist; pwq; pwq = pwq->next)
        if (!contains(entries_seen_, &pwq->wait))
          return cat("epitem fd ", epi->fd, ": an eppoll_entry is not on the queue it names (",
                     pwq->whead->label, ")");
    }
    return {};
  }

  std::string check_queue(const WaitQueueHead* wq) {
    std::vector<const ListHead*>& members = queue_members_;
    members.clear();
    if (auto e = check_list(&wq->head, wq->label, &members); !e.empty()) return e;
    for (const ListHead* l : members) {
      const WaitQueueEntry* e = EPOLLSCOPE_CONTAINER_OF(l, WaitQueueEntry, entry);
      if (is_poll_entry(e)) {
        // Looked up before it is followed: a table freed while an entry was left queued is the
        // very bug this catches.
        if (!contains(poll_tables_, static_cast<const PollWqueues*>(e->private_data)))
          return cat(wq->label, ": a poll_table_entry outlives its poll/select call");
        if (poll_entry_of(e)->wait_address != wq)
          return cat(wq->label, ": a poll_table_entry here names another queue");
        ++poll_entries_seen_;
        continue;
      }
      if (e->private_data) {
        const Task* t = static_cast<const Task*>(e->private_data);
        if (t->waiting_on != wq)
          return cat(wq->label, ": task ", t->name, " is queued here but waits elsewhere");
        if (strong_ && t->state != TaskState::kSleeping)
          return cat(wq->label, ": task ", t->name, " is queued but not sleeping");
      } else {
        const EppollEntry* pwq = EPOLLSCOPE_CONTAINER_OF(e, EppollEntry, wait);
        if (pwq->whead != wq) return cat(wq->label, ": an eppoll_entry here names another queue");
        bool listed = false;
        for (const EppollEntry* x = pwq->base->pwqlist; x; x = x->next)
          if (x == pwq) listed = true;
        if (!listed) return cat(wq->label, ": an eppoll_entry is not on its item's pwqlist");
        if (!!(e->flags & kWQ_FLAG_EXCLUSIVE) != !!(pwq->base->event.events & kEPOLLEXCLUSIVE) &&
            (pwq->base->event.events & ~kEP_PRIVATE_BITS))
          return cat(wq->label, ": an eppoll_entry's EXCLUSIVE flag disagrees with its item");
        entries_seen_.push_back(e);
      }
    }
    return {};
  }

  // The index (sim/ep_index.h) holds exactly rbr's items, in rbr's order, under their keys —
  // unless it is marked stale, when its next use rebuilds it from rbr.
  static std::string check_index(const EventPoll* ep, std::size_t count) {
    if (ep->index_stale) return {};
    if (auto e = ep->index.check(); !e.empty()) return e;
    if (ep->index.size() != count)
      return cat("index: holds ", ep->index.size(), " items, rbr ", count);
    const RbNode* n = rb_first(&ep->rbr);
    std::string error;
    ep->index.for_each([&](EpIndex::Key key, const EpItem* epi) {
      if (!error.empty()) return;
      if (!n || ep_item_from_rb(n) != epi)
        error = "index: its order is not rbr's";
      else if (EpIndex::key(epi->file_address, epi->fd) != key)
        error = cat("index: fd ", epi->fd, " is filed under another key");
      else
        n = rb_next(n);
    });
    return error;
  }

  std::string check_epoll(const EventPoll* ep) {
    const std::string& name = ep->file->label;
    // Tree.
    const EpItem* prev = nullptr;
    std::size_t count = 0;
    if (auto e = check_bst(ep->rbr.root, nullptr, &prev, &count); !e.empty())
      return cat(name, " ", e);
    if (count != ep->item_count)
      return cat(name, ": rbr holds ", count, " nodes, item_count says ", ep->item_count);
    if (auto e = check_index(ep, count); !e.empty()) return cat(name, " ", e);
    if (strong_) {
      if (auto e = rb_check(&ep->rbr); !e.empty()) return cat(name, " rbr: ", e);
      if (ep->refcount != 1 + static_cast<long>(count))
        return cat(name, ": refcount ", ep->refcount, " but 1 + ", count, " items");
      if (ep->ovflist != kEpUnactive) return cat(name, ": ovflist still active between syscalls");
      if (ep->txlist) return cat(name, ": a scan's txlist is still attached between syscalls");
    }
    // This epoll's items, sorted.
    std::vector<const EpItem*>& mine = tree_items_;
    mine.clear();
    std::vector<const RbNode*>& stack = stack_;
    stack.clear();
    if (ep->rbr.root) stack.push_back(ep->rbr.root);
    while (!stack.empty()) {
      const RbNode* n = stack.back();
      stack.pop_back();
      if (n->left) stack.push_back(n->left);
      if (n->right) stack.push_back(n->right);
      const EpItem* epi = ep_item_from_rb(n);
      if (epi->ep != ep) return cat(name, ": an item in rbr belongs to another epoll");
      mine.push_back(epi);
      items_.push_back(epi);
    }
    std::sort(mine.begin(), mine.end());
    // Ready list and txlist: linked iff on one of them.
    std::vector<const EpItem*>& linked = linked_;
    linked.clear();
    auto collect = [&](const ListHead* head, const char* what) -> std::string {
      std::vector<const ListHead*>& members = list_members_;
      members.clear();
      if (auto e = check_list(head, what, &members); !e.empty()) return cat(name, " ", e);
      for (const ListHead* l : members) {
        const EpItem* epi = EPOLLSCOPE_CONTAINER_OF(l, EpItem, rdllink);
        // __ep_remove erases the item from rbr (and f_ep) before it takes it off rdllist, as the
        // kernel does; a step traced in between (the rb_erase steps) sees it on rdllist only.
        const bool being_removed = !strong_ && epi->ep == ep && hlist_unhashed(&epi->fllink);
        if (!contains(mine, epi) && !being_removed)
          return cat(name, " ", what, ": holds an item that is not in rbr");
        linked.push_back(epi);
      }
      return {};
    };
    if (auto e = collect(&ep->rdllist, "rdllist"); !e.empty()) return e;
    if (ep->txlist)
      if (auto e = collect(ep->txlist, "txlist"); !e.empty()) return e;
    std::sort(linked.begin(), linked.end());
    if (std::adjacent_find(linked.begin(), linked.end()) != linked.end())
      return cat(name, ": an item is on the ready lists twice");
    for (const EpItem* epi : mine)
      if (ep_is_linked(epi) != contains(linked, epi))
        return cat(name, ": epitem fd ", epi->fd, " is ",
                   ep_is_linked(epi) ? "linked but on no list" : "on a list but not linked");
    // Overflow list. Every element is one of `mine`, so a chain longer than that repeats one.
    std::vector<const EpItem*>& on_ovf = on_ovf_;
    on_ovf.clear();
    if (ep->ovflist != kEpUnactive) {
      for (const EpItem* e = ep->ovflist; e; e = e->next) {
        if (e == kEpUnactive) return cat(name, ": the ovflist chain runs into EP_UNACTIVE_PTR");
        if (!contains(mine, e)) return cat(name, ": ovflist holds an item that is not in rbr");
        if (on_ovf.size() == mine.size()) return cat(name, ": ovflist has a cycle");
        on_ovf.push_back(e);
      }
    }
    std::sort(on_ovf.begin(), on_ovf.end());
    if (std::adjacent_find(on_ovf.begin(), on_ovf.end()) != on_ovf.end())
      return cat(name, ": ovflist has a cycle");
    for (const EpItem* epi : mine)
      if ((epi->next != kEpUnactive) != contains(on_ovf, epi))
        return cat(name, ": epitem fd ", epi->fd, "'s next pointer disagrees with ovflist");
    // Its own queues.
    if (auto e = check_queue(&ep->wq); !e.empty()) return e;
    if (auto e = check_queue(&ep->poll_wait); !e.empty()) return e;
    return {};
  }

  const Kernel& k_;
  bool strong_;
  std::vector<const EpItem*> items_;                 // every epoll's items (sorted after the walk)
  std::vector<const WaitQueueEntry*> entries_seen_;  // eppoll entries found on their queues
  std::vector<const PollWqueues*> poll_tables_;      // of the poll/select calls under way, sorted
  std::size_t poll_entries_seen_ = 0;                // poll_table_entries found on queues
  // Scratch space reused for every epoll and queue of one run.
  std::vector<const EpItem*> tree_items_;
  std::vector<const RbNode*> stack_;
  std::vector<const ListHead*> list_members_;
  std::vector<const ListHead*> queue_members_;
  std::vector<const EpItem*> linked_;
  std::vector<const EpItem*> on_ovf_;
};

}  // namespace

std::string check_invariants(const Kernel& k, InvariantLevel level) {
  return Checker(k, level).run();
}

void InvariantCheckingSink::on_step(const TraceStep& step) {
  ++steps_;
  if (first_violation_.empty()) {
    std::string e = check_invariants(k_, InvariantLevel::kMidCall);
    if (!e.empty())
      first_violation_ =
          cat(e, " (after step ", step.seq, ": ", step.function, ": ", step.text, ")");
  }
  if (next_) next_->on_step(step);
}

}  // namespace epollscope::sim
