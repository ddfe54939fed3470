// SPDX-License-Identifier: GPL-2.0-only
#include "sim/snapshot.h"

#include <algorithm>
#include <unordered_map>

#include "sim/eventpoll.h"
#include "sim/kernel.h"
#include "sim/select.h"

namespace epollscope::sim {
namespace {

WaitQueueView view_of_queue(const WaitQueueHead* wq) {
  WaitQueueView v;
  v.id = wq->id;
  v.label = wq->label;
  for (const ListHead* p = wq->head.next; p != &wq->head; p = p->next) {
    const WaitQueueEntry* e = EPOLLSCOPE_CONTAINER_OF(p, WaitQueueEntry, entry);
    WaitEntryView ev;
    ev.exclusive = e->flags & kWQ_FLAG_EXCLUSIVE;
    if (is_poll_entry(e)) {
      ev.kind = WaitEntryView::Kind::kPoll;
      ev.id = static_cast<const PollWqueues*>(e->private_data)->polling_task->id;
    } else if (e->private_data) {
      ev.kind = WaitEntryView::Kind::kTask;
      ev.id = static_cast<const Task*>(e->private_data)->id;
    } else {
      ev.kind = WaitEntryView::Kind::kEpItem;
      ev.id = EPOLLSCOPE_CONTAINER_OF(e, EppollEntry, wait)->base->id;
    }
    v.entries.push_back(ev);
  }
  return v;
}

// Reuses the previous snapshot's view of the same id when the content is equal.
template <class V>
std::shared_ptr<const V> share(V&& fresh, const std::vector<std::shared_ptr<const V>>* previous) {
  if (previous) {
    auto it =
        std::lower_bound(previous->begin(), previous->end(), fresh.id,
                         [](const std::shared_ptr<const V>& p, uint32_t id) { return p->id < id; });
    if (it != previous->end() && (*it)->id == fresh.id && **it == fresh) return *it;
  }
  return std::make_shared<const V>(std::move(fresh));
}

template <class V>
std::shared_ptr<const V> share_whole(V&& fresh, const std::shared_ptr<const V>& previous) {
  if (previous && *previous == fresh) return previous;
  return std::make_shared<const V>(std::move(fresh));
}

uint32_t item_id_of(const RbNode* n) {
  return n ? ep_item_from_rb(n)->id : 0;
}

template <class V>
const V* find_by_id(const std::vector<std::shared_ptr<const V>>& v, uint32_t id) {
  auto it =
      std::lower_bound(v.begin(), v.end(), id,
                       [](const std::shared_ptr<const V>& p, uint32_t x) { return p->id < x; });
  return it != v.end() && (*it)->id == id ? it->get() : nullptr;
}

}  // namespace

Snapshot take_snapshot(const Kernel& k, const Snapshot* previous) {
  Snapshot s;
  s.call = k.call_number();
  s.now_ns = k.now_ns();

  for (const File* f : k.files()) {
    FileView v;
    v.id = f->id;
    v.kind = f->kind;
    v.label = f->label;
    v.address = f->address;
    v.refcount = f->f_count;
    v.f_flags = f->f_flags;
    v.mask = f->f_count > 0 ? f->peek_poll() : 0;
    for (const WaitQueueHead* wq : f->wait_queues())
      v.queues.push_back(view_of_queue(wq));
    for (const HlistNode* n = f->f_ep.first; n; n = n->next)
      v.watchers.push_back(EPOLLSCOPE_CONTAINER_OF(n, EpItem, fllink)->id);
    f->describe(v);
    s.files.push_back(share(std::move(v), previous ? &previous->files : nullptr));

    if (!is_file_epoll(f)) continue;
    const EventPoll* ep = static_cast<const EventPollFile*>(f)->ep();
    EventPollView ev;
    ev.id = ep->id;
    ev.file = f->id;
    ev.label = f->label;
    ev.root = item_id_of(ep->rbr.root);
    std::unordered_map<uint32_t, EpItemView::Where> where;
    for (const ListHead* p = ep->rdllist.next; p != &ep->rdllist; p = p->next) {
      uint32_t id = EPOLLSCOPE_CONTAINER_OF(p, EpItem, rdllink)->id;
      ev.rdllist.push_back(id);
      where[id] = EpItemView::Where::kRdllist;
    }
    if (ep->txlist) {
      for (const ListHead* p = ep->txlist->next; p != ep->txlist; p = p->next) {
        uint32_t id = EPOLLSCOPE_CONTAINER_OF(p, EpItem, rdllink)->id;
        ev.txlist.push_back(id);
        where[id] = EpItemView::Where::kTxlist;
      }
    }
    ev.scanning = ep->ovflist != kEpUnactive;
    if (ev.scanning)
      for (const EpItem* e = ep->ovflist; e; e = e->next)
        ev.ovflist.push_back(e->id);
    ev.wq = view_of_queue(&ep->wq);
    ev.poll_wait = view_of_queue(&ep->poll_wait);
    ev.refcount = ep->refcount;
    for (const RbNode* n = rb_first(&ep->rbr); n; n = rb_next(n)) {
      const EpItem* epi = ep_item_from_rb(n);
      ev.rbr.push_back(epi->id);
      EpItemView iv;
      iv.id = epi->id;
      iv.ep = ep->id;
      iv.file = epi->file->id;
      iv.fd = epi->fd;
      iv.events = epi->event.events;
      iv.data = epi->event.data;
      iv.red = rb_is_red(n);
      iv.parent = item_id_of(rb_parent(n));
      iv.left = item_id_of(n->left);
      iv.right = item_id_of(n->right);
      auto w = where.find(epi->id);
      iv.where = w == where.end() ? EpItemView::Where::kNone : w->second;
      iv.on_ovflist = epi->next != kEpUnactive;
      iv.dying = epi->dying;
      iv.ready = ep_item_peek(epi);
      for (const EppollEntry* pwq = epi->pwqlist; pwq; pwq = pwq->next)
        iv.queues.push_back(pwq->whead->id);
      s.items.push_back(share(std::move(iv), previous ? &previous->items : nullptr));
    }
    s.epolls.push_back(share(std::move(ev), previous ? &previous->epolls : nullptr));
  }
  // Items were appended per epoll in tree order; lookups want them by id.
  std::sort(s.items.begin(), s.items.end(),
            [](const auto& a, const auto& b) { return a->id < b->id; });

  std::vector<FdView> fds;
  const auto& table = k.fd_table();
  for (int fd = 0; fd < static_cast<int>(table.size()); ++fd)
    if (table[fd].file) fds.push_back(FdView{fd, table[fd].file->id, table[fd].cloexec});
  s.fds = share_whole(std::move(fds), previous ? previous->fds : nullptr);

  std::vector<TaskView> tasks;
  for (const auto& t : k.tasks()) {
    const WaitQueueHead* on = t->waiting_on;
    std::optional<int64_t> deadline;
    if (t->state == TaskState::kSleeping) deadline = t->deadline_ns;
    tasks.push_back(
        TaskView{t->id, t->name, t->state, on ? on->id : 0u, deadline, t->blocked_call});
  }
  s.tasks = share_whole(std::move(tasks), previous ? previous->tasks : nullptr);
  return s;
}

const FileView* Snapshot::file(uint32_t id) const {
  return find_by_id(files, id);
}
const EventPollView* Snapshot::epoll(uint32_t id) const {
  return find_by_id(epolls, id);
}
const EpItemView* Snapshot::item(uint32_t id) const {
  return find_by_id(items, id);
}

const FileView* Snapshot::file_of_fd(int fd) const {
  if (!fds) return nullptr;
  for (const FdView& f : *fds)
    if (f.fd == fd) return file(f.file);
  return nullptr;
}

namespace {

std::size_t queue_bytes(const WaitQueueView& q) {
  return sizeof(q) + q.label.capacity() + q.entries.capacity() * sizeof(WaitEntryView);
}

}  // namespace

std::size_t snapshot_unshared_bytes(const Snapshot& s, const Snapshot* previous) {
  std::size_t n = sizeof(Snapshot) + s.files.capacity() * 16 + s.epolls.capacity() * 16 +
                  s.items.capacity() * 16;
  for (const auto& f : s.files) {
    if (previous && previous->file(f->id) == f.get()) continue;
    n += sizeof(FileView) + f->label.capacity() + f->detail.capacity() + f->chunks.capacity() * 4 +
         f->watchers.capacity() * 4;
    for (const auto& q : f->queues)
      n += queue_bytes(q);
  }
  for (const auto& e : s.epolls) {
    if (previous && previous->epoll(e->id) == e.get()) continue;
    n +=
        sizeof(EventPollView) +
        (e->rbr.capacity() + e->rdllist.capacity() + e->txlist.capacity() + e->ovflist.capacity()) *
            4 +
        queue_bytes(e->wq) + queue_bytes(e->poll_wait);
  }
  for (const auto& i : s.items) {
    if (previous && previous->item(i->id) == i.get()) continue;
    n += sizeof(EpItemView) + i->queues.capacity() * 4;
  }
  if (!previous || previous->fds != s.fds) n += sizeof(FdView) * s.fds->capacity();
  if (!previous || previous->tasks != s.tasks) n += sizeof(TaskView) * s.tasks->capacity();
  return n;
}

}  // namespace epollscope::sim
