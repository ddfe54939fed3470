// SPDX-License-Identifier: GPL-2.0-only
// sim/context.cpp — the trace sink's one entry point: every step is stamped here.
#include "sim/context.h"

namespace epollscope::sim {

void KernelContext::step(StepKind kind, const char* function, std::string text,
                         std::initializer_list<ObjRef> touched) {
  step(kind, function, std::move(text), std::vector<ObjRef>(touched));
}

void KernelContext::step(StepKind kind, const char* function, std::string text,
                         std::vector<ObjRef> touched) {
  if (!sink_) return;
  TraceStep s;
  s.seq = ++seq_;
  s.call = call_;
  s.depth = depth_;
  s.kind = kind;
  s.function = function;
  s.text = std::move(text);
  s.touched = std::move(touched);
  sink_->on_step(s);
}

}  // namespace epollscope::sim
