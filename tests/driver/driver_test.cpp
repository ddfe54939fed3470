// SPDX-License-Identifier: GPL-2.0-only
// The one scenario driver (driver/driver.h) and the language's rules for results (normalise):
// what every front end relies on — step ranges of the recording, the profile a scenario asks for,
// a kernel backend that cannot start or fails mid-run, divergences found by the runner.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <variant>

#include "driver/driver.h"
#include "driver/variant.h"
#include "sim/script/parser.h"
#include "tests/driver/et_pipe.h"

namespace epollscope::driver {
namespace {

using test::kEtPipe;
const auto parse = test::parse_inline;

// A "kernel" that is another model, of another profile, and that fails when told to: the runner
// and the driver see a backend that answers like a kernel (it does not learn the tree order).
class OtherModel final : public Backend {
 public:
  explicit OtherModel(const char* profile, int fail_at_call = -1, bool fail_start = false)
      : model_(*sim::KernelProfile::by_name(profile)),
        fail_at_call_(fail_at_call),
        fail_start_(fail_start) {}
  const char* name() const override { return "kernel"; }
  bool start(std::string* error) override {
    if (fail_start_) {
      *error = "no such kernel here";
      return false;
    }
    return model_.start(error);
  }
  CallResult perform(const ResolvedCall& call) override {
    if (calls_++ == fail_at_call_) throw BackendError("the other model died");
    return model_.perform(call);
  }
  std::vector<ThreadResult> take_completions() override { return model_.take_completions(); }
  std::vector<FdinfoEntry> fdinfo(int epfd) override { return model_.fdinfo(epfd); }
  void stop() override { model_.stop(); }

 private:
  ModelBackend model_;
  int fail_at_call_;
  bool fail_start_;
  int calls_ = 0;
};

KernelFactory other_model(const char* profile, int fail_at_call = -1, bool fail_start = false) {
  return [=] { return std::make_unique<OtherModel>(profile, fail_at_call, fail_start); };
}

// A "kernel" whose successful writes move one byte more than the model's: every write count
// differs, and only the ones the model marks approximate are reported apart.
class OneByteMore final : public Backend {
 public:
  OneByteMore() : model_(*sim::KernelProfile::by_name("6.18")) {}
  const char* name() const override { return "kernel"; }
  bool start(std::string* error) override { return model_.start(error); }
  CallResult perform(const ResolvedCall& call) override {
    CallResult r = model_.perform(call);
    r.approximate = false;  // a kernel marks nothing
    if (call.call == sim::script::CallId::kWrite && r.ret > 0) ++r.ret;
    return r;
  }
  std::vector<ThreadResult> take_completions() override { return model_.take_completions(); }
  std::vector<FdinfoEntry> fdinfo(int epfd) override { return model_.fdinfo(epfd); }
  void stop() override { model_.stop(); }

 private:
  ModelBackend model_;
};

TEST(ScenarioRun, ACountTheModelMarksApproximateIsReportedApartFromDivergences) {
  // The 5000000-byte write stops at the send buffer: a count the model approximates (sim/tcp.h).
  // The 10-byte write on a fresh connection is exact: a different count there is a divergence.
  RunOptions o;
  o.kernel = [] { return std::make_unique<OneByteMore>(); };
  ScenarioRun run(parse("l = tcp_listen()\n"
                        "c = tcp_connect(l)\n"
                        "s = accept(l)\n"
                        "write(c, 5000000)\n"
                        "c2 = tcp_connect(l)\n"
                        "write(c2, 10)\n"),
                  o);
  run.run_all();
  EXPECT_EQ(run.divergences(), 1);
  EXPECT_EQ(run.approximations(), 1);
  const auto& st = run.statements();
  ASSERT_EQ(st.size(), 6u);
  ASSERT_EQ(st[3].result.approximations.size(), 1u);
  EXPECT_TRUE(st[3].result.divergences.empty());
  EXPECT_TRUE(st[3].result.backends[0].approximate);
  EXPECT_EQ(st[5].result.divergences.size(), 1u);
  EXPECT_TRUE(st[5].result.approximations.empty());
  EXPECT_FALSE(run.ok());  // the divergence
}

TEST(ScenarioRun, RecordsEachStatementsStepsOneAfterTheOther) {
  ScenarioRun run(parse(kEtPipe), RunOptions{});
  run.run_all();
  EXPECT_TRUE(run.ok()) << run.error();
  EXPECT_FALSE(run.kernel_asked());
  ASSERT_EQ(run.statements().size(), 9u);
  EXPECT_EQ(run.calls(), 9);
  std::size_t next = 0;
  for (const StatementRun& s : run.statements()) {
    EXPECT_EQ(s.first_step, next);
    EXPECT_GT(s.end_step, s.first_step) << s.result.statement->source;  // every call is traced
    next = s.end_step;
  }
  EXPECT_EQ(next, run.recorder().size());
  // After the partial read (statement 6) the ET item is off the ready list.
  EXPECT_EQ(run.snapshot_after(run.statements()[5].end_step).epolls[0]->rdllist.size(), 0u);
  EXPECT_EQ(run.snapshot_after(run.statements()[3].end_step).epolls[0]->rdllist.size(), 1u);
}

TEST(ScenarioRun, AKernelOfAnotherProfileDivergesWhereThePipeRuleChanged) {
  // Under 5.5-5.13 a write into a non-empty pipe does not wake the reader: that "kernel" says []
  // at the last epoll_wait, where the model of 6.18 says [r: EPOLLIN].
  RunOptions o;
  o.kernel = other_model("5.10");
  ScenarioRun run(parse(kEtPipe), o);
  run.run_all();
  EXPECT_TRUE(run.kernel_asked());
  EXPECT_EQ(run.backend_names(), (std::vector<std::string>{"model", "kernel"}));
  EXPECT_EQ(run.divergences(), 1);
  EXPECT_EQ(run.failed_expectations(), 1);  // the "kernel" fails the last expectation
  const StatementResult& last = run.statements().back().result;
  ASSERT_EQ(last.divergences.size(), 1u);
  EXPECT_EQ(last.divergences[0], "model 1 [4: EPOLLIN]; kernel 0 []");
}

TEST(ScenarioRun, AScenarioAboutAnotherKernelRunsOnThatKernelsModelAlone) {
  RunOptions o;
  o.kernel = other_model("6.18");
  ScenarioRun run(parse(std::string("profile \"5.10\"\n") + kEtPipe), o);
  EXPECT_EQ(run.profile().name, "5.10");
  run.run_all();
  EXPECT_FALSE(run.kernel_asked());
  EXPECT_EQ(run.note(), "model only: the scenario is about Linux 5.10, this kernel follows 6.18");
  EXPECT_EQ(run.failed_expectations(), 1);  // the model of 5.10 reports nothing at the end
}

TEST(ScenarioRun, AKernelThatCannotStartEndsTheRunOrLeavesItToTheModel) {
  RunOptions o;
  o.kernel = other_model("6.18", -1, true);
  ScenarioRun strict(parse(kEtPipe), o);
  EXPECT_FALSE(strict.start());
  EXPECT_EQ(strict.error(), "kernel: no such kernel here");
  EXPECT_TRUE(strict.done());

  o.fall_back_to_model = true;
  ScenarioRun lenient(parse(kEtPipe), o);
  lenient.run_all();
  EXPECT_TRUE(lenient.ok()) << lenient.error();
  EXPECT_FALSE(lenient.kernel_asked());
  EXPECT_EQ(lenient.statements().size(), 9u);
  EXPECT_NE(lenient.note().find("kernel: no such kernel here"), std::string::npos)
      << lenient.note();
}

TEST(ScenarioRun, AKernelThatFailsMidRunEndsTheRunOrIsReplacedByTheModel) {
  RunOptions o;
  o.kernel = other_model("6.18", 4);
  ScenarioRun strict(parse(kEtPipe), o);
  strict.run_all();
  EXPECT_TRUE(strict.kernel_failed());
  EXPECT_EQ(strict.statements().size(), 5u);  // the fifth call failed
  EXPECT_EQ(strict.error(), "the real kernel could not be asked: the other model died");

  o.fall_back_to_model = true;
  ScenarioRun lenient(parse(kEtPipe), o);
  lenient.run_all();
  EXPECT_TRUE(lenient.ok()) << lenient.error();
  EXPECT_FALSE(lenient.kernel_asked());
  EXPECT_EQ(lenient.statements().size(), 9u);  // all of it again, on the model alone
  EXPECT_NE(lenient.note().find("the other model died"), std::string::npos) << lenient.note();
}

// The model alone runs any wait: a negative sleep lets no time pass, one beyond the virtual clock's
// range stops at its end without overflowing (the sanitizer build runs this under UBSan).
TEST(ScenarioRun, TheModelSleepsAnyLengthWithoutOverflow) {
  ScenarioRun run(parse(R"(ep = epoll_create1(0)
t1: epoll_wait(ep, 8, 1000)   => blocks
sleep(-20000)
t1                            => blocks
sleep(9223372036854775807)
t1                            => []
sleep(9223372036854775807)
)"),
                  RunOptions{});
  run.run_all();
  EXPECT_TRUE(run.ok()) << run.error()
                        << (run.statements().empty() ||
                                    run.statements().back().result.backends[0].failed.empty()
                                ? ""
                                : run.statements().back().result.backends[0].failed[0]);
  EXPECT_EQ(run.statements().size(), 7u);
}

TEST(ScenarioRun, AStatementThatCannotRunEndsTheRunWithItsReason) {
  ScenarioRun run(parse("t1: epoll_create1(99)\nep = epoll_create1(0)\n"
                        "pipe(r, w)\nt1: read(r, 1)\nt1: read(r, 1)\nclose(w)\n"),
                  RunOptions{});
  run.run_all();
  ASSERT_EQ(run.statements().size(), 5u);
  EXPECT_EQ(run.error(),
            "thread t1 is still sleeping in read (model); it cannot make another call");
}

TEST(CheckScenario, ReportsEachFailedExpectationWithItsLine) {
  CheckReport r =
      check_scenario(parse("pipe2(r, w, O_NONBLOCK)\nread(r, 10) => 0\n"), RunOptions{});
  EXPECT_EQ(r.calls, 2);
  EXPECT_EQ(r.divergences, 0);
  EXPECT_EQ(r.failed_expectations, 1);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0], "inline.scn:2: read(r, 10) => 0\n    expected 0, model gave -1 EAGAIN");
  EXPECT_FALSE(r.ok());
}

// Races (`=> A or B`). The "kernel" of profile 5.10 answers the last epoll_wait of kEtPipe with
// [] where the model of 6.18 answers [r: EPOLLIN] (a write into a pipe that is not empty wakes no
// reader there): a stand-in for a kernel that took the other path of a race.
std::string et_pipe_ending_with(const std::string& last_expectation) {
  std::string text = kEtPipe;
  text.resize(text.rfind("=>"));
  return text + "=> " + last_expectation + "\n";
}

TEST(Races, AKernelAnswerThatIsAnotherListedAlternativeIsNoDivergence) {
  RunOptions o;
  o.kernel = other_model("5.10");
  ScenarioRun run(parse(et_pipe_ending_with("[r: EPOLLIN] or []")), o);
  run.run_all();
  EXPECT_TRUE(run.ok()) << run.error();
  EXPECT_EQ(run.divergences(), 0);
  EXPECT_EQ(run.failed_expectations(), 0);
  const StatementResult& last = run.statements().back().result;
  EXPECT_TRUE(last.other_path);
  EXPECT_EQ(last.backends[0].alternative, 0);
  EXPECT_EQ(last.backends[1].alternative, 1);
  EXPECT_EQ(describe_paths(last, run.backend_names()),
            "kernel took the other listed path: alternative 2 of 2 ([]); the model took "
            "alternative 1 of 2 ([r: EPOLLIN])");
  // The same kernel, the same scenario: `check` reports which path the kernel took.
  CheckReport r = check_scenario(parse(et_pipe_ending_with("[r: EPOLLIN] or []")), o);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.other_paths, 1);
  ASSERT_EQ(r.races.size(), 1u);
  EXPECT_TRUE(r.races[0].other_path);
  EXPECT_EQ(r.races[0].text.rfind("inline.scn:9: kernel took the other listed path", 0), 0u)
      << r.races[0].text;
}

TEST(Races, TheSamePathOnBothIsReportedAsTheModels) {
  RunOptions o;
  o.kernel = other_model("6.18");
  CheckReport r = check_scenario(parse(et_pipe_ending_with("[] or [r: EPOLLIN]")), o);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.other_paths, 0);
  ASSERT_EQ(r.races.size(), 1u);
  EXPECT_EQ(r.races[0].text,
            "inline.scn:9: kernel took alternative 2 of 2 ([r: EPOLLIN]), as the model");
}

TEST(Races, AKernelAnswerThatIsNoAlternativeFails) {
  RunOptions o;
  o.kernel = other_model("5.10");
  ScenarioRun run(parse(et_pipe_ending_with("[r: EPOLLIN] or [r: EPOLLOUT]")), o);
  run.run_all();
  EXPECT_FALSE(run.ok());
  EXPECT_EQ(run.failed_expectations(), 1);  // the kernel's []
  EXPECT_EQ(run.divergences(), 1);
  const StatementResult& last = run.statements().back().result;
  EXPECT_FALSE(last.other_path);
  EXPECT_TRUE(last.backends[0].failed.empty());
  EXPECT_EQ(last.backends[1].alternative, -1);
  ASSERT_EQ(last.backends[1].failed.size(), 1u);
  EXPECT_EQ(last.backends[1].failed[0], "expected [r: EPOLLIN] or [r: EPOLLOUT], kernel gave 0 []");
  EXPECT_EQ(describe_paths(last, run.backend_names()), "");
}

TEST(Races, TheModelsAnswerMustBeAListedAlternativeToo) {
  RunOptions o;
  o.kernel = other_model("5.10");
  ScenarioRun run(parse(et_pipe_ending_with("[] or [r: EPOLLOUT]")), o);
  run.run_all();
  EXPECT_EQ(run.failed_expectations(), 1);  // the model's [r: EPOLLIN]
  EXPECT_EQ(run.divergences(), 1);
  const StatementResult& last = run.statements().back().result;
  EXPECT_EQ(last.backends[0].failed.size(), 1u);
  EXPECT_TRUE(last.backends[1].failed.empty());
  EXPECT_EQ(last.backends[1].alternative, 0);
}

// Which threads finished: a thread whose next statement lists alternatives may finish at another
// statement on each backend. Here t1 is woken by the second write on 6.18 and times out on 5.10.
constexpr const char* kRacedThread = R"(ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLET)
write(w, 2048)                 => 2048
epoll_wait(ep, 8, 0)           => [r: EPOLLIN]
t1: epoll_wait(ep, 8, 100)     => blocks
write(w, 10)                   => 10
t1                             => [r: EPOLLIN] or blocks
sleep(200)
t1                             => [r: EPOLLIN] or []
)";

TEST(Races, WhenARacedThreadFinishesIsLeftToTheRace) {
  RunOptions o;
  o.kernel = other_model("5.10");
  ScenarioRun run(parse(kRacedThread), o);
  run.run_all();
  EXPECT_TRUE(run.ok()) << run.error();
  EXPECT_EQ(run.divergences(), 0);
  const auto& st = run.statements();
  ASSERT_EQ(st.size(), 10u);
  // The write woke t1 on the model only; the thread still shows in each backend's completions.
  ASSERT_EQ(st[6].result.backends[0].completions.size(), 1u);
  EXPECT_TRUE(st[6].result.backends[1].completions.empty());
  EXPECT_TRUE(st[7].result.other_path);
  EXPECT_EQ(st[7].result.backends[1].alternative, 1);
  EXPECT_TRUE(st[9].result.other_path);

  // Without alternatives the same difference is a divergence of which threads finished.
  std::string plain = kRacedThread;
  plain.replace(plain.find("[r: EPOLLIN] or blocks"), 22, "[r: EPOLLIN]");
  ScenarioRun strict(parse(plain), o);
  strict.run_all();
  EXPECT_GE(strict.divergences(), 1);
  ASSERT_FALSE(strict.statements()[6].result.divergences.empty());
  EXPECT_EQ(strict.statements()[6].result.divergences[0].rfind("threads that finished:", 0), 0u);
}

TEST(Races, ALaterDifferenceIsADivergenceThatNamesWhereThePathsParted) {
  RunOptions o;
  o.kernel = other_model("5.10");
  std::string text = kRacedThread;
  // After the race the model's t1 has its event and the kernel's timed out: asking again differs.
  text += "write(w, 1)                    => 1\nepoll_wait(ep, 8, 0)           => [r: EPOLLIN]\n";
  ScenarioRun run(parse(text), o);
  run.run_all();
  EXPECT_EQ(run.divergences(), 1);
  const StatementResult& last = run.statements().back().result;
  ASSERT_EQ(last.divergences.size(), 1u);
  EXPECT_EQ(last.divergences[0],
            "model 1 [4: EPOLLIN]; kernel 0 [] (the paths parted at line 8, where the kernel took "
            "another listed outcome)");
}

TEST(Normalise, AppliesTheLanguagesRulesByResultKind) {
  CallResult raw;
  raw.ret = 8;
  EXPECT_EQ(normalise(CallId::kEventfdWrite, raw).ret, 0);  // glibc's eventfd_write
  EXPECT_EQ(normalise(CallId::kWrite, raw).ret, 8);         // a count stays a count
  raw.counter = 3;
  EXPECT_EQ(normalise(CallId::kEventfdRead, raw).ret, 3);  // the counter of an eventfd
  raw.counter.reset();
  EXPECT_EQ(normalise(CallId::kEventfdRead, raw).ret, 8);  // the count from another file
  raw.ret = 5;
  EXPECT_EQ(normalise(CallId::kDup, raw).new_fds, std::vector<int>{5});
  EXPECT_TRUE(normalise(CallId::kWrite, raw).new_fds.empty());
  raw.ret = 0;
  raw.fds = {3, 4};
  EXPECT_EQ(normalise(CallId::kPipe2, raw).new_fds, (std::vector<int>{3, 4}));
  raw.ret = -1;
  raw.err = 24;
  const Outcome failed = normalise(CallId::kPipe2, raw);
  EXPECT_EQ(failed.ret, -1);
  EXPECT_EQ(failed.err, 24);
  EXPECT_TRUE(failed.new_fds.empty());
  CallResult sleeping;
  sleeping.blocked = true;
  EXPECT_TRUE(normalise(CallId::kEpollWait, sleeping).blocked);
  EXPECT_EQ(describe_outcome(normalise(CallId::kEpollWait, sleeping), CallId::kEpollWait),
            "blocks");
}

TEST(Variant, FlippingTheTriggerRewritesTheLinesAndDropsTheExpectations) {
  const sim::script::Scenario et = parse(kEtPipe);
  EXPECT_TRUE(uses_edge_trigger(et));
  EXPECT_EQ(trigger_label(et), "edge-triggered");
  const sim::script::Scenario lt = flip_trigger(et);
  EXPECT_FALSE(uses_edge_trigger(lt));
  EXPECT_EQ(trigger_label(lt), "level-triggered");
  EXPECT_EQ(lt.statements[2].source, "epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)");
  EXPECT_EQ(lt.lines[2], "epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)");
  for (const auto& st : lt.statements)
    EXPECT_EQ(st.expect.kind, sim::script::Expectation::Kind::kNone);
  EXPECT_EQ(flip_trigger(lt).statements[2].source, et.statements[2].source);
}

}  // namespace
}  // namespace epollscope::driver
