// SPDX-License-Identifier: GPL-2.0-only
// live/child_guard.h — children of epollscope die with it: the live child, the fuzzer's workers
// and the processes that replay a case while it is shrunk.
//
// Two guards, because each alone has a gap:
//   - a child asks for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), so that even a
//     SIGKILL of epollscope, which no handler sees, takes its children along. The request only
//     covers a parent that is still alive when it is made, so the child then checks that its
//     parent is still the process that started it, and leaves at once if not. (The signal comes
//     when the parent *thread* that made the child ends: children are made by the main thread.)
//   - epollscope keeps the pids of its running children in a fixed table, and on SIGINT, SIGTERM
//     or SIGHUP (cli: exit_cleanly_on_signals) kills and reaps each before it exits, so that
//     none is left running even for the moment the kernel takes to deliver the death signal.
#pragma once

#include <sys/types.h>

namespace epollscope::live {

// The parent's side. Async-signal-safe (a fixed table of atomics, no allocation); a child that
// does not fit is still covered by its death signal.
void track_child(pid_t pid);
void untrack_child(pid_t pid);
// A child that leads a process group of its own (setpgid): the SIGKILL goes to its whole group, so
// that a process it started (a tracer's tracee, which outlives a killed tracer) dies too.
void track_child_group(pid_t leader);
void untrack_child_group(pid_t leader);
// SIGKILL to every tracked child, then reaps it. For a signal handler, just before _exit.
void kill_tracked_children();

// The child's side, first thing in a process that `parent` made: SIGKILL when the parent dies, and
// _exit(70) at once when `parent` is already gone. 0 for `parent` when it is not known (a program
// started by hand): then only the death signal is asked for.
void die_with_parent(pid_t parent);
// After fork() (the child runs the parent's code): die_with_parent, the stop signals' handlers
// back to the default (an ignored signal stays ignored), and the parent's table of children
// forgotten: they are not this process's to kill.
void become_forked_child(pid_t parent);

}  // namespace epollscope::live
