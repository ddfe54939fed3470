// SPDX-License-Identifier: GPL-2.0-only
// export-c writes a C program that performs a scenario with real syscalls; compiled with cc and run
// with only fds 0, 1, 2 open, it prints the same transcript as the live backend gives.
#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <variant>

#include "driver/runner.h"
#include "live/export_c.h"
#include "live/live_backend.h"
#include "sim/script/parser.h"

extern char** environ;

namespace epollscope::live {
namespace {

namespace fs = std::filesystem;

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
std::string live_transcript(const sim::script::Scenario& sc) {
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

void check_export(const std::string& name, const std::string& text) {
  auto parsed = sim::script::parse_scenario(text, name + ".scn");
  ASSERT_TRUE(std::holds_alternative<sim::script::Scenario>(parsed));
  const auto& sc = std::get<sim::script::Scenario>(parsed);
  fs::path dir = fs::temp_directory_path() / ("epollscope-export-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string c_file = (dir / (name + ".c")).string();
  const std::string binary = (dir / name).string();
  std::ofstream(c_file) << live::export_c(sc);
  const std::string cmd = "cc -O1 -Wall -Werror -pthread -o " + binary + " " + c_file + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "the exported program does not compile: " << cmd;
  const std::string program_output = run_clean(binary);
  EXPECT_EQ(program_output, live_transcript(sc)) << "exported program: " << c_file;
  fs::remove_all(dir);
}

TEST(ExportC, PipeExampleMatchesTheLiveBackend) {
  check_export("pipe", R"(title "pipe"
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
)");
}

TEST(ExportC, ThreadsSocketsAndEventfdMatchTheLiveBackend) {
  check_export("threads", R"(ep = epoll_create1(0)
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
)");
}

}  // namespace
}  // namespace epollscope::live

namespace epollscope::live {
namespace {

// The values only a fuzzer thought of: eventfd counters above 2^63, eventfd_read and write on
// files that are not eventfds, the filler bytes a write() adds to an eventfd's counter.
TEST(ExportC, EventfdEdgesMatchTheLiveBackend) {
  check_export("eventfd_edges", R"(e = eventfd(0, EFD_NONBLOCK)
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
)");
}

}  // namespace
}  // namespace epollscope::live
