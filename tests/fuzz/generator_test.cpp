// SPDX-License-Identifier: GPL-2.0-only
// The fuzzer's generator: the same seed and case give the same lines, every line parses, and the
// lines cover every call of the call table that the generator says it writes.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "driver/model_backend.h"
#include "driver/runner.h"
#include "fuzz/generator.h"
#include "sim/script/parser.h"

namespace epollscope::fuzz {
namespace {

// Runs a generated case on the model alone, as one growing scenario (as the fuzzer does),
// feeding its answers back to the generator. Every line runs: no thread is asked for a call
// while it sleeps, and the main thread never sleeps.
std::vector<std::string> generate(uint64_t seed, uint64_t case_index, FuzzTypes types, int ops,
                                  bool* threaded = nullptr) {
  FuzzGenerator g(seed, case_index, types);
  if (threaded) *threaded = g.threaded();
  driver::ModelBackend model;
  sim::script::Scenario sc;
  sc.statements.reserve(static_cast<std::size_t>(ops) + 1);
  driver::Runner runner(sc, {&model});
  std::string error;
  EXPECT_TRUE(runner.start(&error));
  std::vector<std::string> lines;
  for (int i = 0; i < ops; ++i) {
    std::string line = g.next();
    auto parsed = sim::script::parse_scenario(line, "gen");
    if (auto* e = std::get_if<sim::script::ParseError>(&parsed)) {
      ADD_FAILURE() << e->format();
      break;
    }
    sc.statements.push_back(std::get<sim::script::Scenario>(std::move(parsed)).statements.at(0));
    const driver::StatementResult& r = runner.step();
    EXPECT_EQ(r.error, "") << line;
    const driver::Outcome& o = r.backends[0].outcome;
    EXPECT_FALSE(o.blocked && sc.statements.back().thread == "main") << line;
    lines.push_back(line);
    g.result(o.ret, o.new_fds);
    std::vector<std::pair<std::string, long>> finished;
    for (const auto& c : r.backends[0].completions)
      finished.emplace_back(c.thread, c.outcome.ret);
    g.threads_result(o.blocked, finished);
  }
  return lines;
}

TEST(FuzzGenerator, TheSameSeedGivesTheSameLines) {
  FuzzTypes t;
  auto a = generate(7, 3, t, 400);
  auto b = generate(7, 3, t, 400);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, generate(8, 3, t, 400));
  EXPECT_NE(a, generate(7, 4, t, 400));
}

TEST(FuzzGenerator, CoversEveryCallItSaysItWrites) {
  FuzzTypes t;
  t.tcp = true;
  std::set<std::string> calls;
  int total = 0;
  int threaded_cases = 0;
  int faults = 0;  // poll's NULL array, a BADPTR set or timeout: EFAULT (or none for nfds 0)
  for (uint64_t c = 0; c < 40; ++c) {
    bool threaded = false;
    for (const auto& line : generate(1, c, t, 250, &threaded)) {
      // "t1: epoll_wait(...)": the call after the thread's name.
      const std::size_t colon = line.find(": ");
      const std::size_t from = colon != std::string::npos && colon < line.find('(') ? colon + 2 : 0;
      calls.insert(line.substr(from, line.find('(') - from));
      ++total;
      faults +=
          line.find("BADPTR") != std::string::npos || line.find("(NULL, ") != std::string::npos;
    }
    threaded_cases += threaded;
  }
  int written = 0;
  for (const auto& spec : sim::script::all_calls()) {
    if (!FuzzGenerator::generates(spec.id)) {
      EXPECT_FALSE(calls.count(spec.name)) << spec.name << " is written but generates() says no";
      continue;
    }
    ++written;
    EXPECT_TRUE(calls.count(spec.name)) << spec.name;
  }
  EXPECT_GE(written, 20);
  EXPECT_EQ(total, 40 * 250);
  EXPECT_GT(threaded_cases, 0);
  EXPECT_LT(threaded_cases, 40);
  EXPECT_GT(faults, 0);
}

TEST(FuzzGenerator, ThreadedCasesSleepInThreadsAndPassTime) {
  FuzzTypes t;
  int thread_calls = 0, herd = 0, sleeps = 0, timed = 0;
  for (uint64_t c = 0; c < 40; ++c) {
    bool threaded = false;
    auto lines = generate(3, c, t, 250, &threaded);
    for (const auto& line : lines) {
      if (!threaded) {
        // Only threaded cases (the live child) have threads, time or blocking files.
        // (A thread's prefix, `t1: `, comes before the call's parenthesis; poll's `fd: events`
        // after it.)
        EXPECT_FALSE(line.find(": ") < line.find('(')) << line;
        EXPECT_NE(line.rfind("pipe(", 0), 0u) << line;
        EXPECT_NE(line.rfind("sleep(", 0), 0u) << line;
        continue;
      }
      thread_calls += line[0] == 't' && line.find(": ") != std::string::npos;
      herd += line.find(": epoll_wait(") != std::string::npos;
      sleeps += line.find("sleep(") != std::string::npos;
      timed += line.rfind("epoll_wait(", 0) == 0 && line.find(", 0)") == std::string::npos &&
               line.find("NULL") == std::string::npos;
    }
  }
  EXPECT_GT(thread_calls, 20);
  EXPECT_GT(herd, 5);
  EXPECT_GT(sleeps, 5);
  EXPECT_GT(timed, 0);
}

TEST(FuzzGenerator, TypesAreParsed) {
  FuzzTypes t;
  std::string error;
  ASSERT_TRUE(FuzzTypes::parse("pipe,eventfd", &t, &error));
  EXPECT_TRUE(t.pipe && t.eventfd && !t.unix_stream && !t.tcp && !t.epoll && !t.threads);
  EXPECT_EQ(t.text(), "pipe,eventfd");
  EXPECT_FALSE(FuzzTypes::parse("pipe,fifo", &t, &error));
  EXPECT_NE(error.find("unknown file type 'fifo'"), std::string::npos);
  EXPECT_EQ(FuzzTypes{}.text(), "pipe,unix,tcp,eventfd,epoll,threads");
  ASSERT_TRUE(FuzzTypes::parse("pipe,threads", &t, &error));
  EXPECT_TRUE(t.pipe && t.threads && !t.tcp);
}

}  // namespace
}  // namespace epollscope::fuzz
