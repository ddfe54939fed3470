// SPDX-License-Identifier: GPL-2.0-only
// export-c writes a C program that performs a scenario with real syscalls; compiled with cc and run
// with only fds 0, 1, 2 open, it prints the same transcript as the live backend gives. Scenario
// text cannot become code in it, and it has no memory errors (ASan, UBSan) whatever the counts.
#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <variant>

#include "driver/runner.h"
#include "driver/scenario_files.h"
#include "live/export_c.h"
#include "live/live_backend.h"
#include "sim/script/parser.h"

extern char** environ;

namespace epollscope::live {
namespace {

namespace fs = std::filesystem;
using sim::script::Scenario;

// Runs `program` with fd 1 connected to a pipe and nothing above fd 2 open; returns its stdout.
std::string run_clean(const std::string& program) {
  int out[2];
  EXPECT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  pid_t pid;
  char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
  EXPECT_EQ(posix_spawn(&pid, program.c_str(), &fa, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0)
    text.append(buf, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  return text;
}

// The transcript of the same scenario on the live backend, in export-c's format.
std::string live_transcript(const Scenario& sc) {
  LiveBackend kernel;
  driver::Runner runner(sc, {&kernel});
  std::string error;
  EXPECT_TRUE(runner.start(&error)) << error;
  std::string out;
  while (!runner.done()) {
    const auto& r = runner.step();
    const auto& st = *r.statement;
    const auto& br = r.backends[0];
    if (st.kind == sim::script::Statement::Kind::kThreadResult)
      out += std::to_string(st.loc.line) + ": " + st.thread + " => " +
             driver::describe_outcome(br.outcome, r.call) + "\n";
    else
      out += live::transcript_line(st.loc.line, br.outcome, r.call) + "\n";
    for (const auto& c : br.completions)
      out += std::to_string(st.loc.line) + ": thread " + c.thread +
             " finished: " + driver::describe_outcome(c.outcome, c.call) + "\n";
  }
  runner.stop();
  return out;
}

Scenario parse(const std::string& name, const std::string& text) {
  auto parsed = sim::script::parse_scenario(text, name + ".scn");
  if (auto* e = std::get_if<sim::script::ParseError>(&parsed)) ADD_FAILURE() << e->format();
  return std::holds_alternative<Scenario>(parsed) ? std::get<Scenario>(parsed) : Scenario{};
}

// A directory of its own for each test's C files and programs, removed when the test passed.
class ExportDir {
 public:
  explicit ExportDir(const std::string& name)
      : path_(fs::temp_directory_path() /
              ("epollscope-export-" + std::to_string(getpid()) + "-" + name)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ExportDir() {
    if (!::testing::Test::HasFailure()) fs::remove_all(path_);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// How an exported program is compiled: warnings are errors; `flags` adds the sanitizers or a
// strict C standard.
const char* const kPlain = "-O1";
const char* const kSanitized =
    "-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer";

// Exports `sc`, compiles it in `dir` and runs it; returns its transcript.
std::string export_and_run(const Scenario& sc, const fs::path& dir, const std::string& name,
                           const std::string& flags) {
  const std::string c_file = (dir / (name + ".c")).string();
  const std::string binary = (dir / name).string();
  std::ofstream(c_file) << live::export_c(sc);
  const std::string cmd =
      "cc " + flags + " -Wall -Wextra -Werror -pthread -o '" + binary + "' '" + c_file + "' 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    ADD_FAILURE() << "the exported program does not compile: " << cmd;
    return "";
  }
  return run_clean(binary);
}

void check_export(const std::string& name, const Scenario& sc, const std::string& flags = kPlain) {
  ExportDir dir(name);
  EXPECT_EQ(export_and_run(sc, dir.path(), name, flags), live_transcript(sc))
      << "exported program: " << (dir.path() / (name + ".c"));
}

void check_export(const std::string& name, const std::string& text,
                  const std::string& flags = kPlain) {
  check_export(name, parse(name, text), flags);
}

// The scenarios exported by the tests below, and again with ASan and UBSan.
const char* const kPipeExample = R"(title "pipe"
epfd = epoll_create1(0)
pipe(rfd, wfd)
epoll_ctl(epfd, EPOLL_CTL_ADD, rfd, EPOLLIN | EPOLLET)
write(wfd, 2048)
epoll_wait(epfd, 8, 0)
read(rfd, 1024)
epoll_wait(epfd, 8, 0)
write(wfd, "more")
epoll_wait(epfd, events, 8, 0)
epoll_ctl(epfd, EPOLL_CTL_ADD, rfd, EPOLLIN)
epoll_ctl(epfd, EPOLL_CTL_MOD, rfd, NULL)
close(wfd)
epoll_wait(epfd, 8, 0)
)";

const char* const kThreads = R"(ep = epoll_create1(0)
efd = eventfd(0, EFD_NONBLOCK | EFD_SEMAPHORE)
socketpair(a, b)
epoll_ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLET)
epoll_ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLRDHUP | EPOLLET, 42)
t0: epoll_wait(ep, 1, -1)
t1: epoll_wait(ep, 1, -1)
eventfd_write(efd, 3)
t1 => [efd: EPOLLIN]
send(a, "hello")
t0 => [42: EPOLLIN]
eventfd_read(efd)
shutdown(a, SHUT_WR)
epoll_wait(ep, 8, 0)
x = dup(b)
dup2(x, 12)
close(99)
)";

// The values only a fuzzer thought of: eventfd counters above 2^63, eventfd_read and write on
// files that are not eventfds, the filler bytes a write() adds to an eventfd's counter.
const char* const kEventfdEdges = R"(e = eventfd(0, EFD_NONBLOCK)
eventfd_write(e, 0xfffffffffffffffe)
eventfd_read(e)
eventfd_write(e, 0xffffffffffffffff)
s = eventfd(0, EFD_NONBLOCK | EFD_SEMAPHORE)
write(s, 8)
eventfd_read(s)
write(s, 9)
socketpair(a, b)
write(a, 300)
eventfd_read(b)
eventfd_write(a, 5)
pipe2(r, w, O_NONBLOCK)
eventfd_write(w, 1)
eventfd_read(r)
)";

// Issue 14: the calls of real event loops — fcntl's flags, close-on-exec and pipe sizes, accept4,
// epoll_pwait and epoll_pwait2 (masks, a timespec in ns, NULL, an invalid one), ioctl FIONREAD and
// FIONBIO, a notification pipe; a thread sleeping in epoll_pwait2 and a blocking accept4.
const char* const kRealEventLoop = R"(ep = epoll_create1(EPOLL_CLOEXEC)
fcntl(ep, F_GETFL)
fcntl(ep, F_GETFD)
pipe2(r, w, O_NONBLOCK | O_DIRECT)
fcntl(r, F_GETFL)
fcntl(w, F_SETFL, O_NONBLOCK | O_APPEND | O_ASYNC)
fcntl(w, F_GETFL)
fcntl(w, F_SETFD, FD_CLOEXEC)
fcntl(w, F_GETFD)
fcntl(r, F_SETPIPE_SZ, 5000)
fcntl(w, F_GETPIPE_SZ)
fcntl(r, F_SETPIPE_SZ, 0x100001000)
fcntl(r, F_SETPIPE_SZ, -1)
fcntl(99, 12345)
write(w, 100)
ioctl(r, FIONREAD)
ioctl(r, FIONREAD, NULL)
pipe2(n1, n2, O_NOTIFICATION_PIPE)
l = tcp_listen()
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)
epoll_pwait(ep, 8, 0, NULL)
read(r, 100)
epoll_pwait2(ep, events, 8, 1000000, 0x4002)
epoll_pwait2(99, 8, -1, NULL)
t1: epoll_pwait2(ep, 8, NULL, 0)
write(w, 3)
t1 => [r: EPOLLIN]
epoll_pwait(ep, NULL, 8, -1, NULL)
c = tcp_connect(l)
s = accept4(l, SOCK_CLOEXEC)
fcntl(s, F_GETFL)
ioctl(s, FIONBIO, 1)
fcntl(s, F_GETFL)
write(c, "hello")
ioctl(s, FIONREAD)
accept4(l, 1)
fcntl(l, F_SETFL, 0)
t3: accept4(l, SOCK_NONBLOCK)
)";

// poll and select: revents, POLLNVAL, a negative fd, the count; select's sets (NULL, empty), an fd
// beyond FD_SETSIZE, its errnos; a thread asleep in each, woken by a write; a timed select.
const char* const kPollSelect = R"(pipe2(r, w, O_NONBLOCK)
socketpair(a, b)
x = dup(r)
close(x)
poll([r: POLLIN, w: POLLOUT, x: POLLIN, -1: POLLIN], 0)
write(w, 3)
poll([r: POLLIN | POLLRDNORM, a: POLLIN | POLLOUT], 0)
select(8, [r, a], [a, w], NULL, 0)
select(8, [x], [], [], 0)
select(-1, [], [], [], 0)
select(8, [r], [], [], -5)
setrlimit_nofile(4096)
big = dup2(r, 1500)
select(1501, [big], [], [], 0)
select(3000, [2500], NULL, NULL, 0)
read(r, 3)
t1: poll([r: POLLIN, a: POLLIN], -1)
t2: select(8, [r], [], [], NULL)
write(b, "hi")
write(w, 1)
t1 => [a: POLLIN]
t2 => [r: readfds]
poll([], 0)
)";

TEST(ExportC, PollAndSelectMatchTheLiveBackend) {
  check_export("poll_select", kPollSelect);
}

// `all a` in poll's array and select's sets: the program keeps every fd a name was bound to (not
// the fd of a socketpair that failed with EMFILE) and builds the array when the call runs; under
// ASan and UBSan, with an array of 150 entries too.
TEST(ExportC, AllMatchesTheLiveBackendUnderSanitizers) {
  check_export("poll_all", R"(setrlimit_nofile(9)
repeat 4
socketpair(a, b)
write(b, 1)
end
poll([all a: POLLIN], 0)
select(9, [all a], [all b], [], 0)
close(5)
poll([all a: POLLIN, b: POLLOUT, all a: POLLIN], 0)
select(9, [all a], [], [], 0)
setrlimit_nofile(400)
repeat 150
pipe2(r, w, O_NONBLOCK)
end
write(w, 1)
poll([all r: POLLIN], 1000)
select(400, [all r, 3], [], [], NULL)
)",
               kSanitized);
}

TEST(ExportC, RealEventLoopCallsMatchTheLiveBackend) {
  check_export("real_event_loop", kRealEventLoop);
}

TEST(ExportC, PipeExampleMatchesTheLiveBackend) {
  check_export("pipe", kPipeExample);
}

TEST(ExportC, ThreadsSocketsAndEventfdMatchTheLiveBackend) {
  check_export("threads", kThreads);
}

TEST(ExportC, EventfdEdgesMatchTheLiveBackend) {
  check_export("eventfd_edges", kEventfdEdges);
}

// Issue 13, item 1: no scenario text becomes C. The title and the narration close the comment they
// are written into and define a constructor that would run before main; the path (a directory
// and a file name with `*/`, `/*`, `??/` and a newline) tries the same; the strings hold `"`, `\`,
// `??/` (a backslash under -trigraphs), control and non-ASCII bytes. The program must compile
// with warnings as errors, in GNU C and in strict C11 (trigraphs on), create no marker file, and
// write the strings' exact bytes: an eventfd adds the 8 bytes of a write to its counter, so
// eventfd_read shows them.
TEST(ExportC, ScenarioTextCannotInjectCode) {
  ExportDir dir("hostile");
  const fs::path marker = dir.path() / "pwned";
  const std::string touch = "system(\\\"touch " + marker.string() + "\\\");";
  // (A `/` in a name is a separator: `*/` spans two components of the path.)
  const fs::path file =
      dir.path() / "dir */ int evil_dir; /* ?\?/\n" / "x */ int evil_file;\n/* \\.scn";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "title \"x */ int system(const char *); __attribute__((constructor)) "
                         "static void f(void){"
                      << touch << "} /* \"\n"
                      << "# */ int system(const char *); __attribute__((constructor)) static void "
                         "g(void){"
                      << "system(\"touch " << marker.string() << "\");} /*\n"
                      << R"(# a continued line \
# /* ??/
pipe2(r, w, O_NONBLOCK)
write(w, "*/ int evil_string; /* \"??/\" \\ \n \t ??= ??! é")
read(r, 100)
e = eventfd(0, EFD_NONBLOCK)
write(e, "??/\"\\\té")
eventfd_read(e)
write(e, "\"*/\\/*é")
eventfd_read(e)
)";
  auto loaded = driver::load_scenario(file.string());
  ASSERT_TRUE(std::holds_alternative<Scenario>(loaded))
      << std::get<sim::script::ParseError>(loaded).format();
  const Scenario& sc = std::get<Scenario>(loaded);
  const std::string live = live_transcript(sc);
  EXPECT_EQ(export_and_run(sc, dir.path(), "gnu", kPlain), live);
  EXPECT_FALSE(fs::exists(marker)) << "code from the scenario's text ran";
  EXPECT_EQ(export_and_run(sc, dir.path(), "c11", "-O1 -std=c11 -trigraphs"), live);
  EXPECT_FALSE(fs::exists(marker)) << "code from the scenario's text ran";
  // Nothing but printable ASCII and newlines in the program: no byte of the scenario as it is (a
  // Unicode direction override could make a comment look like code).
  for (const char c : live::export_c(sc)) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u == '\n' || (u >= 0x20 && u < 0x7f)) << "byte " << static_cast<int>(u);
  }
}

// Names become C identifiers only through a mapping that keeps them apart and lets nothing but
// [A-Za-z0-9_] through, even for names the parser would never accept.
TEST(ExportC, NamesBecomeSafeIdentifiers) {
  ExportDir dir("names");
  Scenario sc = parse("names", R"(ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)
write(w, 1)
epoll_wait(ep, 8, 0)
x = dup(r)
close(x)
)");
  const std::map<std::string, std::string> renamed = {
      {"ep", "ep; int main(void) { return 3; } int y"},
      {"r", "r */ /* "},
      {"w", "v_r"},
      {"x", "x\n#error injected"}};
  for (auto& st : sc.statements) {
    if (renamed.count(st.assign)) st.assign = renamed.at(st.assign);
    for (auto& a : st.args)
      if (a.kind == sim::script::Arg::Kind::kName && renamed.count(a.name))
        a.name = renamed.at(a.name);
  }
  EXPECT_EQ(export_and_run(sc, dir.path(), "names", kPlain), live_transcript(sc));
}

// Issue 13, item 9: more events ready (4500) than the program once had room for (4096), fetched
// by epoll_waits with a larger maxevents: the events buffer is as large as the statement's
// maxevents and the printing stays inside it; under ASan and UBSan. The kernel's transcript is
// written out (each eventfd is ready once registered; level-triggered items stay on the ready
// list in their order): the live backend needs half a minute for these 9,000 calls, and `epollscope
// check` of the same scenario finds the model and the kernel agree.
TEST(ExportC, ManyReadyEventsUnderSanitizers) {
  ExportDir dir("many_ready");
  const Scenario sc = parse("many_ready", R"(setrlimit_nofile(5000)
ep = epoll_create1(0)
repeat 4500
e = eventfd(1, EFD_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN)
end
epoll_wait(ep, 10000, 0)
epoll_wait(ep, 4500, 0)
epoll_wait(ep, 7, 0)
)");
  std::string expected = "1: 0\n2: 3\n";
  for (int fd = 4; fd < 4504; ++fd)
    expected += "4: " + std::to_string(fd) + "\n5: 0\n";
  auto events = [](int n) {
    std::string list = std::to_string(n) + " [";
    for (int fd = 4; fd < 4 + n; ++fd)
      list += (fd == 4 ? "" : ", ") + std::to_string(fd) + ": EPOLLIN";
    return list + "]\n";
  };
  expected += "7: " + events(4500) + "8: " + events(4500) + "9: " + events(7);
  const std::string got = export_and_run(sc, dir.path(), "many_ready", kSanitized);
  const auto [g, e] = std::mismatch(got.begin(), got.end(), expected.begin(), expected.end());
  const auto at = static_cast<std::size_t>(g - got.begin());
  const std::size_t from = at < 200 ? 0 : at - 200;
  EXPECT_TRUE(got == expected) << "the first difference, at byte " << at
                               << ": the program printed\n"
                               << got.substr(from, 400) << "\nwhere the kernel gives\n"
                               << expected.substr(from, 400);
}

// Issue 13, item 9: byte counts that are negative, huge, or beyond any real buffer give in the
// exported program what they give in the live child — both hand the kernel the same 2 GiB buffer at
// sim::kUserBuffer, reserved lazily, so access_ok answers alike for every count (EFAULT for a range
// past user space: (size_t)-1, 2^63-1; a short count otherwise, 10^12 included). Never a memset of
// (size_t)-1 bytes, and no memory error under ASan and UBSan; maxevents the kernel refuses need no
// buffer.
TEST(ExportC, HugeAndNegativeCountsGiveTheKernelsAnswersUnderSanitizers) {
  ExportDir dir("huge");
  const Scenario sc = parse("huge", R"(ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
write(w, -1)
write(w, 0xffffffffffffff00)
write(w, 0x7fffffffffffffff)
write(w, 100000000)
write(w, 1000000000000)
read(r, -1)
read(r, 1000000000000)
read(r, 0x7fffffffffffffff)
read(r, 100000000)
write(w, 20000000)
read(r, 20000000)
read(r, 5)
write(w, 10000000000000)
read(r, 10000000000000)
epoll_wait(ep, -1, 0)
epoll_wait(ep, 0, 0)
epoll_wait(ep, 200000000, 0)
epoll_wait(ep, events, 0x7fffffffffffffff, 0)
epoll_wait(ep, NULL, 8, 0)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)
write(w, 3)
epoll_wait(ep, NULL, 8, 0)
)");
  const std::string transcript = export_and_run(sc, dir.path(), "huge", kSanitized);
  EXPECT_EQ(transcript, live_transcript(sc));
  // The kernel's answers, for a reader: EFAULT past user space, 64 KiB into an empty pipe, for
  // 10^12 bytes into the full pipe EAGAIN, and 10^13 bytes (10 TB) are user memory from the
  // buffer's address up, so a pipe takes and gives its 64 KiB (a buffer anywhere near the top of
  // user space would get EFAULT).
  EXPECT_NE(transcript.find("3: -1 EFAULT\n"), std::string::npos) << transcript;
  EXPECT_NE(transcript.find("6: 65536\n7: -1 EAGAIN\n"), std::string::npos) << transcript;
  EXPECT_NE(transcript.find("15: 65536\n16: 65536\n"), std::string::npos) << transcript;
}

// Issue 13, item 10: numbers at the ends of int64_t export without signed overflow in the exporter
// (this test runs under UBSan in the sanitizer build) and as C that compiles without a warning: a
// sleep or a main-thread timeout of 2^63-1 ms waits at most that long (not a negative time), a
// sleep of -2^63 ms gets the plain margin, and INT64_MIN is written so that C reads a long long.
// The numbers are set on the parsed scenario, so that the test does not depend on which of them
// the parser accepts.
TEST(ExportC, NumbersAtTheEndsOfInt64ExportWithoutOverflow) {
  Scenario sc = parse("ends", R"(ep = epoll_create1(0)
t1: sleep(1)
epoll_wait(ep, 8, 1)
sleep(1)
e = eventfd(0, EFD_NONBLOCK)
eventfd_write(e, 0x8000000000000000)
eventfd_read(e)
epoll_ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 0x8000000000000000)
epoll_wait(ep, 8, 0)
)");
  ASSERT_EQ(sc.statements.size(), 9u);
  sc.statements[1].args[0].number = INT64_MAX;
  sc.statements[2].args[2].number = INT64_MAX;
  sc.statements[3].args[0].number = INT64_MIN;
  const std::string c = live::export_c(sc);
  EXPECT_NE(c.find("run(2, 1, stmt_1, 9223372036854775807LL, K_NOTHING, 0);"), std::string::npos)
      << c;
  EXPECT_NE(c.find("run(3, 0, stmt_2, 9223372036854775807LL, K_EVENTS, 1);"), std::string::npos);
  EXPECT_NE(c.find("run(4, 0, stmt_3, 1000LL, K_NOTHING, 0);"), std::string::npos);
  EXPECT_EQ(c.find("9223372036854775808"), std::string::npos) << "a literal C reads as unsigned";
  // The part that runs in bounded time compiles with warnings as errors and matches the kernel.
  Scenario bounded = sc;
  bounded.statements.erase(bounded.statements.begin() + 1, bounded.statements.begin() + 4);
  check_export("ends", bounded, kSanitized);
}

// Issue 13, item 9: the other tests' programs under ASan and UBSan.
TEST(ExportC, ExportedProgramsAreCleanUnderSanitizers) {
  check_export("pipe_asan", kPipeExample, kSanitized);
  check_export("threads_asan", kThreads, kSanitized);
  check_export("eventfd_edges_asan", kEventfdEdges, kSanitized);
  check_export("poll_select_asan", kPollSelect, kSanitized);
}

}  // namespace
}  // namespace epollscope::live
