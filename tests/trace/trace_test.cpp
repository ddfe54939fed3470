// SPDX-License-Identifier: GPL-2.0-only
// `epollscope trace`: real programs (tests/trace/progs) traced, each call mirrored in the model
// and compared with the kernel's answer; the summary line; bad input. Every run is bounded: a
// command that outlives its deadline is killed and the test fails.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/trace/subprocess.h"
#include "tests/trace/summary.h"

namespace {

using epollscope::tests::Command;
using epollscope::tests::run_command;

const std::string kEpollscope = EPOLLSCOPE_BIN;
const std::string kProgs = TRACE_PROGS_DIR;

using Summary = epollscope::tests::TraceSummary;

// The last line of the output, read as the summary; nullopt when it is not one.
std::optional<Summary> summary_of(const std::string& out) {
  return epollscope::tests::trace_summary(out, true);
}

Command trace(std::vector<std::string> program, std::vector<std::string> flags = {}) {
  std::vector<std::string> argv = {kEpollscope, "trace"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back("--");
  argv.insert(argv.end(), program.begin(), program.end());
  return run_command(argv, std::chrono::seconds(30));
}

TEST(Trace, PipeEdgeTriggeredMirroredCallByCall) {
  const Command c = trace({kProgs + "/trace-pipe-et"});
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_EQ(c.status, 0) << c.output;
  auto s = summary_of(c.output);
  ASSERT_TRUE(s) << c.output;
  EXPECT_EQ(s->divergences, 0) << c.output;
  EXPECT_GE(s->epoll_calls, 8) << c.output;
  // The lesson, as the model and the kernel both answered it: ET does not report the pipe again
  // after the partial read; the timeout expires; the closed writer gives HUP.
  EXPECT_NE(c.output.find("epoll_wait(3, 8, 1000) = 1 [4: IN]   = model"), std::string::npos)
      << c.output;
  EXPECT_NE(c.output.find("epoll_wait(3, 8, 0) = 0   = model"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("epoll_wait(3, 8, 20) = 0   = model"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("EPOLL_CTL_ADD, 4, {IN|ET, 4}) = -1 EEXIST   = model"), std::string::npos)
      << c.output;
  EXPECT_NE(c.output.find("epoll_wait(999, 8, 0) = -1 EBADF   = model"), std::string::npos)
      << c.output;
  EXPECT_NE(c.output.find("1 0 0 -1 -1 1"), std::string::npos) << c.output;
}

TEST(Trace, PipeLevelTriggeredReportsThePipeAgain) {
  const Command c = trace({kProgs + "/trace-pipe-et", "lt"});
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_EQ(c.status, 0) << c.output;
  auto s = summary_of(c.output);
  ASSERT_TRUE(s) << c.output;
  EXPECT_EQ(s->divergences, 0) << c.output;
  EXPECT_NE(c.output.find("epoll_wait(3, 8, 0) = 1 [4: IN]   = model"), std::string::npos)
      << c.output;
}

TEST(Trace, QuietPrintsOnlyTheSummary) {
  const Command c = trace({kProgs + "/trace-pipe-et"}, {"--quiet"});
  ASSERT_FALSE(c.timed_out);
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_EQ(c.output.find("= model"), std::string::npos) << c.output;
  ASSERT_TRUE(summary_of(c.output)) << c.output;
}

TEST(Trace, ThreadsSleepingAndWokenByOtherThreads) {
  const Command c = trace({kProgs + "/trace-threads"});
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_EQ(c.status, 0) << c.output;
  auto s = summary_of(c.output);
  ASSERT_TRUE(s) << c.output;
  EXPECT_EQ(s->divergences, 0) << c.output;
  EXPECT_NE(c.output.find("done"), std::string::npos) << c.output;
}

TEST(Trace, TimerfdIsObservedAndItsWakeupsReachTheModel) {
  const Command c = trace({kProgs + "/trace-timerfd"});
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_EQ(c.status, 0) << c.output;
  auto s = summary_of(c.output);
  ASSERT_TRUE(s) << c.output;
  EXPECT_EQ(s->divergences, 0) << c.output;
  EXPECT_GE(s->wakeups, 3) << c.output;  // the timer's expirations, watched on the real file
  EXPECT_NE(c.output.find("timerfd_create() = 4   (observed: anon_inode:[timerfd])"),
            std::string::npos)
      << c.output;
  EXPECT_NE(c.output.find("last 0"), std::string::npos) << c.output;
}

TEST(Trace, ForkedChildIsSaidNotMirrored) {
  const Command c = trace({kProgs + "/trace-forks"});
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_EQ(c.status, 0) << c.output;
  auto s = summary_of(c.output);
  ASSERT_TRUE(s) << c.output;
  EXPECT_EQ(s->divergences, 0) << c.output;
  EXPECT_NE(c.output.find("is followed but not mirrored"), std::string::npos) << c.output;
}

TEST(Trace, IoUringIsReportedUnmirroredNotWrong) {
  const Command c = trace({kProgs + "/trace-io-uring"});
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_EQ(c.status, 0) << c.output;
  auto s = summary_of(c.output);
  ASSERT_TRUE(s) << c.output;
  EXPECT_EQ(s->divergences, 0) << c.output;
  EXPECT_NE(c.output.find("io_uring_setup: calls the program makes through the ring are not"),
            std::string::npos)
      << c.output;
}

// --perfetto: a Chrome/Perfetto trace with the program's thread as a track, its syscalls as
// slices with the verdict, the model's kernel functions nested inside, and the timer's wake-ups
// as instant events with flow arrows into the epoll_wait that returned them.
TEST(Trace, PerfettoTraceOfAnObservedFile) {
  const std::string path = ::testing::TempDir() + "/trace-timerfd.json";
  const Command c = trace({kProgs + "/trace-timerfd"}, {"--quiet", "--perfetto", path});
  ASSERT_FALSE(c.timed_out) << c.output;
  ASSERT_EQ(c.status, 0) << c.output;
  std::ifstream in(path);
  const nlohmann::json doc = nlohmann::json::parse(in);
  std::set<std::string> syscalls, functions;
  int wakeups = 0, flows_out = 0, flows_in = 0;
  for (const auto& e : doc.at("traceEvents")) {
    const std::string ph = e.at("ph");
    if (ph == "X" && e.at("cat") == "syscall") {
      syscalls.insert(e.at("name").get<std::string>());
      EXPECT_EQ(e.at("args").at("verdict").get<std::string>().find("≠"), std::string::npos);
    }
    if (ph == "X" && e.at("cat") == "model") functions.insert(e.at("name").get<std::string>());
    if (ph == "i") ++wakeups;
    if (ph == "s") ++flows_out;
    if (ph == "f") ++flows_in;
  }
  EXPECT_TRUE(syscalls.count("epoll_wait")) << c.output;
  EXPECT_TRUE(syscalls.count("timerfd_create"));
  EXPECT_TRUE(functions.count("ep_poll_callback"));
  EXPECT_TRUE(functions.count("ep_send_events"));
  EXPECT_GE(wakeups, 3);
  EXPECT_EQ(flows_out, wakeups);
  EXPECT_GE(flows_in, 3);
  std::remove(path.c_str());
}

TEST(Trace, PerfettoFileThatCannotBeWritten) {
  const Command c = trace({kProgs + "/trace-pipe-et"}, {"--perfetto", "/nonexistent-dir/x.json"});
  ASSERT_FALSE(c.timed_out);
  EXPECT_EQ(c.status, 2) << c.output;
  EXPECT_NE(c.output.find("cannot write /nonexistent-dir/x.json"), std::string::npos) << c.output;
}

// `serve --port P` with P in use says so before anything starts (no "connect with" line, no
// trace), and exits 1.
TEST(Trace, ServePortInUse) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::string port = std::to_string(ntohs(a.sin_port));
  const Command c =
      run_command({kEpollscope, "serve", "--port", port, "--no-gui"}, std::chrono::seconds(30));
  close(fd);
  ASSERT_FALSE(c.timed_out);
  EXPECT_EQ(c.status, 1) << c.output;
  EXPECT_NE(c.output.find("epollscope serve: cannot listen on 127.0.0.1:" + port +
                          ": Address already in use"),
            std::string::npos)
      << c.output;
  EXPECT_EQ(c.output.find("connect with"), std::string::npos) << c.output;
  EXPECT_EQ(c.output.find("traced "), std::string::npos) << c.output;
}

TEST(Trace, ProgramNotFound) {
  const Command c = trace({"/nonexistent/program"});
  ASSERT_FALSE(c.timed_out);
  EXPECT_EQ(c.status, 127);
  EXPECT_NE(c.output.find("/nonexistent/program: No such file or directory"), std::string::npos)
      << c.output;
  const Command d = trace({"no-such-program-epollscope"});
  EXPECT_EQ(d.status, 127);
  EXPECT_NE(d.output.find("no-such-program-epollscope: command not found"), std::string::npos)
      << d.output;
}

TEST(Trace, NothingOrBothToTrace) {
  Command c = run_command({kEpollscope, "trace"}, std::chrono::seconds(10));
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("nothing to trace"), std::string::npos) << c.output;
  c = run_command({kEpollscope, "trace", "-p", "1", "--", "true"}, std::chrono::seconds(10));
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("not both"), std::string::npos) << c.output;
  c = run_command({kEpollscope, "trace", "-p", "999999999"}, std::chrono::seconds(10));
  EXPECT_NE(c.status, 0);
  EXPECT_NE(c.output.find("999999999"), std::string::npos) << c.output;
}

// The program killed while it sleeps in epoll_wait: the trace ends cleanly and says so.
TEST(Trace, ProgramKilledMidCall) {
  epollscope::tests::Process p = epollscope::tests::start_command(
      {kEpollscope, "trace", "--", kProgs + "/trace-block-forever"});
  std::string line = p.read_until("ready ", std::chrono::seconds(20));
  ASSERT_EQ(line.rfind("ready ", 0), 0u) << line;
  const pid_t prog = static_cast<pid_t>(std::stol(line.substr(6)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few timeouts on both sides
  ASSERT_EQ(kill(prog, SIGKILL), 0);
  const Command c = p.wait(std::chrono::seconds(20));
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_EQ(c.status, 128 + SIGKILL) << c.output;
  EXPECT_NE(c.output.find("killed by signal 9"), std::string::npos) << c.output;
  auto s = summary_of(c.output);
  ASSERT_TRUE(s) << c.output;
  EXPECT_EQ(s->divergences, 0) << c.output;
}

// Ctrl-C on a trace started with a program ends both.
TEST(Trace, InterruptEndsAStartedProgram) {
  epollscope::tests::Process p = epollscope::tests::start_command(
      {kEpollscope, "trace", "--", kProgs + "/trace-block-forever"});
  std::string line = p.read_until("ready ", std::chrono::seconds(20));
  ASSERT_EQ(line.rfind("ready ", 0), 0u) << line;
  const pid_t prog = static_cast<pid_t>(std::stol(line.substr(6)));
  ASSERT_EQ(kill(p.pid, SIGINT), 0);
  const Command c = p.wait(std::chrono::seconds(20));
  ASSERT_FALSE(c.timed_out) << c.output;
  ASSERT_TRUE(summary_of(c.output)) << c.output;
  // The program is gone (reaped by the tracer: no zombie, no process).
  EXPECT_NE(kill(prog, 0), 0);
}

// The process whose parent is `parent` (the program a trace started), or -1.
pid_t child_of(pid_t parent) {
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(e.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("PPid:", 0) == 0) {
        if (std::stol(line.substr(5)) == parent) return static_cast<pid_t>(std::stol(name));
        break;
      }
  }
  return -1;
}

// How many threads of `pid` are in an epoll_wait (/proc/PID/task/TID/syscall: its number).
int threads_in_epoll_wait(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream syscall(e.path() / "syscall");
    long nr = -1;
    if (syscall >> nr && (nr == SYS_epoll_wait || nr == SYS_epoll_pwait || nr == SYS_epoll_pwait2))
      ++n;
  }
  return n;
}

// SIGTERM or Ctrl-C on the trace of a started server while its threads sleep in epoll_wait: the
// trace kills it and ends within seconds with the program's status (killed: 128 + 9), and no
// process is left, not even a zombie. A killed thread group's leader is reported only after its
// other threads are reaped: the trace once waited for the multi-threaded server's leader first
// and hung forever on its zombie, deaf to further signals.
void signal_ends_traced_server(std::vector<std::string> server, int threads, int sig) {
  std::vector<std::string> argv = {kEpollscope, "trace", "--no-gui", "--"};
  argv.insert(argv.end(), server.begin(), server.end());
  for (const char* a : {"--port", "0", "--exit-after", "36"})
    argv.push_back(a);
  epollscope::tests::Process p = epollscope::tests::start_command(argv);
  const std::string line = p.read_until("listening on ", std::chrono::seconds(20));
  ASSERT_EQ(line.rfind("listening on ", 0), 0u) << line << p.buffered;
  const pid_t prog = child_of(p.pid);
  ASSERT_GT(prog, 0);
  // Every worker thread asleep in its epoll_wait (no client ever connects).
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (threads_in_epoll_wait(prog) < threads && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(threads_in_epoll_wait(prog), threads);
  ASSERT_EQ(kill(p.pid, sig), 0);
  const Command c = p.wait(std::chrono::seconds(10));
  ASSERT_FALSE(c.timed_out) << "the trace did not end within 10 s of signal " << sig << '\n'
                            << c.output;
  EXPECT_EQ(c.status, 128 + SIGKILL) << c.output;
  EXPECT_NE(c.output.find("the program was killed by signal 9"), std::string::npos) << c.output;
  auto s = summary_of(c.output);
  ASSERT_TRUE(s) << c.output;
  EXPECT_EQ(s->divergences, 0) << c.output;
  // Reaped by the trace before it ended: no process, no zombie, no thread left.
  EXPECT_NE(kill(prog, 0), 0);
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(prog)));
}

TEST(Trace, TermEndsATracedMultiThreadedServer) {
  signal_ends_traced_server({EPOLLSCOPE_ECHO_SERVER_MT, "--threads", "4"}, 4, SIGTERM);
}

TEST(Trace, InterruptEndsATracedMultiThreadedServer) {
  signal_ends_traced_server({EPOLLSCOPE_ECHO_SERVER_MT, "--threads", "4"}, 4, SIGINT);
}

TEST(Trace, TermEndsATracedServer) {
  signal_ends_traced_server({EPOLLSCOPE_ECHO_SERVER}, 1, SIGTERM);
}

// trace -p: attach to a running program, follow it, Ctrl-C detaches and leaves it running.
TEST(Trace, AttachAndDetachLeavesTheProgramRunning) {
  epollscope::tests::Process prog =
      epollscope::tests::start_command({kProgs + "/trace-block-forever"});
  std::string line = prog.read_until("ready ", std::chrono::seconds(20));
  ASSERT_EQ(line.rfind("ready ", 0), 0u) << line;
  epollscope::tests::Process t =
      epollscope::tests::start_command({kEpollscope, "trace", "-p", std::to_string(prog.pid)});
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // a few 200 ms timeouts
  ASSERT_EQ(kill(t.pid, SIGINT), 0);
  const Command c = t.wait(std::chrono::seconds(20));
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_NE(c.output.find("detached from process " + std::to_string(prog.pid)), std::string::npos)
      << c.output;
  auto s = summary_of(c.output);
  ASSERT_TRUE(s) << c.output;
  EXPECT_GE(s->epoll_calls, 2) << c.output;  // epoll_wait timeouts seen while attached
  EXPECT_EQ(s->divergences, 0) << c.output;
  // Still running, and not stopped: it goes on with its timeouts.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(kill(prog.pid, 0), 0);
  kill(prog.pid, SIGKILL);
  prog.wait(std::chrono::seconds(10));
}

// Not permitted: another user may not trace a root process.
TEST(Trace, AttachNotPermitted) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to run the tracer as another user";
  epollscope::tests::Process prog =
      epollscope::tests::start_command({kProgs + "/trace-block-forever"});
  std::string line = prog.read_until("ready ", std::chrono::seconds(20));
  ASSERT_EQ(line.rfind("ready ", 0), 0u) << line;
  const Command c = run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 kEpollscope, "trace", "-p", std::to_string(prog.pid)},
                                std::chrono::seconds(20));
  kill(prog.pid, SIGKILL);
  prog.wait(std::chrono::seconds(10));
  if (c.status == 126 || c.status == 127)
    GTEST_SKIP() << "cannot run epollscope as nobody here: " << c.output;
  EXPECT_NE(c.status, 0);
  EXPECT_NE(c.output.find("Operation not permitted"), std::string::npos) << c.output;
}

}  // namespace
