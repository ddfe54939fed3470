// SPDX-License-Identifier: GPL-2.0-only
// driver/i18n.cpp — the process's language, the locale choice and tr()'s catalogue (the step
// sentences' templates are in driver/i18n_steps.cpp).
//
// [SECTION] the language and the locale
// [SECTION] the catalogue: every literal the front ends pass to tr(), English then Chinese
// [SECTION] lookups
#include "driver/i18n.h"

#include <atomic>
#include <cstdlib>
#include <unordered_map>

namespace epollscope::driver {

// ---------------------------------------------------------------------------------------------
// [SECTION] the language and the locale
// ---------------------------------------------------------------------------------------------
namespace {

std::atomic<Lang> g_language{Lang::en};

bool set(const char* v) {
  return v && *v;
}

// "zh", "zh_CN.UTF-8", "zh-Hans": Chinese.
bool is_zh(std::string_view locale) {
  return locale.size() >= 2 && locale.substr(0, 2) == "zh" &&
         (locale.size() == 2 || locale[2] == '_' || locale[2] == '.' || locale[2] == '-' ||
          locale[2] == '@');
}

bool is_en(std::string_view locale) {
  return locale.size() >= 2 && locale.substr(0, 2) == "en" &&
         (locale.size() == 2 || locale[2] == '_' || locale[2] == '.' || locale[2] == '@');
}

}  // namespace

Lang language() {
  return g_language.load(std::memory_order_relaxed);
}

void set_language(Lang lang) {
  g_language.store(lang, std::memory_order_relaxed);
}

std::optional<Lang> parse_lang(std::string_view text) {
  if (text == "en") return Lang::en;
  if (text == "zh") return Lang::zh;
  return std::nullopt;
}

Lang lang_from_locale(const char* language, const char* lc_all, const char* lc_messages,
                      const char* lang) {
  const char* locale = set(lc_all) ? lc_all : set(lc_messages) ? lc_messages : lang;
  const std::string_view effective = set(locale) ? locale : "C";
  // gettext ignores LANGUAGE when the locale is C (or POSIX): a program's messages stay English.
  if (set(language) && effective != "C" && effective != "POSIX" && effective.substr(0, 2) != "C.") {
    std::string_view list = language;
    while (!list.empty()) {
      const std::size_t colon = list.find(':');
      const std::string_view entry = list.substr(0, colon);
      if (is_zh(entry)) return Lang::zh;
      if (is_en(entry)) return Lang::en;
      if (colon == std::string_view::npos) break;
      list.remove_prefix(colon + 1);
    }
  }
  return is_zh(effective) ? Lang::zh : Lang::en;
}

Lang lang_from_environment() {
  return lang_from_locale(std::getenv("LANGUAGE"), std::getenv("LC_ALL"),
                          std::getenv("LC_MESSAGES"), std::getenv("LANG"));
}

bool choose_language(const std::optional<std::string>& option, Lang* lang, std::string* error) {
  if (!option) {
    *lang = lang_from_environment();
    return true;
  }
  if (const auto l = parse_lang(*option)) {
    *lang = *l;
    return true;
  }
  std::string shown;
  for (const char c : *option)
    shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  *error = "--lang: '" + shown + "' is not a language epollscope speaks (en or zh)";
  return false;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the catalogue: every literal the front ends pass to tr(), English then Chinese
// ---------------------------------------------------------------------------------------------
// A printf format keeps its conversions, in the same order (the test checks it).
const std::vector<std::pair<const char*, const char*>>& catalogue() {
  static const std::vector<std::pair<const char*, const char*>> entries = {
#include "driver/i18n_catalogue.inc"
  };
  return entries;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] lookups
// ---------------------------------------------------------------------------------------------
namespace {

const std::unordered_map<std::string_view, const char*>& catalogue_index() {
  static const auto index = [] {
    std::unordered_map<std::string_view, const char*> m;
    for (const auto& [en, zh] : catalogue())
      m.emplace(en, zh);
    return m;
  }();
  return index;
}

}  // namespace

const char* catalogue_zh(std::string_view english) {
  const auto& index = catalogue_index();
  const auto found = index.find(english);
  return found == index.end() ? nullptr : found->second;
}

const char* tr(const char* english) {
  if (language() != Lang::zh) return english;
  const char* zh = catalogue_zh(english);
  return zh ? zh : english;
}

namespace detail {
std::string_view copy_to_placeholder(std::string& out, std::string_view pattern) {
  const std::size_t at = pattern.find("{}");
  out += pattern.substr(0, at);
  return at == std::string_view::npos ? std::string_view() : pattern.substr(at + 2);
}
}  // namespace detail

const std::string& narration(const sim::script::Statement& statement) {
  if (language() == Lang::zh && !statement.narration_zh.empty()) return statement.narration_zh;
  return statement.narration;
}

const std::string& title(const sim::script::Scenario& scenario) {
  if (language() == Lang::zh && !scenario.title_zh.empty()) return scenario.title_zh;
  return scenario.title;
}

std::string chinese_text_in_use() {
  std::string text;
  for (const auto& [en, zh] : catalogue())
    text += zh;
  for (const auto& [en, zh] : step_templates())
    text += zh;
  for (const auto& [en, zh] : detail_templates())
    text += zh;
  text += "第";  // the rbr's ranks (第 1, 第 2, ...)
  return text;
}

}  // namespace epollscope::driver
