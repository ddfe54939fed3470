// SPDX-License-Identifier: GPL-2.0-only
// fuzz/differential.h — `epollscope fuzz`: random call sequences on the model and on the real
// kernel.
//
// The calls are cut into cases of a few hundred; each case starts from a fresh model and a fresh
// fd table. Worker processes (forked, every fd above 2 closed) generate each case line by line,
// run every line on the model and on the kernel through the scenario runner (return values,
// errno, event masks and order, fdinfo after every change of an interest list) and check the
// model's invariants after every call. On the first divergence the workers stop; the case is
// shrunk (lines removed while it still diverges, each attempt in a fresh process) and written as a
// scenario file that `epollscope check` replays.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "fuzz/generator.h"
#include "sim/profile.h"

namespace epollscope::fuzz {

struct FuzzOptions {
  uint64_t seed = 1;
  uint64_t ops = 100000;
  fuzz::FuzzTypes types;
  std::string out_dir = "fuzz-findings";
  int jobs = 0;            // worker processes; 0: one per core
  int case_ops = 250;      // calls per case
  bool progress = true;    // a progress line on stderr when it is a terminal
  int stall_seconds = 20;  // a worker that makes no progress this long is reported as hung
  // The model's kernel profile; nullptr: the one calibration finds on this kernel. (Another one
  // makes the model diverge on purpose: the tests' way to a finding.)
  const sim::KernelProfile* profile = nullptr;
};

// The hard RLIMIT_NOFILE the fuzzer needs: its cases run with the soft limit at 1024, as the
// model's process starts, and each worker keeps one fd of its own at 1023 to read fdinfo, above
// any fd a case reaches (a few dozen). With a lower hard limit a case could fill the table up to
// that fd, which the model would not know of.
inline constexpr uint64_t kFuzzMinNofile = 1024;

// What running one case found.
struct CaseOutcome {
  bool diverged = false;
  std::size_t at = 0;              // index of the line that diverged
  std::string what;                // the divergences (or invariant violation) as sentences
  std::vector<std::string> lines;  // the lines run, up to and including the diverging one
  uint64_t calls = 0;
};

// Runs fixed lines in this process (a forked child: it takes over the fd table).
CaseOutcome run_case_lines(const std::vector<std::string>& lines);

// Removes lines while the case still diverges (each attempt in a fresh child process).
std::vector<std::string> shrink_case(const std::vector<std::string>& lines, std::ostream& err);

// The scenario file of a finding.
std::string finding_scenario(const FuzzOptions& o, uint64_t case_index,
                             const std::vector<std::string>& original,
                             const std::vector<std::string>& shrunk, const CaseOutcome& replay);

// Writes a finding's scenario to `dir`/`name`, making the folder if needed. False with the reason
// (strerror's words) in `why`.
bool write_finding(const std::string& dir, const std::string& name, const std::string& text,
                   std::string* why);

// The command. Prints the summary line `fuzzed N calls in T s (R calls/s): D divergences` on
// `out`; progress and findings on `err` (the finding's scenario too, when it cannot be written
// to its file). Exit status: 0 no divergence, 1 divergence, 2 bad use (an empty --out, a hard
// RLIMIT_NOFILE below kFuzzMinNofile).
int fuzz_command(const FuzzOptions& options, std::ostream& out, std::ostream& err);

}  // namespace epollscope::fuzz
