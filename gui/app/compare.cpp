// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/compare.h"

#include <unordered_map>
#include <vector>

namespace epollscope::app {
namespace {

std::vector<int> fds_of_items(const sim::Snapshot& s, const std::vector<uint32_t>& items) {
  std::vector<int> out;
  for (uint32_t id : items)
    if (const sim::EpItemView* v = s.item(id)) out.push_back(v->fd);
  return out;
}

bool item_differs(const sim::EpItemView* a, const sim::EpItemView* b) {
  return !b || b->events != a->events || b->data != a->data || b->ready != a->ready;
}

bool file_differs(const sim::FileView* a, const sim::FileView* b) {
  return !b || b->mask != a->mask || b->detail != a->detail || b->queues.size() != a->queues.size();
}

// The chains and the tree of each epoll, compared by the fds of their items (by ids when the
// models number alike).
void compare_lists(const sim::Snapshot& a, const sim::Snapshot& b, Differences& d) {
  d.lists.clear();
  for (const auto& ea : a.epolls) {
    const sim::EventPollView* eb = nullptr;
    for (const auto& x : b.epolls)
      if (x->label == ea->label) eb = x.get();
    if (!eb) {
      d.lists.insert(ea->label + " rbr");
      continue;
    }
    auto lists = [&](const char* name, const std::vector<uint32_t>& x,
                     const std::vector<uint32_t>& y) {
      const bool differ =
          d.same_ids ? x != y : x.size() != y.size() || fds_of_items(a, x) != fds_of_items(b, y);
      if (differ) d.lists.insert(ea->label + " " + name);
    };
    lists("rdllist", ea->rdllist, eb->rdllist);
    lists("txlist", ea->txlist, eb->txlist);
    lists("ovflist", ea->ovflist, eb->ovflist);
    lists("rbr", ea->rbr, eb->rbr);
  }
}

// True if the two snapshots number their objects alike (see Differences::same_ids).
bool numbered_alike(const sim::Snapshot& a, const sim::Snapshot& b) {
  if (a.epolls.size() != b.epolls.size()) return false;
  for (std::size_t i = 0; i < a.epolls.size(); ++i)
    if (a.epolls[i]->id != b.epolls[i]->id || a.epolls[i]->label != b.epolls[i]->label)
      return false;
  return true;
}

bool paired(const sim::EpItemView* a, const sim::EpItemView* b) {
  return !a || !b || (a->fd == b->fd && a->ep == b->ep);
}

bool paired(const sim::FileView* a, const sim::FileView* b) {
  return !a || !b || a->label == b->label;
}

}  // namespace

// From scratch. Items are matched by fd and files by label, or by id when the models number
// alike (the usual case: they run the same scenario and create the same objects).
Differences differences(const sim::Snapshot& a, const sim::Snapshot* b) {
  Differences d;
  if (!b) return d;
  d.same_ids = numbered_alike(a, *b);
  if (d.same_ids) {
    // Walk both item lists (sorted by id) together.
    std::size_t i = 0, j = 0;
    while (d.same_ids && i < a.items.size()) {
      const sim::EpItemView* va = a.items[i].get();
      while (j < b->items.size() && b->items[j]->id < va->id)
        ++j;
      const sim::EpItemView* vb =
          j < b->items.size() && b->items[j]->id == va->id ? b->items[j].get() : nullptr;
      if (!paired(va, vb)) d.same_ids = false;
      if (item_differs(va, vb)) d.items.insert(Differences::item_key(va->ep, va->fd));
      ++i;
    }
    j = 0;
    for (i = 0; d.same_ids && i < a.files.size(); ++i) {
      const sim::FileView* fa = a.files[i].get();
      while (j < b->files.size() && b->files[j]->id < fa->id)
        ++j;
      const sim::FileView* fb =
          j < b->files.size() && b->files[j]->id == fa->id ? b->files[j].get() : nullptr;
      if (!paired(fa, fb)) d.same_ids = false;
      if (file_differs(fa, fb)) d.files.insert(fa->id);
    }
  }
  if (!d.same_ids) {
    d.items.clear();
    d.files.clear();
    for (const auto& ea : a.epolls) {
      const sim::EventPollView* eb = nullptr;
      for (const auto& x : b->epolls)
        if (x->label == ea->label) eb = x.get();
      if (!eb) continue;
      std::unordered_map<int, const sim::EpItemView*> by_fd;
      by_fd.reserve(eb->rbr.size());
      for (uint32_t jd : eb->rbr)
        if (const sim::EpItemView* v = b->item(jd)) by_fd[v->fd] = v;
      for (uint32_t id : ea->rbr) {
        const sim::EpItemView* ia = a.item(id);
        if (!ia) continue;
        auto it = by_fd.find(ia->fd);
        if (item_differs(ia, it == by_fd.end() ? nullptr : it->second))
          d.items.insert(Differences::item_key(ea->id, ia->fd));
      }
    }
    std::unordered_map<std::string, const sim::FileView*> by_label;
    for (const auto& x : b->files)
      by_label[x->label] = x.get();
    for (const auto& fa : a.files) {
      auto it = by_label.find(fa->label);
      if (file_differs(fa.get(), it == by_label.end() ? nullptr : it->second))
        d.files.insert(fa->id);
    }
  }
  compare_lists(a, *b, d);
  return d;
}

namespace {

// The ids of the views that changed from a0 to a or from b0 to b (one kind of view).
template <class V>
std::vector<uint32_t> changed_in_either(const std::vector<std::shared_ptr<const V>>& a0,
                                        const std::vector<std::shared_ptr<const V>>& a,
                                        const std::vector<std::shared_ptr<const V>>& b0,
                                        const std::vector<std::shared_ptr<const V>>& b) {
  std::vector<uint32_t> ids = sim::changed_ids(a0, a);
  for (uint32_t id : sim::changed_ids(b0, b))
    ids.push_back(id);
  return ids;
}

}  // namespace

// From the differences of an earlier pair of the same two models, looking only at the objects
// whose views changed since in either model. False when that cannot be done (then the caller
// starts from scratch).
bool update_differences(const sim::Snapshot& a0, const sim::Snapshot& b0, const sim::Snapshot& a,
                        const sim::Snapshot& b, Differences& d) {
  if (!d.same_ids || !numbered_alike(a, b)) return false;
  for (uint32_t id : changed_in_either(a0.items, a.items, b0.items, b.items)) {
    const sim::EpItemView* va = a.item(id);
    const sim::EpItemView* vb = b.item(id);
    if (!paired(va, vb)) return false;
    if (const sim::EpItemView* was = va ? va : a0.item(id))
      d.items.erase(Differences::item_key(was->ep, was->fd));
    if (va && item_differs(va, vb)) d.items.insert(Differences::item_key(va->ep, va->fd));
  }
  for (uint32_t id : changed_in_either(a0.files, a.files, b0.files, b.files)) {
    const sim::FileView* fa = a.file(id);
    const sim::FileView* fb = b.file(id);
    if (!paired(fa, fb)) return false;
    d.files.erase(id);
    if (fa && file_differs(fa, fb)) d.files.insert(id);
  }
  compare_lists(a, b, d);
  return true;
}

}  // namespace epollscope::app
