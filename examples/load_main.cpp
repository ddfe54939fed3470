// SPDX-License-Identifier: GPL-2.0-only
// examples/load_main.cpp — epollscope-load: the load generator (loadgen.h) on the command line.
//
//   epollscope-load --port P [--clients N] [--round-trips M] [--bytes K] [--concurrency C]
//                   [--endings close,half-close,reset] [--receive-buffer B] [--lazy-reader]
//                   [--deadline-ms D]
//
// Prints one line of figures (and the first errors on stderr); exit 0 when every client finished
// with every echo correct, 1 otherwise, 2 for bad usage.
#include <CLI/CLI.hpp>

#include <iostream>
#include <sstream>

#include "examples/loadgen.h"

int main(int argc, char** argv) {
  using namespace epollscope::examples;
  CLI::App app{
      "epollscope-load: N clients to 127.0.0.1:PORT, each M round trips of K bytes, "
      "every echoed byte checked"};
  LoadOptions o;
  std::string endings = "close,half-close,reset";
  long deadline_ms = o.deadline.count();
  app.add_option("--port", o.port, "The echo server's port on 127.0.0.1")
      ->required()
      ->check(CLI::Range(1, 65535));
  app.add_option("--clients", o.clients, "Connections in all")->check(CLI::Range(1, 1000000));
  app.add_option("--round-trips", o.round_trips, "Round trips per connection")
      ->check(CLI::Range(0, 100000000));
  app.add_option("--bytes", o.bytes, "Bytes per round trip")->check(CLI::Range(1, 1 << 26));
  app.add_option("--concurrency", o.concurrency, "Connections open at once")
      ->check(CLI::Range(1, 10000));
  app.add_option("--endings", endings,
                 "How connections end, in turn: close, half-close (shutdown SHUT_WR, read to "
                 "EOF), reset (SO_LINGER 0)");
  app.add_option("--receive-buffer", o.receive_buffer,
                 "SO_RCVBUF of each client (small: the server's writes fall short)")
      ->check(CLI::Range(0, 1 << 26));
  app.add_flag("--lazy-reader", o.lazy_reader,
               "Read only once the round trip is sent (with large --bytes the "
               "server's writes fall short and it waits for EPOLLOUT)");
  app.add_option("--deadline-ms", deadline_ms, "The whole run's deadline")
      ->check(CLI::Range(1, 3600000));
  CLI11_PARSE(app, argc, argv);

  o.endings.clear();
  std::stringstream list(endings);
  for (std::string name; std::getline(list, name, ',');) {
    if (name == "close") {
      o.endings.push_back(Ending::kClose);
    } else if (name == "half-close") {
      o.endings.push_back(Ending::kHalfClose);
    } else if (name == "reset") {
      o.endings.push_back(Ending::kReset);
    } else {
      std::cerr << "--endings: unknown ending '" << name << "' (close, half-close, reset)\n";
      return 2;
    }
  }
  o.deadline = std::chrono::milliseconds(deadline_ms);

  const LoadStats stats = run_load(o);
  std::cout << describe(stats) << std::endl;  // before the errors on stderr
  for (const std::string& m : stats.messages)
    std::cerr << "epollscope-load: " << m << '\n';
  return stats.ok() ? 0 : 1;
}
