// SPDX-License-Identifier: GPL-2.0-only
// tests/live/processes.h — the processes whose parent is this test process, read from /proc: the
// live tests check that nothing epollscope starts is left behind.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace epollscope::test {

inline std::vector<pid_t> child_processes() {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');  // the name may hold spaces and parentheses
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == getpid()) out.push_back(std::atoi(e->d_name));
  }
  closedir(d);
  return out;
}

}  // namespace epollscope::test
