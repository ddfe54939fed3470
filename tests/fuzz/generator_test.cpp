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

// Runs a generated case on the model alone, feeding its answers back to the generator.
std::vector<std::string> generate(uint64_t seed, uint64_t case_index, FuzzTypes types, int ops) {
  FuzzGenerator g(seed, case_index, types);
  driver::ModelBackend model;
  std::string error;
  EXPECT_TRUE(model.start(&error));
  std::vector<std::string> lines;
  for (int i = 0; i < ops; ++i) {
    std::string line = g.next();
    auto parsed = sim::script::parse_scenario(line, "gen");
    if (auto* e = std::get_if<sim::script::ParseError>(&parsed)) {
      ADD_FAILURE() << e->format();
      break;
    }
    sim::script::Scenario sc = std::get<sim::script::Scenario>(std::move(parsed));
    driver::Runner runner(sc, {&model});
    const driver::StatementResult& r = runner.step();
    lines.push_back(line);
    g.result(r.backends[0].outcome.ret, r.backends[0].outcome.new_fds);
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
  for (uint64_t c = 0; c < 20; ++c)
    for (const auto& line : generate(1, c, t, 250)) {
      calls.insert(line.substr(0, line.find('(')));
      ++total;
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
  EXPECT_EQ(total, 20 * 250);
}

TEST(FuzzGenerator, TypesAreParsed) {
  FuzzTypes t;
  std::string error;
  ASSERT_TRUE(FuzzTypes::parse("pipe,eventfd", &t, &error));
  EXPECT_TRUE(t.pipe && t.eventfd && !t.unix_stream && !t.tcp && !t.epoll);
  EXPECT_EQ(t.text(), "pipe,eventfd");
  EXPECT_FALSE(FuzzTypes::parse("pipe,fifo", &t, &error));
  EXPECT_NE(error.find("unknown file type 'fifo'"), std::string::npos);
  EXPECT_EQ(FuzzTypes{}.text(), "pipe,unix,eventfd,epoll");
}

}  // namespace
}  // namespace epollscope::fuzz
