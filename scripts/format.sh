#!/usr/bin/env bash
# Formats every C++ file of the project with clang-format (.clang-format at the root), or with
# --check only reports the files that are not formatted and exits 1 if there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find . -name '*.cpp' -o -name '*.h')
if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "not clang-format clean (run scripts/format.sh):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "all ${#files[@]} C++ files are clang-format clean"
else
  clang-format -i "${files[@]}"
fi
