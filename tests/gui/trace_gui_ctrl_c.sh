#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `epollscope trace --gui` interrupted by Ctrl-C (SIGINT) while the window follows a program that
# sleeps in epoll_wait: the window closes, the program is killed, the end and summary lines are
# printed. Run under xvfb-run. $1: epollscope, $2: the trace-block-forever program.
out=$(mktemp)
"$1" trace --gui -- "$2" >"$out" 2>&1 &
pid=$!
# The program prints "ready PID" once it runs under the tracer (at most 30 s: a hang fails).
i=0
until grep -q '^ready ' "$out"; do
  i=$((i + 1))
  if [ $i -gt 300 ]; then echo "did not start"; cat "$out"; kill -9 $pid; exit 1; fi
  sleep 0.1
done
kill -INT $pid
wait $pid
status=$?
cat "$out"
rm -f "$out"
echo "exit=$status"
