// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the model alone, driven by an op stream decoded from the fuzzer's bytes, with
// the invariant checker after every call. Each op is an opcode byte and a few argument bytes; fds
// are small numbers (most of them open), masks are any 32 bits. A call that sleeps moves the
// stream on to a new thread, so sleeping threads, wake-ups and timeouts (on the virtual clock)
// are reached too. Opcodes from 0xf0 up are not calls of the scenario language but what the tracer
// of a real program does (issue 15): install an observed file at an fd, change its mask, report a
// batch of its wake-ups, interrupt a sleeping thread with a signal. Any invariant violation,
// crash, leak or undefined behaviour is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "driver/model_backend.h"
#include "sim/invariants.h"
#include "sim/kernel.h"
#include "sim/uapi.h"

namespace {

using epollscope::driver::ModelBackend;
using epollscope::driver::ResolvedCall;

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

// What the tracer does, for opcodes from kTracerOps up.
constexpr uint8_t kTracerOps = 0xf0;

void tracer_op(epollscope::sim::Kernel& k, uint8_t code, Reader& in) {
  using namespace epollscope::sim;
  switch (code % 4) {
    case 0: {  // install_observed at any fd, with any flags and mask
      const int fd = in.fd();
      const int flags = static_cast<int>(in.u32());
      k.install_observed(k.main_task(), fd, "observed", flags, in.u32());
      break;
    }
    case 1: {  // set_observed_mask
      const int fd = in.fd();
      const poll_t mask = in.u32();
      if (k.observed_at(fd)) k.set_observed_mask(fd, mask);
      break;
    }
    case 2: {  // a batch of wake-ups of observed files
      std::vector<std::pair<int, poll_t>> wakes;
      for (int n = in.byte() % 4; n >= 0; --n) {
        const int fd = in.fd();
        const poll_t key = in.u32();
        if (k.observed_at(fd)) wakes.emplace_back(fd, key);
      }
      k.observed_wakeups(k.main_task(), wakes);
      break;
    }
    case 3: {  // a signal for a thread (nothing happens unless it sleeps)
      const auto& tasks = k.tasks();
      k.interrupt(*tasks[in.byte() % tasks.size()]);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace epollscope::sim;
  using epollscope::driver::CallId;
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
    if (code >= kTracerOps) {
      tracer_op(model.kernel(), code, in);
      model.take_completions();
      const std::string broken = check_invariants(model.kernel(), InvariantLevel::kBetweenCalls);
      if (!broken.empty()) {
        std::fprintf(stderr, "invariant broken after tracer op %d (op %d): %s\n", code, op,
                     broken.c_str());
        std::abort();
      }
      continue;
    }
    c.call = static_cast<CallId>(code % script::kCallCount);
    // One case per call of the table (a new call that is not decoded here does not compile).
    switch (c.call) {
      case CallId::kEpollCreate:
        arg(static_cast<int8_t>(in.byte()));
        break;
      case CallId::kEpollCreate1:
        arg(in.byte() & 1 ? kEPOLL_CLOEXEC : 0);
        break;
      case CallId::kEpollCtl: {
        const int fd = in.fd();
        arg(in.fd());
        arg(in.byte() % 5);
        arg(fd);
        arg(in.u32());
        arg(in.byte());
        if (code & 0x80) c.is_null[3] = true;
        break;
      }
      case CallId::kEpollWait: {
        const int timeouts[] = {0, 0, 0, 5, -1};
        arg(in.fd());
        arg(0);  // the events buffer: valid, or NULL (faults when an event is copied)
        if (code & 0x80) c.is_null[1] = true;
        arg(static_cast<int8_t>(in.byte()) % 70);
        arg(timeouts[in.byte() % 5]);
        break;
      }
      case CallId::kPipe:
        arg(0);
        arg(0);
        break;
      case CallId::kPipe2:
        arg(0);
        arg(0);
        arg(in.byte() & 1 ? kO_NONBLOCK : kO_NONBLOCK | kO_DIRECT);
        break;
      case CallId::kSocketpair:
        arg(0);
        arg(0);
        break;
      case CallId::kEventfd:
        arg(in.byte() % 3);
        arg(kEFD_NONBLOCK | (in.byte() & 1 ? kEFD_SEMAPHORE : 0));
        break;
      case CallId::kTcpListen:
        arg(128);
        break;
      case CallId::kTcpConnect:
      case CallId::kAccept:
        arg(in.fd());
        break;
      case CallId::kWrite:
      case CallId::kRead:
        arg(in.fd());
        arg((in.u32() % 140000) + 1);
        break;
      case CallId::kSend:
      case CallId::kRecv:
        arg(in.fd());
        arg((in.u32() % 70000) + 1);
        arg(in.u32() & (kMSG_PEEK | kMSG_DONTWAIT | kMSG_OOB | kMSG_WAITALL | kMSG_MORE));
        break;
      case CallId::kEventfdWrite:
        arg(in.fd());
        arg(static_cast<int64_t>(in.u32()) - 2);
        break;
      case CallId::kEventfdRead:
        arg(in.fd());
        break;
      case CallId::kShutdown:
        arg(in.fd());
        arg(in.byte() % 4);
        break;
      case CallId::kSetsockopt: {
        const int options[][2] = {{kSOL_SOCKET, kSO_SNDBUF},
                                  {kSOL_SOCKET, kSO_RCVBUF},
                                  {kIPPROTO_TCP, kTCP_NODELAY},
                                  {kIPPROTO_TCP, kTCP_CORK}};
        const auto* o = options[in.byte() % 4];
        arg(in.fd());
        arg(o[0]);
        arg(o[1]);
        arg(static_cast<int64_t>(in.u32() % 70000));
        break;
      }
      case CallId::kGetsockopt:
        arg(in.fd());
        arg(in.byte() & 1 ? kSOL_SOCKET : kIPPROTO_TCP);
        arg(in.byte() % 9);
        break;
      case CallId::kClose:
      case CallId::kDup:
        arg(in.fd());
        break;
      case CallId::kDup2:
        arg(in.fd());
        arg(in.fd());
        break;
      case CallId::kOpenRegular:
        break;
      case CallId::kSetrlimitNofile:
        arg(4 + in.byte() % 40);
        break;
      case CallId::kSleep:
        arg(in.byte() % 20);
        break;
      case CallId::kFcntl: {
        const int cmds[] = {kF_GETFL, kF_SETFL, kF_GETFD, kF_SETFD, kF_GETPIPE_SZ, kF_SETPIPE_SZ};
        arg(in.fd());
        const int cmd = cmds[in.byte() % 6];
        arg(cmd);
        arg(cmd == kF_SETPIPE_SZ ? static_cast<int64_t>(in.u32() % 300000) : in.u32());
        break;
      }
      case CallId::kAccept4:
        arg(in.fd());
        arg(in.byte() & 1 ? kSOCK_NONBLOCK : 0);
        break;
      case CallId::kEpollPwait:
      case CallId::kEpollPwait2: {
        const int timeouts[] = {0, 0, 0, 5, -1};
        arg(in.fd());
        arg(0);
        if (code & 0x80) c.is_null[1] = true;
        arg(static_cast<int8_t>(in.byte()) % 70);
        const int timeout = timeouts[in.byte() % 5];
        arg(c.call == CallId::kEpollPwait2 ? int64_t{timeout} * 1000000 : timeout);
        arg(0);
        c.is_null[4] = in.byte() & 1;
        break;
      }
      case CallId::kIoctl:
        arg(in.fd());
        arg(in.byte() & 1 ? kFIONREAD : kFIONBIO);
        arg(in.byte() & 1);
        break;
      case CallId::kPoll:
      case CallId::kPpoll: {
        // An array, or NULL with nfds 0 to 3 (a pointer that faults).
        const int timeouts[] = {0, 0, 0, 5, -1};
        std::vector<ResolvedCall::Item> fds;
        for (int n = in.byte() % 5; n > 0; --n)
          fds.push_back({in.byte() & 1 ? in.fd() : -1, in.byte() & 0x7f});
        const bool null_array = in.byte() % 8 == 0;
        arg(null_array ? 0 : static_cast<int64_t>(fds.size()));
        c.is_null[0] = null_array;
        arg(null_array ? in.byte() % 4 : static_cast<int64_t>(fds.size()));
        const int timeout = timeouts[in.byte() % 5];
        if (c.call == CallId::kPoll) {
          arg(timeout);
        } else {
          // ns; -1 is an invalid timespec; sometimes NULL (for ever) or BADPTR.
          arg(timeout < 0 ? -1 : int64_t{timeout} * 1000000);
          const uint8_t how = in.byte() % 8;
          if (how == 0) c.is_null[2] = true;
          if (how == 1) c.values[2] = script::kBadPointer, c.is_null[2] = true;
          arg(0);
          c.is_null[3] = in.byte() & 1;
        }
        c.lists.resize(c.values.size());
        if (!null_array) c.lists[0] = std::move(fds);
        break;
      }
      case CallId::kSelect:
      case CallId::kPselect6: {
        const int timeouts[] = {0, 0, 0, 5, -1};
        arg(static_cast<int8_t>(in.byte()) % 40);
        c.lists.resize(c.call == CallId::kSelect ? 5 : 6);
        for (std::size_t s = 1; s <= 3; ++s) {
          for (int n = in.byte() % 3; n > 0; --n)
            c.lists[s].push_back({in.fd() & 63, 0});
          arg(static_cast<int64_t>(c.lists[s].size()));
          const uint8_t how = in.byte() % 8;
          if (how < 2) c.is_null[s] = true;
          if (how == 2) c.values[s] = script::kBadPointer, c.is_null[s] = true, c.lists[s].clear();
        }
        const int timeout = timeouts[in.byte() % 5];
        arg(c.call == CallId::kSelect ? timeout : int64_t{timeout} * 1000000);
        c.is_null[4] = timeout < 0 && c.call == CallId::kSelect;
        if (in.byte() % 8 == 0) c.values[4] = script::kBadPointer, c.is_null[4] = true;
        if (c.call == CallId::kPselect6) {
          arg(0);
          c.is_null[5] = in.byte() & 1;
        }
        break;
      }
    }
    const auto o = model.perform(c);
    model.take_completions();
    const std::string broken = check_invariants(model.kernel(), InvariantLevel::kBetweenCalls);
    if (!broken.empty()) {
      std::fprintf(stderr, "invariant broken after %s (op %d): %s\n", script::call_name(c.call), op,
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
