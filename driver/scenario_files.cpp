// SPDX-License-Identifier: GPL-2.0-only
#include "driver/scenario_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace epollscope::driver {

std::variant<sim::script::Scenario, sim::script::ParseError> load_scenario(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    sim::script::ParseError e;
    e.path = path;
    e.message = std::string("cannot read the file: ") + std::strerror(errno);
    return e;
  }
  std::stringstream text;
  text << in.rdbuf();
  return sim::script::parse_scenario(text.str(), path);
}

std::vector<std::string> collect_scenarios(const std::vector<std::string>& paths,
                                           std::vector<std::string>* missing) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::recursive_directory_iterator(p, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".scn")
          found.push_back(entry.path().string());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);
    } else if (missing) {
      missing->push_back(p);
    }
  }
  return out;
}

}  // namespace epollscope::driver
