// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the scenario parser on arbitrary bytes. It must return a Scenario or a
// ParseError (whose message formats), never crash, hang or leak; a parsed scenario also exports
// to C.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "live/export_c.h"
#include "sim/script/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = epollscope::sim::script::parse_scenario(text, "fuzz.scn");
  if (auto* e = std::get_if<epollscope::sim::script::ParseError>(&parsed)) {
    const std::string message = e->format();
    if (message.rfind("fuzz.scn:", 0) != 0) __builtin_trap();  // always file:line:col first
  } else {
    const std::string c =
        epollscope::live::export_c(std::get<epollscope::sim::script::Scenario>(parsed));
    if (c.find("int main(void)") == std::string::npos) __builtin_trap();
  }
  return 0;
}
