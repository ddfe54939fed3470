// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_lessons.cpp — `epollscope lessons [N]`: the course (issue 17). Without N, the lessons in
// order with each one's last score; with N, lesson N in the terminal: its introduction, what to
// watch, each of its scenarios as a quiz (cmd_quiz.cpp), its summary and the lesson's score, which
// is kept in the progress file ($XDG_DATA_HOME/epollscope/progress.txt, one line per lesson:
// `ID RIGHT ASKED QUESTIONS`, written to a temporary file and renamed, so a crash never leaves half
// a file). The last line of a lesson is exactly `score: K of N`, as a quiz's.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <variant>

#include "cli/cli.h"
#include "cli/term.h"
#include "driver/i18n.h"
#include "driver/lesson.h"
#include "driver/scenario_files.h"
#include "sim/script/user_text.h"
#include "sim/strings.h"
#include "sim/text_view.h"

namespace epollscope::cli {
namespace {

using driver::tr;
using driver::trf;
using sim::cat;
using sim::script::printable;

using Result = driver::LessonScore;
using driver::read_progress;
using driver::write_progress;

void paragraphs(std::ostream& out, const std::vector<std::string>& ps, std::size_t width,
                const std::string& lead = "") {
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (i) out << '\n';
    for (const auto& l : wrap_text(printable(ps[i]), width - lead.size()))
      out << lead << l << '\n';
  }
}

struct LessonsCommand {
  int number = 0;
  bool no_live = false;
  std::string color = "auto";
};

}  // namespace

std::string lesson_library(bool say_if_missing) {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("EPOLLSCOPE_LESSONS")) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path dir = exe.parent_path().parent_path() / "share" / "epollscope" / "lessons";
  if (!ec && fs::is_directory(dir, ec)) return dir.lexically_normal().string();
  if (!say_if_missing) return {};
  std::cerr << "epollscope: the course was not found in " << dir.string()
            << " (it is installed there with the program); set EPOLLSCOPE_LESSONS to its folder\n";
  return {};
}

std::string progress_file() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/epollscope/progress.txt";
  const char* home = std::getenv("HOME");
  if (home && *home == '/') return std::string(home) + "/.local/share/epollscope/progress.txt";
  return {};
}

int run_lessons(std::istream& in, std::ostream& out, const LessonOptions& o) {
  const std::size_t width = static_cast<std::size_t>(std::max(o.width, kMinColumns));
  const Palette p{o.color};
  const std::vector<std::string> files = driver::lesson_files(o.lessons);
  if (files.empty()) {
    std::cerr << "epollscope: no lesson (*.lesson) in " << printable(o.lessons) << '\n';
    return 2;
  }
  std::vector<driver::Lesson> course;
  for (const auto& f : files) {
    auto loaded = driver::load_lesson(f);
    if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
      std::cerr << e->format();
      return 2;
    }
    course.push_back(std::get<driver::Lesson>(std::move(loaded)));
  }
  std::map<std::string, Result> progress;
  if (!o.progress.empty()) progress = read_progress(o.progress);

  if (o.number == 0) {
    out << trf("The course: {} lessons. Take one with: epollscope lessons N", course.size())
        << "\n\n";
    for (std::size_t i = 0; i < course.size(); ++i) {
      const auto& l = course[i];
      auto it = progress.find(l.id());
      std::string done = tr("not taken yet");
      if (it != progress.end())
        done = it->second.asked < it->second.questions
                   ? trf("begun: {} of {} right, {} questions left", it->second.right,
                         it->second.asked, it->second.questions - it->second.asked)
                   : trf("score {} of {}", it->second.right, it->second.asked);
      const std::string line =
          cat(printable(l.title_in_language()), " (",
              l.scenarios.size() == 1 ? trf("{} scenario", l.scenarios.size())
                                      : trf("{} scenarios", l.scenarios.size()),
              "; ", done, ")");
      const auto lines = wrap_text(line, width - 5);
      for (std::size_t k = 0; k < lines.size(); ++k)
        out << (k ? "     " : cat(i + 1 < 10 ? " " : "", i + 1, ".  ")) << lines[k] << '\n';
    }
    out << '\n'
        << (o.progress.empty()
                ? std::string(tr("Progress is not kept: neither XDG_DATA_HOME nor HOME is set."))
                : trf("Progress is kept in {}.", printable(o.progress)))
        << '\n';
    return 0;
  }
  if (o.number < 0 || static_cast<std::size_t>(o.number) > course.size()) {
    std::cerr << "epollscope: there is no lesson " << o.number << ": the course has "
              << course.size() << " (1 to " << course.size()
              << "; `epollscope lessons` lists them)\n";
    return 2;
  }
  const driver::Lesson& l = course[static_cast<std::size_t>(o.number) - 1];
  // Every scenario first: a lesson that names a missing one, or one without a question, says so
  // before asking anything.
  std::size_t questions = 0;
  for (const auto& s : l.scenarios) {
    auto loaded = driver::load_scenario(o.scenarios + "/" + s);
    if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
      std::cerr << printable(l.path) << ": its scenario " << printable(s) << " cannot be used:\n"
                << e->format();
      return 2;
    }
    const std::size_t n = question_points(std::get<sim::script::Scenario>(loaded));
    if (n == 0) {
      std::cerr << printable(l.path) << ": its scenario " << printable(s)
                << " has no question (no epoll_wait and no ?=> line)\n";
      return 2;
    }
    questions += n;
  }
  out << p.bold(
             trf("Lesson {} of {}: {}", o.number, course.size(), printable(l.title_in_language())))
      << "\n\n";
  paragraphs(out, l.intro_in_language(), width);
  out << '\n' << tr("What to watch:") << '\n';
  for (const auto& w : l.watch_in_language()) {
    const auto lines = wrap_text(printable(w), width - 4);
    for (std::size_t i = 0; i < lines.size(); ++i)
      out << (i ? "    " : "  - ") << lines[i] << '\n';
  }
  Result total;
  bool ended = false;
  int status = 0;
  for (std::size_t i = 0; i < l.scenarios.size() && !ended; ++i) {
    out << '\n'
        << p.dim("== " + trf("scenario {} of {}: {}", i + 1, l.scenarios.size(), l.scenarios[i]) +
                 " ")
        << '\n';
    QuizOptions q;
    q.path = o.scenarios + "/" + l.scenarios[i];
    q.live = o.live;
    q.width = o.width;
    q.color = o.color;
    q.notation = i == 0;  // said once, in the first scenario
    QuizScore s;
    const int rc = run_quiz(in, out, q, &s);
    if (rc == 2) return 2;
    if (rc != 0) status = rc;
    total.right += s.right;
    total.asked += s.asked;
    total.questions += s.questions;
    ended = s.input_ended;
  }
  if (ended) {
    // The questions of the scenarios not begun count too: the lesson is not finished.
    out << '\n'
        << trf("The lesson is not finished; take it again with: epollscope lessons {}", o.number)
        << '\n';
  } else {
    out << '\n' << tr("Summary:") << '\n';
    paragraphs(out, l.summary_in_language(), width, "  ");
    if (static_cast<std::size_t>(o.number) < course.size())
      out << '\n'
          << trf("Next: epollscope lessons {}  ({})", o.number + 1,
                 printable(course[static_cast<std::size_t>(o.number)].title_in_language()))
          << '\n';
    else
      out << '\n' << tr("This was the last lesson of the course.") << '\n';
  }
  if (!o.progress.empty()) {
    total.questions = questions;  // the questions of scenarios not begun count too
    progress[l.id()] = total;
    std::string error;
    if (!write_progress(o.progress, progress, &error))
      std::cerr << "epollscope: progress not kept: " << printable(error) << '\n';
  }
  out << "score: " << total.right << " of " << total.asked << '\n';
  return status;
}

namespace {

int lessons_command(const LessonsCommand& c) {
  LessonOptions o;
  o.number = c.number;
  o.lessons = lesson_library();
  if (o.lessons.empty()) return 2;
  if (c.number != 0) {
    o.scenarios = scenario_library();
    if (o.scenarios.empty()) return 2;
  }
  o.progress = progress_file();
  o.live = !c.no_live;
  ColorMode mode = ColorMode::kAuto;
  parse_color_mode(c.color, &mode);
  o.width = terminal_width();
  o.color = use_color(mode);
  return run_lessons(std::cin, std::cout, o);
}

}  // namespace

void add_lessons(CLI::App& app, Action& action) {
  auto o = std::make_shared<LessonsCommand>();
  auto* cmd = app.add_subcommand(
      "lessons",
      "The course: without N, the lessons in order with your last score in each; with N, lesson "
      "N in the terminal — what you will see, what to watch, its scenarios as quizzes (see "
      "`epollscope quiz --help`), a summary. Scores are kept in "
      "$XDG_DATA_HOME/epollscope/progress.txt (else ~/.local/share/epollscope/progress.txt).");
  cmd->add_option("N", o->number, "The lesson to take (1 is the first)")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--no-live", o->no_live,
                "The model's answers alone: do not run the calls on the real kernel");
  cmd->add_option("--color", o->color, "auto (default), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->callback([&action, o] { action = [o] { return lessons_command(*o); }; });
}

}  // namespace epollscope::cli
