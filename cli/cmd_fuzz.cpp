// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_fuzz.cpp — `epollscope fuzz`: differential fuzzing of the model against the real kernel
// (fuzz/differential.h).
#include <charconv>
#include <cstdint>
#include <iostream>

#include "cli/cli.h"
#include "fuzz/differential.h"

namespace epollscope::cli {

void add_fuzz(CLI::App& app, Action& action) {
  struct Options {
    fuzz::FuzzOptions fuzz;
    std::string types = fuzz::FuzzTypes{}.text();
    std::string profile;
    bool no_progress = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "fuzz",
      "Differential fuzzing: random call sequences on the model and on the real kernel, compared "
      "call by call;\non the first divergence, shrink it and write a minimal scenario file (exit "
      "1)");
  cmd->add_option("--seed", o->fuzz.seed, "Seed: the same seed gives the same calls")
      ->capture_default_str()
      // CLI11 reads "-1" into a uint64_t as 2^64 - 1, and 2^64 as 2^64 - 1, without a word.
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            uint64_t v = 0;
            const char* end = s.data() + s.size();
            const auto [stop, ec] = std::from_chars(s.data(), end, v);
            if (s.empty() || ec != std::errc() || stop != end)
              return "the seed is a whole number from 0 to 18446744073709551615, not '" + s + "'";
            return {};
          },
          "UINT64", "seed"));
  cmd->add_option("--ops", o->fuzz.ops, "Calls in all")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  cmd->add_option("--types", o->types,
                  "File types (and threads) to use: pipe,unix,tcp,eventfd,epoll,threads")
      ->capture_default_str();
  cmd->add_option("--out", o->fuzz.out_dir,
                  "Folder for the minimal scenario of a divergence (made if missing; when it "
                  "cannot be written, the scenario goes to stderr)")
      ->capture_default_str();
  cmd->add_option("--jobs", o->fuzz.jobs, "Worker processes (default: one per core)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--case-ops", o->fuzz.case_ops,
                  "Calls per case (each case starts from fresh files)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--profile", o->profile,
                  "Kernel profile to model (default: calibrated on this kernel; another one "
                  "makes the model diverge on purpose)");
  cmd->add_flag("--no-progress", o->no_progress, "No progress line on the terminal");
  cmd->callback([&action, o] {
    action = [o] {
      std::string error;
      if (!fuzz::FuzzTypes::parse(o->types, &o->fuzz.types, &error)) {
        std::cerr << "epollscope: --types: " << error << '\n';
        return 2;
      }
      if (!o->profile.empty() && !(o->fuzz.profile = find_profile(o->profile))) return 2;
      o->fuzz.progress = !o->no_progress;
      return fuzz::fuzz_command(o->fuzz, std::cout, std::cerr);
    };
  });
}

}  // namespace epollscope::cli
