// SPDX-License-Identifier: GPL-2.0-only
// driver/lesson.h — the course: a lesson file (lessons/NN-slug.lesson) is a title, the scenarios
// of the library it runs as quizzes, an introduction, what to watch, and a summary:
//
//   title "The pipe 2 KB / 1 KB, edge- and level-triggered"
//   scenario 01-pipe-2k-1k-et.scn
//   scenario 01-pipe-2k-1k-lt.scn
//   [intro]
//   Paragraphs, separated by a blank line.
//   [watch]
//   - a bullet per thing to watch
//   [summary]
//   Paragraphs.
//
// Each section may be followed by its Simplified Chinese, `[intro.zh]`, `[watch.zh]` (as many
// bullets) and `[summary.zh]`, and `title_zh "..."` may follow the title; a lesson without them is
// English only. A Chinese paragraph's lines are joined without a space (a space only between two
// ASCII characters).
//
// `//` lines are comments. Errors are `path:line:col: message`. The course is the lesson files of
// a folder in the order of their names; a lesson's number is its place in that order (1-based).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/script/parser.h"

namespace epollscope::driver {

struct Lesson {
  std::string path;
  std::string title;
  std::vector<std::string> scenarios;  // file names in the scenario library, in order
  std::vector<std::string> intro;      // paragraphs
  std::vector<std::string> watch;      // bullets, without the "- "
  std::vector<std::string> summary;    // paragraphs
  // The same in Simplified Chinese (`title_zh`, `[intro.zh]`, ...); empty when the lesson has none.
  std::string title_zh;
  std::vector<std::string> intro_zh;
  std::vector<std::string> watch_zh;
  std::vector<std::string> summary_zh;
  // The title and the sections in the process's language (driver/i18n.h): the Chinese in zh when
  // the lesson has it, the English otherwise.
  const std::string& title_in_language() const;
  const std::vector<std::string>& intro_in_language() const;
  const std::vector<std::string>& watch_in_language() const;
  const std::vector<std::string>& summary_in_language() const;
  // The lesson's id for progress: its file name without the extension ("02-pipe-et-lt").
  std::string id() const;
};

inline constexpr std::size_t kMaxLessonBytes = 64 * 1024;
inline constexpr std::size_t kMaxLessonScenarios = 12;
inline constexpr std::size_t kMaxLessonBullets = 8;

// Parses a lesson's text; `path` names it in messages (and gives its id).
std::variant<Lesson, sim::script::ParseError> parse_lesson(std::string_view text,
                                                           const std::string& path);
// Reads and parses a lesson file (a missing or too large file is an error of line 0).
std::variant<Lesson, sim::script::ParseError> load_lesson(const std::string& path);
// The `*.lesson` files of a folder, sorted by name (empty when there are none or it cannot be
// read).
std::vector<std::string> lesson_files(const std::string& folder);

// Progress through the course (`epollscope lessons`, the window's Predict mode): one line per
// lesson, `ID RIGHT ASKED QUESTIONS`, its last score.
struct LessonScore {
  std::size_t right = 0, asked = 0, questions = 0;
  friend bool operator==(const LessonScore&, const LessonScore&) = default;
};
// The progress file's lines by lesson id; a line that is not `ID RIGHT ASKED QUESTIONS` (with
// RIGHT <= ASKED <= QUESTIONS) is skipped (the file is ours, but a user may have edited it); a
// missing file is no progress.
std::map<std::string, LessonScore> read_progress(const std::string& path);
// Writes them all, to a temporary file renamed over `path` (a crash never leaves half a file),
// creating its folder; false with *error when it cannot.
bool write_progress(const std::string& path, const std::map<std::string, LessonScore>& all,
                    std::string* error);
// Reads the file, sets one lesson's score and writes it back.
bool save_lesson_score(const std::string& path, const std::string& id, const LessonScore& score,
                       std::string* error);

}  // namespace epollscope::driver
