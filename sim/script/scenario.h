// SPDX-License-Identifier: GPL-2.0-only
// sim/script/scenario.h — a parsed scenario: the C-like language of DESIGN.md.
//
// A scenario reads like the C a learner writes, one statement per line:
//
//   title "Pipe 2 KB / 1 KB, edge-triggered"
//   title_zh "管道 2 KB / 1 KB，边缘触发"
//   // comments (the topology picture at the top) are ignored
//   # narration: the caption of the next step
//   #zh 旁白：下一步的说明 (the same narration in Simplified Chinese)
//   epfd = epoll_create1(0)
//   pipe(rfd, wfd)
//   epoll_ctl(epfd, EPOLL_CTL_ADD, rfd, EPOLLIN | EPOLLET)
//   write(wfd, 2048)
//   epoll_wait(epfd, 8, 0)          => [rfd: EPOLLIN]
//   read(rfd, 1024)                 => 1024
//   t1: epoll_wait(epfd, 8, -1)     => blocks
//   write(wfd, 1)
//   t1                              => [rfd: EPOLLIN]
//
// Names stand for fds (the model and the kernel number them by the lowest-free-fd rule); a name is
// defined once, by `name = call(...)` or as an output argument of pipe/pipe2/socketpair. `t1:` runs
// the call in thread t1 (created on first use); a call that sleeps leaves its thread blocked, and
// `t1 => expectation` checks what t1's call returned (or `blocks` if it still sleeps).
// `repeat N` ... `end` runs the lines between N times (names defined inside are bound anew each
// time); `profile "5.10"` says which kernel profile the scenario is about (the checker runs it on
// the model alone when this kernel follows another profile). `t2: write(w, 1) during
// ep_send_events(ep, 1)` makes the call on another CPU inside the next harvest of `ep` (model
// only). Expectations: a value (`=> 1024`), an error (`=> -1 EEXIST`), the ordered events of an
// epoll_wait
// (`=> [rfd: EPOLLIN, wfd: EPOLLOUT|EPOLLERR]`, `=> []`; a name stands for the data value that is
// that fd's number, the default data of epoll_ctl), or `blocks`; `=> [r: EPOLLIN] or []` lists
// the outcomes of a race the kernel may decide either way (any expectation, thread results too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/script/calls.h"

namespace epollscope::sim::script {

struct SourceLoc {
  int line = 0;  // 1-based
  int col = 0;   // 1-based
};

// One item of a list argument as written: poll's `rfd: POLLIN`, an fd of select's set.
// `all r: POLLIN` stands for every fd the name r has been bound to so far, in the order of binding
// (a name defined in a `repeat` block is bound anew each time): the runners expand it.
struct ListItem {
  std::string name;  // the fd name, or empty when the fd is a number
  int64_t fd = 0;    // the number, when `name` is empty
  bool has_events = false;
  bool all = false;    // `all name`: every fd `name` has been bound to, in order of binding
  int64_t events = 0;  // poll: the events asked for
  std::string text;    // as written: "rfd: POLLIN", "all r: POLLIN"
  SourceLoc loc;       // of the name or number (after `all`)
};

// One argument as written.
struct Arg {
  enum class Kind : uint8_t {
    kNumber,  // 2048, -1, 0x10, or flags joined with | (EPOLLIN | EPOLLET), already evaluated
    kName,    // rfd: an fd name (for output arguments of pipe/socketpair: the name defined)
    kString,  // "hello"
    kNull,    // NULL
    kBadPtr,  // BADPTR: a pointer that faults (sim/script/calls.h, kBadPointer)
    kList,    // [a, b] or [a: POLLIN, b: POLLOUT]: poll's array, select's sets
  };
  Kind kind = Kind::kNumber;
  // kList: 1 + the index of its items in the statement's `lists` (it sits in the padding after
  // `kind`: every statement's size counts against the scenario's limit).
  uint32_t list = 0;
  int64_t number = 0;
  std::string name;  // kName, kString (the text)
  std::string text;  // as written, for messages and export
  SourceLoc loc;
};

struct ExpectedEvent {
  std::string name;  // the fd name whose number is the data, or empty when `data` is given
  int64_t data = 0;  // resolved at run time when `name` is set
  uint32_t events = 0;
  SourceLoc loc;
};

// What a statement expects, after `=>`. `=> A or B or ...` lists the outcomes a race on the
// kernel may give (docs/scenario-language.md, "Races"): this object is the first alternative, and
// `alternatives` holds the others, in the order written (each without alternatives of its own).
struct Expectation {
  enum class Kind : uint8_t { kNone, kValue, kError, kEvents, kBlocks };
  Kind kind = Kind::kNone;
  int64_t value = 0;  // kValue
  int err = 0;        // kError
  std::vector<ExpectedEvent> events;
  std::string text;  // this alternative as written
  SourceLoc loc;
  std::vector<Expectation> alternatives;  // the alternatives after the first `or`

  bool has_alternatives() const { return !alternatives.empty(); }
  // How many outcomes are listed (0 for kNone), and the i-th of them (0: this one).
  std::size_t count() const { return kind == Kind::kNone ? 0 : 1 + alternatives.size(); }
  const Expectation& alternative(std::size_t i) const {
    return i == 0 ? *this : alternatives[i - 1];
  }
  // The whole expectation as written: "[inner: EPOLLIN] or []".
  std::string all_text() const {
    std::string s = text;
    for (const auto& a : alternatives)
      s += " or " + a.text;
    return s;
  }
};

struct Statement {
  enum class Kind : uint8_t {
    kCall,          // [thread:] [name =] call(args) [=> expectation]
    kThreadResult,  // thread => expectation
  };
  Kind kind = Kind::kCall;
  std::string thread = "main";
  std::string assign;                // the name defined by `name = call(...)`, or empty
  CallId call = CallId::kEpollWait;  // the call (kCall statements)
  std::vector<Arg> args;             // as written
  // For each of the call's arguments in its spec's order, the index of the written argument that
  // stands for it, or -1 when it was left out (sim/script/calls.h, place_arguments).
  std::vector<int> placed;
  Expectation expect;
  // Written `?=>` instead of `=>`: a question point of `epollscope quiz` (the learner predicts the
  // answer before it is shown). Checked like any expectation otherwise.
  bool question = false;
  // `t2: write(w, 1) during ep_send_events(ep, 1)`: the call is made on another CPU inside the
  // next harvest of `ep`, after `after_items` ready items were processed (the model's scan hook),
  // not when the statement is reached; its thread counts as busy until then and its result is
  // checked with `t2 => ...`. The model alone runs such a scenario (the real kernel cannot be made
  // to wake an item at a chosen point of its scan).
  struct During {
    Arg epoll;                // the epoll whose next ep_send_events the call falls into
    int64_t after_items = 1;  // >= 1
    SourceLoc loc;            // of the word `during`
  };
  // Null without the clause. Out of line: few statements have one, and every statement's size
  // counts against the scenario's limit (a 99,000-statement repeat must still fit).
  std::shared_ptr<const During> during;
  // The items of the statement's list arguments (poll's array, select's sets), each list at
  // Arg::list - 1; null when it has none (out of line, as `during`).
  std::shared_ptr<const std::vector<std::vector<ListItem>>> lists;
  // The items of a list argument (none for another argument).
  const std::vector<ListItem>& items(const Arg& a) const {
    static const std::vector<ListItem> none;
    return a.list && lists && a.list <= lists->size() ? (*lists)[a.list - 1] : none;
  }
  std::string narration;     // the `#` lines before the statement, joined
  std::string narration_zh;  // the `#zh` lines before the statement, joined (empty: none)
  std::string source;        // the statement's line as written (without the comment)
  SourceLoc loc;
};

struct Scenario {
  std::string path;
  std::string title;
  std::string title_zh;  // `title_zh "..."`: the title in Simplified Chinese (empty: none)
  std::string profile;   // `profile "5.10"`: the kernel profile the scenario is about (empty: any)
  // The `//` comment lines before the first statement (the topology picture).
  std::vector<std::string> header;
  std::vector<Statement> statements;
  std::vector<std::string> lines;  // the whole file, for the script panel and error messages

  // The first statement with a `during` clause (model only), or nullptr.
  const Statement* first_during() const {
    for (const Statement& st : statements)
      if (st.during) return &st;
    return nullptr;
  }
};

}  // namespace epollscope::sim::script
