#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
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
[ $status -eq 0 ] || exit $status
echo "sim/ and driver/ include only the standard library and their own rooms"

# The include graph of sim/: who includes which sim/ header, as "includer included" lines.
edges=$(cd "$root" && grep -rHE '^\s*#\s*include\s*"sim/[^"]+"' sim --include='*.h' --include='*.cpp' |
  sed -E 's|^([^:]+):\s*#\s*include\s*"([^"]+)".*|\1 \2|')

# No cycle among the headers: a header that needs another's names below it in the layering
# forward-declares them (sim/wait.h names KernelContext, it does not include sim/context.h).
header_edges=$(echo "$edges" | awk '$1 ~ /\.h$/')
if ! loop=$(echo "$header_edges" | tsort 2>&1 >/dev/null) || [ -n "$loop" ]; then
  echo "the include graph of sim/ headers has a cycle:"
  echo "$loop"
  exit 1
fi

# The syscall layer (sim/kernel.h; its poll and select are in sim/select.cpp) is included only by
# itself and its direct users: the files
# that read a whole Kernel (snapshots, the invariant checker, the recorder) and the scenario
# backend that drives it (driver/, outside sim/). Everything below it (files, wait queues, eventpoll, the scheduler, the
# fd and file tables) is handed a KernelContext (sim/context.h) and must not see the syscalls.
allowed_kernel_includers="
sim/kernel.cpp
sim/select.cpp
sim/invariants.cpp
sim/recorder.cpp
sim/snapshot.cpp
"
bad=$(echo "$edges" | awk '$2 == "sim/kernel.h" { print $1 }' |
  grep -vxF -f <(echo "$allowed_kernel_includers" | sed '/^$/d') || true)
if [ -n "$bad" ]; then
  echo "sim/kernel.h is included by files that are not the syscall layer or its direct users:"
  echo "$bad"
  echo "(take a KernelContext& from sim/context.h instead, or add the file to the list in $0)"
  exit 1
fi

# Nor is it reached through another header: outside the allowed files, no file of sim/ reaches
# sim/kernel.h (the scenario language in sim/script/ does not either; driver/ drives the model).
bad=$(echo "$edges" | awk -v allowed="$allowed_kernel_includers" '
  BEGIN { n = split(allowed, a, "\n"); for (i = 1; i <= n; i++) if (a[i] != "") ok[a[i]] = 1 }
  { out[$1] = out[$1] " " $2; files[$1] = 1 }
  END {
    for (f in files) {
      if (f in ok) continue
      delete seen; top = 0; stack[++top] = f
      while (top > 0) {
        g = stack[top--]
        m = split(out[g], next_, " ")
        for (j = 1; j <= m; j++) {
          h = next_[j]
          if (h in seen) continue
          seen[h] = 1
          if (h == "sim/kernel.h") { print f; top = 0; break }
          stack[++top] = h
        }
      }
    }
  }' | sort)
if [ -n "$bad" ]; then
  echo "these files of sim/ reach sim/kernel.h through another header:"
  echo "$bad"
  exit 1
fi
echo "the sim/ header graph has no cycle; only the syscall layer and its users include sim/kernel.h"
