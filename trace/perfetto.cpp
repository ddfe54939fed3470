// SPDX-License-Identifier: GPL-2.0-only
#include "trace/perfetto.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace epollscope::trace {

namespace {
using json = nlohmann::json;
constexpr int kWakeTrack = 0;  // tid of the track of observed wake-ups (no real thread has 0)

double us(int64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}
}  // namespace

PerfettoWriter::~PerfettoWriter() {
  std::string e;
  if (out_.is_open() && !finished_) finish(&e);
}

bool PerfettoWriter::open(const std::string& path, pid_t pid, const std::string& program,
                          std::string* error) {
  path_ = path;
  pid_ = pid;
  out_.open(path, std::ios::out | std::ios::trunc);
  if (!out_) {
    *error = "cannot write " + path;
    return false;
  }
  out_ << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  emit(json{{"ph", "M"},
            {"name", "process_name"},
            {"pid", pid_},
            {"tid", pid_},
            {"args", {{"name", program + " (traced by epollscope)"}}}}
           .dump());
  emit(json{{"ph", "M"},
            {"name", "thread_name"},
            {"pid", pid_},
            {"tid", kWakeTrack},
            {"args", {{"name", "observed wake-ups"}}}}
           .dump());
  return true;
}

void PerfettoWriter::emit(const std::string& obj) {
  if (!out_.is_open() || finished_) return;
  if (!first_) out_ << ",\n";
  first_ = false;
  out_ << obj;
}

void PerfettoWriter::thread_track(pid_t tid) {
  if (named_[tid]) return;
  named_[tid] = true;
  emit(json{
      {"ph", "M"},
      {"name", "thread_name"},
      {"pid", pid_},
      {"tid", tid},
      {"args",
       {{"name", tid == pid_ ? "main " + std::to_string(tid) : "thread " + std::to_string(tid)}}}}
           .dump());
}

void PerfettoWriter::on_step(const sim::TraceStep& step) {
  if (steps_.size() < 10000) steps_.push_back(step);
  if (next_) next_->on_step(step);
}

void PerfettoWriter::on_call(const CallRecord& r) {
  thread_track(r.tid);
  const int64_t start = r.entry_ns;
  const int64_t end = std::max(r.exit_ns, r.entry_ns + 1000);  // at least 1 µs, to be seen
  const std::string name = r.call.substr(0, r.call.find('('));
  json args = {{"call", r.call},
               {"kernel", r.kernel},
               {"verdict", r.diverged ? "≠" : (r.note.empty() ? "=" : r.note)}};
  if (r.diverged) args["model"] = r.model;
  emit(json{{"ph", "X"},
            {"name", name},
            {"cat", r.diverged ? "syscall,divergence" : "syscall"},
            {"pid", pid_},
            {"tid", r.tid},
            {"ts", us(start)},
            {"dur", us(end - start)},
            {"args", args}}
           .dump());
  // The flows of wake-ups into the epoll_wait that returned on their epoll.
  if (name.rfind("epoll_wait", 0) == 0 || name.rfind("epoll_pwait", 0) == 0) {
    const int epfd = std::atoi(r.call.c_str() + name.size() + 1);
    auto it = waiting_flows_.find(epfd);
    if (it != waiting_flows_.end() && r.kernel.rfind("0", 0) != 0 && r.kernel.rfind("-1", 0) != 0) {
      for (uint64_t id : it->second)
        emit(json{{"ph", "f"},
                  {"bp", "e"},
                  {"name", "wake-up"},
                  {"cat", "wakeup"},
                  {"id", id},
                  {"pid", pid_},
                  {"tid", r.tid},
                  {"ts", us(end - 1)}}
                 .dump());
      waiting_flows_.erase(it);
    }
  }
  // The model's kernel functions inside the call, nested by depth, sharing its time evenly.
  std::vector<const sim::TraceStep*> inside;
  for (const auto& s : steps_)
    if (s.call > r.model_calls_before && s.call <= r.model_calls_after && s.depth > 0)
      inside.push_back(&s);
  const std::size_t n = inside.size();
  if (n > 0) {
    const double span = static_cast<double>(end - start);
    auto at = [&](std::size_t i) {
      return static_cast<double>(start) +
             span * static_cast<double>(i + 1) / static_cast<double>(n + 2);
    };
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t j = i + 1;
      while (j < n && inside[j]->depth > inside[i]->depth)
        ++j;
      const double s_ns = at(i);
      const double e_ns =
          j < n ? at(j) : static_cast<double>(end) - span / static_cast<double>(n + 2) / 2;
      emit(json{{"ph", "X"},
                {"name", *inside[i]->function ? inside[i]->function : "step"},
                {"cat", "model"},
                {"pid", pid_},
                {"tid", r.tid},
                {"ts", s_ns / 1000.0},
                {"dur", std::max(0.001, (e_ns - s_ns) / 1000.0)},
                {"args", {{"step", inside[i]->text}}}}
               .dump());
    }
  }
  steps_.clear();
}

void PerfettoWriter::on_wakeup(const WakeRecord& w) {
  const uint64_t id = next_flow_++;
  emit(json{{"ph", "i"},
            {"s", "t"},
            {"name", "wake-up fd " + std::to_string(w.fd)},
            {"cat", "wakeup"},
            {"pid", pid_},
            {"tid", kWakeTrack},
            {"ts", us(w.ns)},
            {"args", {{"file", w.label}, {"epoll", w.epfd}, {"events", w.events}}}}
           .dump());
  emit(json{{"ph", "s"},
            {"name", "wake-up"},
            {"cat", "wakeup"},
            {"id", id},
            {"pid", pid_},
            {"tid", kWakeTrack},
            {"ts", us(w.ns)}}
           .dump());
  auto& flows = waiting_flows_[w.epfd];
  if (flows.size() < 1000) flows.push_back(id);
}

bool PerfettoWriter::finish(std::string* error) {
  if (finished_) return true;
  out_ << "\n]}\n";
  finished_ = true;
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok) *error = "cannot write " + path_;
  return ok;
}

}  // namespace epollscope::trace
