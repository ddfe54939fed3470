// SPDX-License-Identifier: GPL-2.0-only
// driver/i18n.h — the language the front ends speak: English (the default) or Simplified Chinese.
//
// No gettext and no runtime files: the Chinese lives in tables in the code.
//   - tr("English text"): the front ends' own words (menus, pane titles, headers), looked up in
//     the catalogue (driver/i18n.cpp). Only literals go to tr(): a test (tests/driver/i18n_test)
//     reads the sources of cli/ and gui/ and fails on a literal with no Chinese entry.
//   - translate_step(text): the model's step sentences (sim/ builds them in English, and stays
//     language-free), matched against a table of English templates with placeholders for fds,
//     addresses, numbers, masks and names (driver/i18n_steps.cpp).
//   - narration(statement): the scenario's `#zh` narration when there is one.
// Terminology follows the seed's post: 水平触发 (LT), 边缘触发 (ET), 就绪链表 (rdllist), 红黑树
// (rbr), 回调 (callback), 等待队列 (wait queue); kernel identifiers (ep_poll_callback, epitem,
// EPOLLIN) stay as they are. Machine-read lines (`score: K of N`) stay English.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/script/scenario.h"

namespace epollscope::driver {

enum class Lang { en, zh };

// The process's language (English until set_language).
Lang language();
void set_language(Lang lang);

// "en" or "zh"; nullopt for anything else.
std::optional<Lang> parse_lang(std::string_view text);
// The language the locale variables ask for, as gettext reads them: LANGUAGE (a colon-separated
// list; its first zh or en entry wins) unless the locale is C/POSIX, then the first set of
// LC_ALL, LC_MESSAGES, LANG. zh_CN, zh_TW, zh.UTF-8, ... give zh; anything else en. A null or
// empty argument is an unset variable.
Lang lang_from_locale(const char* language, const char* lc_all, const char* lc_messages,
                      const char* lang);
// The same, from this process's environment.
Lang lang_from_environment();
// `--lang`'s value when it was given (an empty one included), else the environment's choice;
// false with *error for a value that is neither en nor zh.
bool choose_language(const std::optional<std::string>& option, Lang* lang, std::string* error);

// The Chinese of `english` when the language is zh and the catalogue has it; `english` otherwise.
// Pass literals only (the catalogue test reads them from the sources).
const char* tr(const char* english);
// tr(english) with each `{}` replaced by the next argument, in order (the Chinese has as many).
template <typename... Args>
std::string trf(const char* english, const Args&... args);
// The catalogue's Chinese for `english` whatever the language; nullptr when there is none.
const char* catalogue_zh(std::string_view english);
// Every catalogue entry, English then Chinese (for tests and for the window's glyphs).
const std::vector<std::pair<const char*, const char*>>& catalogue();

// A model step's sentence in the process's language: itself in English, or the Chinese of the
// first template it matches in zh (itself when none does).
std::string translate_step(const std::string& english);
// The Chinese of a step sentence, or nullopt when no template matches (whatever the language).
std::optional<std::string> step_zh(const std::string& english);
// The English templates and their Chinese, `{}` a placeholder in English and `{1}`, `{2}`, ...
// the same placeholders, in any order, in Chinese.
const std::vector<std::pair<const char*, const char*>>& step_templates();

// A file's one-line state in the eventpoll view (sim's FileView::detail: "2048 bytes in 1 of 16
// slots", "counter 3", "2 items"), in the process's language; a part no template matches stays
// English.
std::string translate_detail(const std::string& english);
// Its templates, as step_templates().
const std::vector<std::pair<const char*, const char*>>& detail_templates();

// The statement's narration in the process's language: narration_zh in zh when there is one.
const std::string& narration(const sim::script::Statement& statement);
// The scenario's title in the process's language: title_zh in zh when there is one (may be
// empty: the scenario has no title).
const std::string& title(const sim::script::Scenario& scenario);

// Every character the Chinese of the catalogue and of the step templates use (UTF-8), for the
// window's font: it loads the glyphs of this text and of the scenario's, not the whole CJK range.
std::string chinese_text_in_use();

namespace detail {
inline void append(std::string& out, const std::string& s) {
  out += s;
}
inline void append(std::string& out, std::string_view s) {
  out += s;
}
inline void append(std::string& out, const char* s) {
  out += s;
}
template <typename T>
inline void append(std::string& out, const T& v) {
  out += std::to_string(v);
}
// Copies `pattern` up to its next `{}` into out; the rest after it, or empty at the end.
std::string_view copy_to_placeholder(std::string& out, std::string_view pattern);
}  // namespace detail

template <typename... Args>
std::string trf(const char* english, const Args&... args) {
  std::string out;
  std::string_view rest = tr(english);
  ((rest = detail::copy_to_placeholder(out, rest), detail::append(out, args)), ...);
  out += rest;
  return out;
}

}  // namespace epollscope::driver
