// SPDX-License-Identifier: GPL-2.0-only
#include "bench/huge_pages.h"

#include <sys/mman.h>

#include <atomic>
#include <cstdint>

#include "sim/slab.h"

namespace epollscope::bench {

namespace {

std::atomic<std::size_t> g_in_use{0};

// mmap gives 4 KiB alignment: map one chunk more than asked, keep the aligned part, unmap the
// rest.
void* map_chunk(std::size_t bytes) {
  const std::size_t align = sim::kSlabBigChunk;
  void* raw =
      mmap(nullptr, bytes + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + align - 1) & ~(uintptr_t{align} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + bytes + align;
  if (end > aligned + bytes)
    munmap(reinterpret_cast<void*>(aligned + bytes), end - aligned - bytes);
  void* p = reinterpret_cast<void*>(aligned);
  madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without THP the chunk keeps 4 KiB pages
  g_in_use += bytes;
  return p;
}

void unmap_chunk(void* p, std::size_t bytes) {
  munmap(p, bytes);
  g_in_use -= bytes;
}

}  // namespace

void use_huge_pages_for_slabs() {
  sim::set_slab_pages({map_chunk, unmap_chunk});
}

std::size_t huge_page_bytes_in_use() {
  return g_in_use.load();
}

}  // namespace epollscope::bench
