// SPDX-License-Identifier: GPL-2.0-only
// sim/observed.cpp — an observed file's ->poll, its mask changes and its wake-ups (sim/observed.h).
#include "sim/observed.h"

#include <mutex>
#include <set>

#include "sim/context.h"
#include "sim/file_table.h"
#include "sim/snapshot.h"
#include "sim/strings.h"

namespace epollscope::sim {

namespace {

// A trace step names its kernel function with a `const char*` that lives as long as the process
// (steps are kept by recordings after their Kernel is gone). The wake-up sources the tracer names
// are kernel function names, a handful per program: they are kept in a process-wide pool of
// immutable strings, bounded so that a stream of odd names cannot grow it for ever. A source that
// is not a function name (a sentence), or one past the bound, is traced as __wake_up with the
// source in the sentence.
const char* function_name(std::string_view source) {
  constexpr std::size_t kMaxNames = 256;
  constexpr std::size_t kMaxLength = 64;
  if (source.empty() || source.size() > kMaxLength) return nullptr;
  for (char c : source)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return nullptr;
  static std::mutex mutex;
  static std::set<std::string, std::less<>> names;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = names.find(source);
  if (it == names.end()) {
    if (names.size() >= kMaxNames) return nullptr;
    it = names.emplace(source).first;
  }
  return it->c_str();  // set nodes never move; the pool is never cleared
}

}  // namespace

// The tracer's label may come from /proc (a path): it is printed on terminals, so no control
// character survives.
std::string printable_label(std::string label) {
  for (char& c : label)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return label;
}

ObservedFile::ObservedFile(KernelContext& k, std::string label_, int f_flags)
    : File(k, FileKind::kObserved, f_flags, printable_label(std::move(label_))) {
  init_waitqueue_head(k, &wq_, "wq", ref(), label);
}

ObservedFile* create_observed(KernelContext& k, FileTable& files, std::string label, int f_flags,
                              poll_t mask) {
  ObservedFile* f = files.make_file<ObservedFile>(std::move(label), f_flags);
  f->set_mask(k, mask);
  return f;
}

poll_t ObservedFile::poll(KernelContext& k, PollTable* pt) {
  poll_wait(k, this, &wq_, pt);
  return mask_;
}

long ObservedFile::read(KernelContext&, Task&, IoRequest&) {
  return -kEINVAL;
}

long ObservedFile::write(KernelContext&, Task&, IoRequest&) {
  return -kEINVAL;
}

void ObservedFile::set_mask(KernelContext& k, poll_t mask) {
  mask_ = mask;
  if (k.tracing())
    k.step(StepKind::kFileOp, "f_op->poll",
           cat("observed: poll mask of ", label, " now ", mask_to_string(mask),
               " (from the real file)"),
           {ref()});
}

void ObservedFile::wake(KernelContext& k, poll_t key, std::string_view source) {
  const char* function = function_name(source);
  if (k.tracing())
    k.step(StepKind::kWakeUp, function ? function : "__wake_up",
           function
               ? cat("on the real kernel, ", source, " wakes the wait queue of ", label,
                     " with key ", key ? mask_to_string(key) : "0 (any event)")
               : cat(source, ": ", label, ", key ", key ? mask_to_string(key) : "0 (any event)"),
           {ref(), ObjRef{ObjKind::kWaitQueue, wq_.id}});
  KernelContext::Nest nest(k);
  // Real files wake with nr_exclusive 1 (sock_def_readable, timerfd_tmrproc, n_tty's
  // wake_up_interruptible_poll): one EPOLLEXCLUSIVE waiter that accepts ends the walk.
  wake_up_poll(k, &wq_, key, function ? function : "the real file");
}

void ObservedFile::describe(FileView& view) const {
  view.detail = "on the real kernel: its mask and wake-ups come from the tracer";
}

}  // namespace epollscope::sim
