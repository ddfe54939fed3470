#!/usr/bin/env bash
# The model (sim/) may include only the C++ standard library and its own headers: no GUI, GL or
# syscall headers. This keeps the model portable and makes the layering visible in review.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bad=$(grep -rnE '^\s*#\s*include\s*[<"](imgui|GLFW|GL/|sys/|unistd|fcntl|errno\.h|poll\.h|signal|pthread|netinet|arpa/|linux/|malloc)' \
  "$root/sim" || true)
if [ -n "$bad" ]; then
  echo "sim/ includes headers outside the C++ standard library:"
  echo "$bad"
  exit 1
fi
# Every quoted include in sim/ must be another sim/ header.
bad=$(grep -rnE '^\s*#\s*include\s*"' "$root/sim" | grep -vE '#\s*include\s*"sim/' || true)
if [ -n "$bad" ]; then
  echo "sim/ includes project headers from outside sim/:"
  echo "$bad"
  exit 1
fi
echo "sim/ includes only the standard library and sim/ headers"
