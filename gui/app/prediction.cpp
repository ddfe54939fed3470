// SPDX-License-Identifier: GPL-2.0-only
// gui/app/prediction.cpp — Predict mode's questions, predictions, reveals and scores
// (prediction.h).
#include "gui/app/prediction.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <variant>

#include "driver/i18n.h"
#include "sim/script/parser.h"
#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::app {

using sim::cat;
using sim::script::Statement;

std::string Prediction::text() const {
  switch (kind) {
    case Kind::kBlocks:
      return "blocks";
    case Kind::kValue:
      return std::to_string(value);
    case Kind::kError:
      return "-1 " + err;
    case Kind::kEvents:
      break;
  }
  std::string out = "[";
  for (std::size_t i = 0; i < events.size(); ++i)
    out += cat(i ? ", " : "", events[i].name, ": ", sim::mask_to_c_names(events[i].mask));
  return out + "]";
}

std::string Prediction::incomplete() const {
  if (kind == Kind::kEvents)
    for (const PredictedEvent& e : events)
      if (e.mask == 0) return driver::trf("choose a mask for {}", e.name);
  if (kind == Kind::kError && err.empty()) return driver::tr("choose an errno");
  return {};
}

void Prediction::append(const std::string& name, uint32_t mask) {
  events.push_back({name, mask});
}

void Prediction::move(std::size_t index, int by) {
  if (index >= events.size()) return;
  const long to = static_cast<long>(index) + by;
  if (to < 0 || to >= static_cast<long>(events.size())) return;
  std::swap(events[index], events[static_cast<std::size_t>(to)]);
}

void Prediction::remove(std::size_t index) {
  if (index < events.size()) events.erase(events.begin() + static_cast<long>(index));
}

const char* mark_text(RevealRow::Mark mark) {
  switch (mark) {
    case RevealRow::Mark::kSame:
      return driver::tr("same");
    case RevealRow::Mark::kOtherMask:
      return driver::tr("other mask");
    case RevealRow::Mark::kOtherPlace:
      return driver::tr("other order");
    case RevealRow::Mark::kOtherItem:
      return driver::tr("other item");
    case RevealRow::Mark::kNotPredicted:
      return driver::tr("not predicted");
    case RevealRow::Mark::kNotReturned:
      return driver::tr("not returned");
  }
  return "";
}

namespace {

// The name an event's data stands for (the scenario's name whose fd it is), else the number.
std::string name_of_data(uint64_t data, const std::map<std::string, int>& names) {
  for (const auto& [name, fd] : names)
    if (static_cast<uint64_t>(fd) == data) return name;
  return std::to_string(data);
}

}  // namespace

std::vector<RevealRow> compare_events(const std::vector<PredictedEvent>& predicted,
                                      const driver::Outcome& answer,
                                      const std::map<std::string, int>& names) {
  std::vector<std::string> answered;
  for (const auto& e : answer.events)
    answered.push_back(name_of_data(e.data, names));
  const std::size_t n = std::max(predicted.size(), answer.events.size());
  std::vector<RevealRow> rows(n);
  for (std::size_t i = 0; i < n; ++i) {
    RevealRow& r = rows[i];
    if (i < predicted.size())
      r.predicted = cat(predicted[i].name, ": ", sim::mask_to_c_names(predicted[i].mask));
    if (i < answer.events.size())
      r.answer = cat(answered[i], ": ", sim::mask_to_c_names(answer.events[i].events));
    using M = RevealRow::Mark;
    if (i >= answer.events.size()) {
      r.mark = M::kNotReturned;
    } else if (i >= predicted.size()) {
      r.mark = M::kNotPredicted;
    } else if (predicted[i].name == answered[i]) {
      r.mark = predicted[i].mask == answer.events[i].events ? M::kSame : M::kOtherMask;
    } else {
      const bool elsewhere =
          std::find(answered.begin(), answered.end(), predicted[i].name) != answered.end();
      r.mark = elsewhere ? M::kOtherPlace : M::kOtherItem;
    }
  }
  return rows;
}

namespace {

// The names of the fds registered in the epoll that statement `index` waits on, in rbr order,
// from the state before it; empty when that epoll cannot be found.
std::vector<std::string> registered_names(const Session& s, std::size_t index,
                                          const std::map<std::string, int>& names) {
  const auto& statements = s.scenario().statements;
  // A thread's result (`t1 => ...`) asks about the call that thread made last.
  std::size_t call = index;
  if (statements[index].kind != Statement::Kind::kCall) {
    call = statements.size();
    for (std::size_t i = index; i-- > 0 && call == statements.size();)
      if (statements[i].kind == Statement::Kind::kCall &&
          statements[i].thread == statements[index].thread)
        call = i;
    if (call == statements.size()) return {};
  }
  const Statement& st = statements[call];
  if (st.args.empty() || st.args[0].kind != sim::script::Arg::Kind::kName) return {};
  auto fd = names.find(st.args[0].name);
  if (fd == names.end() || index >= s.statements().size()) return {};
  const sim::Snapshot& before = s.snapshot_after(s.statements()[call].first_step);
  const sim::FileView* file = before.file_of_fd(fd->second);
  const sim::EventPollView* ep = nullptr;
  for (const auto& e : before.epolls)
    if (file && e->file == file->id) ep = e.get();
  if (!ep) return {};
  std::vector<std::string> out;
  for (const uint32_t id : ep->rbr)
    if (const sim::EpItemView* item = before.item(id)) {
      const std::string name = name_of_data(item->data, names);
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
  return out;
}

}  // namespace

void PredictMode::attach(const Session& s, const Timeline& t, std::size_t generation,
                         std::size_t tick, const std::string& path) {
  if (generation == generation_) return;
  generation_ = generation;
  name_ = std::filesystem::path(path).filename().string();
  questions_.clear();
  revealed_.clear();
  draft_ = Prediction{};
  const driver::ScenarioRun* run = s.run();
  if (!s.ok() || !run) {
    passed_.clear();
    last_revealed_ = 0;
    return;
  }
  const std::map<std::string, int>& names = run->names(0);
  for (const driver::QuestionPoint& q : driver::question_points(s.scenario())) {
    // A question the run never reached (it stopped before) cannot be asked.
    if (q.statement >= s.statements().size()) break;
    Question out;
    out.statement = q.statement;
    out.call = q.call;
    const Statement& st = s.scenario().statements[q.statement];
    out.line = st.loc.line;
    out.text = driver::question_text(s.scenario(), st);
    out.events = driver::returns_events(q.call);
    if (out.events) {
      out.choices = registered_names(s, q.statement, names);
      if (out.choices.empty())
        for (const auto& [name, fd] : names)
          out.choices.push_back(name);
    }
    questions_.push_back(std::move(out));
  }
  passed_.assign(questions_.size(), false);
  for (std::size_t i = 0; i < questions_.size(); ++i)
    passed_[i] = t.first_tick_of(questions_[i].statement) <= tick;
  last_revealed_ = questions_.size();
  // A scenario taken before keeps its score until a prediction of this attempt is revealed.
  by_scenario_.emplace(name_, score());
}

std::size_t PredictMode::pending() const {
  for (std::size_t i = 0; i < questions_.size(); ++i)
    if (!passed_[i] && !revealed_.count(i)) return i;
  return questions_.size();
}

std::size_t PredictMode::stop_tick(const Timeline& t) const {
  const std::size_t q = pending();
  if (q == questions_.size()) return t.ticks();
  return t.first_tick_of(questions_[q].statement) - 1;
}

bool PredictMode::reveal(const Session& s, std::string* why) {
  const std::size_t q = pending();
  const driver::ScenarioRun* run = s.run();
  if (q == questions_.size() || !run) return false;
  if (const std::string missing = draft_.incomplete(); !missing.empty()) {
    if (why) *why = missing;
    return false;
  }
  const Question& question = questions_[q];
  std::set<std::string> names;
  for (const auto& [name, fd] : run->names(0))
    names.insert(name);
  Revealed r;
  r.prediction = draft_.text();
  auto parsed = sim::script::parse_answer(r.prediction, question.call, names);
  if (const auto* e = std::get_if<sim::script::ParseError>(&parsed)) {
    if (why) *why = e->message;
    return false;
  }
  r.reveal = driver::reveal(*run, question.statement, std::get<sim::script::Expectation>(parsed));
  if (question.events && draft_.kind == Prediction::Kind::kEvents && !r.reveal.outcome.blocked &&
      r.reveal.outcome.ret >= 0)
    r.rows =
        compare_events(draft_.events, r.reveal.outcome, run->names(r.reveal.from_kernel ? 1 : 0));
  r.narration = s.scenario().statements[question.statement].narration;
  revealed_[q] = std::move(r);
  last_revealed_ = q;
  draft_ = Prediction{};
  by_scenario_[name_] = score();
  return true;
}

const Revealed* PredictMode::revealed(std::size_t question) const {
  auto it = revealed_.find(question);
  return it == revealed_.end() ? nullptr : &it->second;
}

Score PredictMode::score() const {
  Score out;
  out.questions = questions_.size();
  for (const auto& [q, r] : revealed_) {
    ++out.asked;
    out.right += r.reveal.right ? 1 : 0;
  }
  return out;
}

Score PredictMode::lesson_score(const driver::Lesson& lesson,
                                const std::map<std::string, std::size_t>& questions_of) const {
  Score out;
  for (const std::string& file : lesson.scenarios) {
    const std::string name = std::filesystem::path(file).filename().string();
    auto it = by_scenario_.find(name);
    if (it != by_scenario_.end()) {
      out.right += it->second.right;
      out.asked += it->second.asked;
      out.questions += it->second.questions;
    } else if (auto q = questions_of.find(name); q != questions_of.end()) {
      out.questions += q->second;
    }
  }
  return out;
}

}  // namespace epollscope::app
