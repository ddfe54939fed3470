// SPDX-License-Identifier: GPL-2.0-only
// gui/app/call_work.cpp — the work of one poll, select or epoll_wait call (call_work.h).
#include "gui/app/call_work.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace epollscope::app {

namespace {

// The syscall step's text names the call ("epoll_wait(3, 8, 0)", "poll([...], 0)",
// "select(...)"), after the task's name in a program with threads ("t1: poll(...)").
bool is_poll_family(std::string_view text) {
  for (std::string_view name : {"poll(", "select(", "pselect6(", "epoll_wait(", "epoll_pwait("})
    if (text.find(name) != std::string_view::npos) return true;
  return false;
}

bool is(const char* function, const char* name) {
  return std::strcmp(function, name) == 0;
}

}  // namespace

CallWork call_work(const std::vector<sim::TraceStep>& steps, std::size_t first, std::size_t end) {
  CallWork w;
  end = std::min(end, steps.size());
  for (std::size_t i = first; i < end; ++i) {
    const sim::TraceStep& s = steps[i];
    const char* f = s.function;
    if (s.kind == sim::StepKind::kSyscall) {
      if (is_poll_family(s.text)) w.applies = true;
    } else if (s.kind == sim::StepKind::kScan && (is(f, "do_pollfd") || is(f, "do_select"))) {
      // One step per fd scanned; the ones that name a file beside the task called its ->poll.
      if (s.touched.size() >= 2) ++w.polls;
    } else if (s.kind == sim::StepKind::kReadyList && is(f, "ep_send_events")) {
      ++w.polls;  // one ready-list step per item ep_send_events polls
    }
    if (is(f, "__pollwait") || is(f, "ep_ptable_queue_proc")) ++w.wq_adds;
    if (is(f, "poll_freewait") || is(f, "ep_unregister_pollwait")) ++w.wq_removes;
    if (is(f, "pollwake") || is(f, "ep_poll_callback")) ++w.callbacks;
  }
  return w;
}

}  // namespace epollscope::app
