// SPDX-License-Identifier: GPL-2.0-only
// tests/driver/scenario_files_test.cpp — reading scenario files (driver/scenario_files.h): only a
// regular file of at most 4 MiB is read, everything else is a message that says what the path is;
// searching folders never throws and goes on past what it cannot read (issue 13, items 3, 6, 15).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "driver/scenario_files.h"

namespace epollscope::driver {
namespace {

namespace fs = std::filesystem;

class ScenarioFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("scenario-files-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_ / "locked", fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  // The message read_scenario_file gives for `path`, or "read" when it reads it.
  static std::string why(const std::string& path) {
    std::string error;
    return read_scenario_file(path, &error) ? "read" : error;
  }
  fs::path dir_;
};

TEST_F(ScenarioFiles, OnlyARegularFileIsRead) {
  EXPECT_EQ(why(write("a.scn", "pipe(r, w)\n")), "read");
  EXPECT_EQ(why(dir_.string()),
            "is a directory (a scenario is a *.scn file; `check` searches folders for them)");
  EXPECT_EQ(why("/dev/zero"),
            "is not a regular file (a character device); a scenario is a *.scn file");
  const std::string fifo = (dir_ / "fifo.scn").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(why(fifo), "is not a regular file (a FIFO); a scenario is a *.scn file");
  EXPECT_EQ(why((dir_ / "missing.scn").string()), "no such file or folder");
}

TEST_F(ScenarioFiles, LinksThatLeadNowhere) {
  fs::create_symlink("loop2.scn", dir_ / "loop1.scn");
  fs::create_symlink("loop1.scn", dir_ / "loop2.scn");
  EXPECT_EQ(why((dir_ / "loop1.scn").string()),
            "cannot be read: a loop of symbolic links? (Too many levels of symbolic links)");
  fs::create_symlink("nothing.scn", dir_ / "dangling.scn");
  EXPECT_EQ(why((dir_ / "dangling.scn").string()),
            "is a symbolic link to nothing (its target does not exist)");
}

TEST_F(ScenarioFiles, AFileLargerThanTheLimitIsNotRead) {
  const fs::path big = dir_ / "big.scn";
  std::ofstream(big) << "pipe(r, w)\n";
  fs::resize_file(big, kMaxScenarioFileBytes + 1);  // sparse: no 4 MiB written
  EXPECT_EQ(why(big.string()), "is 4 MiB, too large; a scenario file may be at most 4 MiB");
  fs::resize_file(big, kMaxScenarioFileBytes);
  EXPECT_EQ(why(big.string()), "read");
  // load_scenario says it without a line: "path: why".
  auto loaded = load_scenario(dir_.string());
  ASSERT_TRUE(std::holds_alternative<sim::script::ParseError>(loaded));
  EXPECT_EQ(std::get<sim::script::ParseError>(loaded).format(),
            dir_.string() +
                ": is a directory (a scenario is a *.scn file; `check` searches folders for "
                "them)\n");
}

// Issue 13, item 6: a folder that cannot be read, or a *.scn link that cannot be followed, used
// to throw std::filesystem_error out of the search (SIGABRT, every result lost).
TEST_F(ScenarioFiles, SearchingGoesOnPastWhatCannotBeRead) {
  write("b.scn", "pipe(r, w)\n");
  write("sub/a.scn", "pipe(r, w)\n");
  write("sub/notes.txt", "not a scenario");
  fs::create_symlink("nowhere/x.scn", dir_ / "dangling.scn");
  fs::create_directory(dir_ / "locked");
  write("locked/hidden.scn", "pipe(r, w)\n");
  fs::permissions(dir_ / "locked", fs::perms::none);
  // A link to another process's stdin: following it fails unless we may look into that process.
  fs::create_symlink("/proc/1/fd/0", dir_ / "proc.scn");
  std::error_code proc_ec;
  (void)fs::status(dir_ / "proc.scn", proc_ec);
  std::vector<PathProblem> problems;
  std::vector<std::string> files;
  ASSERT_NO_THROW(files = collect_scenarios({dir_.string(), "/nonexistent/x.scn"}, &problems));
  ASSERT_GE(files.size(), 2u);
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
  EXPECT_EQ(files[0], (dir_ / "b.scn").string());
  EXPECT_NE(std::find(files.begin(), files.end(), (dir_ / "sub" / "a.scn").string()), files.end());
  EXPECT_EQ(std::find(files.begin(), files.end(), (dir_ / "sub" / "notes.txt").string()),
            files.end());
  std::vector<std::string> said;
  for (const auto& p : problems)
    said.push_back(p.path + ": " + p.message);
  EXPECT_NE(std::find(said.begin(), said.end(),
                      (dir_ / "dangling.scn").string() +
                          ": is a symbolic link to nothing (its target does not exist)"),
            said.end())
      << ::testing::PrintToString(said);
  EXPECT_NE(std::find(said.begin(), said.end(), "/nonexistent/x.scn: no such file or folder"),
            said.end());
  if (proc_ec) {
    EXPECT_NE(std::find(said.begin(), said.end(),
                        (dir_ / "proc.scn").string() + ": cannot be read: " + proc_ec.message()),
              said.end())
        << ::testing::PrintToString(said);
  }
  if (geteuid() != 0) {  // root reads a folder of mode 000 all the same
    EXPECT_NE(std::find(said.begin(), said.end(),
                        (dir_ / "locked").string() + ": cannot be read: Permission denied"),
              said.end())
        << ::testing::PrintToString(said);
  }
}

}  // namespace
}  // namespace epollscope::driver
