// SPDX-License-Identifier: GPL-2.0-only
// The scenario language: what parses into what, and a test for each kind of error, which must be
// reported as file:line:col with the line and a caret.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "sim/script/parser.h"
#include "sim/uapi.h"

namespace epollscope::sim::script {
namespace {

Scenario ok(const std::string& text) {
  auto r = parse_scenario(text, "t.scn");
  if (auto* e = std::get_if<ParseError>(&r)) {
    ADD_FAILURE() << e->format();
    return {};
  }
  return std::get<Scenario>(r);
}

ParseError error(const std::string& text) {
  auto r = parse_scenario(text, "t.scn");
  if (auto* e = std::get_if<ParseError>(&r)) return *e;
  ADD_FAILURE() << "expected a parse error for:\n" << text;
  return {};
}

TEST(ScriptParser, TheDesignExampleParses) {
  Scenario s = ok(R"(title "Pipe 2 KB / 1 KB, edge-triggered"
// the picture:   pipe --(et)--> epfd
# Step 1: the read end of a pipe is added to an epoll instance, edge-triggered.
epfd = epoll_create1(0)
pipe(rfd, wfd)
epoll_ctl(epfd, EPOLL_CTL_ADD, rfd, EPOLLIN | EPOLLET)
# Step 2: the writer puts 2 KB into the pipe.
write(wfd, 2048)
# Step 3: epoll_wait reports the read end.
epoll_wait(epfd, 8, 0)          => [rfd: EPOLLIN]
read(rfd, 1024)                 => 1024
epoll_wait(epfd, 8, 0)          => []
)");
  EXPECT_EQ(s.title, "Pipe 2 KB / 1 KB, edge-triggered");
  ASSERT_EQ(s.header.size(), 1u);
  ASSERT_EQ(s.statements.size(), 7u);
  const Statement& create = s.statements[0];
  EXPECT_EQ(create.assign, "epfd");
  EXPECT_EQ(create.call, CallId::kEpollCreate1);
  EXPECT_EQ(create.narration,
            "Step 1: the read end of a pipe is added to an epoll instance, edge-triggered.");
  EXPECT_EQ(create.loc.line, 4);
  const Statement& ctl = s.statements[2];
  ASSERT_EQ(ctl.args.size(), 4u);
  EXPECT_EQ(ctl.args[1].number, kEPOLL_CTL_ADD);
  EXPECT_EQ(ctl.args[2].kind, Arg::Kind::kName);
  EXPECT_EQ(ctl.args[3].number, static_cast<int64_t>(kEPOLLIN | kEPOLLET));
  const Statement& wait = s.statements[4];
  EXPECT_EQ(wait.narration, "Step 3: epoll_wait reports the read end.");
  ASSERT_EQ(wait.expect.kind, Expectation::Kind::kEvents);
  ASSERT_EQ(wait.expect.events.size(), 1u);
  EXPECT_EQ(wait.expect.events[0].name, "rfd");
  EXPECT_EQ(wait.expect.events[0].events, kEPOLLIN);
  EXPECT_EQ(s.statements[5].expect.kind, Expectation::Kind::kValue);
  EXPECT_EQ(s.statements[5].expect.value, 1024);
  EXPECT_EQ(s.statements[6].expect.kind, Expectation::Kind::kEvents);
  EXPECT_TRUE(s.statements[6].expect.events.empty());
}

TEST(ScriptParser, ThreadsErrorsNullAndStrings) {
  Scenario s = ok(R"(ep = epoll_create(1)
pipe2(r, w, O_NONBLOCK | O_DIRECT)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 100)
epoll_ctl(ep, EPOLL_CTL_ADD, r, NULL)          => -1 EFAULT
t1: epoll_wait(ep, 1, -1)                      => blocks
write(w, "hello")                              => 5
t1                                             => [100: EPOLLIN|EPOLLRDNORM]
epoll_wait(ep, NULL, 8, 0)                     => -1 EFAULT
sleep(10)
)");
  ASSERT_EQ(s.statements.size(), 9u);
  EXPECT_EQ(s.statements[1].args[2].number, kO_NONBLOCK | kO_DIRECT);
  EXPECT_EQ(s.statements[3].args[3].kind, Arg::Kind::kNull);
  EXPECT_EQ(s.statements[3].expect.kind, Expectation::Kind::kError);
  EXPECT_EQ(s.statements[3].expect.err, kEFAULT);
  EXPECT_EQ(s.statements[4].thread, "t1");
  EXPECT_EQ(s.statements[4].expect.kind, Expectation::Kind::kBlocks);
  EXPECT_EQ(s.statements[5].args[1].kind, Arg::Kind::kString);
  EXPECT_EQ(s.statements[5].args[1].name, "hello");
  EXPECT_EQ(s.statements[6].kind, Statement::Kind::kThreadResult);
  EXPECT_EQ(s.statements[6].thread, "t1");
  EXPECT_EQ(s.statements[6].expect.events[0].data, 100);
  EXPECT_EQ(s.statements[6].expect.events[0].events, kEPOLLIN | kEPOLLRDNORM);
  EXPECT_EQ(s.statements[7].args[1].kind, Arg::Kind::kNull);
}

TEST(ScriptParser, ErrorFormatHasFileLineColumnTheLineAndACaret) {
  ParseError e = error("ep = epoll_create1(0)\nepoll_ctl(ep, EPOLL_CTL_ADD, nope, EPOLLIN)\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.col, 30);
  EXPECT_EQ(e.format(),
            "t.scn:2:30: undefined name 'nope'\n"
            "epoll_ctl(ep, EPOLL_CTL_ADD, nope, EPOLLIN)\n"
            "                             ^\n");
}

TEST(ScriptParser, UnknownCall) {
  ParseError e = error("ep = epoll_create1(0)\nepoll_destroy(ep)\n");
  EXPECT_EQ(e.message, "unknown call 'epoll_destroy'");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.col, 1);
}

TEST(ScriptParser, WrongArgumentCount) {
  ParseError e = error("ep = epoll_create1(0)\npipe(r, w)\nepoll_ctl(ep, EPOLL_CTL_ADD, r)\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("epoll_ctl takes 4 or 5 arguments, not 3"), std::string::npos)
      << e.message;
}

TEST(ScriptParser, UnknownFlag) {
  ParseError e = error(
      "ep = epoll_create1(0)\npipe(r, w)\nepoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLFAST)\n");
  EXPECT_EQ(e.message, "unknown flag 'EPOLLFAST'");
  EXPECT_EQ(e.col, 43);
}

TEST(ScriptParser, UndefinedName) {
  ParseError e = error("read(rfd, 10)\n");
  EXPECT_EQ(e.message, "undefined name 'rfd'");
  EXPECT_EQ(e.col, 6);
}

TEST(ScriptParser, NameReused) {
  ParseError e = error("pipe(r, w)\nr = epoll_create1(0)\n");
  EXPECT_EQ(e.message, "name 'r' is already defined");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.col, 1);
  ParseError e2 = error("pipe(r, r)\n");
  EXPECT_EQ(e2.message, "name 'r' is already defined");
  EXPECT_EQ(e2.col, 9);
}

TEST(ScriptParser, UnterminatedString) {
  ParseError e = error("pipe(r, w)\nwrite(w, \"hello)\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.col, 10);
  EXPECT_NE(e.message.find("unterminated string"), std::string::npos);
}

TEST(ScriptParser, TrailingGarbage) {
  ParseError e = error("pipe(r, w)\nread(r, 10) 5\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.col, 13);
  EXPECT_NE(e.message.find("after the end of the statement"), std::string::npos) << e.message;
  ParseError e2 = error("pipe(r, w)\nread(r, 10) => 10 extra\n");
  EXPECT_EQ(e2.col, 19);
}

TEST(ScriptParser, ExpectationOnACallThatCannotHaveOne) {
  ParseError e = error("sleep(10) => 0\n");
  EXPECT_EQ(e.message, "sleep returns nothing to expect");
  EXPECT_EQ(e.col, 14);
  ParseError e2 = error("pipe(r, w)\nwrite(w, 1) => [r: EPOLLIN]\n");
  EXPECT_EQ(e2.message, "only epoll_wait returns a list of events; write does not");
  ParseError e3 = error("pipe(r, w)\nclose(r) => blocks\n");
  EXPECT_EQ(e3.message, "close never sleeps; it cannot be expected to block");
  ParseError e4 = error("x = close(3)\n");
  EXPECT_EQ(e4.message, "close does not return a new fd; it cannot be assigned to a name");
}

TEST(ScriptParser, OtherMistakes) {
  EXPECT_EQ(error("pipe(r, w)\nread(r, 10) => -1 EWHAT\n").message, "unknown errno 'EWHAT'");
  EXPECT_EQ(error("t9 => blocks\n").message,
            "'t9' is not a thread that has made a call (write `t9: call(...)` first)");
  EXPECT_EQ(error("pipe(r, w)\nread(r 10)\n").message,
            "expected ',' or ')' in the arguments of read, found a number");
  EXPECT_EQ(error("pipe(r, w)\nread(r, 10) => -1\n").message,
            "an errno name is expected after -1, e.g. => -1 EAGAIN");
  EXPECT_EQ(error("title \"a\"\ntitle \"b\"\npipe(r, w)\n").message,
            "the scenario already has a title");
  EXPECT_EQ(error("// only a comment\n").message, "the scenario has no statements");
  EXPECT_EQ(error("pipe(r, w) @\n").message, "unexpected character '@'");
}

}  // namespace
}  // namespace epollscope::sim::script
