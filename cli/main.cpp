// SPDX-License-Identifier: GPL-2.0-only
// cli/main.cpp — the `epollscope` executable: one binary, one subcommand per use. Each subcommand
// lives in its own cmd_*.cpp; `epollscope --help` lists them, `epollscope SUBCOMMAND --help` its
// options. A misspelt subcommand gets the nearest one as a hint ("did you mean run?").
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli.h"
#include "driver/i18n.h"
#include "sim/script/user_text.h"

namespace {

// When the command line names a subcommand that does not exist where one is expected (`epollscope
// rnu`, `epollscope bench gu`) and a known one is near it, says so on stderr and returns true.
bool hint_subcommand(CLI::App& app, int argc, char** argv) {
  CLI::App* level = &app;
  std::string where = "epollscope";
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word.empty() || word[0] == '-') continue;
    const std::vector<CLI::App*> subs = level->get_subcommands({});
    if (subs.empty()) return false;
    CLI::App* found = nullptr;
    std::vector<std::string_view> names;
    for (CLI::App* sub : subs) {
      names.emplace_back(sub->get_name());
      if (sub->get_name() == word) found = sub;
    }
    if (found) {
      level = found;
      where += " " + found->get_name();
      continue;
    }
    const std::string near = epollscope::sim::script::nearest_name(word, names);
    if (near.empty()) return false;
    std::cerr << where << ": unknown subcommand '" << epollscope::sim::script::printable(word)
              << "' (did you mean " << near << "?)\nRun with --help for more information.\n";
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace epollscope::cli;
  CLI::App app{
      "epollscope: a model of Linux epoll internals (struct eventpoll, epitem, rbr, rdllist, "
      "ovflist),\nstep by step at the level of kernel functions, checked against the real kernel.\n"
      "Without a subcommand it opens the window on the pipe 2 KB / 1 KB example, edge-triggered "
      "beside\nlevel-triggered, or, without a display, runs the terminal walk-through of the same "
      "example."};
  app.set_version_flag("--version", "epollscope 0.1.0");
  app.require_subcommand(0, 1);
  // --lang is the app's, and every subcommand passes it up (`epollscope run FILE --lang zh`).
  std::string lang;
  CLI::Option* lang_option =
      app.add_option(
             "--lang", lang,
             "Language of the window and of the terminal's chrome: en or zh (Simplified "
             "Chinese). Default: the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG: zh_* gives "
             "zh), else en")
          ->type_name("en|zh");
  app.fallthrough();

  Action action;
  add_walkthrough(app, action);
  add_run(app, action);
  add_quiz(app, action);
  add_lessons(app, action);
  add_check(app, action);
  add_gui(app, action);
  add_export_c(app, action);
  add_export_video(app, action);
  add_fuzz(app, action);
  add_bench(app, action);
  add_profiles(app, action);
  add_trace(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0 && hint_subcommand(app, argc, argv)) return e.get_exit_code();
    return app.exit(e);
  }
  epollscope::driver::Lang chosen = epollscope::driver::Lang::en;
  std::string lang_error;
  if (!epollscope::driver::choose_language(
          lang_option->count() > 0 ? std::optional<std::string>(lang) : std::nullopt, &chosen,
          &lang_error)) {
    std::cerr << "epollscope: " << lang_error << '\n';
    return 2;
  }
  epollscope::driver::set_language(chosen);
  if (!action) action = main_job();
  exit_cleanly_on_signals();
  return action();
}
