#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Formats every C and C++ file of the project with clang-format (.clang-format at the root), or with
# --check only reports the files that are not formatted, or that lack the licence's SPDX line, and
# exits 1 if there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.c' 2>/dev/null || find . -name '*.cpp' -o -name '*.h' -o -name '*.c')
if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  unlicensed=()
  for f in "${files[@]}"; do
    head -n 2 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-only' || unlicensed+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "not clang-format clean (run scripts/format.sh):" >&2
    printf '  %s\n' "${bad[@]}" >&2
  fi
  if [ ${#unlicensed[@]} -gt 0 ]; then
    echo "no '// SPDX-License-Identifier: GPL-2.0-only' line at the top:" >&2
    printf '  %s\n' "${unlicensed[@]}" >&2
  fi
  [ ${#bad[@]} -eq 0 ] && [ ${#unlicensed[@]} -eq 0 ] || exit 1
  echo "all ${#files[@]} C and C++ files are clang-format clean and carry the SPDX line"
else
  clang-format -i "${files[@]}"
fi
