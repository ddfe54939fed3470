// SPDX-License-Identifier: GPL-2.0-only
// tests/trace/summary.h — the summary line of `epollscope trace`, read back by the tests:
// "traced N calls (E epoll calls, W wake-ups) in T s: D divergences".
#pragma once

#include <cstdio>
#include <optional>
#include <string>

namespace epollscope::tests {

struct TraceSummary {
  long calls = -1, epoll_calls = -1, wakeups = -1, divergences = -1;
};

// The last summary line of `out`; with `must_be_last`, only when nothing but a newline follows it.
inline std::optional<TraceSummary> trace_summary(const std::string& out, bool must_be_last) {
  std::size_t at = out.rfind("traced ");
  while (at != std::string::npos && at > 0 && out[at - 1] != '\n')
    at = at == 0 ? std::string::npos : out.rfind("traced ", at - 1);
  if (at == std::string::npos) return std::nullopt;
  TraceSummary s;
  double seconds = 0;
  int end = 0;
  if (std::sscanf(out.c_str() + at,
                  "traced %ld calls (%ld epoll calls, %ld wake-ups) in %lf s: %ld divergences%n",
                  &s.calls, &s.epoll_calls, &s.wakeups, &seconds, &s.divergences, &end) != 5 ||
      end == 0)
    return std::nullopt;
  const std::string rest = out.substr(at + static_cast<std::size_t>(end));
  if (must_be_last && !(rest.empty() || rest == "\n")) return std::nullopt;
  return s;
}

}  // namespace epollscope::tests
