// SPDX-License-Identifier: GPL-2.0-only
// bench/huge_pages.h — gives the model's slabs (sim/slab.h) 2 MiB chunks backed by transparent
// huge pages, as the kernel's slabs are (its direct map uses huge pages).
//
// With a million epitems a 4 KiB-paged model misses the TLB on nearly every item it touches;
// each miss is a page-table walk, itself often a cache miss. On this project's machines (THP
// "madvise" mode) MADV_HUGEPAGE is what makes the kernel back a region with huge pages. Where THP
// is off the chunks still work, with 4 KiB pages.
#pragma once

#include <cstddef>

namespace epollscope::bench {

// Installs the source (sim::set_slab_pages); call before the first model is made.
void use_huge_pages_for_slabs();
// Bytes of chunks handed out and not yet returned (they are outside malloc's statistics).
std::size_t huge_page_bytes_in_use();

}  // namespace epollscope::bench
