#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A screenshot replayed from a recorded kernel (`--kernel-from`) is the same PNG, byte for byte,
# every time: the kernel's answers and rbr's order are the recording's, not this run's. Compare
# mode, so that the ET<->LT twin's recorded run is replayed too; no live child is asked.
# Usage: screenshot_replay.sh EPOLLSCOPE SCENARIO_DIR (under xvfb-run)
set -u
bin=$1
scn=$2/03-del-add-moves-to-tail.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" check "$scn" --save-kernel "$tmp/run.txt" >/dev/null 2>&1
echo "save_exit $?"
for i in 1 2; do
  EPOLLSCOPE_LIVE_CHILD=/nonexistent "$bin" screenshot "$scn" --after-line 34 --compare \
    --kernel-from "$tmp/run.txt" --width 1024 --height 768 -o "$tmp/$i.png" >/dev/null 2>&1
  echo "shot_${i}_exit $?"
done
cmp -s "$tmp/1.png" "$tmp/2.png" && echo "identical yes"
