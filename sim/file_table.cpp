// SPDX-License-Identifier: GPL-2.0-only
// sim/file_table.cpp — fput → __fput, and the keys ep_cmp_ffd orders files by.
#include "sim/file_table.h"

#include <cassert>

#include "sim/context.h"
#include "sim/eventpoll.h"
#include "sim/strings.h"

namespace epollscope::sim {

// fput → __fput: eventpoll_release() before f_op->release, then the file is freed.
void FileTable::fput(File* f) {
  assert(f->f_count > 0);
  if (--f->f_count > 0) return;
  if (k_.tracing())
    k_.step(StepKind::kFileOp, "__fput", cat("last reference to ", f->label, " dropped"),
            {f->ref()});
  KernelContext::Nest nest(k_);
  if (!hlist_empty(&f->f_ep)) eventpoll_release(k_, f);
  f->release(k_);
  used_addresses_.erase(f->address);
  files_.erase(f->id);
}

void FileTable::put_all() {
  while (!files_.empty()) {
    File* f = files_.begin()->second.get();
    f->f_count = 1;
    fput(f);
  }
}

uint64_t FileTable::new_file_address() {
  // Files are spaced far apart so that the live backend can place a file between two others
  // when it teaches the model the kernel's real order.
  do
    next_address_ += uint64_t{1} << 24;
  while (used_addresses_.count(next_address_));
  used_addresses_.insert(next_address_);
  return next_address_;
}

bool FileTable::set_file_address(File* f, uint64_t a) {
  if (a == f->address) return true;
  if (used_addresses_.count(a)) return false;
  used_addresses_.erase(f->address);
  used_addresses_.insert(a);
  f->address = a;
  for (HlistNode* n = f->f_ep.first; n; n = n->next) {
    EpItem* epi = ep_item_from_fllink(n);
    epi->file_address = a;
    epi->ep->index_stale = true;  // rebuilt from rbr at its next use
  }
  // Files made later get keys above every key given so far.
  if (a > next_address_) next_address_ = a;
  return true;
}

std::vector<const File*> FileTable::files() const {
  std::vector<const File*> out;
  out.reserve(files_.size());
  for (const auto& [id, f] : files_)
    out.push_back(f.get());
  return out;
}

std::vector<File*> FileTable::files() {
  std::vector<File*> out;
  out.reserve(files_.size());
  for (auto& [id, f] : files_)
    out.push_back(f.get());
  return out;
}

}  // namespace epollscope::sim
