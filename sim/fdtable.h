// SPDX-License-Identifier: GPL-2.0-only
// sim/fdtable.h — struct files_struct (include/linux/fdtable.h, fs/file.c): the process's fd
// table, and RLIMIT_NOFILE.
//
// A slot holds one reference to an open file (f_count); several slots may hold the same file (dup,
// dup2). A syscall that makes a file takes a number first with alloc_fd() (the lowest free one at
// or above `start`, searched from files->next_fd; EMFILE at RLIMIT_NOFILE), then fills it with
// fd_install() once the file exists, or gives the number back with put_unused_fd() if the call
// fails in between. close() empties the slot with file_close_fd() and drops the reference it
// returns (fput, sim/file_table.h).
//
// Who owns what: the Kernel owns the table, one per simulated process; the files belong to the
// file table, a slot only counts as a reference.
//
// Invariants: between syscalls every slot below next_fd holds a file (next_fd is at most the
// lowest free number); a slot's file is alive and counts the slot in its f_count.
#pragma once

#include <cstdint>
#include <vector>

namespace epollscope::sim {

class File;
class KernelContext;

// RLIMIT_NOFILE of the process (signal->rlim[RLIMIT_NOFILE], rlim_t values) and the sysctl that
// bounds its hard limit. A model cannot read them from anywhere: a driver that runs it beside a
// real process hands it that process's (driver::Backend::rlimit_nofile), so that both start alike
// and setrlimit refuses the same values. The defaults are a login shell's soft limit under a hard
// limit as high as fs.nr_open lets it be.
struct RlimitNofile {
  uint64_t cur = 1024;          // the soft limit: no fd at or above it (EMFILE)
  uint64_t max = 1u << 20;      // the hard limit: the soft one may not exceed it (EINVAL)
  uint64_t nr_open = 1u << 20;  // fs.nr_open (sysctl_nr_open, 1024 * 1024 by default)
  friend bool operator==(const RlimitNofile&, const RlimitNofile&) = default;
};

struct FdSlot {
  File* file = nullptr;
  bool cloexec = false;
};

class FilesStruct {
 public:
  explicit FilesStruct(KernelContext& k) : k_(k) {}
  FilesStruct(const FilesStruct&) = delete;
  FilesStruct& operator=(const FilesStruct&) = delete;

  // fdget: the file in slot `fd`, nullptr when the fd is not open.
  File* file_at(int fd) const {
    if (fd < 0 || fd >= static_cast<int>(fdt_.size())) return nullptr;
    return fdt_[fd].file;
  }
  // alloc_fd: the lowest free number at or above `start`, or -EMFILE.
  int alloc_fd(int start);
  // fd_install: slot `fd` (reserved by alloc_fd, or emptied by do_dup2) takes a reference to `f`.
  void fd_install(int fd, File* f, bool cloexec);
  // set_close_on_exec (F_SETFD): the slot of an open fd.
  void set_cloexec(int fd, bool on) { fdt_[static_cast<std::size_t>(fd)].cloexec = on; }
  // put_unused_fd: a reserved number that was not installed is free again.
  void put_unused_fd(int fd);
  // file_close_fd: empties slot `fd` and returns the file it held (nullptr if none); the caller
  // drops the reference.
  File* file_close_fd(int fd);
  // The slot work of do_dup2: `fd` takes `f` and the file it held is returned, for the caller to
  // drop after the install.
  File* do_dup2(int fd, File* f);

  // The soft limit, as the fd allocator compares it (rlimit(RLIMIT_NOFILE)).
  long rlimit_nofile() const { return static_cast<long>(rlimit_.cur); }
  const RlimitNofile& rlimit() const { return rlimit_; }
  // Takes the limits as they are: do_prlimit's checks are the syscall's (Kernel).
  void set_rlimit(const RlimitNofile& r) { rlimit_ = r; }
  const std::vector<FdSlot>& slots() const { return fdt_; }

 private:
  // expand_files: the table grows to hold slot `fd`.
  void expand_files(int fd) {
    if (fd >= static_cast<int>(fdt_.size())) fdt_.resize(fd + 1);
  }

  KernelContext& k_;
  std::vector<FdSlot> fdt_;  // files->fdt->fd
  int next_fd_ = 0;          // files->next_fd: no free number below it
  RlimitNofile rlimit_;      // RLIMIT_NOFILE (signal->rlim in the kernel) and fs.nr_open
};

}  // namespace epollscope::sim
