// SPDX-License-Identifier: GPL-2.0-only
// cli/output.cpp — writing what a subcommand makes (export-c's program, screenshot's PNG): never
// over one of its inputs, every write and the close checked, the reason said when one fails.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/cli.h"
#include "sim/script/user_text.h"

namespace epollscope::cli {

bool is_stdout(const std::string& output) {
  return output.empty() || output == "-";
}

std::string overwrites_input(const std::string& input, const std::string& output) {
  struct stat in = {};
  struct stat out = {};
  if (stat(input.c_str(), &in) != 0) return {};  // no input to lose (its reader says why)
  // Standard output counts too: `export-c x.scn >> x.scn` would append to the scenario (and
  // `> x.scn` has already emptied it: the parse error would not say why).
  if ((is_stdout(output) ? fstat(STDOUT_FILENO, &out) : stat(output.c_str(), &out)) != 0)
    return {};  // nothing there yet
  if (in.st_dev != out.st_dev || in.st_ino != out.st_ino) return {};
  return (is_stdout(output) ? std::string("standard output") : output) + " is the input file " +
         input + " itself; refusing to overwrite it";
}

namespace {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

bool write_output(const std::string& output, std::string_view data, std::string* error) {
  if (is_stdout(output)) {
    // Unbuffered and checked: `export-c F > /dev/full` is ENOSPC here, not a silent exit 0.
    if (write_all(STDOUT_FILENO, data)) return true;
    *error = std::string("cannot write to standard output: ") + std::strerror(errno);
    return false;
  }
  const bool existed = access(output.c_str(), F_OK) == 0;
  const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    *error = "cannot write " + sim::script::printable(output) + ": " + std::strerror(errno);
    return false;
  }
  struct stat st = {};
  const bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  bool ok = write_all(fd, data);
  int err = errno;
  if (close(fd) != 0 && ok) {  // a deferred write error (NFS, a full disk) shows at close
    ok = false;
    err = errno;
  }
  if (ok) return true;
  *error = "cannot write " + sim::script::printable(output) + ": " + std::strerror(err);
  if (!existed)
    unlink(output.c_str());  // nothing half-written left behind
  else if (regular)
    *error += " (it is incomplete)";
  return false;
}

}  // namespace epollscope::cli
