#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds epollscope and runs its main job. Extra arguments go to the `epollscope` executable
# (try ./scripts/run.sh --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
ensure_packages

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target epollscope -j "$(build_jobs)"
exec ./build/bin/epollscope "$@"
