// SPDX-License-Identifier: GPL-2.0-only
// tests/driver/i18n_test.cpp — the Chinese of the front ends (driver/i18n.h): tr() and its
// catalogue, which must hold every literal the sources pass to tr()/trf(); the choice of language
// from --lang and the locale; the step templates, which must match every sentence the model says
// while it runs the scenario library.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <variant>

#include "driver/driver.h"
#include "driver/i18n.h"
#include "driver/scenario_files.h"

namespace epollscope::driver {
namespace {

namespace fs = std::filesystem;

// Sets a language for one test and puts English back after it.
class I18n : public ::testing::Test {
 protected:
  void TearDown() override { set_language(Lang::en); }
};

TEST_F(I18n, TrIsEnglishByDefaultAndChineseInZh) {
  const char* english = "Kernel functions";
  ASSERT_NE(catalogue_zh(english), nullptr);
  EXPECT_EQ(tr(english), english);
  set_language(Lang::zh);
  EXPECT_STREQ(tr(english), catalogue_zh(english));
  EXPECT_STRNE(tr(english), english);
  // Text with no entry comes back as it was.
  const char* unknown = "no such entry in any catalogue";
  EXPECT_EQ(tr(unknown), unknown);
}

// A file box's one-line state (sim's FileView::detail) by templates, part by part; a part no
// template knows stays English, and English stays as it is.
TEST_F(I18n, FileDetailsByTemplate) {
  EXPECT_EQ(translate_detail("2048 bytes in 1 of 16 slots"), "2048 bytes in 1 of 16 slots");
  set_language(Lang::zh);
  EXPECT_EQ(translate_detail("2048 bytes in 1 of 16 slots"), "2048 字节,占用 16 个槽中的 1 个");
  EXPECT_EQ(translate_detail("1 byte in 1 of 16 slots, poll_usage"),
            "1 字节,占用 16 个槽中的 1 个,poll_usage");
  EXPECT_EQ(translate_detail("counter 3 (semaphore)"), "计数器 3(信号量模式)");
  EXPECT_EQ(translate_detail("2 items"), "2 个 epitem");
  EXPECT_EQ(translate_detail("ESTABLISHED; 6 bytes to read; peer closed; SOCK_NOSPACE"),
            "ESTABLISHED; 6 字节 待读; 对端已关闭; SOCK_NOSPACE");
}

TEST_F(I18n, TrfFillsThePlaceholdersInOrder) {
  EXPECT_EQ(trf("line {}", 12), "line 12");
  set_language(Lang::zh);
  EXPECT_EQ(trf("line {}", 12), "第 12 行");
  EXPECT_EQ(trf("no such entry {} and {}", 1, std::string("b")), "no such entry 1 and b");
}

TEST_F(I18n, LangOption) {
  EXPECT_EQ(parse_lang("en"), Lang::en);
  EXPECT_EQ(parse_lang("zh"), Lang::zh);
  EXPECT_EQ(parse_lang("zh_CN"), std::nullopt);
  EXPECT_EQ(parse_lang(""), std::nullopt);
  EXPECT_EQ(parse_lang("fr"), std::nullopt);
  Lang l = Lang::en;
  std::string error;
  EXPECT_TRUE(choose_language("zh", &l, &error));
  EXPECT_EQ(l, Lang::zh);
  EXPECT_FALSE(choose_language("klingon", &l, &error));
  EXPECT_EQ(error, "--lang: 'klingon' is not a language epollscope speaks (en or zh)");
  EXPECT_FALSE(choose_language("z\x1bh", &l, &error));
  EXPECT_EQ(error, "--lang: 'z?h' is not a language epollscope speaks (en or zh)");
  EXPECT_FALSE(choose_language("", &l, &error));  // given, but empty
  EXPECT_EQ(error, "--lang: '' is not a language epollscope speaks (en or zh)");
  l = Lang::zh;
  EXPECT_TRUE(choose_language(std::nullopt, &l, &error));  // not given: the environment's
  EXPECT_EQ(l, lang_from_environment());
}

TEST_F(I18n, LocaleChoice) {
  EXPECT_EQ(lang_from_locale(nullptr, nullptr, nullptr, nullptr), Lang::en);
  EXPECT_EQ(lang_from_locale(nullptr, nullptr, nullptr, "zh_CN.UTF-8"), Lang::zh);
  EXPECT_EQ(lang_from_locale(nullptr, nullptr, nullptr, "zh_TW"), Lang::zh);
  EXPECT_EQ(lang_from_locale(nullptr, nullptr, nullptr, "en_US.UTF-8"), Lang::en);
  EXPECT_EQ(lang_from_locale(nullptr, nullptr, nullptr, "zu_ZA"), Lang::en);  // Zulu, not zh
  // LC_ALL before LC_MESSAGES before LANG; an empty variable is an unset one.
  EXPECT_EQ(lang_from_locale(nullptr, "en_GB.UTF-8", "zh_CN.UTF-8", "zh_CN.UTF-8"), Lang::en);
  EXPECT_EQ(lang_from_locale(nullptr, "", "zh_CN.UTF-8", "en_US.UTF-8"), Lang::zh);
  EXPECT_EQ(lang_from_locale(nullptr, nullptr, "en_US.UTF-8", "zh_CN.UTF-8"), Lang::en);
  // LANGUAGE's first zh or en entry wins over the locale, except in the C locale.
  EXPECT_EQ(lang_from_locale("zh_CN:en", nullptr, nullptr, "en_US.UTF-8"), Lang::zh);
  EXPECT_EQ(lang_from_locale("fr:en:zh", nullptr, nullptr, "zh_CN.UTF-8"), Lang::en);
  EXPECT_EQ(lang_from_locale("fr", nullptr, nullptr, "zh_CN.UTF-8"), Lang::zh);
  EXPECT_EQ(lang_from_locale("zh_CN", "C", nullptr, nullptr), Lang::en);
  EXPECT_EQ(lang_from_locale("zh_CN", nullptr, nullptr, "C.UTF-8"), Lang::en);
  EXPECT_EQ(lang_from_locale("zh_CN", nullptr, nullptr, nullptr), Lang::en);
}

TEST_F(I18n, NarrationPrefersTheChineseInZh) {
  sim::script::Statement st;
  st.narration = "2 KB into the pipe";
  EXPECT_EQ(narration(st), "2 KB into the pipe");
  set_language(Lang::zh);
  EXPECT_EQ(narration(st), "2 KB into the pipe");  // no #zh lines: the English
  st.narration_zh = "向管道写入 2 KB";
  EXPECT_EQ(narration(st), "向管道写入 2 KB");
  set_language(Lang::en);
  EXPECT_EQ(narration(st), "2 KB into the pipe");
}

// C escapes of a string literal as written in the source.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {  // \uXXXX
        const unsigned cp = static_cast<unsigned>(std::stoul(s.substr(i + 1, 4), nullptr, 16));
        i += 4;
        if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:
        out += c;
    }
  }
  return out;
}

// printf conversions (%d, %.1f, %s, %%), in order.
std::vector<std::string> conversions(const std::string& s) {
  static const std::regex conv(R"(%[-+ #0-9.]*[a-zA-Z%])");
  std::vector<std::string> out;
  for (std::sregex_iterator i(s.begin(), s.end(), conv), end; i != end; ++i)
    out.push_back(i->str());
  return out;
}

std::size_t placeholders(const std::string& s) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = s.find("{}", at)) != std::string::npos; at += 2)
    ++n;
  return n;
}

// Every tr("...") and trf("...") of the front ends' sources has a Chinese entry, with the same
// printf conversions and `{}` placeholders; tr() is given nothing but a literal.
TEST(I18nCatalogue, EveryLiteralPassedToTrHasChinese) {
  const fs::path root = EPOLLSCOPE_SOURCE_DIR;
  // The literal may be written as adjacent pieces ("a " "b"): the compiler joins them.
  static const std::regex literal_call(R"re(\btrf?\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)[,)])re");
  static const std::regex piece(R"re("((?:[^"\\]|\\.)*)")re");
  static const std::regex any_call(R"re(\btrf?\()re");
  std::set<std::string> seen;
  std::size_t files = 0;
  for (const char* room : {"cli", "gui", "driver", "bench"}) {
    for (const auto& e : fs::recursive_directory_iterator(root / room)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".cpp" && ext != ".h") continue;
      if (e.path().filename().string().rfind("i18n", 0) == 0) continue;  // the definitions
      std::ifstream in(e.path());
      std::stringstream buffer;
      buffer << in.rdbuf();
      const std::string text = buffer.str();
      ++files;
      std::size_t literal_calls = 0, calls = 0;
      for (std::sregex_iterator i(text.begin(), text.end(), literal_call), end; i != end; ++i) {
        ++literal_calls;
        std::string english;
        const std::string pieces = (*i)[1].str();
        for (std::sregex_iterator p(pieces.begin(), pieces.end(), piece), pend; p != pend; ++p)
          english += unescape((*p)[1].str());
        seen.insert(english);
        const char* zh = catalogue_zh(english);
        EXPECT_NE(zh, nullptr) << e.path().lexically_relative(root).string()
                               << ": no Chinese for tr(\"" << (*i)[1].str() << "\")";
      }
      for (std::sregex_iterator i(text.begin(), text.end(), any_call), end; i != end; ++i)
        ++calls;
      EXPECT_EQ(calls, literal_calls)
          << e.path().lexically_relative(root).string()
          << ": tr()/trf() given something other than one string literal";
    }
  }
  EXPECT_GT(files, 50u);
  EXPECT_GT(seen.size(), 100u);  // the front ends do speak through tr()
  std::set<std::string> english;
  for (const auto& [en, zh] : catalogue()) {
    EXPECT_TRUE(english.insert(en).second) << "twice in the catalogue: " << en;
    EXPECT_NE(std::string(zh), "") << en;
    EXPECT_EQ(conversions(en), conversions(zh)) << en << " / " << zh;
    EXPECT_EQ(placeholders(en), placeholders(zh)) << en << " / " << zh;
    EXPECT_TRUE(seen.count(en)) << "in the catalogue but passed to tr() nowhere: " << en;
  }
}

TEST(I18nSteps, TemplatesPutThePartsWhereTheChineseSays) {
  for (const auto& [en, zh] : step_templates()) {
    // As many parts in Chinese as placeholders in English, each used.
    const std::size_t n = placeholders(en);
    for (std::size_t k = 1; k <= n; ++k)
      EXPECT_NE(std::string(zh).find("{" + std::to_string(k) + "}"), std::string::npos)
          << en << " / " << zh;
    EXPECT_EQ(std::string(zh).find("{" + std::to_string(n + 1) + "}"), std::string::npos)
        << en << " / " << zh;
  }
  EXPECT_EQ(step_zh("epitem(pipe#1 read end, fd 4) joins the tail of eventpoll#1's rdllist"),
            "epitem(pipe#1 read end, fd 4) 加入 eventpoll#1 的 rdllist(就绪链表)尾部");
  EXPECT_EQ(step_zh("no template has this shape"), std::nullopt);
  set_language(Lang::en);
  EXPECT_EQ(translate_step("no template has this shape"), "no template has this shape");
}

// The sentence shapes that no template matches yet, by a representative sentence. This list may
// only shrink: a new sentence in sim/ needs its template.
const std::set<std::string> kKnownUntranslated = {
#include "tests/driver/i18n_untranslated.inc"
};

TEST(I18nSteps, EveryStepOfTheLibraryIsTranslated) {
  std::map<std::string, int> untranslated;
  int steps = 0, scenarios = 0;
  std::vector<PathProblem> problems;
  for (const auto& path : collect_scenarios({EPOLLSCOPE_SCENARIO_DIR}, &problems)) {
    // The 1,000-socket scenarios say what the smaller ones say, a thousand times (their 40,000
    // steps would take this test a minute and a half more).
    if (path.find("-1000-") != std::string::npos) continue;
    auto loaded = load_scenario(path);
    ASSERT_TRUE(std::holds_alternative<sim::script::Scenario>(loaded)) << path;
    ++scenarios;
    RunOptions options;
    ScenarioRun run(std::get<sim::script::Scenario>(std::move(loaded)), options);
    run.run_all();
    for (const auto& s : run.recorder().steps()) {
      ++steps;
      // A system call's entry is the call as written ("t1: epoll_wait(3, events, 8, -1)"): code,
      // not a sentence.
      static const std::regex call_text(R"(^(\w+: )?\w+\(.*\)$)");
      if (s.kind == sim::StepKind::kSyscall && std::regex_match(s.text, call_text)) continue;
      if (!step_zh(s.text)) ++untranslated[s.text];
    }
  }
  EXPECT_GT(scenarios, 10);
  EXPECT_GT(steps, 1000);
  std::vector<std::pair<int, std::string>> by_count;
  for (const auto& [text, n] : untranslated)
    if (!kKnownUntranslated.count(text)) by_count.emplace_back(n, text);
  std::sort(by_count.rbegin(), by_count.rend());
  std::string list;
  for (const auto& [n, text] : by_count)
    list += std::to_string(n) + "x  " + text + "\n";
  EXPECT_TRUE(by_count.empty()) << by_count.size() << " step sentences with no template:\n" << list;
  // A listed sentence that is now translated (or no longer said) leaves the list.
  for (const auto& text : kKnownUntranslated)
    EXPECT_TRUE(untranslated.count(text))
        << "translated now: remove from tests/driver/i18n_untranslated.inc: " << text;
}

}  // namespace
}  // namespace epollscope::driver
