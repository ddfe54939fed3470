// SPDX-License-Identifier: GPL-2.0-only
#include "driver/variant.h"

#include <map>
#include <utility>

#include "sim/uapi.h"

namespace epollscope::driver {
namespace {

bool is_ctl_with_events(const sim::script::Statement& st) {
  return st.kind == sim::script::Statement::Kind::kCall &&
         st.call == sim::script::CallId::kEpollCtl && st.args.size() >= 4 &&
         st.args[3].kind == sim::script::Arg::Kind::kNumber;
}

}  // namespace

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

}  // namespace epollscope::driver
