// SPDX-License-Identifier: GPL-2.0-only
#include "sim/text_view.h"

#include <algorithm>
#include <map>

#include "sim/strings.h"
#include "sim/text_wrap.h"

namespace epollscope::sim {
namespace {

bool is_stdio(const FileView& f) {
  return f.kind == FileKind::kRegular &&
         (f.label == "stdin" || f.label == "stdout" || f.label == "stderr");
}

std::string fds_of(const Snapshot& s, uint32_t file) {
  std::string out;
  for (const FdView& f : *s.fds) {
    if (f.file != file) continue;
    out += out.empty() ? "fd " : ",";
    out += std::to_string(f.fd);
  }
  return out.empty() ? "no fd" : out;
}

std::string item_key(const Snapshot& s, uint32_t item) {
  const EpItemView* i = s.item(item);
  if (!i) return "?";
  return cat("fd ", i->fd);
}

std::string item_list(const Snapshot& s, const std::vector<uint32_t>& items) {
  if (items.empty()) return "(empty)";
  std::string out;
  for (uint32_t id : items) {
    if (!out.empty()) out += " -> ";
    out += item_key(s, id);
  }
  return out;
}

std::string private_bits(poll_t events) {
  std::string out;
  if (events & kEPOLLET) out += " ET";
  if (events & kEPOLLONESHOT) out += " ONESHOT";
  if (events & kEPOLLEXCLUSIVE) out += " EXCLUSIVE";
  if (!(events & kEPOLLET)) out += " LT";
  return out;
}

std::string queue_entries(const Snapshot& s, const WaitQueueView& q) {
  if (q.entries.empty()) return "(nobody waits)";
  std::string out;
  for (const WaitEntryView& e : q.entries) {
    if (!out.empty()) out += ", ";
    if (e.kind == WaitEntryView::Kind::kTask || e.kind == WaitEntryView::Kind::kPoll) {
      std::string name = "task";
      for (const TaskView& t : *s.tasks)
        if (t.id == e.id) name = t.name;
      out +=
          cat("thread ", name, e.kind == WaitEntryView::Kind::kPoll ? "'s poll_table_entry" : "");
    } else {
      const EpItemView* i = s.item(e.id);
      const EventPollView* ep = i ? s.epoll(i->ep) : nullptr;
      out += cat(ep ? ep->label : std::string("epoll"), "'s ", item_key(s, e.id));
    }
    if (e.exclusive) out += " (exclusive)";
  }
  return out;
}

}  // namespace

std::vector<std::string> render_steps(const std::vector<TraceStep>& steps, std::size_t from,
                                      std::size_t to, std::size_t width) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < to && i < steps.size(); ++i) {
    const TraceStep& s = steps[i];
    std::string head(2 * s.depth, ' ');
    head += s.function;
    // The text column: 28 wide enough for every function name; on a narrow screen a third of it.
    const std::size_t column = width >= 68 ? 28 : std::max<std::size_t>(width / 3, 12);
    head.resize(std::max<std::size_t>(head.size() + 1, column), ' ');
    std::size_t indent = head.size();
    if (indent + 20 > width) {
      // No room beside the name: the text goes under it.
      head.resize(2 * s.depth + std::string(s.function).size());
      out.push_back(head);
      head = std::string(2 * s.depth + 2, ' ');
      indent = head.size();
    }
    std::vector<std::string> lines = wrap(s.text, width > indent + 20 ? width - indent : 20, 0);
    for (std::size_t n = 0; n < lines.size(); ++n)
      out.push_back((n == 0 ? head : std::string(indent, ' ')) + lines[n]);
  }
  return out;
}

std::vector<std::string> wrap_line(const std::string& line, std::size_t width) {
  if (width == 0 || text_columns(line) <= width) return {line};
  std::size_t lead = line.find_first_not_of(' ');
  if (lead == std::string::npos) return {line};
  // A label column: "  rbr      fd 4 ..." continues under "fd 4".
  std::size_t value = std::string::npos;
  const std::size_t gap = line.find("  ", lead);
  if (gap != std::string::npos && gap - lead <= 10) {
    const std::size_t v = line.find_first_not_of(' ', gap);
    if (v != std::string::npos && v - lead <= 12) value = v;
  }
  std::string prefix, rest;
  std::size_t indent = 0;
  if (value != std::string::npos) {
    prefix = line.substr(0, value);
    rest = line.substr(value);
    indent = 0;
  } else {
    prefix = line.substr(0, lead);
    rest = line.substr(lead);
    indent = 2;
  }
  // Too narrow for the label column: wrap under the leading spaces.
  if (prefix.size() + 20 > width) {
    prefix = std::string(std::min(lead, width / 4), ' ');
    rest = line.substr(lead);
    indent = 2;
  }
  std::vector<std::string> out;
  for (const std::string& l : wrap(rest, width - prefix.size(), indent))
    out.push_back((out.empty() ? prefix : std::string(prefix.size(), ' ')) + l);
  return out;
}

std::vector<std::string> render_state(const Snapshot& s, std::size_t width) {
  std::vector<std::string> out;
  for (const StateBlock& b : render_state_blocks(s, width))
    out.insert(out.end(), b.lines.begin(), b.lines.end());
  return out;
}

std::vector<StateBlock> render_state_blocks(const Snapshot& s, std::size_t width) {
  std::vector<StateBlock> blocks;
  std::vector<std::string> out;
  auto begin = [&](std::string key, std::string gone) {
    if (!blocks.empty()) blocks.back().lines = std::move(out);
    out.clear();
    blocks.push_back(StateBlock{std::move(key), {}, std::move(gone)});
  };
  for (const auto& ep : s.epolls) {
    begin(ep->label, "closed");
    out.push_back(cat(ep->label, " (", fds_of(s, ep->file), ")"));
    std::string rbr;
    for (uint32_t id : ep->rbr) {
      const EpItemView* i = s.item(id);
      if (!rbr.empty()) rbr += "  ";
      rbr +=
          cat(item_key(s, id), i && i->red ? " (red)" : " (black)", id == ep->root ? " root" : "");
    }
    out.push_back(cat("  rbr      ", rbr.empty() ? "(empty)" : rbr));
    for (uint32_t id : ep->rbr) {
      const EpItemView* i = s.item(id);
      if (!i) continue;
      const FileView* f = s.file(i->file);
      out.push_back(cat(
          "    ", item_key(s, id), ": ", f ? f->label : std::string("?"), ", events ",
          mask_to_string(i->events & ~(kEPOLLET | kEPOLLONESHOT | kEPOLLEXCLUSIVE | kEPOLLWAKEUP)),
          private_bits(i->events), ", data ", i->data));
    }
    out.push_back(cat("  rdllist  ", item_list(s, ep->rdllist)));
    if (ep->scanning) {
      out.push_back(cat("  txlist   ", item_list(s, ep->txlist)));
      out.push_back(cat("  ovflist  ", item_list(s, ep->ovflist), " (a scan is running)"));
    }
    out.push_back(cat("  wq       ", queue_entries(s, ep->wq)));
    if (!ep->poll_wait.entries.empty())
      out.push_back(cat("  poll_wait ", queue_entries(s, ep->poll_wait)));
  }
  for (const auto& f : s.files) {
    if (is_stdio(*f) || f->kind == FileKind::kEpoll) continue;
    begin(f->label, "closed");
    out.push_back(cat(f->label, " (", fds_of(s, f->id), ")"));
    out.push_back(cat("  poll     ", mask_to_string(f->mask)));
    if (!f->detail.empty())
      out.push_back(cat(f->kind == FileKind::kObserved ? "  observed " : "  buffer   ", f->detail));
    for (const WaitQueueView& q : f->queues) {
      std::string name = q.label.substr(q.label.rfind(' ') + 1);
      if (name.size() < 8) name.resize(8, ' ');
      out.push_back(cat("  ", name, " ", queue_entries(s, q)));
    }
  }
  for (const TaskView& t : *s.tasks)
    if (t.state != TaskState::kRunning) {
      begin(cat("thread ", t.name), "runs again");
      out.push_back(cat("thread ", t.name, ": ", task_state_name(t.state), " in ", t.blocked_call));
    }
  if (!blocks.empty()) blocks.back().lines = std::move(out);
  if (width)
    for (StateBlock& b : blocks) {
      std::vector<std::string> wrapped;
      for (const std::string& l : b.lines)
        for (std::string& w : wrap_line(l, width))
          wrapped.push_back(std::move(w));
      b.lines = std::move(wrapped);
    }
  return blocks;
}

std::vector<std::string> side_by_side(const std::vector<std::string>& left,
                                      const std::vector<std::string>& right, std::size_t width,
                                      const std::string& left_title,
                                      const std::string& right_title) {
  // Cut or padded to `width` terminal columns: a character (✓, ≠, →) takes one, a CJK one two.
  auto fit = [width](std::string s) {
    std::size_t columns = 0, cut = s.size(), cut_columns = 0;
    for (std::size_t i = 0, len = 1; i < s.size(); i += len) {
      const auto w = static_cast<std::size_t>(terminal_columns(code_point(s, i, &len)));
      if (cut == s.size() && columns + w > width - 1) {
        cut = i;
        cut_columns = columns;
      }
      columns += w;
    }
    if (columns > width) {
      s = s.substr(0, cut) + "~";
      columns = cut_columns + 1;
    }
    return s + std::string(width - columns, ' ');
  };
  std::vector<std::string> out;
  if (!left_title.empty() || !right_title.empty())
    out.push_back(fit(left_title) + " | " + right_title);
  for (std::size_t i = 0; i < std::max(left.size(), right.size()); ++i) {
    std::string l = i < left.size() ? left[i] : std::string();
    std::string r = i < right.size() ? right[i] : std::string();
    std::string line = fit(l) + " | " + r;
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> wrap(const std::string& text, std::size_t width, std::size_t indent) {
  // Words are separated by one space, however many the text has (a state line's columns).
  std::string words;
  for (char c : text)
    if (c != ' ' || (!words.empty() && words.back() != ' ')) words += c;
  if (words.empty()) return {};
  return wrap_hanging(words, width, indent);
}

}  // namespace epollscope::sim
