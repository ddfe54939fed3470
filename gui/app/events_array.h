// SPDX-License-Identifier: GPL-2.0-only
// gui/app/events_array.h — the user's side of epoll_wait: the `struct epoll_event events[]` array
// the latest harvesting call (epoll_wait, epoll_pwait, epoll_pwait2, or a thread's result of one)
// filled, as the program sees it: each entry's index, its `data` and its mask, with the name the
// script gave that fd (`rfd`) beside the kernel's name of the file (`pipe#1 read end`), then the
// slots up to maxevents that the call left untouched. Worked out without any GUI library; the
// window draws it (gui/ui/panel_events.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gui/app/session.h"

namespace epollscope::app {

struct EventsArray {
  enum class State {
    kNoneYet,   // no harvesting call has returned yet (up to the position)
    kFilled,    // the call returned n >= 0 events
    kError,     // it returned -1 with an errno: the array is untouched
    kSleeping,  // its thread sleeps in it: the array is filled when it wakes
  };
  State state = State::kNoneYet;
  std::size_t statement = 0;  // the statement whose answer this is
  int line = 0;               // its line in the script
  std::string thread = "main";
  std::string call;    // the call as written ("epoll_wait(epfd, 8, 0)")
  long maxevents = 0;  // the array's length as the call gave it (0 when not known)
  std::string result;  // "1", "-1 EAGAIN"
  struct Entry {
    uint64_t data = 0;
    uint32_t events = 0;
    std::string mask;         // "EPOLLIN | EPOLLOUT"
    std::string script_name;  // the script's name of the fd whose number is `data` ("rfd"), or ""
    std::string kernel_name;  // the file of the epitem with this data ("pipe#1 read end, fd 3")
  };
  std::vector<Entry> entries;
};

// The events[] array as it is after the first `answered` statements (answers.h:
// answered_statements): the latest harvesting call among them on the model.
EventsArray events_array(const Session& s, std::size_t answered);
// The latest harvesting statement among the first `answered` (SIZE_MAX: none), and the array
// that statement filled. Naming its entries walks the statements before it (the script's names
// are bound by statements), so a window keeps the result (EventsArrayCache).
std::size_t latest_harvest(const Session& s, std::size_t answered);
EventsArray events_array_of(const Session& s, std::size_t statement);

// The last array worked out, kept until the position reaches another harvest (or another
// scenario is loaded: `generation`, app::Controller::generation()).
class EventsArrayCache {
 public:
  const EventsArray& get(const Session& s, std::size_t generation, std::size_t answered);

 private:
  bool valid_ = false;
  const Session* session_ = nullptr;
  std::size_t generation_ = 0;
  std::size_t statement_ = 0;
  EventsArray array_;
};

}  // namespace epollscope::app
