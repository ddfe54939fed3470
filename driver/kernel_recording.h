// SPDX-License-Identifier: GPL-2.0-only
// driver/kernel_recording.h — a recorded kernel: the answers the real kernel gave to a scenario,
// kept in a small text file and replayed in its place, so that a run is the same every time.
//
// Why: the kernel orders an epoll's tree `rbr` by the address of each file's struct file, which
// changes from run to run; the model learns that order from the kernel's fdinfo before each
// EPOLL_CTL_ADD (Backend::learn_tree_order), so the tree's shape changes from run to run too. The
// truth, and the default. A teacher who needs the same picture every time records the kernel's
// answers once (`epollscope check FILE --save-kernel RUN.txt`) and replays them
// (`--kernel-from RUN.txt`): the model learns the same order from the same fdinfo, and the kernel
// column shows the same answers, without asking the kernel.
//
// A RecordingBackend wraps the kernel's backend and notes, in the order the runner asked them,
// every answer: each perform's CallResult, each take_completions, each fdinfo. A ReplayBackend
// gives the same answers in the same order, and checks that each question is the one recorded
// (the statement's line, thread and call; the epoll of an fdinfo): a run that asks another
// question (another profile, a changed model) is a BackendError naming the recording's line.
// The runs are found by the scenario's content hash (every line of its text, as run: an ET↔LT
// twin has its own), so a recording of another text is refused.
//
// The file (version 1), one record per line, '#' comments; sizes bounded, errors "file:line:":
//   epollscope-kernel-recording 1
//   kernel 6.1.0-18-amd64                release of the kernel that answered (uname -r)
//   profile 6.18                         the kernel profile the model followed
//   run 9f2c4e0d11a7b3c5 scenarios/x.scn one scenario's answers: its hash, then its path
//   rlimit-nofile 1024 524288 1048576    the process's RLIMIT_NOFILE (soft, hard) and fs.nr_open
//   call 4 main write ret 2048           a call's answer: line, thread, call, then the result:
//   call 9 t1 epoll_wait blocked           `blocked`, or `ret N` [err ENAME] [fds A B]
//   call 5 main epoll_wait ret 1 events 1  [counter N] [events N, then N lines `event MASK DATA`]
//   event 0x1 4
//   completions 1                        take_completions: N lines `done THREAD <result>`
//   done t1 ret 1 events 1
//   event 0x1 4
//   fdinfo 3 2                           fdinfo(3): N lines `tfd FD events MASK data DATA`
//   tfd 4 events 0x8000019 data 4
//   end                                  the run is complete
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "driver/backend.h"
#include "sim/script/scenario.h"

namespace epollscope::driver {

inline constexpr int kKernelRecordingVersion = 1;
// Bounds on what a recording file may hold: far above any scenario's (the library's largest run
// is a few hundred answers), low enough that a hostile file cannot exhaust memory.
inline constexpr std::uintmax_t kMaxKernelRecordingBytes = std::uintmax_t{64} << 20;
inline constexpr std::size_t kMaxKernelRecordingLine = 4096;
inline constexpr std::size_t kMaxRecordedItems = 1u << 20;  // events, completions, fdinfo lines

// The content hash a run is found by: FNV-1a (64 bits) over the scenario's lines as run.
uint64_t scenario_hash(const sim::script::Scenario& scenario);

// One answer of the kernel, in the order the runner asked.
struct RecordedAnswer {
  enum class Kind { kCall, kCompletions, kFdinfo };
  Kind kind = Kind::kCall;
  int source_line = 0;  // where it is in the recording file (0: made in this process)
  // kCall: the question (the statement's line, thread and call) and the answer.
  int line = 0;
  std::string thread;
  CallId call = CallId::kEpollWait;
  CallResult result;
  std::vector<ThreadResult> completions;  // kCompletions
  int epfd = -1;                          // kFdinfo: the epoll asked about, and its items
  std::vector<FdinfoEntry> fdinfo;
};

// The answers to one scenario (or one ET↔LT twin), start to end.
struct RecordedRun {
  uint64_t hash = 0;
  std::string path;  // the scenario's path when recorded (for messages only)
  std::optional<sim::RlimitNofile> rlimit_nofile;
  std::vector<RecordedAnswer> answers;
  int source_line = 0;  // the `run` line in the file
};

struct KernelRecording {
  std::string file;     // where it was read from (messages); empty when made in this process
  std::string release;  // the answering kernel's `uname -r`; "unknown" when it could not be told
  std::string profile;  // the kernel profile the model followed (sim::KernelProfile::name)
  std::vector<RecordedRun> runs;

  // The run of the scenario with this hash, or nullptr.
  const RecordedRun* find(uint64_t hash) const;
  // Adds a run, replacing one with the same hash (a scenario checked twice).
  void add(RecordedRun run);
  // "recorded on Linux 6.1.0-18-amd64 (RUN.txt)": which kernel answers a replay.
  std::string origin() const;
};

// The recording as the file's text (version 1).
std::string format_kernel_recording(const KernelRecording& recording);
// Parses a recording's text; `file` names it in errors, which read "file:line: what is wrong".
std::variant<KernelRecording, std::string> parse_kernel_recording(const std::string& text,
                                                                  const std::string& file);
// Reads and parses a recording file (a regular file of at most kMaxKernelRecordingBytes).
std::variant<KernelRecording, std::string> read_kernel_recording(const std::string& file);

// The kernel's backend with every answer noted into `into`, as it is given: the run (found by
// the scenario's hash) is added at start, replacing an earlier one of the same text, and taken
// out again if the kernel's backend fails (a replay would stop where it did).
class RecordingBackend final : public Backend {
 public:
  RecordingBackend(std::unique_ptr<Backend> kernel, std::shared_ptr<KernelRecording> into);

  const char* name() const override { return kernel_->name(); }
  void set_scenario(const sim::script::Scenario& scenario) override;
  bool start(std::string* error) override;
  CallResult perform(const ResolvedCall& call) override;
  std::vector<ThreadResult> take_completions() override;
  std::vector<FdinfoEntry> fdinfo(int epfd) override;
  void stop() override;
  std::optional<sim::RlimitNofile> rlimit_nofile() const override;

 private:
  // Asks the kernel, and notes its answer in `a`.
  template <typename Ask>
  auto note(RecordedAnswer a, Ask ask);

  std::unique_ptr<Backend> kernel_;
  std::shared_ptr<KernelRecording> into_;
  uint64_t hash_ = 0;
  std::string path_;
  bool recording_ = false;  // started, and the kernel has answered everything so far
};

// A kernel that answers from a recording, asking nothing of the real one.
class ReplayBackend final : public Backend {
 public:
  explicit ReplayBackend(std::shared_ptr<const KernelRecording> recording);

  const char* name() const override { return "kernel"; }
  void set_scenario(const sim::script::Scenario& scenario) override;
  bool start(std::string* error) override;
  CallResult perform(const ResolvedCall& call) override;
  std::vector<ThreadResult> take_completions() override;
  std::vector<FdinfoEntry> fdinfo(int epfd) override;
  void stop() override {}
  std::optional<sim::RlimitNofile> rlimit_nofile() const override;
  std::string origin() const override { return recording_->origin(); }

 private:
  // The next answer, which must be of `kind`; else a BackendError saying what was asked.
  const RecordedAnswer& next(RecordedAnswer::Kind kind, const std::string& asked);

  std::shared_ptr<const KernelRecording> recording_;
  const RecordedRun* run_ = nullptr;
  std::string missing_;  // why no run was found for the scenario
  std::size_t next_ = 0;
};

// Why `recording` cannot answer `scenario` (it holds no run of its text), or empty.
std::string unrecorded(const KernelRecording& recording, const sim::script::Scenario& scenario);

}  // namespace epollscope::driver
