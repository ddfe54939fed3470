#include "sim/file.h"

#include "sim/kernel.h"
#include "sim/snapshot.h"

namespace epollscope::sim {

File::File(Kernel& k, FileKind kind_, int flags, std::string label_)
    : id(k.new_id()),
      address(k.new_file_address()),
      kind(kind_),
      f_flags(flags),
      label(std::move(label_)) {}

File::~File() = default;

// No .read / .write in the file_operations: vfs_read / vfs_write say EINVAL.
long File::read(Kernel&, Task&, IoRequest&) {
  return -kEINVAL;
}
long File::write(Kernel&, Task&, IoRequest&) {
  return -kEINVAL;
}

void File::describe(FileView&) const {}

RegularFile::RegularFile(Kernel& k, std::string label_)
    : File(k, FileKind::kRegular, kO_RDWR, std::move(label_)) {}

// The model keeps no file contents: reads find the file empty, writes are accepted whole.
long RegularFile::read(Kernel&, Task&, IoRequest&) {
  return 0;
}
long RegularFile::write(Kernel&, Task&, IoRequest& io) {
  return static_cast<long>(io.count);
}

}  // namespace epollscope::sim
