// sim/unix_stream.h — net/unix/af_unix.c: AF_UNIX SOCK_STREAM socket pairs.
#pragma once

#include <utility>

#include "sim/file.h"

namespace epollscope::sim {

class UnixStreamSocket final : public File {
 public:
  UnixStreamSocket(Kernel& k, int flags);
  poll_t poll(Kernel& k, PollTable* pt) override;
  poll_t peek_poll() const override;
  long read(Kernel& k, Task& task, IoRequest& io) override;
  long write(Kernel& k, Task& task, IoRequest& io) override;
  void release(Kernel& k) override;
  long shutdown(Kernel& k, int how);
};

std::pair<File*, File*> create_unix_stream_pair(Kernel& k, int flags);

}  // namespace epollscope::sim
