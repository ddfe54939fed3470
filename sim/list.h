// SPDX-License-Identifier: GPL-2.0-only
// sim/list.h — include/linux/list.h: the intrusive circular doubly linked list the kernel threads
// through its objects (epi->rdllink on ep->rdllist, wait-queue entries on a wait_queue_head), and
// the singly headed hlist used for file->f_ep.
//
// An empty ListHead points at itself; "linked" means "not pointing at itself", which is exactly how
// ep_is_linked() asks whether an epitem is on the ready list (or on a scan's txlist).
#pragma once

#include <cstddef>

namespace epollscope::sim {

struct ListHead {
  ListHead* next = this;  // INIT_LIST_HEAD
  ListHead* prev = this;

  ListHead() = default;
  ListHead(const ListHead&) = delete;  // a list head is an address; copying it would corrupt it
  ListHead& operator=(const ListHead&) = delete;
};

inline void list_init(ListHead* h) {
  h->next = h->prev = h;
}
inline bool list_empty(const ListHead* h) {
  return h->next == h;
}

inline void list_insert_between(ListHead* n, ListHead* prev, ListHead* next) {
  next->prev = n;
  n->next = next;
  n->prev = prev;
  prev->next = n;
}
// list_add: insert right after the head (stack order).
inline void list_add(ListHead* n, ListHead* head) {
  list_insert_between(n, head, head->next);
}
// list_add_tail: insert before the head (queue order).
inline void list_add_tail(ListHead* n, ListHead* head) {
  list_insert_between(n, head->prev, head);
}
inline void list_del_init(ListHead* e) {
  e->next->prev = e->prev;
  e->prev->next = e->next;
  list_init(e);
}
inline bool list_is_singular(const ListHead* h) {
  return !list_empty(h) && h->next == h->prev;
}

// list_splice: join `list` at the front of `head` (leaves `list` dangling; callers re-init it).
inline void list_splice(ListHead* list, ListHead* head) {
  if (list_empty(list)) return;
  ListHead* first = list->next;
  ListHead* last = list->prev;
  ListHead* at = head->next;
  first->prev = head;
  head->next = first;
  last->next = at;
  at->prev = last;
}
inline void list_splice_init(ListHead* list, ListHead* head) {
  if (list_empty(list)) return;
  list_splice(list, head);
  list_init(list);
}

inline std::size_t list_count(const ListHead* h) {
  std::size_t n = 0;
  for (const ListHead* p = h->next; p != h; p = p->next)
    ++n;
  return n;
}

// container_of for the standard-layout kernel structs of the model.
template <class T, class M>
inline T* container_of(M* ptr, std::size_t offset) {
  return reinterpret_cast<T*>(reinterpret_cast<char*>(ptr) - offset);
}
template <class T, class M>
inline const T* container_of(const M* ptr, std::size_t offset) {
  return reinterpret_cast<const T*>(reinterpret_cast<const char*>(ptr) - offset);
}
#define EPOLLSCOPE_CONTAINER_OF(ptr, type, member) \
  (::epollscope::sim::container_of<type>((ptr), offsetof(type, member)))

// include/linux/list.h hlist: head with one pointer, nodes with next and pprev.
struct HlistNode {
  HlistNode* next = nullptr;
  HlistNode** pprev = nullptr;
};
struct HlistHead {
  HlistNode* first = nullptr;
};

inline bool hlist_empty(const HlistHead* h) {
  return h->first == nullptr;
}
inline bool hlist_unhashed(const HlistNode* n) {
  return n->pprev == nullptr;
}
inline void hlist_add_head(HlistNode* n, HlistHead* h) {
  HlistNode* first = h->first;
  n->next = first;
  if (first) first->pprev = &n->next;
  h->first = n;
  n->pprev = &h->first;
}
inline void hlist_del_init(HlistNode* n) {
  if (hlist_unhashed(n)) return;
  *n->pprev = n->next;
  if (n->next) n->next->pprev = n->pprev;
  n->next = nullptr;
  n->pprev = nullptr;
}

}  // namespace epollscope::sim
