// SPDX-License-Identifier: GPL-2.0-only
// sim/fdtable.cpp — alloc_fd, fd_install, put_unused_fd, file_close_fd and do_dup2 of fs/file.c.
#include "sim/fdtable.h"

#include <algorithm>

#include "sim/context.h"
#include "sim/file.h"
#include "sim/strings.h"

namespace epollscope::sim {

int FilesStruct::alloc_fd(int start) {
  int fd = std::max(start, next_fd_);
  while (fd < static_cast<int>(fdt_.size()) && fdt_[fd].file)
    ++fd;
  if (fd >= rlimit_nofile()) return -kEMFILE;
  if (start <= next_fd_) next_fd_ = fd + 1;
  expand_files(fd);
  return fd;
}

void FilesStruct::fd_install(int fd, File* f, bool cloexec) {
  fdt_[fd].file = f;
  fdt_[fd].cloexec = cloexec;
  ++f->f_count;
  if (k_.tracing())
    k_.step(StepKind::kFdTable, "fd_install", cat("fd ", fd, " now refers to ", f->label),
            {ObjRef{ObjKind::kFd, static_cast<uint32_t>(fd)}, f->ref()});
}

void FilesStruct::put_unused_fd(int fd) {
  if (fd < next_fd_) next_fd_ = fd;
}

File* FilesStruct::file_close_fd(int fd) {
  File* f = file_at(fd);
  if (!f) return nullptr;
  fdt_[fd].file = nullptr;
  put_unused_fd(fd);
  return f;
}

File* FilesStruct::do_dup2(int fd, File* f) {
  expand_files(fd);
  File* tofree = fdt_[fd].file;
  fdt_[fd].file = nullptr;
  fd_install(fd, f, false);
  return tofree;
}

}  // namespace epollscope::sim
