// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the scenario parser on arbitrary bytes. It must return a Scenario or a
// ParseError (whose message formats), never crash, hang or leak; a parsed scenario also exports
// to C. The test command runs it under -rss_limit_mb=2048 -timeout=10 (tests/fuzz/CMakeLists.txt):
// the parser's limits (ParseLimits) keep any input far below that, nested repeat blocks included.
// Its seeds are the scenario library and tests/fuzz/parser-seeds (inputs that once took gigabytes
// or were undefined behaviour: nested repeats, a long string repeated, the 64-bit extremes).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "live/export_c.h"
#include "sim/script/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using epollscope::sim::script::ParseError;
  using epollscope::sim::script::ParseLimits;
  using epollscope::sim::script::Scenario;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = epollscope::sim::script::parse_scenario(text, "fuzz.scn");
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    const std::string message = e->format();
    if (message.rfind("fuzz.scn:", 0) != 0) __builtin_trap();  // always file:line:col first
    // Printed on a terminal as it is: no control character but line breaks and tabs (printable()).
    for (char c : message) {
      const unsigned char b = static_cast<unsigned char>(c);
      if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7f) __builtin_trap();
    }
  } else {
    const Scenario& sc = std::get<Scenario>(parsed);
    if (sc.statements.empty() || sc.statements.size() > ParseLimits{}.max_statements)
      __builtin_trap();
    const std::string c = epollscope::live::export_c(sc);
    if (c.find("int main(void)") == std::string::npos) __builtin_trap();
  }
  return 0;
}
