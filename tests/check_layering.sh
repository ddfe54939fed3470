#!/usr/bin/env bash
# The model (sim/) and the driver (driver/) may include only the C++ standard library and their
# own rooms' headers: no GUI, GL or syscall headers. This keeps the model portable and makes the
# layering visible in review (the build enforces the rest: a room sees only the headers of the
# rooms it links, see epollscope_room in CMakeLists.txt).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
check_room() {
  local room=$1 allowed=$2
  local bad
  bad=$(grep -rnE '^\s*#\s*include\s*[<"](imgui|GLFW|GL/|sys/|unistd|fcntl|errno\.h|poll\.h|signal|pthread|netinet|arpa/|linux/|malloc)' \
    "$root/$room" || true)
  if [ -n "$bad" ]; then
    echo "$room/ includes headers outside the C++ standard library:"
    echo "$bad"
    status=1
  fi
  bad=$(grep -rnE '^\s*#\s*include\s*"' "$root/$room" | grep -vE "#\s*include\s*\"($allowed)/" || true)
  if [ -n "$bad" ]; then
    echo "$room/ includes project headers from outside $allowed:"
    echo "$bad"
    status=1
  fi
}
check_room sim 'sim'
check_room driver 'sim|driver'
[ $status -eq 0 ] && echo "sim/ and driver/ include only the standard library and their own rooms"
exit $status
