// SPDX-License-Identifier: GPL-2.0-only
// Hardening: running scenarios (the checker, the fuzzer) leaves no fd open and no child process
// behind, a scenario that opens more fds than its RLIMIT_NOFILE allows gets EMFILE on the model
// and on the kernel alike, and setrlimit refuses the same limits on both; a fuzz finding that
// cannot be written says why.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <variant>

#include "bench/huge_pages.h"
#include "driver/driver.h"
#include "fuzz/differential.h"
#include "live/live_backend.h"
#include "live/real_calls.h"
#include "sim/kernel.h"
#include "sim/script/parser.h"
#include "sim/slab.h"
#include "tests/live/processes.h"

namespace epollscope::live {
namespace {

std::set<std::string> open_fds() {
  std::set<std::string> fds;
  DIR* d = opendir("/proc/self/fd");
  const int own = dirfd(d);
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || name == std::to_string(own)) continue;
    char target[256] = {};
    readlink(("/proc/self/fd/" + name).c_str(), target, sizeof target - 1);
    fds.insert(name + " -> " + target);
  }
  closedir(d);
  return fds;
}

int children() {
  return static_cast<int>(test::child_processes().size());
}

driver::RunOptions on_this_kernel() {
  driver::RunOptions o;
  o.kernel = [] { return std::make_unique<LiveBackend>(); };
  return o;
}

sim::script::Scenario parse(const std::string& text) {
  auto parsed = sim::script::parse_scenario(text, "hardening.scn");
  if (auto* e = std::get_if<sim::script::ParseError>(&parsed)) ADD_FAILURE() << e->format();
  return std::get<sim::script::Scenario>(std::move(parsed));
}

TEST(Hardening, ScenariosAndTheFuzzerLeaveNoFdAndNoChildBehind) {
  const auto before = open_fds();
  ASSERT_EQ(children(), 0);
  // A scenario with every file type, threads that stay asleep, and a call that fails.
  const driver::RunOptions o = on_this_kernel();
  auto report = driver::check_scenario(parse(R"(ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
socketpair(a, b)
l = tcp_listen()
c = tcp_connect(l)
s = accept(l)
e = eventfd(0, EFD_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)
epoll_ctl(ep, EPOLL_CTL_ADD, s, EPOLLIN | EPOLLET)
t1: epoll_wait(ep, 1, -1)
t2: epoll_wait(ep, 1, -1)
write(w, 10)
send(c, "hi")
read(r, 100)
)"),
                                       o);
  EXPECT_TRUE(report.ok()) << (report.messages.empty() ? report.error : report.messages[0]);
  fuzz::FuzzOptions f;
  f.seed = 5;
  f.ops = 2000;
  f.jobs = 2;
  f.progress = false;
  f.out_dir = ::testing::TempDir() + "fuzz-findings";
  std::ostringstream out, err;
  EXPECT_EQ(fuzz::fuzz_command(f, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("fuzzed 2000 calls"), std::string::npos) << out.str();
  EXPECT_EQ(open_fds(), before);
  EXPECT_EQ(children(), 0);
}

TEST(Hardening, TooManyFdsGiveEmfileOnTheModelAndTheKernel) {
  // 0, 1, 2 and five more: the sixth eventfd, the dup and the pipe find the table full.
  const driver::RunOptions o = on_this_kernel();
  auto report = driver::check_scenario(parse(R"(setrlimit_nofile(8)
e1 = eventfd(0, 0)
e2 = eventfd(0, 0)
e3 = eventfd(0, 0)
ep = epoll_create1(0)
e4 = eventfd(0, 0)
eventfd(0, 0)            => -1 EMFILE
dup(e1)                  => -1 EMFILE
pipe2(r, w, O_NONBLOCK)  => -1 EMFILE
epoll_create1(0)         => -1 EMFILE
close(e4)
pipe2(r2, w2, O_NONBLOCK)  => -1 EMFILE
x = dup(e1)              => 7
setrlimit_nofile(1024)
pipe2(r3, w3, 0)         => 0
)"),
                                       o);
  EXPECT_TRUE(report.ok()) << (report.messages.empty() ? report.error : report.messages[0]);
  EXPECT_EQ(report.divergences, 0);
  EXPECT_EQ(report.calls, 15);
}

TEST(Hardening, SetrlimitNofileAboveTheHardLimitAgreesWithTheKernel) {
  // The model runs under the live child's limits (LiveBackend::rlimit_nofile): 100000 is EINVAL
  // on both where the hard limit is lower (20000 on the project's machines), 0 on both elsewhere;
  // 2^31 is above any hard limit. The model once took every value.
  const sim::RlimitNofile limits = scenario_rlimit_nofile();
  EXPECT_EQ(limits.cur, std::min<uint64_t>(1024, limits.max));
  const driver::RunOptions o = on_this_kernel();
  auto report = driver::check_scenario(parse(R"(setrlimit_nofile(100000)
setrlimit_nofile(2147483648)  => -1 EINVAL
setrlimit_nofile(1024)        => 0
)"),
                                       o);
  EXPECT_TRUE(report.ok()) << (report.messages.empty() ? report.error : report.messages[0]);
  EXPECT_EQ(report.calls, 3);
}

TEST(Hardening, AFindingThatCannotBeWrittenSaysWhy) {
  std::string why;
  // A folder under a regular file cannot be made, even by root.
  EXPECT_FALSE(fuzz::write_finding("/proc/version/findings", "x.scn", "close(3)\n", &why));
  EXPECT_EQ(why, "cannot make the folder /proc/version/findings: Not a directory");
  const std::string dir = ::testing::TempDir() + "findings-ok";
  ASSERT_TRUE(fuzz::write_finding(dir, "x.scn", "close(3)\n", &why)) << why;
  std::ifstream in(dir + "/x.scn");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "close(3)\n");
}

// The huge-page source: chunks are 2 MiB aligned, counted while in use, and returned; a model
// of 100,000 items gets its slabs from it.
TEST(HugePages, ChunksAreAlignedCountedAndReturned) {
  const sim::SlabPages saved = sim::slab_pages();
  bench::use_huge_pages_for_slabs();
  const std::size_t before = bench::huge_page_bytes_in_use();
  {
    sim::Kernel k;
    sim::Task& t = k.main_task();
    ASSERT_EQ(k.setrlimit_nofile(t, 1 << 20).ret, 0);
    const int ep = static_cast<int>(k.epoll_create1(t, 0).ret);
    const int base = static_cast<int>(k.eventfd2(t, 0, 0).ret);
    for (int fd = 100; fd < 100100; ++fd) {
      ASSERT_EQ(k.dup2(t, base, fd).ret, fd);
      ASSERT_EQ(k.epoll_ctl(t, ep, sim::kEPOLL_CTL_ADD, fd, sim::EpollEvent{sim::kEPOLLIN, 0}).ret,
                0);
      ASSERT_EQ(k.close(t, fd).ret, 0);
    }
    const std::size_t used = bench::huge_page_bytes_in_use() - before;
    // 100,000 epitems (128 B) and eppoll_entries (64 B): at least 19 MB in 2 MiB chunks.
    EXPECT_GE(used, std::size_t{100000} * 192);
    EXPECT_EQ(used % sim::kSlabBigChunk, 0u);
    void* chunk = sim::slab_pages().alloc(sim::kSlabBigChunk);
    ASSERT_NE(chunk, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(chunk) % sim::kSlabBigChunk, 0u);
    sim::slab_pages().free(chunk, sim::kSlabBigChunk);
  }
  EXPECT_EQ(bench::huge_page_bytes_in_use(), before);
  sim::set_slab_pages(saved);
}

}  // namespace
}  // namespace epollscope::live
