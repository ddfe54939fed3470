// SPDX-License-Identifier: GPL-2.0-only
#include "sim/slab.h"

namespace epollscope::sim {

namespace {
SlabPages g_pages;
}

void set_slab_pages(SlabPages pages) {
  g_pages = pages;
}

const SlabPages& slab_pages() {
  return g_pages;
}

}  // namespace epollscope::sim
