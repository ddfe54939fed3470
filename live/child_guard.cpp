// SPDX-License-Identifier: GPL-2.0-only
// live/child_guard.cpp — children of epollscope die with it (child_guard.h): the table of running
// children, and what a child does first.
#include "live/child_guard.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace epollscope::live {
namespace {

// 64 fuzz workers, a shrink child and the live children of the window's sessions fit easily.
constexpr int kSlots = 256;
std::atomic<pid_t> g_children[kSlots];
static_assert(std::atomic<pid_t>::is_always_lock_free, "the table is read by a signal handler");

}  // namespace

void track_child(pid_t pid) {
  if (pid <= 0) return;
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void untrack_child(pid_t pid) {
  if (pid <= 0) return;
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

// A group is kept as -leader, as kill() takes it.
void track_child_group(pid_t leader) {
  if (leader <= 0) return;
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, -leader)) return;
  }
}

void untrack_child_group(pid_t leader) {
  if (leader <= 0) return;
  for (auto& slot : g_children) {
    pid_t expected = -leader;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void kill_tracked_children() {
  for (auto& slot : g_children) {
    const pid_t entry = slot.exchange(0);
    if (entry == 0) continue;
    kill(entry, SIGKILL);  // a negative entry: the whole group
    const pid_t pid = entry < 0 ? -entry : entry;
    // A SIGKILLed process cannot delay its end; EINTR aside, this returns at once. ECHILD: the
    // thread that owns it reaped it first.
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

void die_with_parent(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // A parent that died before the prctl never sends the signal: its children were handed to
  // another process (init, a subreaper) already.
  if (parent > 0 && getppid() != parent) _exit(70);
}

void become_forked_child(pid_t parent) {
  die_with_parent(parent);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler != SIG_IGN) signal(sig, SIG_DFL);
  }
  for (auto& slot : g_children)
    slot.store(0);
}

}  // namespace epollscope::live
