// SPDX-License-Identifier: GPL-2.0-only
// driver/scenario_files.cpp — reading scenario files and searching folders for them, with the
// standard library only (driver/ makes no system calls of its own): std::filesystem says what a
// path is before anything opens it, and every call that can fail takes an error_code, so a folder
// that cannot be read is a message, never an exception that ends the program.
#include "driver/scenario_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "sim/strings.h"

namespace epollscope::driver {
namespace {

namespace fs = std::filesystem;
using sim::cat;

// Why a path cannot be used, from the error std::filesystem reported for it.
std::string why(const std::error_code& ec) {
  if (ec == std::errc::no_such_file_or_directory) return "no such file or folder";
  if (ec == std::errc::too_many_symbolic_link_levels)
    return cat("cannot be read: a loop of symbolic links? (", ec.message(), ")");
  return cat("cannot be read: ", ec.message());
}

const char* type_name(fs::file_type t) {
  switch (t) {
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::character:
      return "a character device";
    case fs::file_type::block:
      return "a block device";
    case fs::file_type::socket:
      return "a socket";
    default:
      return "not a file";
  }
}

constexpr const char* kDangling = "is a symbolic link to nothing (its target does not exist)";

std::string size_text(std::uintmax_t bytes) {
  return bytes >= (std::uintmax_t{1} << 20) ? cat(bytes >> 20, " MiB") : cat(bytes, " bytes");
}

// Adds the *.scn files under `dir` to `found`; what cannot be read goes to `problems`. Symbolic
// links to folders are not followed (no loops); an entry that vanishes during the search (a
// process's folder under /proc) is passed over.
void search(const fs::path& dir, std::vector<std::string>& found,
            std::vector<PathProblem>* problems) {
  auto problem = [&](const fs::path& p, const std::error_code& ec) {
    if (problems && ec != std::errc::no_such_file_or_directory)
      problems->push_back(PathProblem{p.string(), why(ec)});
  };
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return problem(dir, ec);
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::path p = it->path();
    std::error_code sec;
    const fs::file_status own = it->symlink_status(sec);
    if (sec) {
      problem(p, sec);
      continue;
    }
    if (fs::is_directory(own)) {
      search(p, found, problems);
      continue;
    }
    if (p.extension() != ".scn") continue;
    // A file or a link to one: what it is, is load_scenario's to say; a link that cannot be
    // followed is a problem now.
    if (fs::is_symlink(own)) {
      const fs::file_status target = fs::status(p, sec);
      if (sec && target.type() == fs::file_type::not_found) {
        if (problems) problems->push_back(PathProblem{p.string(), kDangling});
        continue;
      }
      if (sec) {
        problem(p, sec);
        continue;
      }
    }
    found.push_back(p.string());
  }
  if (ec) problem(dir, ec);
}

}  // namespace

std::optional<std::string> read_scenario_file(const std::string& path, std::string* error) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);  // follows symbolic links
  if (ec || st.type() == fs::file_type::not_found) {
    std::error_code lec;
    const bool missing = !ec || ec == std::errc::no_such_file_or_directory;
    if (missing && fs::is_symlink(fs::symlink_status(path, lec)))
      *error = kDangling;
    else
      *error = ec ? why(ec) : "no such file or folder";
    return std::nullopt;
  }
  if (st.type() == fs::file_type::directory) {
    *error = "is a directory (a scenario is a *.scn file; `check` searches folders for them)";
    return std::nullopt;
  }
  if (st.type() != fs::file_type::regular) {
    *error = cat("is not a regular file (", type_name(st.type()), "); a scenario is a *.scn file");
    return std::nullopt;
  }
  const std::uintmax_t size = fs::file_size(path, ec);
  const std::string too_large =
      cat("is too large; a scenario file may be at most ", size_text(kMaxScenarioFileBytes));
  if (!ec && size > kMaxScenarioFileBytes) {
    *error = cat("is ", size_text(size), ", too large; a scenario file may be at most ",
                 size_text(kMaxScenarioFileBytes));
    return std::nullopt;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = cat("cannot be read: ", errno ? std::strerror(errno) : "it cannot be opened");
    return std::nullopt;
  }
  // Read at most one byte more than the limit: a file may grow, and some files (under /proc)
  // report a size of 0.
  std::string text;
  char buf[65536];
  while (in && text.size() <= kMaxScenarioFileBytes) {
    in.read(buf, sizeof buf);
    text.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    *error = cat("cannot be read: ", errno ? std::strerror(errno) : "a read error");
    return std::nullopt;
  }
  if (text.size() > kMaxScenarioFileBytes) {
    *error = too_large;
    return std::nullopt;
  }
  return text;
}

std::variant<sim::script::Scenario, sim::script::ParseError> load_scenario(
    const std::string& path, const sim::script::ParseLimits& limits) {
  std::string error;
  std::optional<std::string> text = read_scenario_file(path, &error);
  if (!text) {
    sim::script::ParseError e;
    e.path = path;
    e.message = error;
    return e;
  }
  return sim::script::parse_scenario(*text, path, limits);
}

std::vector<std::string> collect_scenarios(const std::vector<std::string>& paths,
                                           std::vector<PathProblem>* problems) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (ec || st.type() == fs::file_type::not_found) {
      // A dangling link or a link loop is listed: load_scenario says which it is.
      std::error_code lec;
      if (fs::is_symlink(fs::symlink_status(p, lec))) {
        out.push_back(p);
      } else if (problems) {
        problems->push_back(PathProblem{p, ec ? why(ec) : "no such file or folder"});
      }
      continue;
    }
    if (fs::is_directory(st)) {
      std::vector<std::string> found;
      search(p, found, problems);
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace epollscope::driver
