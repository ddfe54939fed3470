#include "gui/app/session.h"

#include <fstream>
#include <map>
#include <sstream>
#include <variant>

#include "live/live_backend.h"
#include "sim/script/parser.h"
#include "sim/strings.h"

namespace epollscope::app {
namespace {

bool is_ctl_with_events(const sim::script::Statement& st) {
  return st.kind == sim::script::Statement::Kind::kCall && st.call == "epoll_ctl" &&
         st.args.size() >= 4 && st.args[3].kind == sim::script::Arg::Kind::kNumber;
}

// "all ET", "all LT" or mixed, over the epoll_ctl calls that carry events.
std::string trigger_label(const sim::script::Scenario& s) {
  bool et = false, lt = false;
  for (const auto& st : s.statements) {
    if (!is_ctl_with_events(st) || st.args[1].number == sim::kEPOLL_CTL_DEL) continue;
    (st.args[3].number & static_cast<int64_t>(sim::kEPOLLET) ? et : lt) = true;
  }
  if (et && !lt) return "edge-triggered";
  if (lt && !et) return "level-triggered";
  return "as written";
}

}  // namespace

bool uses_edge_trigger(const sim::script::Scenario& s) {
  for (const auto& st : s.statements)
    if (is_ctl_with_events(st) && (st.args[3].number & static_cast<int64_t>(sim::kEPOLLET)))
      return true;
  return false;
}

sim::script::Scenario flip_trigger(const sim::script::Scenario& s) {
  sim::script::Scenario out = s;
  // Statements of a `repeat` share their line: it is rewritten once, the others take the result.
  std::map<int, std::pair<std::string, std::string>> rewritten;  // line → (argument, source)
  for (auto& st : out.statements) {
    st.expect = sim::script::Expectation{};
    if (!is_ctl_with_events(st) || st.args[1].number == sim::kEPOLL_CTL_DEL) continue;
    auto& ev = st.args[3];
    ev.number ^= static_cast<int64_t>(sim::kEPOLLET);
    const bool now_et = ev.number & static_cast<int64_t>(sim::kEPOLLET);
    if (auto done = rewritten.find(st.loc.line); done != rewritten.end()) {
      ev.text = done->second.first;
      st.source = done->second.second;
      continue;
    }
    // Rewrite the argument in the line as written, so the script panel shows what runs.
    if (st.loc.line < 1 || static_cast<std::size_t>(st.loc.line) > out.lines.size()) continue;
    std::string& line = out.lines[static_cast<std::size_t>(st.loc.line) - 1];
    const std::size_t begin = static_cast<std::size_t>(ev.loc.col) - 1;
    std::size_t end = line.find_first_of(",)", begin);
    if (begin >= line.size() || end == std::string::npos) continue;
    while (end > begin && line[end - 1] == ' ')
      --end;
    std::string arg = line.substr(begin, end - begin);
    if (now_et) {
      arg += " | EPOLLET";
    } else {
      for (const char* form : {" | EPOLLET", " |EPOLLET", "| EPOLLET", "|EPOLLET", "EPOLLET | ",
                               "EPOLLET |", "EPOLLET|"})
        if (auto p = arg.find(form); p != std::string::npos) {
          arg.erase(p, std::string(form).size());
          break;
        }
    }
    line.replace(begin, end - begin, arg);
    ev.text = arg;
    const std::size_t comment = line.find("//");
    std::string code = line.substr(0, comment);
    code.erase(0, code.find_first_not_of(" \t"));
    code.erase(code.find_last_not_of(" \t\r") + 1);
    st.source = code;
    rewritten[st.loc.line] = {arg, code};
  }
  return out;
}

const sim::Recorder& Session::empty_recorder() {
  static sim::Kernel kernel;
  static sim::Recorder recorder(kernel);
  return recorder;
}

std::unique_ptr<Session> Session::from_file(const std::string& path,
                                            const SessionOptions& options) {
  std::ifstream in(path);
  if (!in) {
    auto s = std::unique_ptr<Session>(new Session());
    s->error_ = path + ": cannot read the file";
    return s;
  }
  std::stringstream text;
  text << in.rdbuf();
  return from_text(text.str(), path, options);
}

std::unique_ptr<Session> Session::from_text(const std::string& text, const std::string& path,
                                            const SessionOptions& options) {
  auto s = std::unique_ptr<Session>(new Session());
  auto parsed = sim::script::parse_scenario(text, path);
  if (auto* e = std::get_if<sim::script::ParseError>(&parsed)) {
    s->error_ = e->format();
    return s;
  }
  s->scenario_ = std::get<sim::script::Scenario>(parsed);
  s->run(options);
  return s;
}

void Session::run(const SessionOptions& options) {
  variant_ = options.variant;
  if (variant_ == Variant::kFlipTrigger) scenario_ = flip_trigger(scenario_);
  profile_ = options.profile;
  live_ = options.live;
  recorded_from_ = options.record_from;
  if (!scenario_.profile.empty() && scenario_.profile != profile_->name) {
    profile_ = sim::KernelProfile::by_name(scenario_.profile);
    if (live_)
      note_ =
          sim::cat("this scenario is about Linux ", scenario_.profile, ": the model alone runs it");
    live_ = false;
  }
  label_ = trigger_label(scenario_);
  if (profile_ != &sim::KernelProfile::default_profile())
    label_ += " (Linux " + profile_->name + ")";

  for (int attempt = 0; attempt < 2; ++attempt) {
    backend_ = std::make_unique<sim::script::ModelBackend>(*profile_, options.record_from == 0);
    live::LiveBackend kernel;
    std::vector<sim::script::Backend*> backends{backend_.get()};
    if (live_) backends.push_back(&kernel);
    sim::script::Runner runner(scenario_, backends);
    statements_.clear();
    try {
      std::string error;
      if (!runner.start(&error)) throw live::LiveBackendError(error);
      auto recorded = [&] { return backend_->recorder() ? backend_->recorder()->size() : 0; };
      while (!runner.done()) {
        if (statements_.size() == options.record_from) backend_->start_recording();
        StatementRun r;
        r.first_step = recorded();
        r.result = runner.step();
        r.end_step = recorded();
        const bool stop = !r.result.error.empty();
        statements_.push_back(std::move(r));
        if (stop) break;
      }
      runner.stop();
      divergences_ = runner.divergences();
      failed_ = runner.failed_expectations();
      return;
    } catch (const live::LiveBackendError& e) {
      runner.stop();
      note_ =
          sim::cat("the real kernel could not be asked (", e.what(), "): the model alone runs it");
      live_ = false;
    }
  }
}

std::size_t Session::statement_of_step(std::size_t step) const {
  for (std::size_t i = 0; i < statements_.size(); ++i)
    if (step < statements_[i].end_step) return i;
  return statements_.empty() ? 0 : statements_.size() - 1;
}

const sim::Snapshot& Session::snapshot_after(std::size_t steps) const {
  const sim::Recorder& r = recorder();
  if (steps == 0 || r.snapshots().empty()) return r.initial();
  return r.snapshots()[std::min(steps, r.snapshots().size()) - 1];
}

}  // namespace epollscope::app
