// SPDX-License-Identifier: GPL-2.0-only
// driver/i18n_steps.cpp — the model's step sentences in Chinese. sim/ builds each sentence in
// English by concatenation (`cat(item_name(epi), " joins the tail of ", ep_name(ep), "'s
// rdllist")`) and stays language-free; here each sentence shape is an English template whose `{}`
// stand for what varies (fds, addresses, numbers, masks, names), and its Chinese, where `{1}`,
// `{2}`, ... put those parts back in any order. The first template that matches wins, so a longer
// one goes before a shorter one it contains. tests/driver/i18n_test runs every library scenario
// and fails on a sentence no template matches.
//
// [SECTION] the templates, most frequent first
// [SECTION] matching
#include <mutex>
#include <unordered_map>

#include "driver/i18n.h"

namespace epollscope::driver {

// ---------------------------------------------------------------------------------------------
// [SECTION] the templates, most frequent first
// ---------------------------------------------------------------------------------------------
const std::vector<std::pair<const char*, const char*>>& step_templates() {
  static const std::vector<std::pair<const char*, const char*>> templates = {
#include "driver/i18n_steps.inc"
  };
  return templates;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] matching
// ---------------------------------------------------------------------------------------------
namespace {

// A template cut at its placeholders: literal pieces, one more than the placeholders.
struct Compiled {
  std::vector<std::string_view> pieces;
  std::string_view zh;
};

std::vector<Compiled> compile(const std::vector<std::pair<const char*, const char*>>& table) {
  std::vector<Compiled> out;
  for (const auto& [en, zh] : table) {
    Compiled c;
    c.zh = zh;
    std::string_view rest = en;
    for (std::size_t at; (at = rest.find("{}")) != std::string_view::npos;
         rest.remove_prefix(at + 2))
      c.pieces.push_back(rest.substr(0, at));
    c.pieces.push_back(rest);
    out.push_back(std::move(c));
  }
  return out;
}

const std::vector<Compiled>& compiled() {
  static const std::vector<Compiled> all = compile(step_templates());
  return all;
}

// The placeholders' text when `text` has the template's shape (each non-empty, the leftmost
// place for each literal piece).
bool match(const Compiled& c, std::string_view text, std::vector<std::string_view>* parts) {
  parts->clear();
  const std::string_view first = c.pieces.front(), last = c.pieces.back();
  if (c.pieces.size() == 1) return text == first;
  if (text.size() < first.size() + last.size() || text.substr(0, first.size()) != first ||
      text.substr(text.size() - last.size()) != last)
    return false;
  std::string_view body = text.substr(first.size(), text.size() - first.size() - last.size());
  for (std::size_t i = 1; i + 1 < c.pieces.size(); ++i) {
    // A placeholder is never empty: the piece is looked for from the second character.
    const std::size_t at = body.size() < 1 ? std::string_view::npos : body.find(c.pieces[i], 1);
    if (at == std::string_view::npos) return false;
    parts->push_back(body.substr(0, at));
    body.remove_prefix(at + c.pieces[i].size());
  }
  if (body.empty()) return false;
  parts->push_back(body);
  return true;
}

// A part that is sim::bytes()'s "2048 bytes" or "1 byte" reads "2048 字节"; other parts (names,
// masks, fds) are kept as they are.
std::string in_chinese(std::string_view part) {
  for (const std::string_view unit : {std::string_view(" bytes"), std::string_view(" byte")}) {
    if (part.size() <= unit.size() || part.substr(part.size() - unit.size()) != unit) continue;
    const std::string_view number = part.substr(0, part.size() - unit.size());
    if (number.find_first_not_of("0123456789") == std::string_view::npos)
      return std::string(number) + " 字节";
  }
  return std::string(part);
}

std::string fill(std::string_view zh, const std::vector<std::string_view>& parts) {
  std::string out;
  for (std::size_t i = 0; i < zh.size(); ++i) {
    if (zh[i] == '{' && i + 2 < zh.size() && zh[i + 1] >= '1' && zh[i + 1] <= '9' &&
        zh[i + 2] == '}') {
      const std::size_t n = static_cast<std::size_t>(zh[i + 1] - '1');
      if (n < parts.size()) out += in_chinese(parts[n]);
      i += 2;
      continue;
    }
    out += zh[i];
  }
  return out;
}

}  // namespace

std::optional<std::string> step_zh(const std::string& english) {
  // Sentences repeat (every wake-up of a pipe says the same): the answers are kept, up to a bound.
  static std::mutex mutex;
  static std::unordered_map<std::string, std::optional<std::string>> cache;
  {
    std::lock_guard lock(mutex);
    if (const auto found = cache.find(english); found != cache.end()) return found->second;
  }
  std::optional<std::string> result;
  std::vector<std::string_view> parts;
  for (const Compiled& c : compiled())
    if (match(c, english, &parts)) {
      result = fill(c.zh, parts);
      break;
    }
  std::lock_guard lock(mutex);
  if (cache.size() > 100000) cache.clear();
  cache.emplace(english, result);
  return result;
}

const std::vector<std::pair<const char*, const char*>>& detail_templates() {
  static const std::vector<std::pair<const char*, const char*>> templates = {
      {"{} in {} of {} slots, poll_usage", "{1},占用 {3} 个槽中的 {2} 个,poll_usage"},
      {"{} in {} of {} slots", "{1},占用 {3} 个槽中的 {2} 个"},
      {"counter {} (semaphore)", "计数器 {1}(信号量模式)"},
      {"counter {}", "计数器 {1}"},
      {"{} item", "{1} 个 epitem"},
      {"{} items", "{1} 个 epitem"},
      {"on the real kernel: its mask and wake-ups come from the tracer",
       "在真实内核上:它的掩码和唤醒来自跟踪器"},
      {"LISTEN, backlog {}: {} connection waiting to be accepted",
       "LISTEN,backlog {1}:{2} 个连接等待 accept"},
      {"LISTEN, backlog {}: {} connections waiting to be accepted",
       "LISTEN,backlog {1}:{2} 个连接等待 accept"},
      {"{} to read in {} skb", "{1} 待读,在 {2} 个 skb 中"},
      {"{} to read in {} skbs", "{1} 待读,在 {2} 个 skb 中"},
      {"{} to read", "{1} 待读"},
      {"{} of sk_sndbuf {} charged for skbs sent (sk_wmem_alloc)",
       "已发送的 skb 计入 sk_sndbuf {2} 中的 {1}(sk_wmem_alloc)"},
      {"{} unsent and {} unacknowledged bytes (sk_wmem_queued {} of sk_sndbuf {})",
       "{1} 字节未发送,{2} 字节未确认(sk_wmem_queued {3},sk_sndbuf {4})"},
      {"peer closed", "对端已关闭"},
  };
  return templates;
}

std::string translate_detail(const std::string& english) {
  if (language() != Lang::zh) return english;
  static const std::vector<Compiled> all = compile(detail_templates());
  // Each "; "-separated part on its own (a socket's state, its bytes, its shutdown bits).
  std::string out;
  std::vector<std::string_view> parts;
  std::string_view rest = english;
  while (true) {
    const std::size_t at = rest.find("; ");
    const std::string_view part = rest.substr(0, at);
    std::string piece(part);
    for (const Compiled& c : all)
      if (match(c, part, &parts)) {
        piece = fill(c.zh, parts);
        break;
      }
    out += piece;
    if (at == std::string_view::npos) break;
    out += "; ";
    rest.remove_prefix(at + 2);
  }
  return out;
}

std::string translate_step(const std::string& english) {
  if (language() != Lang::zh) return english;
  auto zh = step_zh(english);
  return zh ? std::move(*zh) : english;
}

}  // namespace epollscope::driver
