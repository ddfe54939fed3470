// SPDX-License-Identifier: GPL-2.0-only
#include "sim/strings.h"

#include <cstdio>

namespace epollscope::sim {

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string bytes(uint64_t n) {
  return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

}  // namespace epollscope::sim
