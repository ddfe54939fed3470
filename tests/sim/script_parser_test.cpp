// SPDX-License-Identifier: GPL-2.0-only
// The scenario language: what parses into what, and a test for each kind of error, which must be
// reported as file:line:col with the line and a caret.
#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <string>
#include <variant>

#include "sim/script/parser.h"
#include "sim/script/user_text.h"
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

// The message of the parse error `text` gives, or "" when it parses.
std::string message(const std::string& text) {
  auto r = parse_scenario(text, "t.scn");
  if (auto* e = std::get_if<ParseError>(&r)) return e->message;
  return "";
}

// send/recv take every MSG_ flag the model follows, alone or joined; setsockopt and getsockopt
// spell level and option as C does.
TEST(ScriptParser, SocketFlagsAndOptions) {
  Scenario s = ok(R"(socketpair(a, b)
send(b, "U", MSG_OOB)
send(b, 1, MSG_MORE | MSG_DONTWAIT)
recv(a, 10, MSG_WAITALL | MSG_PEEK)
recv(a, 10, MSG_OOB | MSG_PEEK)
setsockopt(a, SOL_SOCKET, SO_SNDBUF, 4096) => 0
setsockopt(a, IPPROTO_TCP, TCP_CORK, 1)    => -1 EOPNOTSUPP
getsockopt(a, SOL_SOCKET, SO_RCVBUF)       => 212992
setsockopt(a, IPPROTO_TCP, TCP_NODELAY, 1) => -1 EOPNOTSUPP
)");
  ASSERT_EQ(s.statements.size(), 9u);
  EXPECT_EQ(s.statements[1].args[2].number, kMSG_OOB);
  EXPECT_EQ(s.statements[1].args[2].number, 1);
  EXPECT_EQ(s.statements[2].args[2].number, kMSG_MORE | kMSG_DONTWAIT);
  EXPECT_EQ(s.statements[2].args[2].number, 0x8040);
  EXPECT_EQ(s.statements[3].args[2].number, 0x102);
  EXPECT_EQ(s.statements[4].args[2].number, 0x3);
  EXPECT_EQ(s.statements[5].call, CallId::kSetsockopt);
  ASSERT_EQ(s.statements[5].args.size(), 4u);
  EXPECT_EQ(s.statements[5].args[1].number, 1);  // SOL_SOCKET
  EXPECT_EQ(s.statements[5].args[2].number, 7);  // SO_SNDBUF
  EXPECT_EQ(s.statements[5].args[3].number, 4096);
  EXPECT_EQ(s.statements[6].args[1].number, 6);  // IPPROTO_TCP
  EXPECT_EQ(s.statements[6].args[2].number, 3);  // TCP_CORK
  EXPECT_EQ(s.statements[6].expect.err, kEOPNOTSUPP);
  EXPECT_EQ(s.statements[7].call, CallId::kGetsockopt);
  EXPECT_EQ(s.statements[7].args[2].number, 8);  // SO_RCVBUF
  EXPECT_EQ(s.statements[7].expect.kind, Expectation::Kind::kValue);
  EXPECT_EQ(s.statements[7].expect.value, 212992);
  EXPECT_EQ(s.statements[8].args[2].number, 1);  // TCP_NODELAY
  EXPECT_EQ(message("socketpair(a, b)\nsend(b, 1, MSG_URGENT)\n"), "unknown flag 'MSG_URGENT'");
  EXPECT_EQ(message("socketpair(a, b)\ngetsockopt(a, SOL_SOCKET)\n").empty(), false);
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

// Races: `=> A or B` lists the outcomes the kernel may choose between, for any expectation and for
// a thread's result.
TEST(ScriptParser, AlternativesAfterOr) {
  Scenario s = ok(R"(ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)
t1: epoll_wait(ep, 1, 100)        => blocks
write(w, 1)                       => 1 or -1 EAGAIN
t1                                => blocks or [r: EPOLLIN] or []
epoll_wait(ep, 8, 0)              => [] or [r: EPOLLIN, 7: EPOLLIN|EPOLLHUP]
read(r, 8)                        => -1 EAGAIN or 1
)");
  ASSERT_EQ(s.statements.size(), 8u);
  EXPECT_FALSE(s.statements[3].expect.has_alternatives());
  EXPECT_EQ(s.statements[3].expect.count(), 1u);
  EXPECT_EQ(s.statements[0].expect.count(), 0u);

  const Expectation& write = s.statements[4].expect;
  ASSERT_EQ(write.count(), 2u);
  EXPECT_EQ(write.kind, Expectation::Kind::kValue);
  EXPECT_EQ(write.value, 1);
  EXPECT_EQ(write.alternative(1).kind, Expectation::Kind::kError);
  EXPECT_EQ(write.alternative(1).err, kEAGAIN);
  EXPECT_EQ(write.all_text(), "1 or -1 EAGAIN");

  const Statement& thread = s.statements[5];
  EXPECT_EQ(thread.kind, Statement::Kind::kThreadResult);
  ASSERT_EQ(thread.expect.count(), 3u);
  EXPECT_EQ(thread.expect.kind, Expectation::Kind::kBlocks);
  EXPECT_EQ(thread.expect.alternative(1).kind, Expectation::Kind::kEvents);
  EXPECT_EQ(thread.expect.alternative(1).events[0].name, "r");
  EXPECT_EQ(thread.expect.alternative(2).kind, Expectation::Kind::kEvents);
  EXPECT_TRUE(thread.expect.alternative(2).events.empty());
  EXPECT_EQ(thread.expect.alternative(2).loc.col, 64);
  EXPECT_EQ(thread.expect.all_text(), "blocks or [r: EPOLLIN] or []");

  const Expectation& wait = s.statements[6].expect;
  ASSERT_EQ(wait.count(), 2u);
  ASSERT_EQ(wait.alternative(1).events.size(), 2u);
  EXPECT_EQ(wait.alternative(1).events[1].data, 7);
  EXPECT_EQ(wait.alternative(1).events[1].events, kEPOLLIN | kEPOLLHUP);
  EXPECT_EQ(s.statements[7].expect.alternative(1).value, 1);
}

TEST(ScriptParser, MalformedAlternativesAreErrorsAtTheirColumn) {
  const std::string head = "ep = epoll_create1(0)\npipe(r, w)\n";
  // Nothing after `or`: the error is at the end of the line.
  ParseError e = error(head + "epoll_wait(ep, 8, 0) => [] or\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.col, 30);
  EXPECT_EQ(e.message,
            "an alternative is expected after 'or' (column 28): a number, -1 and an errno, a list "
            "of events in [ ], or blocks");
  EXPECT_EQ(e.format(),
            "t.scn:3:30: an alternative is expected after 'or' (column 28): a number, -1 and an "
            "errno, a list of events in [ ], or blocks\nepoll_wait(ep, 8, 0) => [] or\n"
            "                             ^\n");
  // `or or`, `or` first, an alternative listed twice.
  ParseError twice = error(head + "epoll_wait(ep, 8, 0) => [] or or [r: EPOLLIN]\n");
  EXPECT_EQ(twice.col, 31);
  ParseError first = error(head + "epoll_wait(ep, 8, 0) => or []\n");
  EXPECT_EQ(first.col, 25);
  EXPECT_EQ(first.message, "an expectation is expected before 'or', e.g. => [] or [r: EPOLLIN]");
  ParseError same = error(head + "epoll_wait(ep, 8, 0) => [r: EPOLLIN] or [] or [r: EPOLLIN]\n");
  EXPECT_EQ(same.col, 47);
  EXPECT_EQ(same.message,
            "'[r: EPOLLIN]' is listed already (alternative 1); each alternative must be another "
            "outcome");
  EXPECT_EQ(message(head + "read(r, 1) => -1 EAGAIN or -1 EAGAIN\n"),
            "'-1 EAGAIN' is listed already (alternative 1); each alternative must be another "
            "outcome");
  // Each alternative must fit the call, as a single expectation must.
  ParseError events = error(head + "write(w, 1) => 1 or [r: EPOLLIN]\n");
  EXPECT_EQ(events.col, 21);
  EXPECT_EQ(events.message, "only epoll_wait returns a list of events; write does not");
  EXPECT_EQ(message(head + "close(r) => 0 or blocks\n"),
            "close never sleeps; it cannot be expected to block");
  EXPECT_EQ(message(head + "read(r, 1) => -1 or 1\n"),
            "an errno name is expected after -1, e.g. => -1 EAGAIN");
  EXPECT_EQ(message(head + "epoll_wait(ep, 8, 0) => [] or [nope: EPOLLIN]\n"),
            "undefined name 'nope'");
  // `or` without `=>` is not an expectation, and something after the last alternative is extra.
  EXPECT_EQ(message(head + "epoll_wait(ep, 8, 0) or []\n"),
            "unexpected name 'or' after the end of the statement");
  EXPECT_EQ(message(head + "epoll_wait(ep, 8, 0) => [] or [] 3\n"),
            "'[]' is listed already (alternative 1); each alternative must be another outcome");
  EXPECT_EQ(message(head + "epoll_wait(ep, 8, 0) => [] or 0 3\n"),
            "unexpected number 3 after the end of the statement");
}

// Issue 13, item 2: an fd is an int. A wider number used to be truncated by whoever ran it
// (close(4294967296) closed fd 0 in the live child).
TEST(ScriptParser, FdNumbersMustFitAnInt) {
  for (const char* fd : {"4294967296", "18446744073709551615", "2147483648", "-2147483649",
                         "0x100000000", "-9223372036854775808"}) {
    ParseError e = error(std::string("close(") + fd + ")\n");
    EXPECT_EQ(e.line, 1) << fd;
    EXPECT_EQ(e.col, 7) << fd;
    EXPECT_EQ(e.message, std::string("an fd is an int: ") + fd +
                             " is out of its range (-2147483648 to 2147483647)");
  }
  Scenario s = ok("close(2147483647)\nclose(-2147483648)\nclose(-1)\n");
  EXPECT_EQ(s.statements[0].args[0].number, 2147483647);
  EXPECT_EQ(s.statements[1].args[0].number, -2147483648LL);
  // Every fd argument of the table: epoll_ctl's ep and fd, dup2's two.
  EXPECT_NE(message("epoll_ctl(3, EPOLL_CTL_ADD, 4294967299, EPOLLIN)\n").find("an fd is an int"),
            std::string::npos);
  EXPECT_NE(message("dup2(3, 4294967296)\n").find("an fd is an int"), std::string::npos);
}

TEST(ScriptParser, FlagsAreThirtyTwoBitsAndOtherNumbersSixtyFour) {
  EXPECT_EQ(message("ep = epoll_create1(0x100000000)\n"),
            "'flags' is a 32-bit argument: 0x100000000 is out of its range (-2147483648 to "
            "4294967295)");
  EXPECT_EQ(message("pipe(r, w)\nepoll_wait(r, 8, 0) => [r: 0x100000000]\n"),
            "an event mask is 32 bits: 0x100000000 does not fit");
  Scenario s =
      ok("ep = epoll_create1(0xffffffff)\npipe(r, w)\n"
         "epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 18446744073709551615)\n"
         "write(w, -1)\nread(r, 9223372036854775807)\nsleep(-9223372036854775808)\n");
  EXPECT_EQ(s.statements[0].args[0].number, 0xffffffffLL);
  EXPECT_EQ(static_cast<uint64_t>(s.statements[2].args[4].number), UINT64_MAX);
  EXPECT_EQ(s.statements[3].args[1].number, -1);
  EXPECT_EQ(s.statements[4].args[1].number, INT64_MAX);
  EXPECT_EQ(s.statements[5].args[0].number, INT64_MIN);
  // eventfd_read's value is a u64: it may be expected whole.
  EXPECT_EQ(static_cast<uint64_t>(ok("e = eventfd(0, 0)\neventfd_read(e) => 18446744073709551614\n")
                                      .statements[1]
                                      .expect.value),
            UINT64_MAX - 1);
}

// Issue 13, items 2 and 10: numbers beyond 64 bits are errors, and reading the extremes involves
// no signed overflow (the UBSan build of this test failed on -9223372036854775808 before).
TEST(ScriptParser, NumbersBeyondSixtyFourBitsAndTheExtremes) {
  EXPECT_EQ(message("sleep(18446744073709551616)\n"),
            "this number does not fit in 64 bits (at most 18446744073709551615)");
  EXPECT_EQ(message("sleep(0x10000000000000000)\n"),
            "this number does not fit in 64 bits (at most 18446744073709551615)");
  EXPECT_EQ(message("sleep(-9223372036854775809)\n"),
            "this number does not fit in 64 bits (at least -9223372036854775808)");
  EXPECT_EQ(message("sleep(-18446744073709551615)\n"),
            "this number does not fit in 64 bits (at least -9223372036854775808)");
  Scenario s =
      ok("sleep(-9223372036854775808)\nsleep(9223372036854775807)\n"
         "sleep(0xffffffffffffffff)\n");
  EXPECT_EQ(s.statements[0].args[0].number, INT64_MIN);
  EXPECT_EQ(s.statements[1].args[0].number, INT64_MAX);
  EXPECT_EQ(s.statements[2].args[0].number, -1);
  EXPECT_EQ(message("repeat 18446744073709551615\nsleep(1)\nend\n"),
            "the repeat count must be between 1 and 100000");
}

// Issue 13, item 3: nested repeat blocks multiply. Two `repeat 100000` (35 bytes) used to expand
// to 10^10 statements (gigabytes before bad_alloc); the bound is checked before expanding.
TEST(ScriptParser, NestedRepeatsAreBoundedBeforeTheyExpand) {
  const auto t0 = std::chrono::steady_clock::now();
  ParseError e = error("repeat 100000\nrepeat 100000\nsleep(1)\nend\nend\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.col, 8);
  EXPECT_EQ(e.message,
            "repeating this block 100000 times makes 10000000000 statements; a scenario may have "
            "at most 100000 (count every repeat of nested blocks)");
  // Three levels: the innermost two fit, the outer one does not.
  ParseError e3 = error("repeat 10\nrepeat 100\nrepeat 1000\nsleep(1)\nend\nend\nend\n");
  EXPECT_EQ(e3.line, 1);
  EXPECT_NE(e3.message.find("makes 1000000 statements"), std::string::npos) << e3.message;
  // Long strings: 10 KB repeated 100,000 times used to hold 3 GB; 10,000 times would hold 300 MB.
  const std::string text =
      "pipe(r, w)\nrepeat 10000\nwrite(w, \"" + std::string(10000, 'x') + "\")\nend\n";
  ParseError big = error(text);
  EXPECT_EQ(big.line, 2);
  EXPECT_NE(big.message.find("repeating this block 10000 times makes the scenario hold "),
            std::string::npos)
      << big.message;
  EXPECT_NE(big.message.find("at most 64 MiB"), std::string::npos) << big.message;
  // A generous hang guard, not a speed test: none of this expands anything.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  // Within the limits: the library's largest blocks, and exactly the limit.
  EXPECT_EQ(ok("repeat 1000\nrepeat 100\nsleep(1)\nend\nend\n").statements.size(), 100000u);
  EXPECT_NE(message("sleep(1)\nrepeat 1000\nrepeat 100\nsleep(1)\nend\nend\n").find("100001"),
            std::string::npos);
}

TEST(ScriptParser, LimitsCanBeRaisedByAProgramThatGeneratesItsScenario) {
  ParseLimits limits;
  limits.max_statements = 300000;
  auto too_many_bytes =
      parse_scenario("repeat 100000\nsleep(1)\nsleep(2)\nsleep(3)\nend\n", "gen", limits);
  ASSERT_TRUE(std::holds_alternative<ParseError>(too_many_bytes));
  EXPECT_NE(std::get<ParseError>(too_many_bytes).message.find("at most 64 MiB"), std::string::npos)
      << std::get<ParseError>(too_many_bytes).message;
  limits.max_bytes = std::size_t{1} << 30;
  auto r = parse_scenario("repeat 100000\nsleep(1)\nsleep(2)\nsleep(3)\nend\n", "gen", limits);
  ASSERT_TRUE(std::holds_alternative<Scenario>(r));
  EXPECT_EQ(std::get<Scenario>(r).statements.size(), 300000u);
  limits.max_statements = 10;
  auto small = parse_scenario("sleep(1)\nrepeat 10\nsleep(1)\nend\n", "gen", limits);
  ASSERT_TRUE(std::holds_alternative<ParseError>(small));
  // Statements one by one count too.
  std::string many;
  for (int i = 0; i < 11; ++i)
    many += "sleep(1)\n";
  auto flat = parse_scenario(many, "gen", limits);
  ASSERT_TRUE(std::holds_alternative<ParseError>(flat));
  EXPECT_EQ(std::get<ParseError>(flat).line, 11);
}

// Issue 13, item 17: the nearest known name, and C's ';' at the end of a line.
TEST(ScriptParser, MisspellingsGetTheNearestName) {
  EXPECT_EQ(
      message("ep = epoll_create1(0)\npipe(r, w)\nepoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLL_ET)\n"),
      "unknown flag 'EPOLL_ET' (did you mean EPOLLET?)");
  EXPECT_EQ(message("ep = epoll_create1(0)\nepoll_add(ep, 3)\n"),
            "unknown call 'epoll_add' (did you mean epoll_ctl?)");
  EXPECT_EQ(message("ep = epoll_create1(0)\nepoll_wiat(ep, 8, 0)\n"),
            "unknown call 'epoll_wiat' (did you mean epoll_wait?)");
  EXPECT_EQ(message("pipe(r, w)\nread(r, 1) => -1 EAGIAN\n"),
            "unknown errno 'EAGIAN' (did you mean EAGAIN?)");
  EXPECT_EQ(message("pipe(rfd, wfd)\nread(rdf, 1)\n"), "undefined name 'rdf' (did you mean rfd?)");
  EXPECT_EQ(
      message("ep = epoll_create1(0)\npipe(r, w)\nepoll_ctl(ep, EPOLL_CTL_ADD, r, epollin)\n"),
      "undefined name 'epollin' (did you mean EPOLLIN?)");
  // Nothing near: no hint.
  EXPECT_EQ(message("ep = epoll_create1(0)\nepoll_destroy(ep)\n"), "unknown call 'epoll_destroy'");
  EXPECT_EQ(message("pipe(r, w)\nread(r, 1) => -1 EWHAT\n"), "unknown errno 'EWHAT'");
}

TEST(ScriptParser, ACStyleSemicolonEndsALine) {
  Scenario s =
      ok("title \"t\";\nep = epoll_create1(0);\npipe(r, w);   // both ends\n"
         "repeat 2;\nwrite(w, 1) => 1;\nend;\nread(r, 8) => 2 ;\n");
  ASSERT_EQ(s.statements.size(), 5u);
  EXPECT_EQ(s.title, "t");
  EXPECT_EQ(s.statements[1].source, "pipe(r, w)");
  EXPECT_EQ(s.statements[4].expect.value, 2);
  ParseError e = error("pipe(r, w); close(r)\n");
  EXPECT_EQ(e.col, 11);
  EXPECT_NE(e.message.find("';' may only end a line"), std::string::npos) << e.message;
}

// Issue 13, item 15: what a string holds is not a comment, unknown escapes are refused.
TEST(ScriptParser, StringsKeepSlashesAndRefuseUnknownEscapes) {
  Scenario s = ok("pipe(r, w)\nwrite(w, \"a//b\") => 4 // four bytes\n");
  EXPECT_EQ(s.statements[1].args[1].name, "a//b");
  EXPECT_EQ(s.statements[1].source, "write(w, \"a//b\") => 4");
  EXPECT_EQ(s.statements[1].expect.value, 4);
  ParseError e = error("pipe(r, w)\nwrite(w, \"\\q\")\n");
  EXPECT_EQ(e.col, 11);
  EXPECT_EQ(e.message, "unknown escape '\\q' in a string (known: \\\" \\\\ \\n \\t)");
  EXPECT_EQ(ok("pipe(r, w)\nwrite(w, \"\\\"\\\\\\n\\t\")\n").statements[1].args[1].name,
            "\"\\\n\t");
}

TEST(ScriptParser, TextProblemsAreReportedReadably) {
  // An empty file: line 1, not 0.
  ParseError empty = error("");
  EXPECT_EQ(empty.line, 1);
  EXPECT_EQ(empty.message, "the scenario has no statements");
  EXPECT_EQ(empty.format(), "t.scn:1:1: the scenario has no statements\n\n^\n");
  // A NUL byte and invalid UTF-8 at their column, shown escaped.
  ParseError nul = error(std::string("pipe(r, w)\nclose(r)\0\n", 21));
  EXPECT_EQ(nul.line, 2);
  EXPECT_EQ(nul.col, 9);
  EXPECT_EQ(nul.format(),
            "t.scn:2:9: a NUL byte (\\x00): a scenario is text\nclose(r)\\x00\n        ^\n");
  ParseError latin1 = error("// caf\xe9\npipe(r, w)\n");
  EXPECT_EQ(latin1.col, 7);
  EXPECT_EQ(latin1.message,
            "invalid UTF-8 (byte \\xe9): a scenario is UTF-8 text (convert it, e.g. with iconv)");
  // A UTF-8 name: the whole character, not a lone byte.
  EXPECT_EQ(message("\xc3\xa9p = epoll_create1(0)\n"),
            "unexpected character '\xc3\xa9' (names are ASCII letters, digits and _)");
  // A byte order mark is skipped; UTF-8 in comments, narration and strings is text.
  Scenario bom = ok("\xEF\xBB\xBF// \xe2\x86\x92 pipe\n# caf\xc3\xa9\npipe(r, w)\n");
  EXPECT_EQ(bom.lines[0], "// \xe2\x86\x92 pipe");
  EXPECT_EQ(bom.statements[0].narration, "caf\xc3\xa9");
  // CR-only and CRLF line ends.
  Scenario cr = ok("pipe(r, w)\rclose(r)\r\nclose(w)\r");
  ASSERT_EQ(cr.statements.size(), 3u);
  EXPECT_EQ(cr.statements[2].loc.line, 3);
  EXPECT_EQ(error("pipe(r, w)\rclose(w) x\r").line, 2);
  // The wording of trailing text.
  EXPECT_EQ(message("pipe(r, w)\nread(r, 10) extra\n"),
            "unexpected name 'extra' after the end of the statement");
  // A file that cannot be read has no line: no ":0:0".
  ParseError unreadable;
  unreadable.path = "x.scn";
  unreadable.message = "is a directory";
  EXPECT_EQ(unreadable.format(), "x.scn: is a directory\n");
}

// Issue 17: `#zh` lines are the Chinese narration of the same statement, kept apart from the
// English; `title_zh "..."` is the Chinese title.
TEST(ScriptParser, ChineseNarrationAndTitle) {
  Scenario s =
      ok("title \"Pipe\"\n"
         "title_zh \"管道\"\n"
         "# The writer puts 2 KB\n"
         "# into the pipe.\n"
         "#zh 写端向管道写入\n"
         "#zh 2 KB，唤醒 rd_wait。\n"
         "pipe(r, w)\n"
         "# English only.\n"
         "write(w, 2048) => 2048\n"
         "  #zh\tEPOLLIN\n"
         "#zh EPOLLET 之后\n"
         "#zh\n"
         "#zh 第二段。\n"
         "read(r, 1) => 1\n"
         "#zhx is English: the tag needs a space after it\n"
         "close(r)\n");
  EXPECT_EQ(s.title, "Pipe");
  EXPECT_EQ(s.title_zh, "管道");
  ASSERT_EQ(s.statements.size(), 4u);
  EXPECT_EQ(s.statements[0].narration, "The writer puts 2 KB into the pipe.");
  // Chinese lines are joined without a space, except between two ASCII characters.
  EXPECT_EQ(s.statements[0].narration_zh, "写端向管道写入2 KB，唤醒 rd_wait。");
  EXPECT_EQ(s.statements[1].narration, "English only.");
  EXPECT_EQ(s.statements[1].narration_zh, "");
  EXPECT_EQ(s.statements[2].narration, "");
  EXPECT_EQ(s.statements[2].narration_zh, "EPOLLIN EPOLLET 之后\n第二段。");
  EXPECT_EQ(s.statements[3].narration, "zhx is English: the tag needs a space after it");
  EXPECT_EQ(s.statements[3].narration_zh, "");
  // The lines themselves stay in the file as written (the script panel shows them).
  EXPECT_EQ(s.lines[4], "#zh 写端向管道写入");
  // Without title_zh there is no Chinese title; a name may still be called title_zh.
  Scenario plain = ok("title \"T\"\ntitle_zh = epoll_create1(0)\n");
  EXPECT_EQ(plain.title_zh, "");
  EXPECT_EQ(plain.statements[0].assign, "title_zh");
  // A repeat block's copies carry no narration in either language.
  Scenario rep = ok("repeat 2\n# e\n#zh 中\nsleep(1)\nend\n");
  ASSERT_EQ(rep.statements.size(), 2u);
  EXPECT_EQ(rep.statements[0].narration_zh, "中");
  EXPECT_EQ(rep.statements[1].narration_zh, "");
}

TEST(ScriptParser, MalformedChineseTitlesAreErrorsAtTheirColumn) {
  ParseError twice = error("title \"T\"\ntitle_zh \"一\"\ntitle_zh \"二\"\nsleep(1)\n");
  EXPECT_EQ(twice.line, 3);
  EXPECT_EQ(twice.col, 1);
  EXPECT_EQ(twice.message, "the scenario already has a Chinese title (title_zh)");
  ParseError bare = error("title \"T\"\n  title_zh\nsleep(1)\n");
  EXPECT_EQ(bare.format(),
            "t.scn:2:11: title_zh takes the Chinese title in quotes: title_zh \"...\"\n"
            "  title_zh\n          ^\n");
  ParseError alone = error("sleep(1)\n  title_zh \"标题\"\n");
  EXPECT_EQ(alone.line, 2);
  EXPECT_EQ(alone.col, 3);
  EXPECT_EQ(alone.message, "title_zh translates the title: the scenario needs a title \"...\" too");
  ParseError trailing = error("title \"T\"\ntitle_zh \"标题\" x\nsleep(1)\n");
  EXPECT_EQ(trailing.line, 2);
  EXPECT_EQ(trailing.col, 19);
  ParseError unterminated = error("title \"T\"\ntitle_zh \"标题\nsleep(1)\n");
  EXPECT_EQ(unterminated.line, 2);
}

// The Chinese narration counts against the scenario's memory limit like the English.
TEST(ScriptParser, ChineseNarrationCountsAgainstTheLimits) {
  ParseLimits limits;
  limits.max_bytes = 64 * 1024;
  const std::string zh = "#zh " + std::string(40 * 1024, 'x') + "\n";
  EXPECT_TRUE(std::holds_alternative<Scenario>(parse_scenario(zh + "sleep(1)\n", "t.scn", limits)));
  auto r = parse_scenario(zh + "sleep(1)\n" + zh + "sleep(1)\n", "t.scn", limits);
  ASSERT_TRUE(std::holds_alternative<ParseError>(r));
  EXPECT_EQ(std::get<ParseError>(r).line, 4);
  // A statement without Chinese is charged as before it had a Chinese narration: the
  // 99,000-call repeat the tests keep a live child busy with still fits the default limits.
  auto busy = parse_scenario(
      "ep = epoll_create1(0)\nrepeat 99000\nepoll_wait(ep, 1, 0)       => []\nend\n", "t.scn");
  ASSERT_TRUE(std::holds_alternative<Scenario>(busy)) << std::get<ParseError>(busy).format();
  EXPECT_EQ(std::get<Scenario>(busy).statements.size(), 99001u);
}

// Issue 13, item 11: what a scenario holds never reaches a terminal raw.
TEST(ScriptText, PrintableEscapesWhatActsOnATerminal) {
  EXPECT_EQ(printable("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(printable("ok\rFAIL\nline"), "ok\\rFAIL\\nline");
  EXPECT_EQ(printable("ok\rFAIL\nline", true), "ok\\rFAIL\nline");
  EXPECT_EQ(printable(std::string("nul\0del\x7f", 8)), "nul\\x00del\\x7f");
  EXPECT_EQ(printable("tab\tkept"), "tab\tkept");
  // UTF-8 passes; C1 controls (U+009B is CSI) and bidirectional overrides do not; bad bytes are
  // escaped one by one.
  EXPECT_EQ(printable("\xe2\x86\x92 caf\xc3\xa9 \xe2\x94\x80"),
            "\xe2\x86\x92 caf\xc3\xa9 \xe2\x94\x80");
  EXPECT_EQ(printable("\xc2\x9b"
                      "31m"),
            "\\u009b31m");
  EXPECT_EQ(printable("abc\xe2\x80\xae"
                      "cba"),
            "abc\\u202ecba");
  EXPECT_EQ(printable("\xff\xc3"), "\\xff\\xc3");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");  // an overlong '/'
  EXPECT_EQ(display_width("caf\xc3\xa9\x1b"), 8u);
}

TEST(ScriptText, ParseErrorsAreEscapedWithTheCaretInPlace) {
  ParseError e = error("title \"x\"\npipe(r, w)\n\x1b[2Jclose(r)\n");
  EXPECT_EQ(e.format(), "t.scn:3:1: unexpected character '\\x1b'\n\\x1b[2Jclose(r)\n^\n");
  ParseError p = error("profile \"\x1b]0;owned\x07\"\npipe(r, w)\n");
  EXPECT_EQ(p.format().find('\x1b'), std::string::npos) << p.format();
  EXPECT_NE(p.format().find("unknown kernel profile \"\\x1b]0;owned\\x07\""), std::string::npos)
      << p.format();
  // After an escape and a UTF-8 character, the caret still points at the column's character.
  ParseError c = error("pipe(r, w)\nsend(w, \"\x1b\xc3\xa9\", nope)\n");
  EXPECT_EQ(c.format(),
            "t.scn:2:16: undefined name 'nope'\nsend(w, \"\\x1b\xc3\xa9\", nope)\n"
            "                 ^\n");
}

TEST(ScriptText, NearestName) {
  const std::vector<std::string_view> subcommands{"walkthrough", "run",  "check", "gui",
                                                  "export-c",    "fuzz", "bench", "profiles"};
  EXPECT_EQ(nearest_name("rnu", subcommands), "run");
  EXPECT_EQ(nearest_name("chekc", subcommands), "check");
  EXPECT_EQ(nearest_name("exportc", subcommands), "export-c");
  EXPECT_EQ(nearest_name("xyz", subcommands), "");
  EXPECT_EQ(did_you_mean("EPOLLOUTT", constant_names()), " (did you mean EPOLLOUT?)");
  EXPECT_EQ(did_you_mean("EPOLL", constant_names()), "");
}

}  // namespace
// Issue 14: the calls of real event loops, their constants and errno names, and expectations
// written with constants (fcntl(fd, F_GETFL) => O_RDWR | O_NONBLOCK).
TEST(ScriptParser, RealEventLoopCalls) {
  Scenario s = ok(R"(ep = epoll_create1(0)
l = tcp_listen()
s = accept4(l, SOCK_NONBLOCK | SOCK_CLOEXEC)
fcntl(s, F_GETFL) => O_RDWR | O_NONBLOCK
fcntl(s, F_SETFL, O_NONBLOCK | O_APPEND) => 0
fcntl(s, F_GETFD) => FD_CLOEXEC
pipe2(r, w, O_NOTIFICATION_PIPE) => -1 ENOPKG
ioctl(s, FIONREAD) => 0
ioctl(s, FIONBIO, 1)
ioctl(s, FIONREAD, NULL) => -1 EFAULT
fcntl(ep, F_SETPIPE_SZ, 0x100001000) => -1 EBADF
epoll_pwait(ep, 8, 0, NULL) => []
epoll_pwait(ep, events, 8, -1, 0x4002)
epoll_pwait2(ep, 8, NULL, NULL)
epoll_pwait2(ep, NULL, 8, 1500000, 0) => -1 EFAULT
epoll_pwait2(ep, 8, 18446744073709551615, NULL) => -1 EINVAL
ioctl(ep, FIONREAD) => -1 ENOTTY
fcntl(ep, F_SETPIPE_SZ, 8192) => -1 EBUSY
fcntl(ep, F_GETFL) => 0x800 | 2
)");
  ASSERT_EQ(s.statements.size(), 19u);
  EXPECT_EQ(s.statements[2].call, CallId::kAccept4);
  EXPECT_EQ(s.statements[2].args[1].number, kSOCK_NONBLOCK | kSOCK_CLOEXEC);
  EXPECT_EQ(s.statements[3].expect.kind, Expectation::Kind::kValue);
  EXPECT_EQ(s.statements[3].expect.value, kO_RDWR | kO_NONBLOCK);
  EXPECT_EQ(s.statements[3].expect.text, "O_RDWR|O_NONBLOCK");
  EXPECT_EQ(s.statements[5].expect.value, kFD_CLOEXEC);
  EXPECT_EQ(s.statements[6].expect.err, kENOPKG);
  EXPECT_EQ(s.statements[7].placed, (std::vector<int>{0, 1, -1}));
  EXPECT_EQ(s.statements[9].args[2].kind, Arg::Kind::kNull);
  // F_SETPIPE_SZ's argument is an unsigned long: 64 bits may be written.
  EXPECT_EQ(s.statements[10].args[2].number, 0x100001000LL);
  EXPECT_EQ(s.statements[11].placed, (std::vector<int>{0, -1, 1, 2, 3}));
  EXPECT_EQ(s.statements[12].placed, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(s.statements[13].args[2].kind, Arg::Kind::kNull);
  EXPECT_EQ(s.statements[14].args[1].kind, Arg::Kind::kNull);
  EXPECT_EQ(s.statements[14].args[3].number, 1500000);
  EXPECT_EQ(s.statements[16].expect.err, kENOTTY);
  EXPECT_EQ(s.statements[17].expect.err, kEBUSY);
  EXPECT_EQ(s.statements[18].expect.value, 0x802);
  // The timeouts in ms the runner and the live child wait for: epoll_pwait2's are ns, rounded up.
  EXPECT_EQ(timeout_ms(CallId::kEpollPwait2, 1500000), 2);
  EXPECT_EQ(timeout_ms(CallId::kEpollPwait2, 0), 0);
  EXPECT_EQ(timeout_ms(CallId::kEpollPwait2, 0, true), -1);
  EXPECT_EQ(timeout_ms(CallId::kEpollPwait, 7), 7);
  EXPECT_TRUE(waits_for_events(CallId::kEpollPwait2));
  EXPECT_FALSE(waits_for_events(CallId::kAccept4));
}

TEST(ScriptParser, RealEventLoopCallMistakes) {
  // epoll_pwait's mask is not optional (as in C): epoll_wait's arguments alone are too few.
  EXPECT_NE(
      message("ep = epoll_create1(0)\nepoll_pwait(ep, 8, 0)\n").find("takes 4 or 5 arguments"),
      std::string::npos);
  EXPECT_NE(message("ep = epoll_create1(0)\nepoll_pwait2(ep, 8)\n").find("takes 4 or 5 arguments"),
            std::string::npos);
  EXPECT_EQ(message("l = tcp_listen()\ns = accept4(l)\n"),
            "accept4 takes 2 arguments, not 1 (usage: s = accept4(l, flags))");
  // The sigmask is 32 bits of signals; a timeout may be 64 bits.
  EXPECT_NE(message("ep = epoll_create1(0)\nepoll_pwait(ep, 8, 0, 0x100000000)\n")
                .find("32-bit argument"),
            std::string::npos);
  EXPECT_EQ(message("pipe(r, w)\nfcntl(r, F_GETFL) => O_RDWR | O_NONBLOK\n"),
            "unknown flag 'O_NONBLOK' (did you mean O_NONBLOCK?)");
  EXPECT_EQ(message("pipe(r, w)\nioctl(r, FIONREAD) => -1 ENOPKGG\n"),
            "unknown errno 'ENOPKGG' (did you mean ENOPKG?)");
  EXPECT_EQ(message("pipe(r, w)\nioctl(r, FIONREAD) => 18446744073709551616\n"),
            "this number does not fit in 64 bits (at most 18446744073709551615)");
}

}  // namespace epollscope::sim::script

namespace epollscope::sim::script {
namespace {

// `t2: call(...) during ep_send_events(ep [, n])`: a file's call made on another CPU inside the
// next harvest of ep (docs/scenario-language.md, "Another CPU").
TEST(ScriptParser, DuringEpSendEvents) {
  const std::string head = "ep = epoll_create1(0)\npipe2(r, w, O_NONBLOCK)\n";
  Scenario s = ok(head +
                  "t2: write(w, 1) during ep_send_events(ep, 2)\n"
                  "t3: read(r, 1) during ep_send_events(ep)\nt2 => 1\n");
  ASSERT_EQ(s.statements.size(), 5u);
  const Statement& st = s.statements[2];
  ASSERT_NE(st.during, nullptr);
  EXPECT_EQ(st.during->epoll.kind, Arg::Kind::kName);
  EXPECT_EQ(st.during->epoll.name, "ep");
  EXPECT_EQ(st.during->after_items, 2);
  EXPECT_EQ(st.during->loc.col, 17);
  EXPECT_EQ(st.thread, "t2");
  ASSERT_NE(s.statements[3].during, nullptr);
  EXPECT_EQ(s.statements[3].during->after_items, 1);  // n left out: after the first item
  EXPECT_EQ(s.statements[0].during, nullptr);
  EXPECT_EQ(s.first_during(), &s.statements[2]);
  EXPECT_EQ(ok(head).first_during(), nullptr);
}

TEST(ScriptParser, DuringMistakesAreErrorsAtTheirColumn) {
  const std::string head = "ep = epoll_create1(0)\npipe2(r, w, O_NONBLOCK)\n";
  // The main thread cannot be on another CPU.
  ParseError e = error(head + "write(w, 1) during ep_send_events(ep)\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.col, 13);
  EXPECT_NE(e.message.find("runs on another CPU: give it a thread of its own"), std::string::npos)
      << e.message;
  EXPECT_EQ(e.format().rfind("t.scn:3:13: ", 0), 0u) << e.format();
  // A call that needs ep->mtx would wait for the scan to end.
  e = error(head + "t2: close(r) during ep_send_events(ep)\n");
  EXPECT_EQ(e.col, 14);
  EXPECT_NE(e.message.find("close cannot be made during ep_send_events"), std::string::npos)
      << e.message;
  // The result is checked later, with `t2 => ...`.
  e = error(head + "t2: write(w, 1) during ep_send_events(ep) => 1\n");
  EXPECT_EQ(e.col, 43);
  EXPECT_NE(e.message.find("check its result after the epoll_wait with `t2 => ...`"),
            std::string::npos)
      << e.message;
  e = error(head + "t2: write(w, 1) during ep_poll(ep)\n");
  EXPECT_EQ(e.col, 24);
  EXPECT_NE(e.message.find("'during' is followed by ep_send_events(ep)"), std::string::npos)
      << e.message;
  e = error(head + "t2: write(w, 1) during ep_send_events(nope)\n");
  EXPECT_EQ(e.col, 39);
  EXPECT_EQ(e.message, "undefined name 'nope'");
  e = error(head + "t2: write(w, 1) during ep_send_events(ep, 0)\n");
  EXPECT_EQ(e.col, 43);
  EXPECT_NE(e.message.find("1 to 1000000"), std::string::npos) << e.message;
  e = error(head + "t2: write(w, 1) during ep_send_events(ep, 1\n");
  EXPECT_EQ(e.col, 44);
  e = error(head + "t2: write(w, 1) during ep_send_events(ep) extra\n");
  EXPECT_EQ(e.col, 43);
}

}  // namespace
}  // namespace epollscope::sim::script

namespace epollscope::sim::script {
namespace {

// poll's array and select's sets are lists in [ ]; the results are lists of events with poll's
// names or select's set names; the count may be expected instead.
TEST(ScriptParser, PollAndSelect) {
  Scenario s =
      ok("pipe(r, w)\n"
         "poll([r: POLLIN, w: POLLOUT, -1: POLLIN], 0) => [w: POLLOUT]\n"
         "t1: select(64, [r], [], NULL, NULL) => blocks\n"
         "select(64, [r, 5], [w], [], 0) => [w: writefds]\n"
         "poll([], 10) => 0\n");
  ASSERT_EQ(s.statements.size(), 5u);
  const Statement& p = s.statements[1];
  EXPECT_EQ(p.call, CallId::kPoll);
  ASSERT_EQ(p.args[0].kind, Arg::Kind::kList);
  ASSERT_EQ(p.items(p.args[0]).size(), 3u);
  EXPECT_EQ(p.items(p.args[0])[0].name, "r");
  EXPECT_EQ(p.items(p.args[0])[1].events, kEPOLLOUT);
  EXPECT_EQ(p.items(p.args[0])[2].fd, -1);
  EXPECT_EQ(p.args[0].text, "[r: POLLIN, w: POLLOUT, -1: POLLIN]");
  EXPECT_EQ(p.expect.events[0].events, kEPOLLOUT);
  const Statement& sel = s.statements[3];
  EXPECT_EQ(sel.items(sel.args[1]).size(), 2u);
  EXPECT_EQ(sel.items(sel.args[1])[1].fd, 5);
  EXPECT_EQ(sel.items(sel.args[3]).size(), 0u);
  EXPECT_EQ(sel.expect.events[0].events, 0x4u);  // writefds
  EXPECT_EQ(s.statements[2].args[3].kind, Arg::Kind::kNull);
  EXPECT_TRUE(waits_for_events(CallId::kPoll));
  EXPECT_FALSE(harvests_epoll(CallId::kSelect));
  EXPECT_EQ(timeout_ms(CallId::kSelect, 0, true), -1);
}

TEST(ScriptParser, PollAndSelectErrors) {
  EXPECT_EQ(error("pipe(r, w)\npoll([r], 0)\n").format(),
            "t.scn:2:7: poll's array gives each fd its events: `r: POLLIN` (usage: poll([fd: "
            "events, ...] | NULL, [nfds,] timeout_ms))\npoll([r], 0)\n      ^\n");
  EXPECT_EQ(message("pipe(r, w)\nselect(8, [r: POLLIN], [], [], 0)\n"),
            "select's sets are lists of fds, without events: the set says what is asked (usage: "
            "select(nfds, [fd, ...] | NULL, [fd, ...] | NULL, [fd, ...] | NULL, timeout_ms | "
            "NULL) (BADPTR: a pointer that faults, for a set or the timeout))");
  EXPECT_EQ(message("pipe(r, w)\npoll(r, 0)\n"),
            "poll's fds are a list: [rfd: POLLIN, wfd: POLLOUT] (usage: poll([fd: events, ...] | "
            "NULL, [nfds,] timeout_ms))");
  EXPECT_EQ(message("pipe(r, w)\nselect(8, [x], [], [], 0)\n"),
            "undefined name 'x' (did you mean r?)");
  EXPECT_EQ(message("pipe(r, w)\nselect(8, [-3], [], [], 0)\n"),
            "an fd in a set is a bit number: 0 to 1048575, not -3");
  EXPECT_EQ(message("pipe(r, w)\npoll([r: 0x10000], 0)\n"),
            "poll's events is a short: 0x10000 does not fit in 16 bits (0 to 0xffff)");
  EXPECT_EQ(message("pipe(r, w)\npoll([r: POLLIN w: POLLOUT], 0)\n"),
            "expected ',' or ']' in the list, found a name");
  EXPECT_EQ(message("pipe(r, w)\nread([r], 1)\n"),
            "a list in [ ] is poll's fds or one of select's sets; 'fd' of read is not one (usage: "
            "read(fd, nbytes))");
  ParseError e = error("pipe(r, w)\nselect(8, [r], [w], [], 0) => [r: POLLIN, q: readfds]\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.message, "undefined name 'q' (did you mean r?)");
}

// `all r` in poll's array and select's sets: every fd r has been bound to (the runners expand it);
// it may stand beside other entries, and a name may itself be called `all`.
TEST(ScriptParser, AllPassesEveryBindingOfAName) {
  Scenario s =
      ok("repeat 3\n"
         "socketpair(a, b)\n"
         "end\n"
         "all = dup(a)\n"
         "poll([all a: POLLIN, b: POLLOUT, all: POLLIN], 0) => 5\n"
         "select(10, [all a, all b], [], NULL, 0) => 0\n");
  ASSERT_EQ(s.statements.size(), 6u);
  const Statement& p = s.statements[4];
  const auto& items = p.items(p.args[0]);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[0].all);
  EXPECT_EQ(items[0].name, "a");
  EXPECT_EQ(items[0].events, kEPOLLIN);
  EXPECT_EQ(items[0].loc.col, 11);  // the name's column, after `all `
  EXPECT_FALSE(items[1].all);
  EXPECT_FALSE(items[2].all);
  EXPECT_EQ(items[2].name, "all");
  EXPECT_EQ(p.args[0].text, "[all a: POLLIN, b: POLLOUT, all: POLLIN]");
  const Statement& sel = s.statements[5];
  ASSERT_EQ(sel.items(sel.args[1]).size(), 2u);
  EXPECT_TRUE(sel.items(sel.args[1])[1].all);
  EXPECT_EQ(sel.items(sel.args[1])[1].name, "b");
  EXPECT_EQ(sel.args[1].text, "[all a, all b]");
}

TEST(ScriptParser, AllErrors) {
  EXPECT_EQ(error("pipe(r, w)\npoll([all q: POLLIN], 0)\n").format(),
            "t.scn:2:11: undefined name 'q' (did you mean r?)\npoll([all q: POLLIN], 0)\n"
            "          ^\n");
  EXPECT_EQ(error("pipe(r, w)\npoll([all 5: POLLIN], 0)\n").format(),
            "t.scn:2:11: 'all' is followed by an fd name: [all r: POLLIN] passes every fd r has "
            "been bound to, not number 5\npoll([all 5: POLLIN], 0)\n          ^\n");
  EXPECT_EQ(message("pipe(r, w)\nselect(8, [all POLLIN], [], [], 0)\n"),
            "'all' is followed by an fd name: [all r: POLLIN] passes every fd r has been bound "
            "to, not name 'POLLIN'");
  // Without a name after it, `all` is a name, which this scenario has not defined.
  EXPECT_EQ(message("pipe(r, w)\npoll([all: POLLIN], 0)\n"),
            "undefined name 'all' ('all r' passes every fd the name r has been bound to)");
  EXPECT_EQ(message("pipe(r, w)\nselect(8, [all], [], [], 0)\n"),
            "undefined name 'all' ('all r' passes every fd the name r has been bound to)");
  // poll's entries still need their events; select's none.
  EXPECT_EQ(message("pipe(r, w)\npoll([all r], 0)\n"),
            "poll's array gives each fd its events: `all r: POLLIN` (usage: poll([fd: events, "
            "...] | NULL, [nfds,] timeout_ms))");
  EXPECT_EQ(message("pipe(r, w)\nselect(8, [all r: POLLIN], [], [], 0)\n"),
            "select's sets are lists of fds, without events: the set says what is asked (usage: "
            "select(nfds, [fd, ...] | NULL, [fd, ...] | NULL, [fd, ...] | NULL, timeout_ms | "
            "NULL) (BADPTR: a pointer that faults, for a set or the timeout))");
  // Only in those lists: not as an argument of its own, nor in an expectation.
  ParseError e = error("pipe(r, w)\nclose(all r)\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.col, 7);
  EXPECT_EQ(e.message,
            "'all r' (every fd a name has been bound to) is written inside poll's array or "
            "select's sets: poll([all r: POLLIN], 0), select(nfds, [all r], [], [], 0)");
  e = error("pipe(r, w)\npoll([all r: POLLIN], 0) => [all r: POLLIN]\n");
  EXPECT_EQ(e.col, 30);
  EXPECT_EQ(e.message,
            "'all' passes many fds to poll or select, but an expectation lists each entry "
            "returned: expect their count instead (=> 1000)");
}

// An `all r` item counts against the scenario's size as its fds written out would: 100,000
// bindings of r passed 10 times is a million entries, over the 64 MiB a scenario may hold; inside
// the block that binds r, the item grows from round to round.
TEST(ScriptParser, AllCountsAgainstTheLimitsAsItsFds) {
  EXPECT_EQ(message("repeat 1000\npipe2(r, w, 0)\nend\n"
                    "repeat 10\npoll([all r: POLLIN], 0)\nend\n"),
            "");
  const std::string bound = "repeat 30000\npipe2(r, w, 0)\nend\n";
  std::string line = "poll([all r: POLLIN";
  for (int i = 0; i < 40; ++i)
    line += ", all r: POLLIN";
  ParseError e = error(bound + line + "], 0)\n");
  EXPECT_EQ(e.line, 4);
  EXPECT_NE(e.message.find("the scenario is too large"), std::string::npos) << e.message;
  // Written inside the block: round k passes k fds; 3,000 rounds pass 4.5 million in all.
  e = error("repeat 3000\npipe2(r, w, 0)\npoll([all r: POLLIN], 0)\nend\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.col, 8);
  EXPECT_NE(e.message.find("makes the scenario hold"), std::string::npos) << e.message;
  // 300 rounds: 45,150 fds in all, well within.
  EXPECT_EQ(message("repeat 300\npipe2(r, w, 0)\npoll([all r: POLLIN], 0)\nend\n"), "");
}

// ppoll and pselect6; NULL as poll's array with its nfds; BADPTR where a pointer that faults is
// taken (select's and pselect6's sets and timeouts, ppoll's timeout), and nowhere else.
TEST(ScriptParser, PpollPselect6AndPointersThatFault) {
  Scenario s =
      ok("pipe(r, w)\n"
         "ppoll([r: POLLIN], 1500000, NULL) => 0\n"
         "ppoll(NULL, 2, BADPTR, 0x1) => -1 EFAULT\n"
         "poll(NULL, 0, 10) => 0\n"
         "pselect6(8, [r], BADPTR, NULL, -1, NULL) => -1 EINVAL\n"
         "select(0, BADPTR, [], [], BADPTR) => -1 EFAULT\n");
  ASSERT_EQ(s.statements.size(), 6u);
  const Statement& pp = s.statements[1];
  EXPECT_EQ(pp.call, CallId::kPpoll);
  EXPECT_EQ(pp.placed, (std::vector<int>{0, -1, 1, 2}));  // nfds left out after an array
  const Statement& pn = s.statements[2];
  EXPECT_EQ(pn.args[0].kind, Arg::Kind::kNull);
  EXPECT_EQ(pn.placed, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(pn.args[2].kind, Arg::Kind::kBadPtr);
  EXPECT_EQ(pn.args[2].text, "BADPTR");
  EXPECT_EQ(s.statements[3].placed, (std::vector<int>{0, 1, 2}));
  const Statement& ps = s.statements[4];
  EXPECT_EQ(ps.call, CallId::kPselect6);
  EXPECT_EQ(ps.args[2].kind, Arg::Kind::kBadPtr);
  EXPECT_EQ(s.statements[5].args[4].kind, Arg::Kind::kBadPtr);
  // ns, rounded up to ms where a timeout in ms is needed (the live side's clock); NULL and BADPTR
  // (both `is_null`) wait for ever, which BADPTR never does: it fails first.
  EXPECT_EQ(timeout_ms(CallId::kPpoll, 1500000), 2);
  EXPECT_EQ(timeout_ms(CallId::kPselect6, 1), 1);
  EXPECT_EQ(timeout_ms(CallId::kPpoll, 0, true), -1);
  EXPECT_TRUE(waits_for_events(CallId::kPpoll));
  EXPECT_TRUE(waits_for_events(CallId::kPselect6));
  EXPECT_EQ(event_mask_names(CallId::kPpoll, 0x1), "POLLIN");
  EXPECT_EQ(event_mask_names(CallId::kPselect6, 0x4), "writefds");

  EXPECT_EQ(message("poll(NULL, 0)\n"),
            "with NULL as the array, give nfds: `poll(NULL, 2, ...)` (usage: poll([fd: events, "
            "...] | NULL, [nfds,] timeout_ms))");
  ParseError e = error("pipe(r, w)\npoll([r: POLLIN], 1, 0)\n");
  EXPECT_EQ(e.col, 19);
  EXPECT_EQ(e.message,
            "nfds is the length of the array; it is written only after NULL (usage: poll([fd: "
            "events, ...] | NULL, [nfds,] timeout_ms))");
  EXPECT_EQ(message("poll(NULL, -1, 0)\n"),
            "nfds is an unsigned int: -1 is out of its range (0 to 4294967295)");
  EXPECT_EQ(message("poll(NULL, 4294967296, 0)\n"),
            "nfds is an unsigned int: 4294967296 is out of its range (0 to 4294967295)");
  EXPECT_EQ(message("pipe(r, w)\npoll(BADPTR, 2, 0)\n"),
            "BADPTR, a pointer that faults, is taken by the sets and the timeout of select and "
            "pselect6 and by ppoll's timeout; 'fds' of poll is not one (usage: poll([fd: events, "
            "...] | NULL, [nfds,] timeout_ms))");
  EXPECT_EQ(error("ep = epoll_create1(0)\nepoll_wait(ep, BADPTR, 8, 0)\n").col, 16);
  EXPECT_EQ(message("ppoll([], 0, BADPTR)\n"),
            "BADPTR, a pointer that faults, is taken by the sets and the timeout of select and "
            "pselect6 and by ppoll's timeout; 'sigmask' of ppoll is not one (usage: ppoll([fd: "
            "events, ...] | NULL, [nfds,] timeout_ns | NULL, sigmask | NULL) (BADPTR: a timeout "
            "that faults))");
  EXPECT_EQ(message("ppoll([])\n"),
            "ppoll takes 3 or 4 arguments, not 1 (usage: ppoll([fd: events, ...] | NULL, [nfds,] "
            "timeout_ns | NULL, sigmask | NULL) (BADPTR: a timeout that faults))");
}

}  // namespace
}  // namespace epollscope::sim::script
