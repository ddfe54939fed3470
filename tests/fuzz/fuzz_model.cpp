// libFuzzer target: the model alone, driven by an op stream decoded from the fuzzer's bytes, with
// the invariant checker after every call. Each op is an opcode byte and a few argument bytes; fds
// are small numbers (most of them open), masks are any 32 bits. A call that sleeps moves the
// stream on to a new thread, so sleeping threads, wake-ups and timeouts (on the virtual clock)
// are reached too. Any invariant violation, crash, leak or undefined behaviour is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/invariants.h"
#include "sim/script/model_backend.h"
#include "sim/uapi.h"

namespace {

using epollscope::sim::script::ModelBackend;
using epollscope::sim::script::ResolvedCall;

struct Reader {
  const uint8_t* p;
  size_t n;
  uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v = v << 8 | byte();
    return v;
  }
  int fd() { return static_cast<int>(byte() % 26) - 2; }  // -2 .. 23
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace epollscope::sim;
  ModelBackend model;
  std::string error;
  if (!model.start(&error)) __builtin_trap();
  Reader in{data, size};
  int threads = 0;
  std::string thread = "main";
  for (int op = 0; op < 400 && in.n > 0; ++op) {
    ResolvedCall c;
    c.thread = thread;
    auto arg = [&](int64_t v) {
      c.values.push_back(v);
      c.is_null.push_back(false);
    };
    const uint8_t code = in.byte();
    switch (code % 24) {
      case 0: c.call = "epoll_create1"; arg(in.byte() & 1 ? kEPOLL_CLOEXEC : 0); break;
      case 1: c.call = "epoll_create"; arg(static_cast<int8_t>(in.byte())); break;
      case 2: case 3: case 4:
        c.call = "epoll_ctl";
        arg(in.fd());
        arg(in.byte() % 5);
        arg(in.fd());
        arg(in.u32());
        arg(in.byte());
        if (code & 0x80) c.is_null[3] = true;
        break;
      case 5: case 6:
        c.call = "epoll_wait";
        arg(in.fd());
        arg(static_cast<int8_t>(in.byte()) % 70);
        { const int timeouts[] = {0, 0, 0, 5, -1}; arg(timeouts[in.byte() % 5]); }
        break;
      case 7: c.call = "pipe2"; arg(0); arg(0); arg(in.byte() & 1 ? kO_NONBLOCK : kO_NONBLOCK | kO_DIRECT); break;
      case 8: c.call = "socketpair"; arg(0); arg(0); break;
      case 9: c.call = "eventfd"; arg(in.byte() % 3); arg(kEFD_NONBLOCK | (in.byte() & 1 ? kEFD_SEMAPHORE : 0)); break;
      case 10: case 11: c.call = "write"; arg(in.fd()); arg((in.u32() % 140000) + 1); break;
      case 12: case 13: c.call = "read"; arg(in.fd()); arg((in.u32() % 140000) + 1); break;
      case 14: c.call = "eventfd_write"; arg(in.fd()); arg(static_cast<int64_t>(in.u32()) - 2); break;
      case 15: c.call = "eventfd_read"; arg(in.fd()); break;
      case 16: c.call = "shutdown"; arg(in.fd()); arg(in.byte() % 4); break;
      case 17: c.call = "close"; arg(in.fd()); break;
      case 18: c.call = "dup"; arg(in.fd()); break;
      case 19: c.call = "dup2"; arg(in.fd()); arg(in.fd()); break;
      case 20: c.call = "tcp_listen"; break;
      case 21: c.call = in.byte() & 1 ? "tcp_connect" : "accept"; arg(in.fd()); break;
      case 22: c.call = in.byte() & 1 ? "send" : "recv"; arg(in.fd()); arg((in.u32() % 70000) + 1); arg(in.byte() & 0x42); break;
      default: c.call = "setrlimit_nofile"; arg(4 + in.byte() % 40); break;
    }
    const auto o = model.perform(c);
    model.take_completions();
    const std::string broken = check_invariants(model.kernel(), InvariantLevel::kBetweenCalls);
    if (!broken.empty()) {
      std::fprintf(stderr, "invariant broken after %s (op %d): %s\n", c.call.c_str(), op,
                   broken.c_str());
      std::abort();
    }
    if (o.blocked) {
      if (++threads > 16) break;
      thread = "t" + std::to_string(threads);
    }
  }
  model.stop();
  return 0;
}
