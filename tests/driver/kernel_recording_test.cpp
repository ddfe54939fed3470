// SPDX-License-Identifier: GPL-2.0-only
// The recorded kernel (driver/kernel_recording.h): a run recorded with the real kernel and
// replayed through the file format gives the same answers and the same tree order every time, and
// the same as the recorded run, compared field by field; a recording of another text is refused;
// a cut or hand-edited file is a "file:line: what" error, never a crash; a replay asked another
// question says where.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <variant>

#include "driver/driver.h"
#include "driver/kernel_recording.h"
#include "driver/scenario_files.h"
#include "live/calibrate.h"
#include "live/live_backend.h"
#include "tests/driver/et_pipe.h"

namespace epollscope::driver {
namespace {

using test::kEtPipe;
const auto parse = test::parse_inline;

sim::script::Scenario library(const char* name) {
  auto loaded = load_scenario(std::string(EPOLLSCOPE_SCENARIO_DIR) + "/" + name);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) ADD_FAILURE() << e->format();
  return std::get<sim::script::Scenario>(std::move(loaded));
}

// A "kernel" that is the model of this profile, answering in its own key order: enough to make a
// recording without the real kernel.
KernelFactory model_kernel() {
  return [] { return std::make_unique<ModelBackend>(sim::KernelProfile::default_profile()); };
}

KernelRecording recorded(const sim::script::Scenario& scenario, KernelFactory kernel,
                         const sim::KernelProfile& profile) {
  auto rec = std::make_shared<KernelRecording>();
  rec->release = "test";
  rec->profile = profile.name;
  RunOptions ro;
  ro.profile = &profile;
  ro.kernel = [kernel, rec] { return std::make_unique<RecordingBackend>(kernel(), rec); };
  {
    ScenarioRun run(scenario, ro);
    run.run_all();
    EXPECT_TRUE(run.kernel_asked());
  }
  return *rec;
}

// Through the text format, as a file would be read.
std::shared_ptr<const KernelRecording> through_text(const KernelRecording& rec) {
  auto parsed = parse_kernel_recording(format_kernel_recording(rec), "run.txt");
  if (auto* e = std::get_if<std::string>(&parsed)) ADD_FAILURE() << *e;
  return std::make_shared<const KernelRecording>(std::get<KernelRecording>(std::move(parsed)));
}

RunOptions replaying(std::shared_ptr<const KernelRecording> rec,
                     const sim::KernelProfile& profile) {
  RunOptions ro;
  ro.profile = &profile;
  ro.kernel = [rec] { return std::make_unique<ReplayBackend>(rec); };
  return ro;
}

// Every statement's results (each backend's outcome, threads finished, failures, the listed
// alternative; divergences; errors) and every recorded state's epolls and epitems (the tree:
// key order, root, colours and links).
void expect_same_run(const ScenarioRun& a, const ScenarioRun& b) {
  EXPECT_EQ(a.error(), b.error());
  EXPECT_EQ(a.backend_names(), b.backend_names());
  ASSERT_EQ(a.statements().size(), b.statements().size());
  for (std::size_t i = 0; i < a.statements().size(); ++i) {
    const StatementResult& x = a.statements()[i].result;
    const StatementResult& y = b.statements()[i].result;
    SCOPED_TRACE("line " + std::to_string(x.statement->loc.line) + ": " + x.statement->source);
    EXPECT_EQ(x.statement->loc.line, y.statement->loc.line);
    EXPECT_EQ(x.divergences, y.divergences);
    EXPECT_EQ(x.error, y.error);
    EXPECT_EQ(x.other_path, y.other_path);
    ASSERT_EQ(x.backends.size(), y.backends.size());
    for (std::size_t k = 0; k < x.backends.size(); ++k) {
      EXPECT_EQ(x.backends[k].ran, y.backends[k].ran);
      EXPECT_EQ(x.backends[k].outcome, y.backends[k].outcome);
      EXPECT_EQ(x.backends[k].completions, y.backends[k].completions);
      EXPECT_EQ(x.backends[k].failed, y.backends[k].failed);
      EXPECT_EQ(x.backends[k].alternative, y.backends[k].alternative);
    }
  }
  const auto& sa = a.recorder().snapshots();
  const auto& sb = b.recorder().snapshots();
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t s = 0; s < sa.size(); ++s) {
    ASSERT_EQ(sa[s].epolls.size(), sb[s].epolls.size());
    for (std::size_t e = 0; e < sa[s].epolls.size(); ++e)
      if (sa[s].epolls[e] && sb[s].epolls[e]) {
        EXPECT_EQ(*sa[s].epolls[e], *sb[s].epolls[e]) << "step " << s;
      }
    ASSERT_EQ(sa[s].items.size(), sb[s].items.size());
    for (std::size_t e = 0; e < sa[s].items.size(); ++e) {
      ASSERT_EQ(!sa[s].items[e], !sb[s].items[e]) << "step " << s << " item " << e;
      if (sa[s].items[e]) {
        EXPECT_EQ(*sa[s].items[e], *sb[s].items[e]) << "step " << s;
      }
    }
  }
}

// The largest number of items any of the run's epolls held at once.
std::size_t most_items(const ScenarioRun& run) {
  std::size_t most = 0;
  for (const auto& snap : run.recorder().snapshots())
    for (const auto& ep : snap.epolls)
      if (ep) most = std::max(most, ep->rbr.size());
  return most;
}

class RealKernelRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(RealKernelRoundTrip, TwoReplaysGiveTheRecordedRunsAnswersAndTreeOrder) {
  const sim::script::Scenario scenario = library(GetParam());
  const sim::KernelProfile& profile = *live::calibrate().profile;
  // Recorded with the real kernel; the run itself is kept to compare with.
  auto rec = std::make_shared<KernelRecording>();
  rec->release = "test";
  rec->profile = profile.name;
  RunOptions ro;
  ro.profile = &profile;
  ro.kernel = [rec] {
    return std::make_unique<RecordingBackend>(std::make_unique<live::LiveBackend>(), rec);
  };
  ScenarioRun original(scenario, ro);
  original.run_all();
  ASSERT_TRUE(original.kernel_asked()) << original.note();
  ASSERT_TRUE(original.error().empty()) << original.error();
  ASSERT_EQ(rec->runs.size(), 1u);
  EXPECT_EQ(rec->runs[0].hash, scenario_hash(scenario));
  EXPECT_EQ(original.note(), "");  // the real kernel answered: nothing to say

  const auto file = through_text(*rec);
  ScenarioRun first(scenario, replaying(file, profile));
  first.run_all();
  ScenarioRun second(scenario, replaying(file, profile));
  second.run_all();
  ASSERT_TRUE(first.error().empty()) << first.error();
  EXPECT_EQ(first.note(), "kernel: recorded on Linux test (run.txt)");
  // Several epitems in one tree, so that the order of rbr matters.
  EXPECT_GE(most_items(first), 2u);
  expect_same_run(first, second);
  expect_same_run(original, first);
}

INSTANTIATE_TEST_SUITE_P(DriverKernelRecording, RealKernelRoundTrip,
                         ::testing::Values("03-del-add-moves-to-tail.scn",
                                           "07-et-echo-server.scn"));

TEST(DriverKernelRecording, ARecordingOfAnotherScenarioTextIsRefused) {
  const auto rec =
      through_text(recorded(parse(kEtPipe), model_kernel(), sim::KernelProfile::default_profile()));
  // One more comment line is another text: another hash.
  const sim::script::Scenario edited = parse(std::string("# edited\n") + kEtPipe);
  EXPECT_NE(unrecorded(*rec, edited), "");
  RunOptions ro = replaying(rec, sim::KernelProfile::default_profile());
  ScenarioRun run(edited, ro);
  run.run_all();
  EXPECT_FALSE(run.kernel_asked() && run.error().empty());
  EXPECT_NE(run.error().find("run.txt holds no answers for this text of inline.scn"),
            std::string::npos)
      << run.error();
  EXPECT_EQ(run.statements().size(), 0u);
  // The window falls back to the model alone and says why.
  ro.fall_back_to_model = true;
  ScenarioRun window(edited, ro);
  window.run_all();
  EXPECT_FALSE(window.kernel_asked());
  EXPECT_NE(window.note().find("holds no answers"), std::string::npos) << window.note();
  // The text it was recorded for replays.
  ScenarioRun same(parse(kEtPipe), replaying(rec, sim::KernelProfile::default_profile()));
  same.run_all();
  EXPECT_TRUE(same.error().empty()) << same.error();
  EXPECT_TRUE(same.kernel_asked());
}

TEST(DriverKernelRecording, TheFormatKeepsEveryField) {
  KernelRecording rec;
  rec.release = "6.1.0-18-amd64 #1 SMP";
  rec.profile = "6.18";
  RecordedRun run;
  run.hash = 0x0123456789abcdefull;
  run.path = "scenarios/with space.scn";
  run.rlimit_nofile = sim::RlimitNofile{512, 4096, 1048576};
  RecordedAnswer call;
  call.line = 7;
  call.thread = "t1";
  call.call = CallId::kEpollWait;
  call.result.ret = 2;
  call.result.events = {{0x1, 4}, {0x8000001u, 18446744073709551615ull}};
  run.answers.push_back(call);
  call.result = {};
  call.result.blocked = true;
  run.answers.push_back(call);
  call.call = CallId::kPipe2;
  call.result = {};
  call.result.fds = {4, 5};
  run.answers.push_back(call);
  call.call = CallId::kEventfdRead;
  call.result = {};
  call.result.ret = -1;
  call.result.err = 11;
  run.answers.push_back(call);
  call.result = {};
  call.result.ret = 8;
  call.result.counter = 3;
  run.answers.push_back(call);
  RecordedAnswer done;
  done.kind = RecordedAnswer::Kind::kCompletions;
  CallResult r;
  r.ret = 1;
  r.events = {{0x4, 9}};
  done.completions = {{"t1", r}, {"t2", CallResult{}}};
  run.answers.push_back(done);
  RecordedAnswer info;
  info.kind = RecordedAnswer::Kind::kFdinfo;
  info.epfd = 3;
  info.fdinfo = {{5, 0x8000019u, 5}, {4, 0x19, 42}};
  run.answers.push_back(info);
  rec.runs.push_back(run);

  auto back = parse_kernel_recording(format_kernel_recording(rec), "r.txt");
  ASSERT_TRUE(std::holds_alternative<KernelRecording>(back)) << std::get<std::string>(back);
  const KernelRecording& k = std::get<KernelRecording>(back);
  EXPECT_EQ(k.release, rec.release);
  EXPECT_EQ(k.profile, rec.profile);
  EXPECT_EQ(k.origin(), "recorded on Linux 6.1.0-18-amd64 #1 SMP (r.txt)");
  ASSERT_EQ(k.runs.size(), 1u);
  const RecordedRun& got = k.runs[0];
  EXPECT_EQ(got.hash, run.hash);
  EXPECT_EQ(got.path, run.path);
  EXPECT_EQ(got.rlimit_nofile, run.rlimit_nofile);
  ASSERT_EQ(got.answers.size(), run.answers.size());
  for (std::size_t i = 0; i < run.answers.size(); ++i) {
    const RecordedAnswer &x = run.answers[i], &y = got.answers[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.line, y.line);
    EXPECT_EQ(x.thread, y.thread);
    EXPECT_EQ(x.call, y.call);
    EXPECT_EQ(normalise(x.call, x.result), normalise(y.call, y.result));
    EXPECT_EQ(x.result.fds, y.result.fds);
    EXPECT_EQ(x.result.counter, y.result.counter);
    EXPECT_EQ(x.result.events, y.result.events);
    ASSERT_EQ(x.completions.size(), y.completions.size());
    for (std::size_t c = 0; c < x.completions.size(); ++c) {
      EXPECT_EQ(x.completions[c].thread, y.completions[c].thread);
      EXPECT_EQ(x.completions[c].result.events, y.completions[c].result.events);
      EXPECT_EQ(x.completions[c].result.ret, y.completions[c].result.ret);
    }
    EXPECT_EQ(x.epfd, y.epfd);
    EXPECT_EQ(x.fdinfo, y.fdinfo);
  }
  // Written again, the same text.
  EXPECT_EQ(format_kernel_recording(k), format_kernel_recording(rec));
}

// What the parser says about `text` ("" when it parses).
std::string error_of(const std::string& text) {
  auto r = parse_kernel_recording(text, "run.txt");
  if (auto* e = std::get_if<std::string>(&r)) return *e;
  return {};
}

TEST(DriverKernelRecording, ACutFileIsAnErrorAtItsLastLineNeverACrash) {
  const std::string text = format_kernel_recording(
      recorded(parse(kEtPipe), model_kernel(), sim::KernelProfile::default_profile()));
  ASSERT_EQ(error_of(text), "");
  // Cut at every byte: it parses only where a whole run ends; else "run.txt:N: ...".
  int whole = 0;
  for (std::size_t n = 0; n <= text.size(); ++n) {
    const std::string cut = text.substr(0, n);
    const std::string e = error_of(cut);
    if (e.empty()) {
      ++whole;
      EXPECT_TRUE(cut.ends_with("end\n") || cut.ends_with("end")) << n;
      continue;
    }
    EXPECT_TRUE(e.starts_with("run.txt:")) << e;
    const std::size_t colon = e.find(':', 8);
    ASSERT_NE(colon, std::string::npos) << e;
    EXPECT_GT(std::stoi(e.substr(8, colon - 8)), 0) << e;
  }
  EXPECT_EQ(whole, 2);  // after "end" and after "end\n"
}

TEST(DriverKernelRecording, AHandEditedFileSaysWhichLineAndWhatIsWrong) {
  const std::string head = "epollscope-kernel-recording 1\nkernel 6.1\nprofile 6.18\n";
  const std::string run = "run 0123456789abcdef x.scn\n";
  EXPECT_EQ(error_of(head + run + "call 1 main epoll_create1 ret 3\nend\n"), "");
  EXPECT_EQ(error_of(""),
            "run.txt:1: not a kernel recording: the first line must be "
            "'epollscope-kernel-recording 1' (made by `epollscope check --save-kernel`)");
  EXPECT_EQ(error_of("epollscope-kernel-recording 2\n"),
            "run.txt:1: version 2 is not one this epollscope reads (it reads 1)");
  EXPECT_EQ(error_of(head + run + "call 1 main epoll_create1 ret three\nend\n"),
            "run.txt:5: the return value 'three' is not a number");
  EXPECT_EQ(error_of(head + run + "call 1 main epoll_crate1 ret 3\nend\n"),
            "run.txt:5: unknown call 'epoll_crate1'");
  EXPECT_EQ(error_of(head + run + "call 1 main epoll_create1 ret -1 err EWHAT\nend\n"),
            "run.txt:5: unknown errno 'EWHAT'");
  EXPECT_EQ(error_of(head + run + "call 1 main epoll_create1 ret -1\nend\n"),
            "run.txt:5: a return value of -1 needs its errno ('err ENAME')");
  EXPECT_EQ(error_of(head + run + "call 0 main epoll_create1 ret 3\nend\n"),
            "run.txt:5: scenario line 0 (lines are numbered from 1)");
  EXPECT_EQ(error_of(head + run + "call 1 main epoll_wait ret 1 events 2\nevent 0x1 4\nend\n"),
            "run.txt:7: expected event 2 of 2 ('event MASK DATA'), not 'end'");
  EXPECT_EQ(error_of(head + run + "fdinfo 3 99999999999\nend\n"),
            "run.txt:5: the number of items 99999999999 is more than the 1048576 a recording "
            "may hold");
  EXPECT_EQ(error_of(head + run + "fdinfo 3 1\ntfd 4 events 0x19\nend\n"),
            "run.txt:6: expected item 1 of 1 ('tfd FD events MASK data DATA')");
  EXPECT_EQ(error_of(head + run + "completions 1\ndone t1 ret 1 events 1\n"),
            "run.txt:6: the file ends inside a list of 1 events");
  EXPECT_EQ(error_of(head + run + "explode 1\nend\n"), "run.txt:5: unknown record 'explode'");
  EXPECT_EQ(error_of(head + "run 0123 x.scn\nend\n"),
            "run.txt:4: the content hash '0123' is not 16 hex digits");
  EXPECT_EQ(error_of(head + run + "end\n" + run + "end\n"),
            "run.txt:6: a second run for the content hash 0123456789abcdef");
  EXPECT_EQ(error_of(head + "call 1 main epoll_create1 ret 3\n"),
            "run.txt:4: 'call' outside a run (a `run HASH PATH` line comes first)");
  EXPECT_EQ(error_of("epollscope-kernel-recording 1\nkernel 6.1\nprofile 9.99\n"),
            "run.txt:3: unknown kernel profile '9.99'");
  EXPECT_EQ(error_of(head + run + std::string(5000, 'x') + "\n"),
            "run.txt:5: the line is 5000 characters long; at most 4096 are allowed");
  // Any byte changed anywhere: an error with a line, or a file that still parses; never a crash.
  const std::string text = format_kernel_recording(
      recorded(parse(kEtPipe), model_kernel(), sim::KernelProfile::default_profile()));
  for (std::size_t i = 0; i < text.size(); ++i)
    for (char c : {'\0', ' ', '\n', '9', '-', 'x', '\xff'}) {
      std::string edited = text;
      edited[i] = c;
      const std::string e = error_of(edited);
      if (!e.empty()) {
        EXPECT_TRUE(e.starts_with("run.txt:")) << e;
      }
    }
}

TEST(DriverKernelRecording, AReplayAskedAnotherQuestionSaysWhereInTheFile) {
  const sim::script::Scenario scenario = parse(kEtPipe);
  std::string text = format_kernel_recording(
      recorded(scenario, model_kernel(), sim::KernelProfile::default_profile()));
  // The answer to line 4 (the first write) said to be line 5's.
  const std::size_t at = text.find("call 4 main write");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 6, "call 5");
  const int file_line = static_cast<int>(std::count(text.begin(), text.begin() + at, '\n')) + 1;
  auto parsed = parse_kernel_recording(text, "run.txt");
  ASSERT_TRUE(std::holds_alternative<KernelRecording>(parsed));
  auto rec = std::make_shared<const KernelRecording>(std::get<KernelRecording>(parsed));
  ScenarioRun run(scenario, replaying(rec, sim::KernelProfile::default_profile()));
  run.run_all();
  EXPECT_TRUE(run.kernel_failed());
  EXPECT_NE(run.error().find("run.txt:" + std::to_string(file_line) +
                             ": the recording answers line 5's write (thread main) here, and the "
                             "run asks line 4's write (thread main)"),
            std::string::npos)
      << run.error();
}

// The fds of the items of the first epoll, in rbr's key order, after the run.
std::vector<int> tree_order(const ScenarioRun& run) {
  std::vector<int> fds;
  const sim::Snapshot& last = run.recorder().latest();
  for (const auto& ep : last.epolls)
    if (ep) {
      for (uint32_t id : ep->rbr)
        if (const sim::EpItemView* item = last.item(id)) fds.push_back(item->fd);
      break;
    }
  return fds;
}

TEST(DriverKernelRecording, TheModelLearnsTheTreeOrderFromTheRecording) {
  const sim::script::Scenario scenario = parse(R"(ep = epoll_create1(0)
pipe(a, b)
pipe(c, d)
epoll_ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN)
epoll_ctl(ep, EPOLL_CTL_ADD, c, EPOLLIN)
)");
  const std::string text = format_kernel_recording(
      recorded(scenario, model_kernel(), sim::KernelProfile::default_profile()));
  auto replay = [&](const std::string& t) {
    auto parsed = parse_kernel_recording(t, "run.txt");
    EXPECT_TRUE(std::holds_alternative<KernelRecording>(parsed)) << std::get<std::string>(parsed);
    auto rec = std::make_shared<const KernelRecording>(std::get<KernelRecording>(parsed));
    ScenarioRun run(scenario, replaying(rec, sim::KernelProfile::default_profile()));
    run.run_all();
    EXPECT_TRUE(run.error().empty()) << run.error();
    return tree_order(run);
  };
  const std::vector<int> as_recorded = replay(text);
  ASSERT_EQ(as_recorded.size(), 2u);
  // The kernel's fdinfo after the second ADD, its two items swapped by hand: the model builds its
  // tree in that order instead.
  const std::string first = "tfd " + std::to_string(as_recorded[0]) + " events 0x19 data " +
                            std::to_string(as_recorded[0]) + "\n";
  const std::string second = "tfd " + std::to_string(as_recorded[1]) + " events 0x19 data " +
                             std::to_string(as_recorded[1]) + "\n";
  std::string swapped = text;
  for (std::size_t at = 0; (at = swapped.find(first + second, at)) != std::string::npos;)
    swapped.replace(at, first.size() + second.size(), second + first);
  ASSERT_NE(swapped, text);
  EXPECT_EQ(replay(swapped), (std::vector<int>{as_recorded[1], as_recorded[0]}));
}

}  // namespace
}  // namespace epollscope::driver
