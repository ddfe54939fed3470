// SPDX-License-Identifier: GPL-2.0-only
// sim/slab.h — a minimal kmem_cache: fixed-size objects carved from large chunks, recycled through
// a free list. epitems and eppoll_entries come from here, as in the kernel (epi_cache, pwq_cache),
// and so do the nodes of each epoll's index (sim/ep_index.h); it keeps a registration at about the
// kernel's cost in bytes and makes ADD/DEL cheap.
//
// Chunks grow from a few objects (a model of a handful of files stays small) to 2 MiB. Where the
// 2 MiB chunks come from is a choice of the program: the kernel's slabs sit in its direct map,
// which is mapped with huge pages, so reaching an epitem never costs a page-table walk; a user
// process gets 4 KiB pages unless it asks the OS for more. The model cannot ask (it makes no
// system calls), so the program may give it a source of huge pages (bench/huge_pages.h); without
// one, chunks come from the C++ heap.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace epollscope::sim {

// A source of 2 MiB chunks, 2 MiB aligned.
struct SlabPages {
  void* (*alloc)(std::size_t bytes) = nullptr;  // nullptr on failure
  void (*free)(void* p, std::size_t bytes) = nullptr;
};
inline constexpr std::size_t kSlabBigChunk = std::size_t{2} << 20;
// The source every cache uses for chunks of kSlabBigChunk bytes (none: the C++ heap). Set it
// before the first Kernel is made; chunks remember where they came from.
void set_slab_pages(SlabPages pages);
const SlabPages& slab_pages();

template <class T>
class SlabCache {
 public:
  SlabCache() = default;
  SlabCache(const SlabCache&) = delete;
  SlabCache& operator=(const SlabCache&) = delete;
  ~SlabCache() {
    for (const Chunk& c : chunks_) {
      if (c.free)
        c.free(c.mem, c.bytes);
      else
        ::operator delete (c.mem, std::align_val_t{kAlign});
    }
  }

  // kmem_cache_zalloc: a value-initialised T.
  T* alloc() {
    if (!free_) grow();
    Slot* s = free_;
    free_ = s->next_free;
    ++in_use_;
    return new (s->storage) T();
  }
  // kmem_cache_free
  void free(T* obj) {
    obj->~T();
    Slot* s = reinterpret_cast<Slot*>(obj);
    s->next_free = free_;
    free_ = s;
    --in_use_;
  }
  std::size_t in_use() const { return in_use_; }

 private:
  // Objects of a cache line or more start on a cache line (SLAB_HWCACHE_ALIGN).
  static constexpr std::size_t kAlign = sizeof(T) >= 64 ? 64 : alignof(T);
  union alignas(kAlign) Slot {
    Slot* next_free;
    alignas(T) unsigned char storage[sizeof(T)];
  };
  struct Chunk {
    void* mem;
    std::size_t bytes;
    void (*free)(void*, std::size_t);  // how it goes back; nullptr: to the C++ heap
  };
  static constexpr std::size_t kFirstChunk = 4096;

  void grow() {
    // Each chunk twice the last, up to 2 MiB.
    std::size_t bytes =
        chunks_.empty() ? kFirstChunk : std::min(chunks_.back().bytes * 2, kSlabBigChunk);
    if (bytes < sizeof(Slot)) bytes = sizeof(Slot);
    void* mem = nullptr;
    void (*release)(void*, std::size_t) = nullptr;
    if (bytes == kSlabBigChunk && slab_pages().alloc) {
      mem = slab_pages().alloc(bytes);
      if (mem) release = slab_pages().free;
    }
    if (!mem) mem = ::operator new (bytes, std::align_val_t{kAlign});
    chunks_.push_back({mem, bytes, release});
    Slot* chunk = static_cast<Slot*>(mem);
    const std::size_t n = bytes / sizeof(Slot);
    for (std::size_t i = n; i-- > 0;) {
      Slot* s = new (&chunk[i]) Slot;
      s->next_free = free_;
      free_ = s;
    }
  }

  std::vector<Chunk> chunks_;
  Slot* free_ = nullptr;
  std::size_t in_use_ = 0;
};

}  // namespace epollscope::sim
