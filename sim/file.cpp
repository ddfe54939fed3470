// SPDX-License-Identifier: GPL-2.0-only
#include "sim/file.h"

#include "sim/context.h"
#include "sim/snapshot.h"

namespace epollscope::sim {

const char* file_kind_name(FileKind kind) {
  switch (kind) {
    case FileKind::kPipe:
      return "pipe";
    case FileKind::kUnixStream:
      return "unix";
    case FileKind::kTcp:
      return "tcp";
    case FileKind::kEventFd:
      return "eventfd";
    case FileKind::kEpoll:
      return "epoll";
    case FileKind::kRegular:
      return "regular";
    case FileKind::kObserved:
      return "observed";
  }
  return "?";
}

File::File(KernelContext& k, FileKind kind_, int flags, std::string label_)
    : id(k.new_id()), kind(kind_), f_flags(flags), label(std::move(label_)) {}

File::~File() = default;

// No .read / .write in the file_operations: vfs_read / vfs_write say EINVAL.
long File::read(KernelContext&, Task&, IoRequest&) {
  return -kEINVAL;
}
long File::write(KernelContext&, Task&, IoRequest&) {
  return -kEINVAL;
}

void File::describe(FileView&) const {}

RegularFile::RegularFile(KernelContext& k, std::string label_, int f_flags)
    : File(k, FileKind::kRegular, f_flags, std::move(label_)) {}

// The model keeps no file contents: reads find the file empty, writes are accepted whole.
long RegularFile::read(KernelContext&, Task&, IoRequest&) {
  return 0;
}
long RegularFile::write(KernelContext&, Task&, IoRequest& io) {
  // O_DIRECT (F_SETFL; tmpfs takes it): a length that is not a multiple of 512 is EINVAL. The
  // alignment of the buffer and of the file position, which direct I/O needs too, is not modelled.
  if ((f_flags & kO_DIRECT) && io.count % 512) return -kEINVAL;
  return static_cast<long>(io.count);
}

}  // namespace epollscope::sim
