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

# The syscall layer (sim/kernel.h) is included only by itself and its direct users: the files
# that read a whole Kernel (snapshots, the invariant checker, the recorder) and the scenario
# backend that drives it. Everything below it (files, wait queues, eventpoll, the scheduler, the
# fd and file tables) is handed a KernelContext (sim/context.h) and must not see the syscalls.
allowed_kernel_includers="
sim/kernel.cpp
sim/invariants.cpp
sim/recorder.cpp
sim/snapshot.cpp
sim/script/model_backend.h
"
bad=$(echo "$edges" | awk '$2 == "sim/kernel.h" { print $1 }' |
  grep -vxF -f <(echo "$allowed_kernel_includers" | sed '/^$/d') || true)
if [ -n "$bad" ]; then
  echo "sim/kernel.h is included by files that are not the syscall layer or its direct users:"
  echo "$bad"
  echo "(take a KernelContext& from sim/context.h instead, or add the file to the list in $0)"
  exit 1
fi

# Nor is it reached through another header: outside the allowed files and the scenario layer
# (sim/script/, which drives the syscall layer), no file of sim/ reaches sim/kernel.h.
bad=$(echo "$edges" | awk -v allowed="$allowed_kernel_includers" '
  BEGIN { n = split(allowed, a, "\n"); for (i = 1; i <= n; i++) if (a[i] != "") ok[a[i]] = 1 }
  { out[$1] = out[$1] " " $2; files[$1] = 1 }
  END {
    for (f in files) {
      if (f in ok || f ~ /^sim\/script\//) continue
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
