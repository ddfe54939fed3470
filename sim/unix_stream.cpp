#include "sim/unix_stream.h"

#include "sim/kernel.h"

namespace epollscope::sim {

UnixStreamSocket::UnixStreamSocket(Kernel& k, int flags) : File(k, FileKind::kUnixStream, kO_RDWR | (flags & kO_NONBLOCK), "unix") {}
poll_t UnixStreamSocket::poll(Kernel&, PollTable*) { return 0; }
poll_t UnixStreamSocket::peek_poll() const { return 0; }
long UnixStreamSocket::read(Kernel&, Task&, IoRequest&) { return -kEINVAL; }
long UnixStreamSocket::write(Kernel&, Task&, IoRequest&) { return -kEINVAL; }
void UnixStreamSocket::release(Kernel&) {}
long UnixStreamSocket::shutdown(Kernel&, int) { return -kEINVAL; }

std::pair<File*, File*> create_unix_stream_pair(Kernel& k, int flags) {
  return {k.make_file<UnixStreamSocket>(flags), k.make_file<UnixStreamSocket>(flags)};
}

}  // namespace epollscope::sim
