// SPDX-License-Identifier: GPL-2.0-only
// gui/app/call_work.h — the work of one poll, select or epoll_wait call, counted from its trace
// steps by kernel function: files polled (->poll), wait-queue entries added and removed, wake-up
// callbacks run. The steps pane shows it above the call's steps (panel_steps.cpp); in compare mode
// each side counts its own.
#pragma once

#include <cstddef>
#include <vector>

#include "sim/trace.h"

namespace epollscope::app {

struct CallWork {
  bool applies = false;  // the steps are a poll/ppoll, select/pselect6 or epoll_wait family call
  long polls = 0;        // do_pollfd/do_select steps that called a file's ->poll; epoll's
                         // ep_send_events polling an item (ep_item_poll)
  long wq_adds = 0;      // __pollwait (poll_table_entry), ep_ptable_queue_proc (eppoll_entry)
  long wq_removes = 0;   // poll_freewait, ep_unregister_pollwait
  long callbacks = 0;    // pollwake, ep_poll_callback
};

// Counts steps [first, end) of `steps` (one statement's, from its first syscall step).
CallWork call_work(const std::vector<sim::TraceStep>& steps, std::size_t first, std::size_t end);

}  // namespace epollscope::app
