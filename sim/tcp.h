// sim/tcp.h — TCP over loopback (net/ipv4/tcp*.c, as far as epoll can see it).
#pragma once

#include "sim/file.h"

namespace epollscope::sim {

class TcpNet {
 public:
  File* listen(Kernel& k, int backlog, int flags);
  File* connect(Kernel& k, File* listener, int flags);
  File* accept(Kernel& k, File* listener, int flags, long* err);
  long shutdown(Kernel& k, File* sock, int how);
};

}  // namespace epollscope::sim
