// SPDX-License-Identifier: GPL-2.0-only
// sim/eventpoll.cpp — fs/eventpoll.c of Linux 6.18, function by function.
//
// The functions keep the kernel's names and order of statements so that a reader can hold this
// file next to the kernel's. What the model leaves out: locking (every operation on one epoll is
// atomic here, which is what ep->mtx and ep->lock give a single thread), busy polling, wakeup
// sources (EPOLLWAKEUP is stripped as on a kernel without CONFIG_PM_SLEEP, unless the profile
// keeps it), allocation failures (ENOMEM) and io_uring.
//
// [SECTION] names for the trace
// [SECTION] wait-queue callbacks: ep_poll_callback, ep_ptable_queue_proc, ep_autoremove_wake_fn
// [SECTION] the tree: ep_find, ep_rbtree_insert, the rotation tracer
// [SECTION] polling an item and polling an epoll: ep_item_poll, __ep_eventpoll_poll
// [SECTION] scans: ep_start_scan, ep_done_scan, ep_send_events, ep_poll
// [SECTION] registration: ep_insert, ep_modify, __ep_remove, ep_remove_safe
// [SECTION] nesting checks: ep_loop_check, reverse_path_check
// [SECTION] do_epoll_ctl
// [SECTION] release: eventpoll_release_file, ep_clear_and_put, the eventpoll file
#include "sim/eventpoll.h"

#include <algorithm>
#include <cassert>

#include "sim/context.h"
#include "sim/sched.h"
#include "sim/snapshot.h"
#include "sim/strings.h"

namespace epollscope::sim {

// ---------------------------------------------------------------------------------------------
// [SECTION] names for the trace
// ---------------------------------------------------------------------------------------------
namespace {

std::string item_name(const EpItem* epi) {
  return cat("epitem(fd ", epi->fd, ", ", epi->file->label, ")");
}

std::string ep_name(const EventPoll* ep) {
  return ep->file ? ep->file->label : std::string("epoll");
}

ObjRef item_ref(const EpItem* epi) {
  return {ObjKind::kEpItem, epi->id};
}
ObjRef wq_ref(const WaitQueueHead* wq) {
  return {ObjKind::kWaitQueue, wq->id};
}

}  // namespace

HlistHead& EventPoll::refs() {
  return file->f_ep;
}
const HlistHead& EventPoll::refs() const {
  return file->f_ep;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] wait-queue callbacks
// ---------------------------------------------------------------------------------------------
namespace {

// ep_poll_safewake: tell whoever polls this epoll (outer epolls) that it may have become readable.
void ep_poll_safewake(KernelContext& k, EventPoll* ep, poll_t pollflags) {
  wake_up_poll(k, &ep->poll_wait, kEPOLLIN | pollflags, "ep_poll_safewake");
}

// ep_poll_callback: the function of every eppoll_entry. Called by the target file's wake-up.
int ep_poll_callback(KernelContext& k, WaitQueueEntry* wait, unsigned, int sync, poll_t key) {
  (void)sync;
  EppollEntry* pwq = EPOLLSCOPE_CONTAINER_OF(wait, EppollEntry, wait);
  EpItem* epi = pwq->base;
  EventPoll* ep = epi->ep;
  poll_t pollflags = key;
  int ewake = 0;
  bool pwake = false;

  // A mask with no poll bits left is a disarmed EPOLLONESHOT item: it hears nothing, not even
  // EPOLLHUP, until EPOLL_CTL_MOD re-arms it.
  if (!(epi->event.events & ~kEP_PRIVATE_BITS)) {
    if (k.tracing())
      k.step(StepKind::kCallback, "ep_poll_callback",
             cat(item_name(epi), " is a fired ONESHOT item (no event bits left): ignored"),
             {item_ref(epi)});
    goto out;
  }
  // The key is the event the file announces; 0 means "some event", which matches every item.
  if (pollflags && !(pollflags & epi->event.events)) {
    if (k.tracing())
      k.step(StepKind::kCallback, "ep_poll_callback",
             cat("key ", mask_to_string(pollflags), " does not intersect ", item_name(epi),
                 "'s mask ", mask_to_string(epi->event.events), ": ignored"),
             {item_ref(epi)});
    goto out;
  }

  if (ep->ovflist != kEpUnactive) {
    // A scan (epoll_wait copying events) runs: rdllist belongs to it, so park the item on ovflist.
    if (epi->next == kEpUnactive) {
      epi->next = ep->ovflist;
      ep->ovflist = epi;
      if (k.tracing())
        k.step(StepKind::kReadyList, "ep_poll_callback",
               cat("a scan is running on ", ep_name(ep), ", so ", item_name(epi),
                   " is pushed on ovflist"),
               {item_ref(epi), ep->ref()});
    } else if (k.tracing()) {
      k.step(StepKind::kReadyList, "ep_poll_callback",
             cat(item_name(epi), " is already on ovflist"), {item_ref(epi), ep->ref()});
    }
  } else if (!ep_is_linked(epi)) {
    // The usual case. The position in rdllist is fixed here, by the first wake-up since the item
    // was last harvested — whether or not the file is still ready when epoll_wait looks.
    list_add_tail(&epi->rdllink, &ep->rdllist);
    if (k.tracing())
      k.step(StepKind::kReadyList, "ep_poll_callback",
             cat(item_name(epi), " joins the tail of ", ep_name(ep), "'s rdllist"),
             {item_ref(epi), ep->ref()});
  } else if (k.tracing()) {
    k.step(StepKind::kReadyList, "ep_poll_callback",
           cat(item_name(epi), " is already on the ready list: it keeps its place"),
           {item_ref(epi), ep->ref()});
  }

  // Wake one thread sleeping in epoll_wait, and (below) whoever polls this epoll.
  if (waitqueue_active(&ep->wq)) {
    if ((epi->event.events & kEPOLLEXCLUSIVE) && !(pollflags & kPOLLFREE)) {
      switch (pollflags & kEPOLLINOUT_BITS) {
        case kEPOLLIN:
          if (epi->event.events & kEPOLLIN) ewake = 1;
          break;
        case kEPOLLOUT:
          if (epi->event.events & kEPOLLOUT) ewake = 1;
          break;
        case 0:
          ewake = 1;
          break;
      }
    }
    wake_up(k, &ep->wq, "ep_poll_callback");
  }
  if (waitqueue_active(&ep->poll_wait)) pwake = true;

out:
  if (pwake) ep_poll_safewake(k, ep, pollflags & kEPOLL_URING_WAKE);
  if (!(epi->event.events & kEPOLLEXCLUSIVE)) ewake = 1;
  if ((epi->event.events & kEPOLLEXCLUSIVE) && k.tracing())
    k.step(StepKind::kCallback, "ep_poll_callback",
           ewake ? cat("exclusive ", item_name(epi), " returns 1: ", ep_name(ep),
                       " had a sleeping waiter, so the wake-up counts as delivered")
                 : cat("exclusive ", item_name(epi), " returns 0: ", ep_name(ep),
                       " has no waiter that wants this event, the walk goes on"),
           {item_ref(epi)});
  return ewake;
}

// ep_autoremove_wake_function: wake the epoll_wait sleeper and always unhook its entry.
int ep_autoremove_wake_function(KernelContext& k, WaitQueueEntry* wait, unsigned, int, poll_t) {
  Task* t = static_cast<Task*>(wait->private_data);
  int ret = k.sched().try_to_wake_up(*t, false);
  list_del_init(&wait->entry);
  t->waiting_on = nullptr;
  return ret;
}

// struct ep_pqueue: the poll table ep_insert hands to the target's ->poll().
struct EpPqueue {
  PollTable pt;
  EpItem* epi;
};

// ep_ptable_queue_proc: called by poll_wait() inside the target's ->poll() during ep_insert.
void ep_ptable_queue_proc(KernelContext& k, File* file, WaitQueueHead* whead, PollTable* pt) {
  (void)file;
  EpPqueue* epq = reinterpret_cast<EpPqueue*>(pt);
  EpItem* epi = epq->epi;
  // The first entry is the one stored in the item (sim/eventpoll.h); more come from pwq_cache.
  EppollEntry* pwq = epi->pwqlist ? k.epoll().pwq_cache.alloc() : &epi->first_pwq;
  if (pwq == &epi->first_pwq) ++k.epoll().embedded_pwqs;
  pwq->wait.func = ep_poll_callback;
  pwq->wait.private_data = nullptr;
  pwq->whead = whead;
  pwq->base = epi;
  const bool exclusive = epi->event.events & kEPOLLEXCLUSIVE;
  if (exclusive)
    add_wait_queue_exclusive(whead, &pwq->wait);
  else
    add_wait_queue(whead, &pwq->wait);
  pwq->next = epi->pwqlist;
  epi->pwqlist = pwq;
  if (k.tracing())
    k.step(StepKind::kCallback, "ep_ptable_queue_proc",
           exclusive ? cat("an exclusive eppoll_entry for ", item_name(epi), " joins the TAIL of ",
                           whead->label)
                     : cat("an eppoll_entry for ", item_name(epi), " joins the HEAD of ",
                           whead->label, " (so later registrations are called first)"),
           {item_ref(epi), wq_ref(whead)});
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] the tree
// ---------------------------------------------------------------------------------------------
namespace {

// ep_cmp_ffd: the order of rbr, file pointer first, then fd. The model compares the key with the
// values stored in the item (epi->ffd), without touching the item's file. fd numbers are never
// negative, so the difference cannot overflow.
int ep_cmp_ffd(uint64_t file_address, int fd, const EpItem* epi) {
  if (file_address != epi->file_address) return file_address > epi->file_address ? 1 : -1;
  return fd - epi->fd;
}

// The tracing-off fast path's index (sim/ep_index.h); after files were given new addresses it is
// rebuilt from rbr's in-order walk first.
EpIndex& ep_index(EventPoll* ep) {
  if (ep->index_stale) {
    ep->index.clear();
    for (RbNode* rbp = rb_first(&ep->rbr); rbp; rbp = rb_next(rbp)) {
      EpItem* epi = ep_item_from_rb(rbp);
      ep->index.insert(EpIndex::key(epi->file_address, epi->fd), epi);
    }
    ep->index_stale = false;
  }
  return ep->index;
}

// One comparison of a walk down rbr, for the trace, the way first: "(pipe#1 read end, fd 4) <
// epitem(fd 6, pipe#2 read end): go left (lower file address)".
std::string compared(const File* file, int fd, const EpItem* epi, int kcmp) {
  if (kcmp == 0) return cat("(", file->label, ", fd ", fd, ") = ", item_name(epi), ": found");
  std::string text =
      cat("(", file->label, ", fd ", fd, ") ", kcmp > 0 ? ">" : "<", " ", item_name(epi), ": ");
  return cat(text, kcmp > 0 ? "go right" : "go left",
             file->address != epi->file_address
                 ? (kcmp > 0 ? " (higher file address)" : " (lower file address)")
                 : (kcmp > 0 ? " (same file, higher fd)" : " (same file, lower fd)"));
}

}  // namespace

// ep_find: from the root, right while the key is greater, left while it is smaller, until the
// item or a missing child. Its steps are do_epoll_ctl's, under the syscall's step.
EpItem* ep_find(KernelContext& k, EventPoll* ep, File* file, int fd, int warm) {
  // Tracing off: the index gives the item the walk below ends at.
  if (!k.tracing()) return ep_index(ep).find(EpIndex::key(file->address, fd), warm);
  if (!ep->rbr.root)
    k.step(StepKind::kTree, "ep_find",
           cat(ep_name(ep), "'s rbr is empty: (", file->label, ", fd ", fd, ") is not registered"),
           {ep->ref()});
  EpItem* epir = nullptr;
  for (RbNode* rbp = ep->rbr.root; rbp;) {
    EpItem* epi = ep_item_from_rb(rbp);
    const int kcmp = ep_cmp_ffd(file->address, fd, epi);
    if (kcmp > 0) {
      rbp = rbp->right;
    } else if (kcmp < 0) {
      rbp = rbp->left;
    } else {
      epir = epi;
      k.step(StepKind::kTree, "ep_find", compared(file, fd, epi, kcmp), {item_ref(epi)});
      break;
    }
    k.step(StepKind::kTree, "ep_find",
           rbp ? compared(file, fd, epi, kcmp)
               : cat(compared(file, fd, epi, kcmp), "; no ", kcmp > 0 ? "right" : "left",
                     " child: not registered"),
           {item_ref(epi)});
  }
  return epir;
}

// The first half of ep_rbtree_insert: the walk down to the free link, and the leftmost
// bookkeeping for rb_insert_color_cached.
EpRbLink ep_rbtree_link(KernelContext& k, EventPoll* ep, const EpItem* epi) {
  RbNode** p = &ep->rbr.root;
  RbNode* parent = nullptr;
  bool leftmost = true;
  if (!k.tracing()) {
    // Tracing off: the free link the walk below reaches is the right one of the key's in-order
    // predecessor or the left one of its successor (whichever is free: one of the two is an
    // ancestor of the other), so the index's neighbours lead to it without the walk.
    EpItem* pred;
    EpItem* succ;
    ep_index(ep).neighbours(EpIndex::key(epi->file_address, epi->fd), &pred, &succ);
    // Not in the kernel: both neighbours are asked for at once, as one of them is the parent.
    if (pred) __builtin_prefetch(&pred->rbn);
    if (succ) __builtin_prefetch(&succ->rbn);
    if (pred && !pred->rbn.right) {
      parent = &pred->rbn;
      p = &parent->right;
    } else if (succ) {
      assert(!succ->rbn.left);
      parent = &succ->rbn;
      p = &parent->left;
    }
    return {parent, p, !pred};
  }
  // The kernel's loop: right when the new key is greater, left otherwise (equal keys do not get
  // here), down to a free link. Each comparison is a step nested under ep_insert's.
  KernelContext::Nest nest(k);
  while (*p) {
    parent = *p;
    const EpItem* epic = ep_item_from_rb(parent);
    const int kcmp = ep_cmp_ffd(epi->file_address, epi->fd, epic);
    assert(kcmp != 0);  // ep_find found no item under this key
    if (kcmp > 0) {
      p = &parent->right;
      leftmost = false;
    } else {
      p = &parent->left;
    }
    std::string text = compared(epi->file, epi->fd, epic, kcmp);
    if (!*p)
      text += cat("; free link: the new item becomes its ", kcmp > 0 ? "right" : "left", " child",
                  leftmost ? " and rbr's leftmost item (the walk never went right)" : "");
    k.step(StepKind::kTree, "ep_rbtree_insert", std::move(text), {item_ref(epic)});
  }
  return {parent, p, leftmost};
}

namespace {

// Turns each rotation and recolouring into a trace step.
class TreeTracer final : public RbObserver {
 public:
  TreeTracer(KernelContext& k, EventPoll* ep, const char* function)
      : k_(k), ep_(ep), function_(function) {}
  void rb_step(const RbStep& s) override {
    const EpItem* a = s.pivot ? ep_item_from_rb(s.pivot) : nullptr;
    const EpItem* b = s.other ? ep_item_from_rb(s.other) : nullptr;
    std::vector<ObjRef> touched{ep_->ref()};
    if (a) touched.push_back(item_ref(a));
    if (b) touched.push_back(item_ref(b));
    std::string text;
    auto key = [](const EpItem* e) { return cat("fd ", e->fd); };
    switch (s.kind) {
      case RbStepKind::kInsertRootBlack:
        text = cat(key(a), " is the root of rbr and is painted black");
        break;
      case RbStepKind::kInsertColorFlip:
        text = cat("insert case 1 (red uncle ", key(b), "): parent and uncle painted black, ",
                   key(a), " painted red; repair continues above ", key(a));
        break;
      case RbStepKind::kInsertRotateParent:
      case RbStepKind::kInsertRotateGrand:
      case RbStepKind::kEraseRotateSibling0:
      case RbStepKind::kEraseRotateSibling:
      case RbStepKind::kEraseRotateParent:
        text = cat(rb_step_name(s.kind), ": ", s.left ? "left" : "right", " rotation at ", key(a),
                   ", ", key(b), " moves up");
        break;
      case RbStepKind::kEraseReplace:
        text = cat(key(a), " is unlinked from rbr");
        break;
      case RbStepKind::kEraseColorFlip:
        text = b ? cat("erase case 2: sibling ", key(a), " painted red and parent ", key(b),
                       " painted black")
                 : cat("erase case 2: sibling ", key(a), " painted red; repair continues above");
        break;
    }
    k_.step(StepKind::kTree, function_, std::move(text), std::move(touched));
  }

 private:
  KernelContext& k_;
  EventPoll* ep_;
  const char* function_;
};

void ep_rbtree_insert(KernelContext& k, EventPoll* ep, EpItem* epi) {
  const EpRbLink at = ep_rbtree_link(k, ep, epi);
  ep_index(ep).insert(EpIndex::key(epi->file_address, epi->fd), epi);
  RbNode* parent = at.parent;
  const bool leftmost = at.leftmost;
  rb_link_node(&epi->rbn, parent, at.link);
  if (leftmost) ep->rbr.leftmost = &epi->rbn;  // (rb_insert_color_cached does the same first)
  ++ep->item_count;
  if (k.tracing()) {
    k.step(StepKind::kTree, "ep_rbtree_insert",
           parent ? cat(item_name(epi), " is linked as a red leaf under fd ",
                        ep_item_from_rb(parent)->fd, " in ", ep_name(ep), "'s rbr")
                  : cat(item_name(epi), " becomes the only node of ", ep_name(ep), "'s rbr"),
           {item_ref(epi), ep->ref()});
    TreeTracer tracer(k, ep, "rb_insert_color");
    rb_insert_color_cached(&epi->rbn, &ep->rbr, leftmost, &tracer);
  } else {
    rb_insert_color_cached(&epi->rbn, &ep->rbr, leftmost, nullptr);
  }
}

void ep_rbtree_erase(KernelContext& k, EventPoll* ep, EpItem* epi) {
  --ep->item_count;
  ep_index(ep).erase(EpIndex::key(epi->file_address, epi->fd));
  if (k.tracing()) {
    TreeTracer tracer(k, ep, "rb_erase");
    rb_erase_cached(&epi->rbn, &ep->rbr, &tracer);
  } else {
    rb_erase_cached(&epi->rbn, &ep->rbr, nullptr);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] polling an item and polling an epoll
// ---------------------------------------------------------------------------------------------
namespace {

poll_t ep_eventpoll_poll_depth(KernelContext& k, EventPollFile* file, PollTable* wait, int depth);

}  // namespace

poll_t ep_item_poll(KernelContext& k, const EpItem* epi, PollTable* pt, int depth) {
  File* file = epi->file;
  // epi_fget: a file whose last reference is being dropped is not polled.
  if (file->f_count == 0) return 0;
  pt->key = epi->event.events;
  poll_t res = is_file_epoll(file)
                   ? ep_eventpoll_poll_depth(k, static_cast<EventPollFile*>(file), pt, depth)
                   : file->poll(k, pt);
  return res & epi->event.events;
}

poll_t ep_item_peek(const EpItem* epi) {
  if (epi->file->f_count == 0) return 0;
  return epi->file->peek_poll() & epi->event.events;
}

namespace {

void ep_start_scan(KernelContext& k, EventPoll* ep, ListHead* txlist) {
  list_splice_init(&ep->rdllist, txlist);
  ep->ovflist = nullptr;
  ep->txlist = txlist;
  if (k.tracing())
    k.step(StepKind::kScan, "ep_start_scan",
           cat(ep_name(ep), "'s rdllist is moved to a private txlist (", list_count(txlist),
               list_count(txlist) == 1 ? " item" : " items",
               "); ovflist becomes active, so callbacks from now on go there"),
           {ep->ref()});
}

void ep_done_scan(KernelContext& k, EventPoll* ep, ListHead* txlist) {
  // ovflist is a LIFO chain; adding each item at the HEAD of rdllist restores the order of the
  // callbacks. Items already linked (still in txlist, or requeued LT items) are skipped.
  // (The kernel walks the chain and resets ep->ovflist afterwards; popping the head one item at a
  // time is the same under ep->lock and keeps the chain walkable for every trace step.)
  while (ep->ovflist != nullptr) {
    EpItem* epi = ep->ovflist;
    ep->ovflist = epi->next;
    epi->next = kEpUnactive;
    if (!ep_is_linked(epi)) {
      list_add(&epi->rdllink, &ep->rdllist);
      if (k.tracing())
        k.step(StepKind::kReadyList, "ep_done_scan",
               cat(item_name(epi), " moves from ovflist to the head of rdllist"),
               {item_ref(epi), ep->ref()});
    }
  }
  ep->ovflist = kEpUnactive;
  // Items of txlist the scan did not reach go back to the HEAD, ahead of everything.
  const bool leftovers = !list_empty(txlist);
  list_splice(txlist, &ep->rdllist);
  list_init(txlist);
  ep->txlist = nullptr;
  if (k.tracing())
    k.step(StepKind::kScan, "ep_done_scan",
           leftovers ? cat("the items the scan did not reach go back to the head of ", ep_name(ep),
                           "'s rdllist; ovflist is inactive again")
                     : cat("scan of ", ep_name(ep), " done; ovflist is inactive again"),
           {ep->ref()});
  if (!list_empty(&ep->rdllist) && waitqueue_active(&ep->wq)) wake_up(k, &ep->wq, "ep_done_scan");
}

// mutex_lock(&ep->mtx) in a syscall the scheduler is continuing after a wake-up. When another
// task woken by the same call took this mutex before it, the model's order (the order of the
// wake-ups) decided who came first; on the kernel both run at once on two CPUs, and whoever takes
// ep->mtx first decides what the other finds: a race (docs/kernel-notes.md, RACE1). The step says
// so.
void ep_mutex_lock(KernelContext& k, EventPoll* ep, const char* what) {
  const Task* t = k.sched().running_woken_task();
  if (!t) return;
  const std::string first = k.sched().mutex_lock(ep->ref(), t);
  if (first.empty() || !k.tracing()) return;
  k.step(
      StepKind::kTask, "mutex_lock",
      cat("race: ", first, " and ", t->name, " were woken together and both take ", ep_name(ep),
          "'s ep->mtx; whoever takes it first decides. The model runs them in the order they "
          "were woken, so ",
          t->name, " comes after ", first, "; on the kernel they run at once on two CPUs, and had ",
          t->name, " taken it first, it would have ", what, " ", ep_name(ep), " before ", first,
          " did. The kernel may take either path here."),
      {t->ref(), ep->ref()});
}

// __ep_eventpoll_poll: is any queued item of this epoll really ready? Stale items in front of the
// first ready one are dropped from the ready list on the way.
poll_t ep_eventpoll_poll_depth(KernelContext& k, EventPollFile* file, PollTable* wait, int depth) {
  EventPoll* ep = file->ep();
  poll_wait(k, file, &ep->poll_wait, wait);
  ep_mutex_lock(k, ep, "polled the ready list of");
  ListHead txlist;
  ep_start_scan(k, ep, &txlist);
  poll_t res = 0;
  ListHead* pos = txlist.next;
  while (pos != &txlist) {
    ListHead* next = pos->next;
    EpItem* epi = ep_item_from_rdllink(pos);
    PollTable pt;
    if (ep_item_poll(k, epi, &pt, depth + 1)) {
      res = kEPOLLIN | kEPOLLRDNORM;
      break;
    }
    list_del_init(&epi->rdllink);
    if (k.tracing())
      k.step(StepKind::kReadyList, "__ep_eventpoll_poll",
             cat(item_name(epi), " was queued but is not ready: dropped while ", ep_name(ep),
                 " is polled"),
             {item_ref(epi), ep->ref()});
    pos = next;
  }
  if (k.tracing())
    k.step(StepKind::kScan, "__ep_eventpoll_poll",
           res ? cat(ep_name(ep), " is readable: a queued item is ready")
               : cat(ep_name(ep), " is not readable: no queued item is ready"),
           {ep->ref(), file->ref()});
  ep_done_scan(k, ep, &txlist);
  return res;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] scans
// ---------------------------------------------------------------------------------------------
namespace {

bool ep_events_available(const EventPoll* ep) {
  return !list_empty(&ep->rdllist) || ep->ovflist != kEpUnactive;
}

long ep_send_events(KernelContext& k, EventPoll* ep, EpPollState& st) {
  ep_mutex_lock(k, ep, "harvested");
  ListHead txlist;
  ep_start_scan(k, ep, &txlist);
  long res = 0;
  ListHead* pos = txlist.next;
  while (pos != &txlist) {
    ListHead* tmp = pos->next;
    EpItem* epi = ep_item_from_rdllink(pos);
    if (res >= st.maxevents) break;
    list_del_init(&epi->rdllink);

    // Ask the file again: the event reported is what is true NOW, masked by the interest.
    PollTable pt;
    poll_t revents = ep_item_poll(k, epi, &pt, 1);
    if (!revents) {
      if (k.tracing())
        k.step(StepKind::kReadyList, "ep_send_events",
               cat(item_name(epi), " polls 0 now: it leaves the ready list unreported"),
               {item_ref(epi), ep->ref()});
      pos = tmp;
      k.sched().run_scan_hook(ep->ref());
      continue;
    }
    if (st.buffer != UserBuffer::kValid) {
      // epoll_put_uevent faulted: the item goes back to the front of txlist.
      list_add(&epi->rdllink, &txlist);
      if (!res) res = -kEFAULT;
      if (k.tracing())
        k.step(StepKind::kScan, "ep_send_events",
               cat("copying the event of ", item_name(epi),
                   " to the user buffer faults; the item stays queued at the front"),
               {item_ref(epi), ep->ref()});
      break;
    }
    st.events.push_back(EpollEvent{revents, epi->event.data});
    ++res;
    if (epi->event.events & kEPOLLONESHOT) {
      epi->event.events &= kEP_PRIVATE_BITS;
      if (k.tracing())
        k.step(StepKind::kReadyList, "ep_send_events",
               cat(item_name(epi), " reports ", mask_to_string(revents),
                   "; it is ONESHOT, so its mask is cleared to the private bits (disarmed)"),
               {item_ref(epi), ep->ref()});
    } else if (!(epi->event.events & kEPOLLET)) {
      // Level-triggered: back on the ready list, so the next epoll_wait polls it again.
      list_add_tail(&epi->rdllink, &ep->rdllist);
      if (k.tracing())
        k.step(StepKind::kReadyList, "ep_send_events",
               cat(item_name(epi), " reports ", mask_to_string(revents),
                   "; it is level-triggered, so it goes back to the tail of rdllist"),
               {item_ref(epi), ep->ref()});
    } else if (k.tracing()) {
      k.step(StepKind::kReadyList, "ep_send_events",
             cat(item_name(epi), " reports ", mask_to_string(revents),
                 "; it is edge-triggered, so it stays off the ready list until the next wake-up"),
             {item_ref(epi), ep->ref()});
    }
    pos = tmp;
    k.sched().run_scan_hook(ep->ref());
  }
  ep_done_scan(k, ep, &txlist);
  return res;
}

}  // namespace

long ep_poll(KernelContext& k, Task& task, EpPollState& st, bool resumed) {
  EventPoll* ep = st.file->ep();
  if (!resumed) {
    st.eavail = ep_events_available(ep);
  } else {
    // Back from schedule(): a wake-up removed our entry; a timeout left it on ep->wq.
    if (task.timer_fired) st.timed_out = true;
    st.eavail = true;
    if (!list_empty(&task.wait.entry)) {
      if (st.timed_out) st.eavail = list_empty(&task.wait.entry);
      list_del_init(&task.wait.entry);
      task.waiting_on = nullptr;
    }
  }
  while (true) {
    if (st.eavail) {
      if (k.tracing())
        k.step(StepKind::kScan, "ep_poll",
               cat("events may be available on ", ep_name(ep), ": harvest"), {ep->ref()});
      long res = ep_send_events(k, ep, st);
      if (res) return res;
    }
    if (st.timed_out) {
      if (k.tracing())
        k.step(StepKind::kScan, "ep_poll",
               cat(st.eavail ? "nothing could be reported"
                             : cat(ep_name(ep), "'s ready list is empty"),
                   task.timer_fired ? " and the timeout has expired: return 0"
                                    : " and the timeout is 0: return 0 without sleeping"),
               {ep->ref()});
      return 0;
    }
    if (task.signal_pending) {
      if (k.tracing())
        k.step(StepKind::kTask, "ep_poll",
               cat("signal_pending: a signal came for ", task.name, ": return -EINTR"),
               {task.ref(), ep->ref()});
      return -kEINTR;
    }
    // init_wait + __add_wait_queue_exclusive under ep->lock, after a last look.
    task.wait.private_data = &task;
    task.wait.func = ep_autoremove_wake_function;
    st.eavail = ep_events_available(ep);
    if (!st.eavail) {
      add_wait_queue_exclusive_head(&ep->wq, &task.wait);
      task.waiting_on = &ep->wq;
      if (k.tracing())
        k.step(StepKind::kTask, "ep_poll",
               cat("nothing to report: ", task.name, " queues itself at the HEAD of ", ep_name(ep),
                   "'s wq (exclusive: one wake-up wakes one thread, the last to sleep first)"),
               {task.ref(), ep->ref(), wq_ref(&ep->wq)});
      if (st.deadline_ns && *st.deadline_ns <= k.sched().now_ns()) {
        // ep_schedule_timeout: the deadline has already passed, no sleep.
        st.timed_out = true;
        list_del_init(&task.wait.entry);
        task.waiting_on = nullptr;
        st.eavail = false;
        continue;
      }
      return kWouldSleep;
    }
    st.eavail = true;
  }
}

// ---------------------------------------------------------------------------------------------
// [SECTION] registration
// ---------------------------------------------------------------------------------------------
namespace {

void ep_unregister_pollwait(KernelContext& k, EpItem* epi) {
  EppollEntry* pwq;
  while ((pwq = epi->pwqlist) != nullptr) {
    epi->pwqlist = pwq->next;
    remove_wait_queue(pwq->whead, &pwq->wait);
    if (k.tracing())
      k.step(StepKind::kCallback, "ep_unregister_pollwait",
             cat("the eppoll_entry of ", item_name(epi), " leaves ", pwq->whead->label),
             {item_ref(epi), wq_ref(pwq->whead)});
    if (pwq == &epi->first_pwq)
      --k.epoll().embedded_pwqs;
    else
      k.epoll().pwq_cache.free(pwq);
  }
}

// __ep_remove: unhook from the file's queues, the file's f_ep, rbr and the ready list; free.
bool ep_remove(KernelContext& k, EventPoll* ep, EpItem* epi, bool force) {
  File* file = epi->file;
  ep_unregister_pollwait(k, epi);
  if (epi->dying && !force) return false;
  // The kernel leaves the ready list last, after f_ep and rbr, all under ep->mtx, so no one can
  // tell the order; leaving it first keeps every traced state whole (a queued item is in rbr and
  // on its file's f_ep).
  if (ep_is_linked(epi)) {
    list_del_init(&epi->rdllink);
    if (k.tracing())
      k.step(StepKind::kReadyList, "__ep_remove", cat(item_name(epi), " leaves the ready list"),
             {item_ref(epi), ep->ref()});
  }
  hlist_del_init(&epi->fllink);
  (void)file;
  ep_rbtree_erase(k, ep, epi);
  assert(epi->next == kEpUnactive);  // removals need ep->mtx, which every scan holds
  if (k.tracing())
    k.step(StepKind::kTree, "__ep_remove", cat(item_name(epi), " is freed"),
           {item_ref(epi), ep->ref()});
  k.epoll().epi_cache.free(epi);
  --k.epoll().epoll_watches;
  return true;
}

void ep_remove_safe(KernelContext& k, EventPoll* ep, EpItem* epi) {
  if (ep_remove(k, ep, epi, false)) --ep->refcount;
}

void list_file(KernelContext& k, File* file) {
  if (!file->on_check_list) {
    file->on_check_list = true;
    k.epoll().tfile_check_list.insert(k.epoll().tfile_check_list.begin(), file);
  }
}

void clear_tfile_check_list(KernelContext& k) {
  for (File* f : k.epoll().tfile_check_list)
    f->on_check_list = false;
  k.epoll().tfile_check_list.clear();
}

int reverse_path_check(KernelContext& k);

int ep_insert(KernelContext& k, EventPoll* ep, const EpollEvent* event, File* tfile, int fd,
              bool full_check) {
  EventPoll* tep = is_file_epoll(tfile) ? static_cast<EventPollFile*>(tfile)->ep() : nullptr;
  if (k.epoll().epoll_watches >= k.epoll().max_user_watches) {
    if (k.tracing())
      k.step(StepKind::kCheck, "ep_insert",
             cat("the user already has ", k.epoll().epoll_watches, " watches, max_user_watches is ",
                 k.epoll().max_user_watches));
    return -kENOSPC;
  }
  ++k.epoll().epoll_watches;

  EpItem* epi = k.epoll().epi_cache.alloc();
  list_init(&epi->rdllink);
  epi->ep = ep;
  epi->file = tfile;
  epi->file_address = tfile->address;
  epi->fd = fd;
  epi->id = k.new_id();
  epi->event = *event;
  epi->next = kEpUnactive;
  if (k.tracing())
    k.step(StepKind::kTree, "ep_insert",
           cat("a new ", item_name(epi), " with mask ", mask_to_string(epi->event.events),
               " and data ", epi->event.data),
           {item_ref(epi), ep->ref(), tfile->ref()});

  // attach_epitem: the file learns that this item watches it (file->f_ep).
  hlist_add_head(&epi->fllink, &tfile->f_ep);
  if (full_check && !tep) list_file(k, tfile);
  ep_rbtree_insert(k, ep, epi);
  ++ep->refcount;  // ep_get

  if (full_check && reverse_path_check(k)) {
    if (k.tracing())
      k.step(StepKind::kCheck, "reverse_path_check",
             "too many wake-up paths would lead from one file to top-level epolls: the item is "
             "removed again",
             {item_ref(epi)});
    ep_remove_safe(k, ep, epi);
    return -kEINVAL;
  }

  // Poll the file once with a queueing poll table: this hangs an eppoll_entry on each of the
  // file's wait queues. From here on the file's wake-ups reach the item.
  EpPqueue epq;
  epq.pt.qproc = ep_ptable_queue_proc;
  epq.epi = epi;
  poll_t revents = ep_item_poll(k, epi, &epq.pt, 1);

  bool pwake = false;
  if (revents && !ep_is_linked(epi)) {
    list_add_tail(&epi->rdllink, &ep->rdllist);
    if (k.tracing())
      k.step(StepKind::kReadyList, "ep_insert",
             cat(tfile->label, " is already ready (", mask_to_string(revents),
                 "): ", item_name(epi), " joins the tail of rdllist at once"),
             {item_ref(epi), ep->ref()});
    if (waitqueue_active(&ep->wq)) wake_up(k, &ep->wq, "ep_insert");
    if (waitqueue_active(&ep->poll_wait)) pwake = true;
  } else if (k.tracing()) {
    k.step(StepKind::kReadyList, "ep_insert",
           cat(tfile->label, " polls ", mask_to_string(revents), " for this mask: not queued"),
           {item_ref(epi), ep->ref()});
  }
  if (pwake) ep_poll_safewake(k, ep, 0);
  return 0;
}

int ep_modify(KernelContext& k, EventPoll* ep, EpItem* epi, const EpollEvent* event) {
  // The new mask is set before polling, so an event between the two cannot be lost. A fired
  // ONESHOT item is re-armed here.
  epi->event.events = event->events;
  epi->event.data = event->data;
  if (k.tracing())
    k.step(StepKind::kTree, "ep_modify",
           cat(item_name(epi), " gets mask ", mask_to_string(epi->event.events), " and data ",
               epi->event.data),
           {item_ref(epi), ep->ref()});
  PollTable pt;
  bool pwake = false;
  poll_t revents = ep_item_poll(k, epi, &pt, 1);
  if (revents) {
    if (!ep_is_linked(epi)) {
      list_add_tail(&epi->rdllink, &ep->rdllist);
      if (k.tracing())
        k.step(StepKind::kReadyList, "ep_modify",
               cat(epi->file->label, " is ready (", mask_to_string(revents), "): ", item_name(epi),
                   " joins the tail of rdllist"),
               {item_ref(epi), ep->ref()});
      if (waitqueue_active(&ep->wq)) wake_up(k, &ep->wq, "ep_modify");
      if (waitqueue_active(&ep->poll_wait)) pwake = true;
    } else if (k.tracing()) {
      k.step(StepKind::kReadyList, "ep_modify",
             cat(item_name(epi), " is ready and already queued: it keeps its place"),
             {item_ref(epi), ep->ref()});
    }
  } else if (k.tracing()) {
    k.step(StepKind::kReadyList, "ep_modify",
           cat(epi->file->label,
               " is not ready for the new mask; a queued item is not unlinked "
               "(the next harvest drops it)"),
           {item_ref(epi), ep->ref()});
  }
  if (pwake) ep_poll_safewake(k, ep, 0);
  return 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] nesting checks
// ---------------------------------------------------------------------------------------------
namespace {

constexpr int kPathLimits[5] = {1000, 500, 100, 50, 10};

int path_count_inc(KernelContext& k, int nests) {
  if (nests == 0) return 0;  // paths through a single epoll are unlimited
  if (++k.epoll().path_count[nests] > kPathLimits[nests]) return -1;
  return 0;
}

int reverse_path_check_proc(KernelContext& k, const HlistHead* refs, int depth) {
  if (depth > kEP_MAX_NESTS) return -1;
  int error = 0;
  for (HlistNode* n = refs->first; n; n = n->next) {
    EpItem* epi = ep_item_from_fllink(n);
    const HlistHead* up = &epi->ep->refs();
    if (hlist_empty(up))
      error = path_count_inc(k, depth);
    else
      error = reverse_path_check_proc(k, up, depth + 1);
    if (error != 0) break;
  }
  return error;
}

int reverse_path_check(KernelContext& k) {
  for (File* f : k.epoll().tfile_check_list) {
    for (int& c : k.epoll().path_count)
      c = 0;
    int error = reverse_path_check_proc(k, &f->f_ep, 0);
    if (error) return error;
  }
  return 0;
}

// 6.17+: the depth of the subtree below `ep`, or EP_MAX_NESTS + 1 on a loop or too deep.
int ep_loop_check_proc(KernelContext& k, EventPoll* ep, int depth) {
  if (ep->gen == k.epoll().loop_check_gen) return ep->loop_check_depth;
  ep->gen = k.epoll().loop_check_gen;
  int result = 0;
  for (RbNode* rbp = rb_first(&ep->rbr); rbp; rbp = rb_next(rbp)) {
    EpItem* epi = ep_item_from_rb(rbp);
    if (is_file_epoll(epi->file)) {
      EventPoll* to_visit = static_cast<EventPollFile*>(epi->file)->ep();
      if (to_visit == k.epoll().inserting_into || depth > kEP_MAX_NESTS)
        result = kEP_MAX_NESTS + 1;
      else
        result = std::max(result, ep_loop_check_proc(k, to_visit, depth + 1) + 1);
      if (result > kEP_MAX_NESTS) break;
    } else {
      list_file(k, epi->file);
    }
  }
  ep->loop_check_depth = static_cast<uint8_t>(result);
  return result;
}

// 6.17+: the longest chain of epolls above `ep` (through ep->refs).
int ep_get_upwards_depth_proc(KernelContext& k, EventPoll* ep, int depth) {
  if (ep->gen == k.epoll().loop_check_gen) return ep->loop_check_depth;
  int result = 0;
  for (HlistNode* n = ep->refs().first; n; n = n->next) {
    EpItem* epi = ep_item_from_fllink(n);
    result = std::max(result, ep_get_upwards_depth_proc(k, epi->ep, depth + 1) + 1);
  }
  ep->gen = k.epoll().loop_check_gen;
  ep->loop_check_depth = static_cast<uint8_t>(result);
  return result;
}

// Before 6.17: only a loop or a recursion deeper than EP_MAX_NESTS below `ep` fails.
int ep_loop_check_proc_downward(KernelContext& k, EventPoll* ep, int depth) {
  int error = 0;
  ep->gen = k.epoll().loop_check_gen;
  for (RbNode* rbp = rb_first(&ep->rbr); rbp; rbp = rb_next(rbp)) {
    EpItem* epi = ep_item_from_rb(rbp);
    if (is_file_epoll(epi->file)) {
      EventPoll* to_visit = static_cast<EventPollFile*>(epi->file)->ep();
      if (to_visit->gen == k.epoll().loop_check_gen) continue;
      if (to_visit == k.epoll().inserting_into || depth > kEP_MAX_NESTS)
        error = -1;
      else
        error = ep_loop_check_proc_downward(k, to_visit, depth + 1);
      if (error != 0) break;
    } else {
      list_file(k, epi->file);
    }
  }
  return error;
}

int ep_loop_check(KernelContext& k, EventPoll* ep, EventPoll* to) {
  k.epoll().inserting_into = ep;
  if (k.profile().loop_check == LoopCheckDepth::kDownwardOnly)
    return ep_loop_check_proc_downward(k, to, 0);
  int depth = ep_loop_check_proc(k, to, 0);
  if (depth > kEP_MAX_NESTS) return -1;
  int upwards_depth = ep_get_upwards_depth_proc(k, ep, 0);
  return (depth + 1 + upwards_depth > kEP_MAX_NESTS) ? -1 : 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] do_epoll_ctl
// ---------------------------------------------------------------------------------------------

int do_epoll_ctl(KernelContext& k, File* f, File* tf, int op, int fd, EpollEvent* epds) {
  const bool has_event = op != kEPOLL_CTL_DEL;
  // ep_take_care_of_epollwakeup
  if (has_event && !k.profile().keeps_epollwakeup && (epds->events & kEPOLLWAKEUP)) {
    epds->events &= ~kEPOLLWAKEUP;
    if (k.tracing())
      k.step(StepKind::kCheck, "ep_take_care_of_epollwakeup",
             "EPOLLWAKEUP is silently removed (no CONFIG_PM_SLEEP on this kernel)");
  }
  if (f == tf || !is_file_epoll(f)) {
    if (k.tracing())
      k.step(StepKind::kCheck, "do_epoll_ctl",
             f == tf ? cat("an epoll cannot watch itself (", f->label, ")")
                     : cat(f->label, " is not an epoll instance"),
             {f->ref()});
    return -kEINVAL;
  }
  if (has_event && (epds->events & kEPOLLEXCLUSIVE)) {
    if (op == kEPOLL_CTL_MOD) {
      if (k.tracing())
        k.step(StepKind::kCheck, "do_epoll_ctl",
               "EPOLLEXCLUSIVE cannot be used with EPOLL_CTL_MOD");
      return -kEINVAL;
    }
    if (op == kEPOLL_CTL_ADD && (is_file_epoll(tf) || (epds->events & ~kEPOLLEXCLUSIVE_OK_BITS))) {
      if (k.tracing())
        k.step(StepKind::kCheck, "do_epoll_ctl",
               is_file_epoll(tf)
                   ? "EPOLLEXCLUSIVE is not allowed on an epoll target"
                   : cat("EPOLLEXCLUSIVE allows only IN, OUT, ERR, HUP, WAKEUP and ET, not ",
                         mask_to_string(epds->events & ~kEPOLLEXCLUSIVE_OK_BITS)));
      return -kEINVAL;
    }
  }
  EventPoll* ep = static_cast<EventPollFile*>(f)->ep();
  bool full_check = false;
  int error = 0;
  EpItem* epi = nullptr;

  if (op == kEPOLL_CTL_ADD) {
    // A full check when this epoll is itself watched, or when the target is an epoll: loops,
    // depth and the number of wake-up paths must be checked.
    if (!hlist_empty(&f->f_ep) || ep->gen == k.epoll().loop_check_gen || is_file_epoll(tf)) {
      ++k.epoll().loop_check_gen;
      full_check = true;
      if (is_file_epoll(tf)) {
        EventPoll* tep = static_cast<EventPollFile*>(tf)->ep();
        if (ep_loop_check(k, ep, tep) != 0) {
          if (k.tracing())
            k.step(StepKind::kCheck, "ep_loop_check",
                   cat("adding ", tf->label, " to ", f->label,
                       " would close a loop or make a chain of more than 4 epoll links"),
                   {ep->ref(), tep->ref()});
          error = -kELOOP;
          goto out;
        }
      }
    }
  }

  // DEL erases the item from rbr next: the index starts loading its tree neighbours now.
  epi = ep_find(k, ep, tf, fd, op == kEPOLL_CTL_DEL ? EpIndex::kWarmForErase : 0);
  switch (op) {
    case kEPOLL_CTL_ADD:
      if (!epi) {
        epds->events |= kEPOLLERR | kEPOLLHUP;
        error = ep_insert(k, ep, epds, tf, fd, full_check);
      } else {
        if (k.tracing())
          k.step(StepKind::kCheck, "do_epoll_ctl",
                 cat("(", tf->label, ", fd ", fd, ") is already registered"), {item_ref(epi)});
        error = -kEEXIST;
      }
      break;
    case kEPOLL_CTL_DEL:
      if (epi) {
        ep_remove_safe(k, ep, epi);
        error = 0;
      } else {
        if (k.tracing())
          k.step(StepKind::kCheck, "do_epoll_ctl",
                 cat("no item is registered under (", tf->label, ", fd ", fd, ")"));
        error = -kENOENT;
      }
      break;
    case kEPOLL_CTL_MOD:
      if (epi) {
        if (!(epi->event.events & kEPOLLEXCLUSIVE)) {
          epds->events |= kEPOLLERR | kEPOLLHUP;
          error = ep_modify(k, ep, epi, epds);
        } else {
          if (k.tracing())
            k.step(StepKind::kCheck, "do_epoll_ctl",
                   "an item added with EPOLLEXCLUSIVE can never be modified", {item_ref(epi)});
          error = -kEINVAL;
        }
      } else {
        if (k.tracing())
          k.step(StepKind::kCheck, "do_epoll_ctl",
                 cat("no item is registered under (", tf->label, ", fd ", fd, ")"));
        error = -kENOENT;
      }
      break;
    default:
      if (k.tracing())
        k.step(StepKind::kCheck, "do_epoll_ctl", cat("op ", op, " is not ADD, DEL or MOD"));
      error = -kEINVAL;
      break;
  }

out:
  if (full_check) {
    clear_tfile_check_list(k);
    ++k.epoll().loop_check_gen;
  }
  return error;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] release
// ---------------------------------------------------------------------------------------------

void eventpoll_release(KernelContext& k, File* file) {
  if (k.tracing())
    k.step(StepKind::kTree, "eventpoll_release_file",
           cat(file->label,
               " is closed for good: every epitem watching it is removed, from every "
               "epoll and under every fd number"),
           {file->ref()});
  while (HlistNode* first = file->f_ep.first) {
    EpItem* epi = ep_item_from_fllink(first);
    epi->dying = true;
    EventPoll* ep = epi->ep;
    if (ep_remove(k, ep, epi, true)) --ep->refcount;
  }
}

namespace {

// ep_clear_and_put: the epoll file's last reference is gone.
void ep_clear_and_put(KernelContext& k, EventPoll* ep) {
  if (waitqueue_active(&ep->poll_wait)) ep_poll_safewake(k, ep, 0);
  for (RbNode* rbp = rb_first(&ep->rbr); rbp; rbp = rb_next(rbp))
    ep_unregister_pollwait(k, ep_item_from_rb(rbp));
  RbNode* next;
  for (RbNode* rbp = rb_first(&ep->rbr); rbp; rbp = next) {
    next = rb_next(rbp);
    ep_remove_safe(k, ep, ep_item_from_rb(rbp));
  }
  --ep->refcount;
  assert(ep->refcount == 0);
}

}  // namespace

EventPollFile::EventPollFile(KernelContext& k, int f_flags)
    : File(k, FileKind::kEpoll, f_flags, ""), ep_(std::make_unique<EventPoll>()) {
  ep_->id = k.new_id();
  ep_->file = this;
  label = k.new_label("epoll");
  init_waitqueue_head(k, &ep_->wq, "wq", ep_->ref(), label);
  init_waitqueue_head(k, &ep_->poll_wait, "poll_wait", ep_->ref(), label);
}

EventPollFile::~EventPollFile() = default;

poll_t EventPollFile::poll(KernelContext& k, PollTable* pt) {
  return ep_eventpoll_poll_depth(k, this, pt, 0);
}

poll_t EventPollFile::peek_poll() const {
  const ListHead* head = &ep_->rdllist;
  for (const ListHead* p = head->next; p != head; p = p->next)
    if (ep_item_peek(EPOLLSCOPE_CONTAINER_OF(p, EpItem, rdllink))) return kEPOLLIN | kEPOLLRDNORM;
  return 0;
}

long EventPollFile::read(KernelContext&, Task&, IoRequest&) {
  return -kEINVAL;
}
long EventPollFile::write(KernelContext&, Task&, IoRequest&) {
  return -kEINVAL;
}

void EventPollFile::release(KernelContext& k) {
  if (k.tracing())
    k.step(StepKind::kTree, "ep_eventpoll_release",
           cat(label, " is released: all its items are unhooked and freed"), {ep_->ref(), ref()});
  ep_clear_and_put(k, ep_.get());
}

std::vector<const WaitQueueHead*> EventPollFile::wait_queues() const {
  return {&ep_->wq, &ep_->poll_wait};
}

void EventPollFile::describe(FileView& view) const {
  view.detail = cat(ep_->item_count, ep_->item_count == 1 ? " item" : " items");
}

}  // namespace epollscope::sim
