#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `epollscope trace --gui` on a program that ends at once: the window stays open to study the
# trace (epollscope is still running a second after the program's last line), and Ctrl-C then
# closes it; the end and summary lines follow, and the exit status is the program's. Run under
# xvfb-run. $1: epollscope, $2: the trace-pipe-et program (its last line starts with "1 0 0").
out=$(mktemp)
"$1" trace --gui -- "$2" >"$out" 2>&1 &
pid=$!
i=0
until grep -q '^1 0 0' "$out"; do
  i=$((i + 1))
  if [ $i -gt 300 ]; then echo "did not run"; cat "$out"; kill -9 $pid; exit 1; fi
  sleep 0.1
done
sleep 1
kill -0 $pid 2>/dev/null && echo "the window stays open"
kill -INT $pid
wait $pid
status=$?
cat "$out"
rm -f "$out"
echo "exit=$status"
