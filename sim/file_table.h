// SPDX-License-Identifier: GPL-2.0-only
// sim/file_table.h — the open file descriptions of the simulated machine (fs/file_table.c): where
// files are made (alloc_file), referenced (get_file) and dropped (fput → __fput).
//
// Who owns what: the FileTable owns every live File, by id (= creation order, the order snapshots
// list them in). An fd slot (sim/fdtable.h), a sleeping syscall (Task::holds_file) or nothing
// else counts as a reference in f_count; epitems do not (an epoll watches a file, it does not keep
// it open). The Kernel owns the FileTable.
//
// The order things happen in: make_file() constructs the file and gives it its address, with
// f_count 0; the syscall installs it in an fd slot, which takes the first reference. When fput()
// drops the last one, __fput runs: eventpoll_release() first removes every epitem watching the
// file, from every epoll and under every fd number, then the file's ->release runs (a pipe end
// waking the other end, a socket waking its peer), and only then is the File destroyed.
//
// The address is the `struct file *` value that ep_cmp_ffd() orders each rbr by. Here it is a
// number the table hands out, far apart so that the live backend can place a file between two
// others (set_file_address) when it teaches the model the kernel's real order.
//
// Invariants: the addresses of live files are unique (as pointers are); every live file with
// f_count 0 is being made or being released.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <unordered_set>
#include <utility>
#include <vector>

#include "sim/file.h"

namespace epollscope::sim {

class KernelContext;

class FileTable {
 public:
  explicit FileTable(KernelContext& k) : k_(k) {}
  FileTable(const FileTable&) = delete;
  FileTable& operator=(const FileTable&) = delete;

  // alloc_file: a new file of type F, owned by the table, not yet in any fd slot (f_count 0).
  template <class F, class... Args>
  F* make_file(Args&&... args) {
    auto owned = std::make_unique<F>(k_, std::forward<Args>(args)...);
    F* raw = owned.get();
    raw->address = new_file_address();
    files_.emplace(raw->id, std::move(owned));
    return raw;
  }
  // get_file / fput on behalf of a sleeping syscall, or an fd slot.
  void get_file(File* f) { ++f->f_count; }
  void fput(File* f);
  // Drops every reference still held (files kept by sleeping syscalls at teardown).
  void put_all();

  // Gives `f` another ep_cmp_ffd key (the live backend teaches the model the kernel's order) and
  // updates its epitems. Keys stay unique among live files, as pointers are: false when `a` is
  // another live file's key.
  bool set_file_address(File* f, uint64_t a);

  // Live files in creation order.
  std::vector<const File*> files() const;
  std::vector<File*> files();

 private:
  uint64_t new_file_address();

  KernelContext& k_;
  std::map<uint32_t, std::unique_ptr<File>> files_;  // by id = creation order
  uint64_t next_address_ = 0;
  std::unordered_set<uint64_t> used_addresses_;  // the keys of live files
};

}  // namespace epollscope::sim
