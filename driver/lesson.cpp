// SPDX-License-Identifier: GPL-2.0-only
// driver/lesson.cpp — lesson files (driver/lesson.h).
#include "driver/lesson.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "driver/i18n.h"
#include "sim/strings.h"

namespace epollscope::driver {
namespace {

using sim::cat;
using sim::script::ParseError;

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// A scenario of the library is named by a plain file name: no folder, no way out of it.
bool plain_scenario_name(const std::string& name) {
  if (name.size() < 5 || name.size() > 200 || name.compare(name.size() - 4, 4, ".scn") != 0)
    return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
                     }) &&
         name[0] != '.';
}

}  // namespace

namespace {
bool chinese() {
  return language() == Lang::zh;
}
}  // namespace

const std::string& Lesson::title_in_language() const {
  return chinese() && !title_zh.empty() ? title_zh : title;
}
const std::vector<std::string>& Lesson::intro_in_language() const {
  return chinese() && !intro_zh.empty() ? intro_zh : intro;
}
const std::vector<std::string>& Lesson::watch_in_language() const {
  return chinese() && !watch_zh.empty() ? watch_zh : watch;
}
const std::vector<std::string>& Lesson::summary_in_language() const {
  return chinese() && !summary_zh.empty() ? summary_zh : summary;
}

std::string Lesson::id() const {
  return std::filesystem::path(path).stem().string();
}

std::variant<Lesson, ParseError> parse_lesson(std::string_view text, const std::string& path) {
  Lesson l;
  l.path = path;
  if (text.size() > kMaxLessonBytes)
    return ParseError{path, 0, 0, cat("a lesson is at most ", kMaxLessonBytes / 1024, " KiB"), ""};
  // The sections in the order they are written; each `.zh` one (the Simplified Chinese of the
  // section before it) may be left out, the English ones may not.
  enum Section { kHead, kIntro, kIntroZh, kWatch, kWatchZh, kSummary, kSummaryZh, kSections };
  static constexpr const char* kNames[kSections] = {"",         "intro",   "intro.zh",  "watch",
                                                    "watch.zh", "summary", "summary.zh"};
  int section = kHead;
  std::vector<std::string>* paragraphs = nullptr;
  bool paragraph_open = false;
  bool seen[kSections] = {true};
  int lineno = 0;
  std::istringstream in{std::string(text)};
  auto error = [&](int col, const std::string& message, const std::string& line) {
    return ParseError{path, lineno, col, message, line};
  };
  const auto is_zh = [](int s) { return s == kIntroZh || s == kWatchZh || s == kSummaryZh; };
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find('\0') != std::string::npos)
      return error(static_cast<int>(line.find('\0')) + 1, "a NUL byte: a lesson is text", line);
    const std::string t = trim(line);
    const int col = static_cast<int>(line.find_first_not_of(" \t")) + 1;
    if (t.rfind("//", 0) == 0) continue;
    if (!t.empty() && t.front() == '[' && t.back() == ']') {
      const std::string name = t.substr(1, t.size() - 2);
      int next = kHead;
      for (int s = kIntro; s < kSections; ++s)
        if (name == kNames[s]) next = s;
      if (next == kHead)
        return error(col,
                     cat("unknown section [", name,
                         "]: a lesson has [intro], [watch] and [summary], each optionally "
                         "followed by its Chinese ([intro.zh], ...)"),
                     line);
      if (seen[next]) return error(col, cat("[", name, "] comes twice"), line);
      bool in_order = next > section;
      for (int s = kIntro; s < next; ++s)
        if (!is_zh(s) && !seen[s]) in_order = false;
      if (!in_order)
        return error(col,
                     "the sections come in this order: [intro], [intro.zh], [watch], [watch.zh], "
                     "[summary], [summary.zh] (the .zh ones may be left out)",
                     line);
      if (section == kHead && l.title.empty())
        return error(col, "the title comes first: title \"...\"", line);
      if (section == kHead && l.scenarios.empty())
        return error(col, "a lesson names at least one scenario before [intro]: scenario FILE.scn",
                     line);
      if (is_zh(section) && paragraphs->empty())
        return error(col, cat("[", kNames[section], "] is empty"), line);
      section = next;
      seen[next] = true;
      std::vector<std::string>* const bodies[kSections] = {
          nullptr, &l.intro, &l.intro_zh, &l.watch, &l.watch_zh, &l.summary, &l.summary_zh};
      paragraphs = bodies[next];
      paragraph_open = false;
      continue;
    }
    switch (section) {
      case Section::kHead: {
        if (t.empty()) break;
        if (t.rfind("title", 0) == 0 && t.size() > 5 && (t[5] == ' ' || t[5] == '\t')) {
          if (!l.title.empty()) return error(col, "the lesson already has a title", line);
          const std::string rest = trim(t.substr(5));
          if (rest.size() < 3 || rest.front() != '"' || rest.back() != '"')
            return error(col + 6, "the title is written in double quotes: title \"...\"", line);
          l.title = rest.substr(1, rest.size() - 2);
          if (l.title.empty()) return error(col + 6, "the title is empty", line);
          break;
        }
        // title_zh "...": the title in Simplified Chinese (optional; after the title).
        if (t.rfind("title_zh", 0) == 0 && (t.size() == 8 || t[8] == ' ' || t[8] == '\t')) {
          if (l.title.empty()) return error(col, "the title comes first: title \"...\"", line);
          if (!l.title_zh.empty()) return error(col, "the lesson already has a title_zh", line);
          const std::string rest = trim(t.substr(8));
          if (rest.size() < 3 || rest.front() != '"' || rest.back() != '"')
            return error(col + 9, "the Chinese title is written in double quotes: title_zh \"...\"",
                         line);
          l.title_zh = rest.substr(1, rest.size() - 2);
          break;
        }
        if (t.rfind("scenario", 0) == 0 && t.size() > 8 && (t[8] == ' ' || t[8] == '\t')) {
          if (l.title.empty()) return error(col, "the title comes first: title \"...\"", line);
          const std::string name = trim(t.substr(8));
          if (!plain_scenario_name(name))
            return error(col + 9,
                         "a scenario is the file name of one of the library's scenarios, e.g. "
                         "scenario 01-pipe-2k-1k-et.scn",
                         line);
          if (l.scenarios.size() >= kMaxLessonScenarios)
            return error(col, cat("a lesson runs at most ", kMaxLessonScenarios, " scenarios"),
                         line);
          l.scenarios.push_back(name);
          break;
        }
        return error(col, "expected title \"...\", scenario FILE.scn or [intro]", line);
      }
      case kWatch:
      case kWatchZh: {
        if (t.empty()) break;
        if (t.rfind("- ", 0) != 0)
          return error(
              col, cat("[", kNames[section], "] holds bullets: lines starting with \"- \""), line);
        if (paragraphs->size() >= kMaxLessonBullets)
          return error(col,
                       cat("[", kNames[section], "] holds at most ", kMaxLessonBullets, " bullets"),
                       line);
        paragraphs->push_back(trim(t.substr(2)));
        break;
      }
      default: {  // the paragraphs of [intro], [summary] and their Chinese
        if (t.empty()) {
          paragraph_open = false;
          break;
        }
        if (!paragraph_open)
          paragraphs->push_back(t);
        else if (is_zh(section) && (static_cast<unsigned char>(paragraphs->back().back()) >= 0x80 ||
                                    static_cast<unsigned char>(t.front()) >= 0x80))
          paragraphs->back() += t;  // Chinese text has no space at a line break
        else
          paragraphs->back() += " " + t;
        paragraph_open = true;
        break;
      }
    }
  }
  ++lineno;
  if (l.title.empty()) return error(1, "a lesson starts with its title: title \"...\"", "");
  for (int s : {kIntro, kWatch, kSummary})
    if (!seen[s]) return error(1, cat("the lesson has no [", kNames[s], "] section"), "");
  if (l.intro.empty()) return error(1, "[intro] is empty", "");
  if (l.watch.empty()) return error(1, "[watch] is empty", "");
  if (l.summary.empty()) return error(1, "[summary] is empty", "");
  if (is_zh(section) && paragraphs->empty())
    return error(1, cat("[", kNames[section], "] is empty"), "");
  return l;
}

std::variant<Lesson, ParseError> load_lesson(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return ParseError{path, 0, 0, "no such lesson file", ""};
  if (std::filesystem::file_size(path, ec) > kMaxLessonBytes)
    return ParseError{path, 0, 0, cat("a lesson is at most ", kMaxLessonBytes / 1024, " KiB"), ""};
  std::ifstream in(path, std::ios::binary);
  if (!in) return ParseError{path, 0, 0, "cannot be read", ""};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_lesson(text.str(), path);
}

std::vector<std::string> lesson_files(const std::string& folder) {
  std::vector<std::string> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".lesson" && it->is_regular_file(ec))
      files.push_back(it->path().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::map<std::string, LessonScore> read_progress(const std::string& path) {
  std::map<std::string, LessonScore> out;
  std::ifstream in(path);
  std::string line;
  for (int n = 0; n < 10000 && std::getline(in, line); ++n) {
    std::istringstream words(line);
    std::string id;
    LessonScore r;
    if (words >> id >> r.right >> r.asked >> r.questions && r.right <= r.asked &&
        r.asked <= r.questions && id.size() < 200)
      out[id] = r;
  }
  return out;
}

bool write_progress(const std::string& path, const std::map<std::string, LessonScore>& all,
                    std::string* error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) {
    *error = "cannot create " + fs::path(path).parent_path().string() + ": " + ec.message();
    return false;
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [id, r] : all)
      out << id << ' ' << r.right << ' ' << r.asked << ' ' << r.questions << '\n';
    out.flush();
    if (!out) {
      *error = "cannot write " + tmp + ": " + std::strerror(errno);
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

bool save_lesson_score(const std::string& path, const std::string& id, const LessonScore& score,
                       std::string* error) {
  auto all = read_progress(path);
  all[id] = score;
  return write_progress(path, all, error);
}

}  // namespace epollscope::driver
