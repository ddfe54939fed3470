#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds everything and runs all tests: the normal build (GCC), the whole suite again built with
# AddressSanitizer and UndefinedBehaviorSanitizer, the headless tool (no window) in a clang Release
# build, then the libFuzzer targets (the scenario parser, the model driven by an op stream; clang)
# for a bounded time each. Warnings are errors here (-DEPOLLSCOPE_WERROR=ON), not in a user's
# build. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
ensure_packages clang libclang-rt-14-dev clang-format

run_suite() {
  local dir=$1 label=$2
  shift 2
  echo "== $label: configure and build ($dir)"
  cmake -S . -B "$dir" -DEPOLLSCOPE_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$(build_jobs)"
  echo "== $label: ctest"
  (cd "$dir" && ctest --output-on-failure -j "$(build_jobs)" --timeout 600)
}

echo "== formatting: clang-format --dry-run on every C++ file"
scripts/format.sh --check

run_suite build "normal build (GCC, RelWithDebInfo)" -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan "sanitizer build (ASan + UBSan)" -DCMAKE_BUILD_TYPE=Debug -DEPOLLSCOPE_SANITIZE=ON \
  -DEPOLLSCOPE_BUILD_BENCH=OFF
CC=clang CXX=clang++ run_suite build-headless "headless tool (clang, Release, no window)" \
  -DCMAKE_BUILD_TYPE=Release -DEPOLLSCOPE_GUI=OFF -DEPOLLSCOPE_BUILD_BENCH=OFF
CC=clang CXX=clang++ run_suite build-fuzz "libFuzzer targets (clang, ASan + UBSan)" \
  -DCMAKE_BUILD_TYPE=Debug -DEPOLLSCOPE_LIBFUZZER=ON -DEPOLLSCOPE_FUZZ_SECONDS=20
echo "== all tests passed"
