// SPDX-License-Identifier: GPL-2.0-only
// driver/kernel_recording.cpp — the recorded kernel: its text format (written and parsed here,
// with the standard library only), the backend that records the kernel's answers and the one that
// replays them.
//
// [SECTION] hash and lookup
// [SECTION] writing
// [SECTION] parsing
// [SECTION] recording backend
// [SECTION] replay backend
#include "driver/kernel_recording.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <type_traits>

#include "sim/profile.h"
#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::driver {

using sim::cat;

// [SECTION] hash and lookup

uint64_t scenario_hash(const sim::script::Scenario& scenario) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a offset basis
  auto mix = [&](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;  // FNV prime
  };
  for (const std::string& line : scenario.lines) {
    for (char c : line)
      mix(static_cast<unsigned char>(c));
    mix('\n');
  }
  return h;
}

namespace {

std::string hex64(uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4)
    s[static_cast<std::size_t>(i)] = digits[v & 0xf];
  return s;
}

// A path or release as one word-safe line: control characters (a newline would end the record)
// become '?'.
std::string one_line(const std::string& text) {
  std::string s = text;
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (s.size() > kMaxKernelRecordingLine / 2) s.resize(kMaxKernelRecordingLine / 2);
  return s;
}

}  // namespace

const RecordedRun* KernelRecording::find(uint64_t hash) const {
  for (const RecordedRun& r : runs)
    if (r.hash == hash) return &r;
  return nullptr;
}

void KernelRecording::add(RecordedRun run) {
  for (RecordedRun& r : runs)
    if (r.hash == run.hash) {
      r = std::move(run);
      return;
    }
  runs.push_back(std::move(run));
}

std::string KernelRecording::origin() const {
  std::string o = cat("recorded on Linux ", release.empty() ? "unknown" : release);
  if (!file.empty()) o += cat(" (", file, ")");
  return o;
}

std::string unrecorded(const KernelRecording& recording, const sim::script::Scenario& scenario) {
  const uint64_t hash = scenario_hash(scenario);
  if (recording.find(hash)) return {};
  // The scenarios it holds (an ET<->LT twin has the path of its scenario).
  std::vector<std::string> paths;
  for (const RecordedRun& r : recording.runs)
    if (std::find(paths.begin(), paths.end(), r.path) == paths.end()) paths.push_back(r.path);
  std::string held;
  for (std::size_t i = 0; i < paths.size() && i < 3; ++i)
    held += cat(i ? ", " : "", paths[i]);
  if (paths.size() > 3) held += cat(" and ", paths.size() - 3, " more");
  const bool same_path = std::find(paths.begin(), paths.end(), scenario.path) != paths.end();
  const std::string file = recording.file.empty() ? "the recording" : recording.file;
  return cat(file, " holds no answers for this text of ", scenario.path, " (content hash ",
             hex64(hash), "; it holds ", paths.empty() ? "none" : held, ")",
             same_path ? "; the scenario changed since it was recorded" : "",
             ": record it with `epollscope check ", scenario.path, " --save-kernel ",
             recording.file.empty() ? "RUN.txt" : recording.file,
             "` (the runs of other scenarios in it are kept)");
}

// [SECTION] writing

namespace {

void put_result(std::string& out, const CallResult& r) {
  if (r.blocked) {
    out += " blocked\n";
    return;
  }
  out += cat(" ret ", r.ret);
  if (r.ret < 0) out += cat(" err ", sim::errno_name(r.err));
  if (!r.fds.empty()) {
    out += cat(" fds ", r.fds.size());
    for (int fd : r.fds)
      out += cat(" ", fd);
  }
  if (r.counter) out += cat(" counter ", *r.counter);
  if (!r.events.empty()) out += cat(" events ", r.events.size());
  out += '\n';
  for (const EpollEvent& e : r.events)
    out += cat("event ", sim::hex(e.events), " ", e.data, "\n");
}

}  // namespace

std::string format_kernel_recording(const KernelRecording& rec) {
  std::string out = cat("epollscope-kernel-recording ", kKernelRecordingVersion, "\n");
  out +=
      "# The answers of a real kernel to scenarios, recorded by `epollscope check --save-kernel`\n"
      "# and replayed in its place by `--kernel-from` (gui, screenshot, run, check): the same\n"
      "# answers and the same order of rbr every time. A run is found by its scenario's content\n"
      "# hash: edit the scenario and it must be recorded again.\n";
  out += cat("kernel ", one_line(rec.release.empty() ? "unknown" : rec.release), "\n");
  out += cat("profile ", one_line(rec.profile), "\n");
  for (const RecordedRun& run : rec.runs) {
    out += cat("run ", hex64(run.hash), " ", one_line(run.path), "\n");
    if (run.rlimit_nofile)
      out += cat("rlimit-nofile ", run.rlimit_nofile->cur, " ", run.rlimit_nofile->max, " ",
                 run.rlimit_nofile->nr_open, "\n");
    for (const RecordedAnswer& a : run.answers) {
      switch (a.kind) {
        case RecordedAnswer::Kind::kCall:
          out += cat("call ", a.line, " ", a.thread, " ", sim::script::call_name(a.call));
          put_result(out, a.result);
          break;
        case RecordedAnswer::Kind::kCompletions:
          out += cat("completions ", a.completions.size(), "\n");
          for (const ThreadResult& t : a.completions) {
            out += cat("done ", t.thread);
            put_result(out, t.result);
          }
          break;
        case RecordedAnswer::Kind::kFdinfo:
          out += cat("fdinfo ", a.epfd, " ", a.fdinfo.size(), "\n");
          for (const FdinfoEntry& e : a.fdinfo)
            out += cat("tfd ", e.tfd, " events ", sim::hex(e.events), " data ", e.data, "\n");
          break;
      }
    }
    out += "end\n";
  }
  return out;
}

// [SECTION] parsing

namespace {

// A recording's text, line by line, as words; every error is "file:line: what".
class Reader {
 public:
  Reader(const std::string& text, const std::string& file) : text_(text), file_(file) {}

  // The next line that is not blank or a comment, split into words; false at the end.
  bool next() {
    while (pos_ < text_.size()) {
      std::size_t end = text_.find('\n', pos_);
      if (end == std::string::npos) end = text_.size();
      const std::string_view line(text_.data() + pos_, end - pos_);
      pos_ = end + 1;
      ++line_;
      if (line.size() > kMaxKernelRecordingLine)
        fail(cat("the line is ", line.size(), " characters long; at most ", kMaxKernelRecordingLine,
                 " are allowed"));
      words_.clear();
      std::size_t i = 0;
      while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
          ++i;
        if (i >= line.size()) break;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r')
          ++j;
        words_.emplace_back(line.substr(i, j - i));
        i = j;
      }
      if (words_.empty() || words_[0][0] == '#') continue;
      rest_ = std::string(line);
      return true;
    }
    words_.clear();
    return false;
  }
  int line() const { return line_; }
  const std::vector<std::string>& words() const { return words_; }
  const std::string& word(std::size_t i) {
    if (words_.empty()) fail("the file ends here (it is cut?)");
    if (i >= words_.size()) fail(cat("'", words_[0], "' needs more fields (the file is cut?)"));
    return words_[i];
  }
  // The text after the first `n` words.
  std::string rest(std::size_t n) const {
    std::size_t i = 0;
    for (std::size_t w = 0; w < n; ++w) {
      i = rest_.find(words_[w], i) + words_[w].size();
    }
    const std::size_t start = rest_.find_first_not_of(" \t", i);
    if (start == std::string::npos) return {};
    std::string s = rest_.substr(start);
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
      s.pop_back();
    return s;
  }

  template <typename T>
  T number(std::size_t i, const char* what) {
    const std::string& w = word(i);
    T value{};
    int base = 10;
    std::size_t skip = 0;
    if (w.size() > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
      base = 16;
      skip = 2;
    }
    const char* first = w.data() + skip;
    const char* last = w.data() + w.size();
    const auto [ptr, ec] = std::from_chars(first, last, value, base);
    if (ec != std::errc() || ptr != last || first == last)
      fail(cat(what, " '", w, "' is not a number",
               ec == std::errc::result_out_of_range ? " in range" : ""));
    return value;
  }
  std::size_t count(std::size_t i, const char* what) {
    const auto n = number<uint64_t>(i, what);
    if (n > kMaxRecordedItems)
      fail(cat(what, " ", n, " is more than the ", kMaxRecordedItems, " a recording may hold"));
    return static_cast<std::size_t>(n);
  }
  void expect_words(std::size_t n) {
    if (words_.size() > n) fail(cat("unexpected '", words_[n], "' after '", words_[0], "'"));
    word(n - 1);
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(cat(file_, ":", std::max(line_, 1), ": ", what));
  }

 private:
  const std::string& text_;
  std::string file_;
  std::size_t pos_ = 0;
  int line_ = 0;
  std::vector<std::string> words_;
  std::string rest_;
};

// `blocked`, or `ret N [err ENAME] [fds N A B] [counter N] [events N]` from word `i` on, then
// the events' lines.
CallResult read_result(Reader& in, std::size_t i) {
  CallResult r;
  if (in.word(i) == "blocked") {
    r.blocked = true;
    in.expect_words(i + 1);
    return r;
  }
  if (in.word(i) != "ret") in.fail(cat("expected 'blocked' or 'ret', not '", in.word(i), "'"));
  r.ret = in.number<long>(i + 1, "the return value");
  std::size_t events = 0;
  const std::vector<std::string>& w = in.words();
  for (std::size_t k = i + 2; k < w.size();) {
    const std::string& key = w[k];
    if (key == "err") {
      const std::string& name = in.word(k + 1);
      std::optional<int> e = sim::errno_from_name(name);
      if (!e && name.size() > 1 && name[0] == 'E' && name[1] >= '0' && name[1] <= '9') {
        int v = 0;
        const auto [ptr, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), v);
        if (ec == std::errc() && ptr == name.data() + name.size()) e = v;
      }
      if (!e) in.fail(cat("unknown errno '", name, "'"));
      r.err = *e;
      k += 2;
    } else if (key == "fds") {
      const std::size_t n = in.count(k + 1, "the number of fds");
      if (n > 2) in.fail(cat("a call returns at most 2 fds, not ", n));
      for (std::size_t f = 0; f < n; ++f)
        r.fds.push_back(in.number<int>(k + 2 + f, "an fd"));
      k += 2 + n;
    } else if (key == "counter") {
      r.counter = in.number<uint64_t>(k + 1, "the counter");
      k += 2;
    } else if (key == "events") {
      events = in.count(k + 1, "the number of events");
      k += 2;
    } else {
      in.fail(cat("unknown field '", key, "'"));
    }
  }
  if ((r.ret < 0) != (r.err != 0))
    in.fail(r.ret < 0 ? "a return value of -1 needs its errno ('err ENAME')"
                      : "an errno ('err') goes only with a return value of -1");
  for (std::size_t e = 0; e < events; ++e) {
    if (!in.next()) in.fail(cat("the file ends inside a list of ", events, " events"));
    if (in.word(0) != "event")
      in.fail(cat("expected event ", e + 1, " of ", events, " ('event MASK DATA'), not '",
                  in.word(0), "'"));
    in.expect_words(3);
    r.events.push_back(
        EpollEvent{in.number<uint32_t>(1, "the event mask"), in.number<uint64_t>(2, "the data")});
  }
  return r;
}

bool thread_name_ok(const std::string& t) {
  if (t.empty() || t.size() > 64) return false;
  for (char c : t)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

KernelRecording parse(const std::string& text, const std::string& file) {
  Reader in(text, file);
  KernelRecording rec;
  rec.file = file;
  if (!in.next() || in.word(0) != "epollscope-kernel-recording")
    in.fail(
        "not a kernel recording: the first line must be 'epollscope-kernel-recording 1' "
        "(made by `epollscope check --save-kernel`)");
  in.expect_words(2);
  if (in.number<int>(1, "the version") != kKernelRecordingVersion)
    in.fail(cat("version ", in.word(1), " is not one this epollscope reads (it reads ",
                kKernelRecordingVersion, ")"));
  bool have_kernel = false, have_profile = false;
  RecordedRun* run = nullptr;  // the run being read, until its `end`
  while (in.next()) {
    const std::string& key = in.word(0);
    if (key == "kernel" || key == "profile") {
      if (run) in.fail(cat("'", key, "' inside a run (its `end` is missing)"));
      (key == "kernel" ? rec.release : rec.profile) = in.rest(1);
      (key == "kernel" ? have_kernel : have_profile) = true;
      in.word(1);
      continue;
    }
    if (key == "run") {
      if (run) in.fail("a new run before the last one's `end` (the file is cut or edited?)");
      RecordedRun r;
      r.source_line = in.line();
      const std::string& h = in.word(1);
      if (h.size() != 16) in.fail(cat("the content hash '", h, "' is not 16 hex digits"));
      uint64_t hash = 0;
      const auto [ptr, ec] = std::from_chars(h.data(), h.data() + h.size(), hash, 16);
      if (ec != std::errc() || ptr != h.data() + h.size())
        in.fail(cat("the content hash '", h, "' is not 16 hex digits"));
      r.hash = hash;
      r.path = in.rest(2);
      if (rec.find(hash)) in.fail(cat("a second run for the content hash ", h));
      if (rec.runs.size() >= kMaxRecordedItems) in.fail("too many runs");
      rec.runs.push_back(std::move(r));
      run = &rec.runs.back();
      continue;
    }
    if (!run) in.fail(cat("'", key, "' outside a run (a `run HASH PATH` line comes first)"));
    RecordedAnswer a;
    a.source_line = in.line();
    if (key == "end") {
      in.expect_words(1);
      run = nullptr;
      continue;
    }
    if (key == "rlimit-nofile") {
      in.expect_words(4);
      if (!run->answers.empty()) in.fail("'rlimit-nofile' comes before the run's answers");
      run->rlimit_nofile = sim::RlimitNofile{in.number<uint64_t>(1, "the soft limit"),
                                             in.number<uint64_t>(2, "the hard limit"),
                                             in.number<uint64_t>(3, "fs.nr_open")};
      continue;
    }
    if (key == "call") {
      a.kind = RecordedAnswer::Kind::kCall;
      a.line = in.number<int>(1, "the scenario line");
      if (a.line < 1) in.fail(cat("scenario line ", a.line, " (lines are numbered from 1)"));
      a.thread = in.word(2);
      if (!thread_name_ok(a.thread)) in.fail(cat("'", a.thread, "' is not a thread name"));
      const sim::script::CallSpec* spec = sim::script::find_call(in.word(3));
      if (!spec) in.fail(cat("unknown call '", in.word(3), "'"));
      a.call = spec->id;
      a.result = read_result(in, 4);
    } else if (key == "completions") {
      a.kind = RecordedAnswer::Kind::kCompletions;
      in.expect_words(2);
      const std::size_t n = in.count(1, "the number of completions");
      for (std::size_t k = 0; k < n; ++k) {
        if (!in.next()) in.fail(cat("the file ends inside a list of ", n, " completions"));
        if (in.word(0) != "done")
          in.fail(cat("expected completion ", k + 1, " of ", n, " ('done THREAD ...'), not '",
                      in.word(0), "'"));
        ThreadResult t;
        t.thread = in.word(1);
        if (!thread_name_ok(t.thread)) in.fail(cat("'", t.thread, "' is not a thread name"));
        t.result = read_result(in, 2);
        a.completions.push_back(std::move(t));
      }
    } else if (key == "fdinfo") {
      a.kind = RecordedAnswer::Kind::kFdinfo;
      in.expect_words(3);
      a.epfd = in.number<int>(1, "the epoll fd");
      const std::size_t n = in.count(2, "the number of items");
      for (std::size_t k = 0; k < n; ++k) {
        if (!in.next()) in.fail(cat("the file ends inside an fdinfo of ", n, " items"));
        if (in.word(0) != "tfd" || in.words().size() != 6 || in.word(2) != "events" ||
            in.word(4) != "data")
          in.fail(cat("expected item ", k + 1, " of ", n, " ('tfd FD events MASK data DATA')"));
        a.fdinfo.push_back(FdinfoEntry{in.number<int>(1, "the fd"),
                                       in.number<uint32_t>(3, "the events mask"),
                                       in.number<uint64_t>(5, "the data")});
      }
    } else {
      in.fail(cat("unknown record '", key, "'"));
    }
    if (run->answers.size() >= kMaxRecordedItems) in.fail("too many answers in one run");
    run->answers.push_back(std::move(a));
  }
  if (run)
    in.fail(cat("the file ends inside the run of ", run->path, " (line ", run->source_line,
                "): its `end` is missing (the file is cut?)"));
  if (!have_kernel) in.fail("no 'kernel RELEASE' line");
  if (!have_profile) in.fail("no 'profile NAME' line");
  if (!sim::KernelProfile::by_name(rec.profile))
    in.fail(cat("unknown kernel profile '", rec.profile, "'"));
  if (rec.runs.empty()) in.fail("the recording holds no run (the file is cut?)");
  return rec;
}

}  // namespace

std::variant<KernelRecording, std::string> parse_kernel_recording(const std::string& text,
                                                                  const std::string& file) {
  try {
    return parse(text, file);
  } catch (const std::runtime_error& e) {
    return std::string(e.what());
  }
}

std::variant<KernelRecording, std::string> read_kernel_recording(const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (ec || st.type() == fs::file_type::not_found)
    return cat(file, ": ",
               ec && ec != std::errc::no_such_file_or_directory
                   ? cat("cannot be read: ", ec.message())
                   : std::string("no such file"));
  if (st.type() != fs::file_type::regular)
    return cat(file,
               ": is not a regular file (a kernel recording is made by `epollscope check "
               "--save-kernel FILE`)");
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return cat(file, ": cannot be read: ", errno ? std::strerror(errno) : "it cannot be opened");
  std::string text;
  char buf[65536];
  while (in && text.size() <= kMaxKernelRecordingBytes) {
    in.read(buf, sizeof buf);
    text.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return cat(file, ": cannot be read: ", errno ? std::strerror(errno) : "an error");
  if (text.size() > kMaxKernelRecordingBytes)
    return cat(file, ": is too large; a kernel recording may be at most ",
               kMaxKernelRecordingBytes >> 20, " MiB");
  return parse_kernel_recording(text, file);
}

// [SECTION] recording backend

RecordingBackend::RecordingBackend(std::unique_ptr<Backend> kernel,
                                   std::shared_ptr<KernelRecording> into)
    : kernel_(std::move(kernel)), into_(std::move(into)) {}

void RecordingBackend::set_scenario(const sim::script::Scenario& scenario) {
  kernel_->set_scenario(scenario);
  hash_ = scenario_hash(scenario);
  path_ = scenario.path;
}

bool RecordingBackend::start(std::string* error) {
  if (!kernel_->start(error)) return false;
  RecordedRun run;
  run.hash = hash_;
  run.path = path_;
  run.rlimit_nofile = kernel_->rlimit_nofile();
  into_->add(std::move(run));
  recording_ = true;
  return true;
}

template <typename Ask>
auto RecordingBackend::note(RecordedAnswer a, Ask ask) {
  try {
    auto answer = ask();
    if (recording_) {
      if constexpr (std::is_same_v<decltype(answer), CallResult>) {
        answer.approximate = false;  // the model's mark, never a kernel's
        a.result = answer;
      } else if constexpr (std::is_same_v<decltype(answer), std::vector<ThreadResult>>) {
        a.completions = answer;
      } else {
        a.fdinfo = answer;
      }
      for (RecordedRun& r : into_->runs)
        if (r.hash == hash_) r.answers.push_back(std::move(a));
    }
    return answer;
  } catch (const BackendError&) {
    // A run the kernel could not answer to its end is not kept: a replay would stop there.
    if (recording_)
      std::erase_if(into_->runs, [&](const RecordedRun& r) { return r.hash == hash_; });
    recording_ = false;
    throw;
  }
}

CallResult RecordingBackend::perform(const ResolvedCall& call) {
  RecordedAnswer a;
  a.kind = RecordedAnswer::Kind::kCall;
  a.line = call.statement ? call.statement->loc.line : 0;
  a.thread = call.thread;
  a.call = call.call;
  return note(std::move(a), [&] { return kernel_->perform(call); });
}

std::vector<ThreadResult> RecordingBackend::take_completions() {
  RecordedAnswer a;
  a.kind = RecordedAnswer::Kind::kCompletions;
  return note(std::move(a), [&] { return kernel_->take_completions(); });
}

std::vector<FdinfoEntry> RecordingBackend::fdinfo(int epfd) {
  RecordedAnswer a;
  a.kind = RecordedAnswer::Kind::kFdinfo;
  a.epfd = epfd;
  return note(std::move(a), [&] { return kernel_->fdinfo(epfd); });
}

void RecordingBackend::stop() {
  kernel_->stop();
  recording_ = false;
}

std::optional<sim::RlimitNofile> RecordingBackend::rlimit_nofile() const {
  return kernel_->rlimit_nofile();
}

// [SECTION] replay backend

ReplayBackend::ReplayBackend(std::shared_ptr<const KernelRecording> recording)
    : recording_(std::move(recording)) {}

void ReplayBackend::set_scenario(const sim::script::Scenario& scenario) {
  run_ = recording_->find(scenario_hash(scenario));
  missing_ = run_ ? std::string() : unrecorded(*recording_, scenario);
  next_ = 0;
}

bool ReplayBackend::start(std::string* error) {
  if (!run_) {
    *error = missing_.empty() ? "no scenario was given to the recorded kernel" : missing_;
    return false;
  }
  next_ = 0;
  return true;
}

std::optional<sim::RlimitNofile> ReplayBackend::rlimit_nofile() const {
  return run_ ? run_->rlimit_nofile : std::nullopt;
}

const RecordedAnswer& ReplayBackend::next(RecordedAnswer::Kind kind, const std::string& asked) {
  static const char* const kinds[] = {"a call's answer", "the threads that finished",
                                      "an epoll's fdinfo"};
  const std::string where = recording_->file.empty() ? "the recording" : recording_->file;
  if (!run_) throw BackendError(missing_);
  if (next_ >= run_->answers.size())
    throw BackendError(cat(where, ":", run_->source_line, ": the run of ", run_->path,
                           " has no more answers, and the run asks ", asked,
                           " (was it recorded with another kernel profile?)"));
  const RecordedAnswer& a = run_->answers[next_];
  if (a.kind != kind)
    throw BackendError(cat(where, ":", a.source_line, ": the recording has ",
                           kinds[static_cast<int>(a.kind)], " here, and the run asks ", asked,
                           " (was it recorded with another kernel profile?)"));
  ++next_;
  return a;
}

CallResult ReplayBackend::perform(const ResolvedCall& call) {
  const int line = call.statement ? call.statement->loc.line : 0;
  const std::string asked =
      cat("line ", line, "'s ", sim::script::call_name(call.call), " (thread ", call.thread, ")");
  const RecordedAnswer& a = next(RecordedAnswer::Kind::kCall, asked);
  if (a.line != line || a.call != call.call || a.thread != call.thread)
    throw BackendError(cat(recording_->file.empty() ? "the recording" : recording_->file, ":",
                           a.source_line, ": the recording answers line ", a.line, "'s ",
                           sim::script::call_name(a.call), " (thread ", a.thread,
                           ") here, and the run asks ", asked));
  return a.result;
}

std::vector<ThreadResult> ReplayBackend::take_completions() {
  return next(RecordedAnswer::Kind::kCompletions, "which threads finished").completions;
}

std::vector<FdinfoEntry> ReplayBackend::fdinfo(int epfd) {
  const RecordedAnswer& a =
      next(RecordedAnswer::Kind::kFdinfo, cat("the fdinfo of epoll fd ", epfd));
  if (a.epfd != epfd)
    throw BackendError(cat(recording_->file.empty() ? "the recording" : recording_->file, ":",
                           a.source_line, ": the recording has the fdinfo of epoll fd ", a.epfd,
                           " here, and the run asks that of fd ", epfd));
  return a.fdinfo;
}

}  // namespace epollscope::driver
