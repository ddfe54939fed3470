// sim/slab.h — a minimal kmem_cache: fixed-size objects carved from large chunks, recycled through
// a free list. epitems and eppoll_entries come from here, as in the kernel (epi_cache, pwq_cache),
// which keeps a registration at about the kernel's cost in bytes and makes ADD/DEL cheap.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace epollscope::sim {

template <class T>
class SlabCache {
 public:
  explicit SlabCache(std::size_t objects_per_chunk = 1024) : per_chunk_(objects_per_chunk) {}
  SlabCache(const SlabCache&) = delete;
  SlabCache& operator=(const SlabCache&) = delete;
  ~SlabCache() = default;  // objects are trivially destructible or destroyed by free()

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
  std::size_t bytes_reserved() const { return chunks_.size() * per_chunk_ * sizeof(Slot); }

 private:
  // Objects of a cache line or more start on a cache line (SLAB_HWCACHE_ALIGN).
  static constexpr std::size_t kAlign = sizeof(T) >= 64 ? 64 : alignof(T);
  union alignas(kAlign) Slot {
    Slot* next_free;
    alignas(T) unsigned char storage[sizeof(T)];
  };
  void grow() {
    chunks_.push_back(std::make_unique<Slot[]>(per_chunk_));
    Slot* chunk = chunks_.back().get();
    for (std::size_t i = per_chunk_; i-- > 0;) {
      chunk[i].next_free = free_;
      free_ = &chunk[i];
    }
  }

  std::size_t per_chunk_;
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  Slot* free_ = nullptr;
  std::size_t in_use_ = 0;
};

}  // namespace epollscope::sim
