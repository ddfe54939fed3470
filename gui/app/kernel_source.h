// SPDX-License-Identifier: GPL-2.0-only
// gui/app/kernel_source.h — the kernel's own code beside the picture, as VisuAlgo highlights
// pseudocode: for each kernel function the model's trace steps name (sim/trace.h,
// TraceStep::function), a short excerpt of the Linux source it mirrors, the line the current step
// is at, and the call chain above it (`epoll_wait → ep_poll → ep_send_events`). Data only, without
// any GUI library; the window draws it (gui/ui/panel_code.cpp).
//
// The excerpts are the kernel's text, copied verbatim from a contiguous range of the file that
// starts at the function's first line, which is line `first_line` of the file, so an excerpt's
// line k is line first_line + k of the file (the numbers the pane shows); where the end of a long
// function is left out, the excerpt says so (`SourceExcerpt::note`). The kernel is GPL-2.0 like
// this project; each excerpt names its file, and `source_origin` the tree and commit it is from.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace.h"

namespace epollscope::app {

// Where the excerpts, and so their line numbers, were copied from (each file's own tree and
// commit: source_origin).
inline constexpr std::string_view kKernelSourceOrigin =
    "Linux source of the 6.18 line and later: fs/eventpoll.c from gregkh/linux at 0229c2f, the "
    "other files from linux-next; line numbers are those of each file at that commit";

// The tree and commit one file's excerpts (and line numbers) are from, e.g. "gregkh/linux at
// 0229c2f"; empty for a file no excerpt is from.
std::string_view source_origin(std::string_view file);

// Picks the line to highlight: the first mark whose `when` occurs in the step's sentence (an
// empty `when` always matches) highlights the first excerpt line that contains `line`.
struct ExcerptMark {
  std::string_view when;
  std::string_view line;
};

struct SourceExcerpt {
  std::string_view function;  // the name trace steps use ("ep_poll_callback")
  std::string_view file;      // "fs/eventpoll.c"
  int first_line;             // the file's line number of the excerpt's first line (1-based)
  std::string_view code;      // the function's first lines, '\n'-separated, tabs as in the file
  std::vector<ExcerptMark> marks;
  std::string_view note = {};  // "the rest of the function is left out", "simplified: ..."
  // The function whose text `code` is when it is not `function` itself: the helper the kernel
  // inlines into it and whose lines the steps are at (rb_insert_color shows __rb_insert).
  std::string_view shown = {};
  // The lines of `code`.
  std::vector<std::string_view> lines() const;
  // The file's line number of the excerpt's line `line` (0-based).
  int file_line(std::size_t line) const { return first_line + static_cast<int>(line); }
};

// Every excerpt, sorted by function name.
const std::vector<SourceExcerpt>& kernel_excerpts();
// The parts kernel_excerpts() joins, one per group of kernel files (kernel_excerpts_*.cpp).
std::vector<SourceExcerpt> excerpts_rbtree();                // lib/rbtree.c
std::vector<SourceExcerpt> excerpts_eventfd();               // fs/eventfd.c
std::vector<SourceExcerpt> excerpts_wait();                  // kernel/sched/wait.c
std::vector<SourceExcerpt> excerpts_file_table();            // fs/file_table.c
std::vector<SourceExcerpt> excerpts_sys();                   // kernel/sys.c
std::vector<SourceExcerpt> excerpts_hrtimer();               // kernel/time/hrtimer.c
std::vector<SourceExcerpt> excerpts_sched_core();            // kernel/sched/core.c
std::vector<SourceExcerpt> excerpts_af_unix();               // net/unix/af_unix.c
std::vector<SourceExcerpt> excerpts_tcp_timer();             // net/ipv4/tcp_timer.c
std::vector<SourceExcerpt> excerpts_af_inet();               // net/ipv4/af_inet.c
std::vector<SourceExcerpt> excerpts_tcp_ipv4();              // net/ipv4/tcp_ipv4.c
std::vector<SourceExcerpt> excerpts_inet_connection_sock();  // net/ipv4/inet_connection_sock.c
std::vector<SourceExcerpt> excerpts_tcp_output();            // net/ipv4/tcp_output.c
std::vector<SourceExcerpt> excerpts_sock();                  // net/core/sock.c
std::vector<SourceExcerpt> excerpts_tcp();                   // net/ipv4/tcp.c
std::vector<SourceExcerpt> excerpts_tcp_input();             // net/ipv4/tcp_input.c
std::vector<SourceExcerpt> excerpts_sock_h();                // include/net/sock.h
std::vector<SourceExcerpt> excerpts_select();                // fs/select.c
// The excerpt of `function`, or nullptr.
const SourceExcerpt* find_excerpt(std::string_view function);

// What the code pane shows for one step.
struct CodeView {
  // The excerpt of the step's function (of the syscall itself for its entry or return), or
  // nullptr when there is none.
  const SourceExcerpt* excerpt = nullptr;
  std::size_t line = 0;  // the excerpt's line to highlight (0-based)
  // The call chain down to this step's function: the syscall, then the functions of the
  // enclosing steps, outermost first ("epoll_wait", "ep_poll", "ep_send_events").
  std::vector<std::string> chain;
};

// The excerpt line `step_text` is at in `e` (marks, in order; 0 when none matches).
std::size_t highlighted_line(const SourceExcerpt& e, std::string_view step_text);
// The code view of `steps[current]`, a step of the call whose steps are [first, current].
CodeView code_view(const std::vector<sim::TraceStep>& steps, std::size_t first,
                   std::size_t current);

}  // namespace epollscope::app
