#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The recorded kernel through the executable (driver/kernel_recording.h): `check --save-kernel`
# writes the real kernel's answers; `run` and `check` replay them with `--kernel-from` the same way
# twice, with no live child to ask (EPOLLSCOPE_LIVE_CHILD points nowhere), and say which kernel
# answered; a scenario the model runs alone needs no recording; a recording of another text, a cut
# file, `--kernel-from` with `--no-live` and a recording written over its scenario are refused.
# Prints one "name value" line per check; the test's regular expression judges them.
# Usage: kernel_recording.sh EPOLLSCOPE SCENARIO_DIR
set -u
bin=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scn="$dir/03-del-add-moves-to-tail.scn"
"$bin" check "$scn" --save-kernel "$tmp/run.txt" >"$tmp/save.out" 2>&1
echo "save_exit $?"
echo "save_says $(grep -c "^recorded the kernel's answers to 2 runs" "$tmp/save.out")"
echo "release_recorded $(grep -c "^kernel $(uname -r)\$" "$tmp/run.txt")"
EPOLLSCOPE_LIVE_CHILD=/nonexistent "$bin" run "$scn" --kernel-from "$tmp/run.txt" >"$tmp/a.out" 2>&1
echo "replay_exit $?"
EPOLLSCOPE_LIVE_CHILD=/nonexistent "$bin" run "$scn" --kernel-from "$tmp/run.txt" >"$tmp/b.out" 2>&1
cmp -s "$tmp/a.out" "$tmp/b.out" && echo "replays_identical yes"
echo "says_who_answered $(grep -c "^kernel: recorded on Linux $(uname -r) ($tmp/run.txt)\$" "$tmp/a.out")"
echo "kernel_lines $(grep -c '^  kernel: ' "$tmp/a.out")"
EPOLLSCOPE_LIVE_CHILD=/nonexistent "$bin" run "$scn" >/dev/null 2>&1
echo "without_recording_exit $?"
EPOLLSCOPE_LIVE_CHILD=/nonexistent "$bin" check "$scn" --kernel-from "$tmp/run.txt" >"$tmp/c.out" 2>&1
echo "check_replay_exit $? $(tail -n 1 "$tmp/c.out")"
"$bin" run "$dir/03-oneshot.scn" --kernel-from "$tmp/run.txt" >/dev/null 2>"$tmp/other.err"
echo "other_scenario_exit $? $(grep -c 'holds no answers for this text of' "$tmp/other.err")"
"$bin" run "$scn" --kernel-from "$tmp/run.txt" --no-live >/dev/null 2>"$tmp/nolive.err"
echo "with_no_live_exit $? $(grep -c 'excludes' "$tmp/nolive.err")"
head -n 12 "$tmp/run.txt" >"$tmp/cut.txt"
"$bin" run "$scn" --kernel-from "$tmp/cut.txt" >/dev/null 2>"$tmp/cut.err"
echo "cut_exit $? $(grep -c "^epollscope: $tmp/cut.txt:[0-9][0-9]*: " "$tmp/cut.err")"
"$bin" run "$dir/02-ovflist-wakeup-during-harvest.scn" --kernel-from "$tmp/run.txt" >"$tmp/model.out" 2>&1
echo "model_only_scenario_exit $? $(grep -c '^model only: ' "$tmp/model.out")"
cp "$scn" "$tmp/copy.scn"
"$bin" check "$tmp/copy.scn" --save-kernel "$tmp/copy.scn" >/dev/null 2>"$tmp/over.err"
echo "over_scenario_exit $? $(cmp -s "$scn" "$tmp/copy.scn" && echo unchanged)"
