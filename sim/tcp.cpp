#include "sim/tcp.h"

#include "sim/kernel.h"

namespace epollscope::sim {

File* TcpNet::listen(Kernel& k, int, int) { return k.make_file<RegularFile>("tcp"); }
File* TcpNet::connect(Kernel&, File*, int) { return nullptr; }
File* TcpNet::accept(Kernel&, File*, int, long* err) { *err = -kEINVAL; return nullptr; }
long TcpNet::shutdown(Kernel&, File*, int) { return -kEINVAL; }

}  // namespace epollscope::sim
