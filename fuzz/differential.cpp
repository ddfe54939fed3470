// SPDX-License-Identifier: GPL-2.0-only
// fuzz/differential.cpp — `epollscope fuzz` (differential.h): forked workers run generated cases
// on the model and on the kernel in their own process, the parent collects, shrinks and reports.
//
// [SECTION] one case: the model, the in-process kernel and the runner, line by line (CaseRun)
// [SECTION] children: shared buffers, a case run in a fresh process, the workers
// [SECTION] running and shrinking a case
// [SECTION] the command: progress, the first divergence, the finding's scenario file
#include "fuzz/differential.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "driver/model_backend.h"
#include "driver/runner.h"
#include "live/calibrate.h"
#include "live/child_guard.h"
#include "live/in_process_backend.h"
#include "live/live_backend.h"
#include "live/real_calls.h"
#include "sim/invariants.h"
#include "sim/script/parser.h"
#include "sim/strings.h"

namespace epollscope::fuzz {
namespace {

using Clock = std::chrono::steady_clock;
using driver::Outcome;
using fuzz::FuzzGenerator;

const sim::KernelProfile* g_profile = &sim::KernelProfile::default_profile();

// ---------------------------------------------------------------------------------------------
// [SECTION] one case: the model, the in-process kernel and the runner, line by line (CaseRun)
// ---------------------------------------------------------------------------------------------

// One case being run: a scenario that grows line by line, the model and the kernel, the runner.
// The kernel is this process's (live::InProcessBackend), or for a threaded case — threads,
// timeouts, blocking files — the live child (live::LiveBackend), which has them.
class CaseRun {
 public:
  CaseRun(std::size_t capacity, bool threaded) : model_(*g_profile) {
    // The runner keeps pointers to statements: the vector must never move.
    scenario_.statements.reserve(capacity + 1);
    scenario_.path = "fuzz";
    if (threaded)
      kernel_ = std::make_unique<live::LiveBackend>();
    else
      kernel_ = std::make_unique<live::InProcessBackend>();
    if (auto limits = kernel_->rlimit_nofile()) model_.set_nofile_limits(*limits);
    runner_ = std::make_unique<driver::Runner>(
        scenario_, std::vector<driver::Backend*>{&model_, kernel_.get()});
  }
  ~CaseRun() { runner_->stop(); }

  bool start(std::string* error) { return runner_->start(error); }

  // Runs one more line. False when the model and the kernel disagree (or the model breaks an
  // invariant, or the line does not parse, or cannot run: `invalid`, for lines the shrinker
  // left without the call that freed their thread): `what` says how.
  bool step(const std::string& line, std::string* what, bool* invalid = nullptr) {
    auto parsed = sim::script::parse_scenario(line, "fuzz");
    if (auto* e = std::get_if<sim::script::ParseError>(&parsed)) {
      *what = "the generator wrote a line the parser rejects: " + e->format();
      return false;
    }
    auto& sc = std::get<sim::script::Scenario>(parsed);
    if (sc.statements.size() != 1 ||
        scenario_.statements.size() == scenario_.statements.capacity()) {
      *what = "the generator wrote a line that is not one statement: " + line;
      return false;
    }
    sim::script::Statement st = std::move(sc.statements[0]);
    st.loc.line = static_cast<int>(scenario_.statements.size()) + 1;
    scenario_.statements.push_back(std::move(st));
    scenario_.lines.push_back(line);
    const driver::StatementResult& r = runner_->step();
    if (!r.divergences.empty()) {
      *what = "";
      for (const auto& d : r.divergences)
        *what += (what->empty() ? "" : "; ") + d;
      return false;
    }
    if (!r.error.empty()) {
      *what = "the runner stopped: " + r.error;
      if (invalid) *invalid = true;
      return false;
    }
    std::string broken = sim::check_invariants(model_.kernel(), sim::InvariantLevel::kBetweenCalls);
    if (!broken.empty()) {
      *what = "the model breaks an invariant: " + broken;
      return false;
    }
    return true;
  }
  const Outcome& kernel_outcome() const { return runner_->results().back().backends[1].outcome; }
  // The sleeping calls that finished during the last line, on the kernel: thread, return value.
  std::vector<std::pair<std::string, long>> kernel_finished() const {
    std::vector<std::pair<std::string, long>> out;
    for (const auto& c : runner_->results().back().backends[1].completions)
      out.emplace_back(c.thread, c.outcome.ret);
    return out;
  }

 private:
  sim::script::Scenario scenario_;
  driver::ModelBackend model_;
  std::unique_ptr<driver::Backend> kernel_;
  std::unique_ptr<driver::Runner> runner_;
};

// A case's lines need the live child: a thread's call, time passing, a blocking file (the main
// thread of a shrunk case might sleep in it, which this process cannot afford).
bool needs_live_child(const std::vector<std::string>& lines) {
  for (const std::string& l : lines) {
    if (l.size() > 2 && l[0] == 't' && l.find(": ") != std::string::npos) return true;
    if (l.rfind("sleep(", 0) == 0 || l.rfind("pipe(", 0) == 0 || l == "eventfd(0, 0)") return true;
    if (l.rfind("epoll_wait(", 0) == 0 && l.size() > 4 && l.compare(l.size() - 4, 4, ", 0)") != 0)
      return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] children: shared buffers, a case run in a fresh process, the workers
// ---------------------------------------------------------------------------------------------

// A buffer shared with forked children (they write, the parent reads after they exit).
struct SharedBuffer {
  explicit SharedBuffer(std::size_t size) : size(size) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    data = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  ~SharedBuffer() {
    if (data) munmap(data, size);
  }
  SharedBuffer(const SharedBuffer&) = delete;
  SharedBuffer& operator=(const SharedBuffer&) = delete;
  std::size_t size;
  char* data;
};

// CaseOutcome <-> text (one field per line; `what` has its newlines replaced).
std::string encode(const CaseOutcome& c) {
  std::string what = c.what;
  std::replace(what.begin(), what.end(), '\n', ' ');
  std::string s = sim::cat(c.diverged ? 1 : 0, '\n', c.at, '\n', c.calls, '\n', what, '\n');
  for (const auto& l : c.lines)
    s += l + '\n';
  return s;
}

CaseOutcome decode(const char* text) {
  CaseOutcome c;
  std::string s(text);
  std::size_t pos = 0;
  auto next = [&](std::string* line) {
    const std::size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) return false;
    *line = s.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string line;
  if (!next(&line)) return c;
  c.diverged = line == "1";
  if (next(&line)) c.at = std::stoull(line);
  if (next(&line)) c.calls = std::stoull(line);
  next(&c.what);
  while (next(&line))
    c.lines.push_back(line);
  return c;
}

void store(const CaseOutcome& c, char* buffer, std::size_t size) {
  std::string s = encode(c);
  if (s.size() + 1 > size) s.resize(size - 1);
  std::memcpy(buffer, s.data(), s.size());
  buffer[s.size()] = '\0';
}

// Runs `lines` in a fresh child process; nullopt when it could not run or hung.
std::optional<CaseOutcome> run_in_child(const std::vector<std::string>& lines, int timeout_s) {
  SharedBuffer shared(1 << 20);
  if (!shared.data) return std::nullopt;
  shared.data[0] = '\0';
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    live::become_forked_child(parent);
    store(run_case_lines(lines), shared.data, shared.size);
    _exit(0);
  }
  live::track_child(pid);
  const auto until = Clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > until) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      live::untrack_child(pid);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  live::untrack_child(pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || shared.data[0] == '\0') return std::nullopt;
  return decode(shared.data);
}

// ---------------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------------

constexpr int kMaxJobs = 64;
constexpr std::size_t kFindingBytes = 1 << 20;

struct WorkerSlot {
  std::atomic<uint64_t> calls{0};
  std::atomic<int> state{0};  // 0 running, 1 finished, 2 found a divergence, 3 failed to start
  uint64_t found_case = 0;
  char line[512] = {};  // the line being run (for a worker that hangs)
  char finding[kFindingBytes] = {};
};

struct Shared {
  std::atomic<int> stop{0};
  WorkerSlot slots[kMaxJobs];
};

void worker_main(const FuzzOptions& o, int job, int jobs, uint64_t cases, Shared* sh) {
  WorkerSlot& slot = sh->slots[job];
  for (uint64_t c = static_cast<uint64_t>(job); c < cases; c += static_cast<uint64_t>(jobs)) {
    if (sh->stop.load(std::memory_order_relaxed)) break;
    const uint64_t first = c * static_cast<uint64_t>(o.case_ops);
    const uint64_t ops = std::min<uint64_t>(static_cast<uint64_t>(o.case_ops), o.ops - first);
    FuzzGenerator gen(o.seed, c, o.types);
    CaseRun run(ops, gen.threaded());
    std::string error;
    if (!run.start(&error)) {
      std::snprintf(slot.finding, sizeof slot.finding, "%s", error.c_str());
      slot.state = 3;
      _exit(0);
    }
    CaseOutcome out;
    for (uint64_t i = 0; i < ops; ++i) {
      std::string line = gen.next();
      std::snprintf(slot.line, sizeof slot.line, "%s", line.c_str());
      out.lines.push_back(line);
      if (!run.step(line, &out.what)) {
        out.diverged = true;
        out.at = i;
        out.calls = i + 1;
        slot.found_case = c;
        store(out, slot.finding, sizeof slot.finding);
        slot.calls.fetch_add(1, std::memory_order_relaxed);
        slot.state = 2;
        sh->stop = 1;
        _exit(0);
      }
      const Outcome& k = run.kernel_outcome();
      gen.result(k.ret, k.new_fds);
      if (gen.threaded()) gen.threads_result(k.blocked, run.kernel_finished());
      slot.calls.fetch_add(1, std::memory_order_relaxed);
    }
  }
  slot.state = 1;
  _exit(0);
}

std::string rate(double calls, double seconds) {
  char b[64];
  std::snprintf(b, sizeof b, "%.0f", seconds > 0 ? calls / seconds : 0.0);
  return b;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] running and shrinking a case
// ---------------------------------------------------------------------------------------------

CaseOutcome run_case_lines(const std::vector<std::string>& lines) {
  CaseOutcome out;
  CaseRun run(lines.size(), needs_live_child(lines));
  std::string error;
  if (!run.start(&error)) {
    out.what = "cannot start: " + error;
    return out;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out.lines.push_back(lines[i]);
    out.calls = i + 1;
    bool invalid = false;
    if (!run.step(lines[i], &out.what, &invalid)) {
      // A line that cannot run (its thread still sleeps: the shrinker removed what woke it) is
      // no divergence.
      out.diverged = !invalid;
      out.at = i;
      return out;
    }
  }
  return out;
}

std::vector<std::string> shrink_case(const std::vector<std::string>& lines, std::ostream& err) {
  std::vector<std::string> cur = lines;
  auto diverges = [](const std::vector<std::string>& candidate) {
    auto r = run_in_child(candidate, 20);
    return r && r->diverged;
  };
  // Delta debugging: remove chunks of halving size while the rest still diverges.
  std::size_t n = 2;
  int attempts = 0;
  while (cur.size() >= 2) {
    const std::size_t chunk = (cur.size() + n - 1) / n;
    bool reduced = false;
    for (std::size_t start = 0; start < cur.size(); start += chunk) {
      std::vector<std::string> candidate(cur.begin(), cur.begin() + static_cast<long>(start));
      candidate.insert(candidate.end(),
                       cur.begin() + static_cast<long>(std::min(cur.size(), start + chunk)),
                       cur.end());
      ++attempts;
      if (!candidate.empty() && diverges(candidate)) {
        cur = std::move(candidate);
        n = std::max<std::size_t>(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= cur.size()) break;
      n = std::min(cur.size(), n * 2);
    }
  }
  err << "... shrunk from " << lines.size() << " to " << cur.size() << " calls in " << attempts
      << " runs\n";
  return cur;
}

std::string finding_scenario(const FuzzOptions& o, uint64_t case_index,
                             const std::vector<std::string>& original,
                             const std::vector<std::string>& shrunk, const CaseOutcome& replay) {
  std::string s = sim::cat("title \"fuzz finding: seed ", o.seed, ", case ", case_index, "\"\n");
  s += sim::cat("// Found by `epollscope fuzz --seed ", o.seed, " --ops ", o.ops, " --types ",
                o.types.text(), "` in case ", case_index, " (calls ",
                case_index * static_cast<uint64_t>(o.case_ops) + 1, "..), shrunk from ",
                original.size(), " to ", shrunk.size(), " calls.\n");
  s += "// The model and the kernel disagree on the last call:\n";
  s += "//   " + replay.what + "\n";
  if (o.profile)
    s += "// The model followed the kernel profile " + o.profile->name +
         " (--profile), not the calibrated one: `epollscope check --profile " + o.profile->name +
         "` replays it so.\n";
  else
    s += "// `epollscope check` on this file fails until the model is fixed.\n";
  for (std::size_t i = 0; i < shrunk.size(); ++i) {
    if (replay.diverged && i == replay.at)
      s += "# Here the model and the kernel disagree: " + replay.what + "\n";
    s += shrunk[i] + "\n";
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the command: progress, the first divergence, the finding's scenario file
// ---------------------------------------------------------------------------------------------

bool write_finding(const std::string& dir, const std::string& name, const std::string& text,
                   std::string* why) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *why = "cannot make the folder " + dir + ": " + ec.message();
    return false;
  }
  const std::string path = dir + "/" + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *why = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *why = "cannot write " + path + ": " + std::strerror(n < 0 ? errno : EIO);
      ::close(fd);
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    *why = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

int fuzz_command(const FuzzOptions& o, std::ostream& out, std::ostream& err) {
  if (o.ops == 0 || o.case_ops < 1) {
    err << "epollscope: fuzz needs --ops >= 1\n";
    return 2;
  }
  // An empty folder name once made the finding's path "/seedN-caseM.scn".
  if (o.out_dir.empty()) {
    err << "epollscope: --out: the folder name is empty (--out . is the current folder)\n";
    return 2;
  }
  if (const uint64_t hard = live::scenario_rlimit_nofile().max; hard < kFuzzMinNofile) {
    err << "epollscope: fuzz needs a hard RLIMIT_NOFILE of at least " << kFuzzMinNofile
        << ", this process has " << hard << " (ulimit -Hn): its cases run with the soft limit at "
        << kFuzzMinNofile << " and each worker keeps an fd of its own at the top of it\n";
    return 2;
  }
  int jobs =
      o.jobs > 0 ? o.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = std::min(jobs, kMaxJobs);
  const uint64_t cases =
      (o.ops + static_cast<uint64_t>(o.case_ops) - 1) / static_cast<uint64_t>(o.case_ops);
  jobs = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(jobs), cases));

  // A write to a pipe or socket whose reader is gone must give EPIPE, as in a scenario, not kill.
  signal(SIGPIPE, SIG_IGN);
  if (o.profile) {
    g_profile = o.profile;
  } else {
    live::Calibration cal = live::calibrate();
    if (cal.profile) g_profile = cal.profile;
  }
  err << "... seed " << o.seed << ", " << o.ops << " calls in " << cases << " cases of "
      << o.case_ops << ", types " << o.types.text() << ", " << jobs << " worker"
      << (jobs == 1 ? "" : "s") << ", kernel profile " << g_profile->name << '\n';

  void* mem =
      mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    err << "epollscope: cannot map shared memory for the workers\n";
    return 2;
  }
  Shared* sh = new (mem) Shared();
  struct Unmap {
    void* p;
    ~Unmap() { munmap(p, sizeof(Shared)); }
  } unmap{mem};

  const auto t0 = Clock::now();
  std::vector<pid_t> pids;
  out.flush();
  err.flush();
  const pid_t parent = getpid();
  for (int j = 0; j < jobs; ++j) {
    const pid_t pid = fork();
    if (pid < 0) {
      err << "epollscope: fork failed: " << std::strerror(errno) << '\n';
      sh->stop = 1;
      break;
    }
    if (pid == 0) {
      live::become_forked_child(parent);
      worker_main(o, j, jobs, cases, sh);
    }
    live::track_child(pid);
    pids.push_back(pid);
  }

  const bool tty = o.progress && isatty(2);
  std::vector<uint64_t> last_calls(pids.size(), 0);
  std::vector<Clock::time_point> last_change(pids.size(), Clock::now());
  int hung = -1;
  std::size_t running = pids.size();
  std::vector<bool> done(pids.size(), false);
  auto total = [&] {
    uint64_t n = 0;
    for (std::size_t j = 0; j < pids.size(); ++j)
      n += sh->slots[j].calls.load();
    return n;
  };
  auto last_print = Clock::now();
  while (running > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (std::size_t j = 0; j < pids.size(); ++j) {
      if (done[j]) continue;
      int status;
      if (waitpid(pids[j], &status, WNOHANG) == pids[j]) {
        live::untrack_child(pids[j]);
        done[j] = true;
        --running;
        // A worker ends by _exit(0) after setting its state; anything else is a crash (a signal,
        // or a sanitizer's exit) on the line it was running.
        if (sh->slots[j].state.load() == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
          err << "\nepollscope: fuzz worker " << j << " died ("
              << (WIFSIGNALED(status) ? sim::cat("signal ", WTERMSIG(status))
                                      : sim::cat("exit status ", WEXITSTATUS(status)))
              << ") on: " << sh->slots[j].line << '\n';
          hung = static_cast<int>(j);
          sh->stop = 1;
        }
        continue;
      }
      const uint64_t c = sh->slots[j].calls.load();
      if (c != last_calls[j]) {
        last_calls[j] = c;
        last_change[j] = Clock::now();
      } else if (Clock::now() - last_change[j] > std::chrono::seconds(o.stall_seconds)) {
        err << "\nepollscope: fuzz worker " << j << " made no progress for " << o.stall_seconds
            << " s; it hangs in: " << sh->slots[j].line << '\n';
        kill(pids[j], SIGKILL);
        hung = static_cast<int>(j);
        sh->stop = 1;
      }
    }
    if (tty && Clock::now() - last_print > std::chrono::milliseconds(250)) {
      last_print = Clock::now();
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      const uint64_t n = total();
      int found = 0;
      for (std::size_t j = 0; j < pids.size(); ++j)
        found += sh->slots[j].state.load() == 2;
      err << "\r  " << n << " / " << o.ops << " calls, " << rate(static_cast<double>(n), s)
          << " calls/s, " << found << " divergence" << (found == 1 ? "" : "s") << "   "
          << std::flush;
    }
  }
  if (tty) err << '\n';
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const uint64_t calls = total();

  // The finding of the lowest case (with one worker: the first the seed's sequence reaches).
  int best = -1;
  for (std::size_t j = 0; j < pids.size(); ++j) {
    if (sh->slots[j].state.load() == 3) {
      err << "epollscope: fuzz worker cannot start: " << sh->slots[j].finding << '\n';
      return 2;
    }
    if (sh->slots[j].state.load() == 2 &&
        (best < 0 || sh->slots[j].found_case < sh->slots[best].found_case))
      best = static_cast<int>(j);
  }
  const int divergences = best >= 0 ? 1 : 0;
  auto summary = [&] {
    char s[32];
    std::snprintf(s, sizeof s, "%.1f", seconds);
    out << "fuzzed " << calls << " calls in " << s << " s ("
        << rate(static_cast<double>(calls), seconds) << " calls/s): " << divergences
        << " divergence" << (divergences == 1 ? "" : "s") << '\n';
  };
  if (best < 0) {
    summary();
    if (hung >= 0)
      err << "epollscope: a worker crashed or hung: the model (or the tool) has a bug on that "
             "line\n";
    return hung >= 0 ? 1 : 0;
  }

  const WorkerSlot& slot = sh->slots[best];
  CaseOutcome found = decode(slot.finding);
  err << "divergence in case " << slot.found_case << " at call " << found.calls << ": "
      << found.what << '\n'
      << "  " << (found.lines.empty() ? "" : found.lines.back()) << '\n'
      << "... shrinking (each attempt in a fresh process)\n";
  std::vector<std::string> shrunk = shrink_case(found.lines, err);
  auto replay = run_in_child(shrunk, 20);
  if (!replay || !replay->diverged) {
    // The case does not diverge again in a fresh process: the outcome depends on something the
    // lines do not fix (the kernel's file addresses, which order the trees, differ from run to
    // run). Keep the whole case, and say so.
    err << "... the case does not diverge again in a fresh process: it depends on the run (the "
           "kernel's file addresses?); the whole case is written\n";
    shrunk = found.lines;
    replay = found;
  }
  const std::string name = sim::cat("seed", o.seed, "-case", slot.found_case, ".scn");
  const std::string text = finding_scenario(o, slot.found_case, found.lines, shrunk, *replay);
  std::string why;
  if (write_finding(o.out_dir, name, text, &why)) {
    const std::string path = o.out_dir + "/" + name;
    err << "minimal scenario (" << shrunk.size() << " calls): " << path << '\n'
        << "  " << replay->what << '\n';
    out << path << '\n';
  } else {
    // Not lost: the scenario goes to stderr, to be saved by hand.
    err << "epollscope: " << why << "; the minimal scenario (" << shrunk.size()
        << " calls) follows:\n"
        << text;
  }
  summary();
  return 1;
}

}  // namespace epollscope::fuzz
