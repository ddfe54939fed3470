// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/kernel_source.h"

#include <algorithm>

namespace epollscope::app {

std::vector<std::string_view> SourceExcerpt::lines() const {
  std::vector<std::string_view> out;
  std::size_t from = 0;
  while (from <= code.size()) {
    const std::size_t end = code.find('\n', from);
    if (end == std::string_view::npos) {
      if (from < code.size()) out.push_back(code.substr(from));
      break;
    }
    out.push_back(code.substr(from, end - from));
    from = end + 1;
  }
  return out;
}

const SourceExcerpt* find_excerpt(std::string_view function) {
  const auto& all = kernel_excerpts();
  auto it =
      std::lower_bound(all.begin(), all.end(), function,
                       [](const SourceExcerpt& e, std::string_view f) { return e.function < f; });
  return it != all.end() && it->function == function ? &*it : nullptr;
}

std::size_t highlighted_line(const SourceExcerpt& e, std::string_view step_text) {
  const std::vector<std::string_view> lines = e.lines();
  for (const ExcerptMark& m : e.marks) {
    if (!m.when.empty() && step_text.find(m.when) == std::string_view::npos) continue;
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (lines[i].find(m.line) != std::string_view::npos) return i;
  }
  return 0;
}

namespace {

// "t1: epoll_wait(3, 8, -1)" → "epoll_wait".
std::string syscall_name(std::string_view text) {
  if (const std::size_t colon = text.find(": ");
      colon != std::string_view::npos && colon < text.find('('))
    text.remove_prefix(colon + 2);
  return std::string(text.substr(0, text.find('(')));
}

}  // namespace

CodeView code_view(const std::vector<sim::TraceStep>& steps, std::size_t first,
                   std::size_t current) {
  CodeView v;
  if (current >= steps.size() || first > current) return v;
  const sim::TraceStep& step = steps[current];
  const bool is_syscall = std::string_view(step.function) == "syscall";
  if (!is_syscall) {
    v.excerpt = find_excerpt(step.function);
    if (v.excerpt) v.line = highlighted_line(*v.excerpt, step.text);
  }
  // The enclosing steps: walking back, the nearest step at each smaller depth (a timer's or a
  // woken thread's work starts at depth 0 with a function of its own, not a syscall).
  std::vector<std::string> inner;
  if (!is_syscall) inner.emplace_back(step.function);
  int depth = step.depth;
  for (std::size_t i = current; i-- > first && depth > 0;) {
    if (steps[i].depth >= depth) continue;
    depth = steps[i].depth;
    if (std::string_view(steps[i].function) != "syscall" &&
        (inner.empty() || inner.back() != steps[i].function))
      inner.emplace_back(steps[i].function);
  }
  // The chain starts at the syscall that entered the kernel: the first syscall step of the call.
  for (std::size_t i = first; i <= current; ++i)
    if (std::string_view(steps[i].function) == "syscall" &&
        steps[i].text.find('(') != std::string::npos) {
      if (is_syscall || steps[i].depth < step.depth) v.chain.push_back(syscall_name(steps[i].text));
      break;
    }
  for (auto it = inner.rbegin(); it != inner.rend(); ++it)
    if (v.chain.empty() || v.chain.back() != *it) v.chain.push_back(*it);
  if (v.chain.empty()) v.chain.emplace_back(step.function);
  // A syscall's entry or return: the syscall's own definition, where there is an excerpt of it.
  if (is_syscall) {
    v.excerpt = find_excerpt(v.chain.front());
    if (v.excerpt) v.line = highlighted_line(*v.excerpt, step.text);
  }
  return v;
}

}  // namespace epollscope::app
