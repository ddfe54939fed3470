#include "sim/trace.h"

namespace epollscope::sim {

const char* step_kind_name(StepKind kind) {
  switch (kind) {
    case StepKind::kSyscall:
      return "syscall";
    case StepKind::kFdTable:
      return "fd table";
    case StepKind::kFileOp:
      return "file";
    case StepKind::kWakeUp:
      return "wake-up";
    case StepKind::kCallback:
      return "callback";
    case StepKind::kReadyList:
      return "ready list";
    case StepKind::kTree:
      return "tree";
    case StepKind::kScan:
      return "scan";
    case StepKind::kTask:
      return "task";
    case StepKind::kCheck:
      return "check";
  }
  return "?";
}

}  // namespace epollscope::sim
