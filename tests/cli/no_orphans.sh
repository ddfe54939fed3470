#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tests/cli/no_orphans.sh — nothing epollscope starts outlives it. `check` (its live child) and
# `fuzz` (its workers) are stopped mid-run by SIGTERM, SIGINT and SIGKILL: within 5 s no process
# of their session may be left running (a SIGKILLed sanitizer build on a loaded machine has taken
# more than 2 s to be gone), and the first two exit 143 and 130 with a line saying why.
#
# Usage: no_orphans.sh EPOLLSCOPE SCRATCH_DIR
# Each run gets a session of its own (setsid), so that "what it left behind" is every process of
# that session, however deep; `env --default-signal` undoes the SIGINT that a non-interactive
# shell ignores for its background jobs.
set -u
bin=$1
tmp=$2
mkdir -p "$tmp"
failures=0

# A scenario that keeps the live child busy for seconds: 90,000 calls (a sleep or a timeout would
# take no real time, the clock being virtual).
scn=$tmp/slow.scn
{
  echo 'title "slow: 90,000 calls"'
  echo 'ep = epoll_create1(0)'
  echo 'repeat 90000'
  echo 'epoll_wait(ep, 1, 0)       => []'
  echo 'end'
} >"$scn"

# Every process as "pid state ppid pgrp session ..." (the name, which may hold spaces, cut out).
processes() { cat /proc/[0-9]*/stat 2>/dev/null | sed 's/^\([0-9]*\) .*) /\1 /'; }
# Processes of session $1 that still run (a zombie has ended: whoever adopted it reaps it).
running_in_session() {
  processes | awk -v s="$1" '$5 == s && $2 != "Z" && $2 != "X" { print $1 }' | tr '\n' ' '
}
children_of() { processes | awk -v p="$1" '$3 == p { print $1 }' | tr '\n' ' '; }
session_of() { processes | awk -v p="$1" '$1 == p { print $5 }'; }
ms() { echo $(($(date +%s%N) / 1000000)); }
fail() {
  echo "FAIL $name: $*"
  failures=$((failures + 1))
}

# run NAME SIGNAL STATUS MESSAGE ARGS...: starts `epollscope ARGS`, waits for its children, sends
# SIGNAL, and checks the exit status, the message on stderr, and that the session is empty.
run() {
  name=$1 sig=$2 want=$3 message=$4
  shift 4
  setsid env --default-signal=INT "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  n=0
  while [ -z "$(children_of $pid)" ] && [ $n -lt 200 ]; do
    sleep 0.05
    n=$((n + 1))
  done
  kids=$(children_of $pid)
  sid=$(session_of $pid)
  if [ -z "$kids" ] || [ "$sid" != "$pid" ]; then
    fail "epollscope $* started no child in its own session (children '$kids', session $sid)"
    kill -KILL $pid 2>/dev/null
    wait $pid
    return
  fi
  sleep 0.5
  kill -s "$sig" $pid
  until=$(($(ms) + 5000))
  while [ -n "$(running_in_session $sid)" ] && [ "$(ms)" -lt $until ]; do
    sleep 0.05
  done
  before=$failures
  left=$(running_in_session $sid)
  if [ -n "$left" ]; then
    fail "5 s after SIG$sig, still running in its session: $left (children were: $kids)"
    for p in $left; do echo "  left: $(cat /proc/$p/stat 2>/dev/null | cut -c1-120)"; done
    for p in $left; do kill -KILL "$p" 2>/dev/null; done
  fi
  wait $pid
  status=$?
  [ "$status" = "$want" ] || fail "exit status $status, expected $want"
  if [ -n "$message" ] && ! grep -q "$message" "$tmp/$name.err"; then
    fail "stderr does not say '$message': $(cat "$tmp/$name.err")"
  fi
  [ $failures -eq $before ] && echo "ok   $name: SIG$sig, exit $status, its children ($kids) gone"
}

run check-term TERM 143 'epollscope: terminated (SIGTERM)' check "$scn"
run check-int INT 130 'epollscope: interrupted (SIGINT)' check "$scn"
run check-kill KILL 137 '' check "$scn"
run fuzz-term TERM 143 'epollscope: terminated (SIGTERM)' fuzz --ops 100000000 --jobs 2 \
  --no-progress --out "$tmp/findings"
run fuzz-int INT 130 'epollscope: interrupted (SIGINT)' fuzz --ops 100000000 --jobs 2 \
  --no-progress --out "$tmp/findings"
run fuzz-kill KILL 137 '' fuzz --ops 100000000 --jobs 2 --no-progress --out "$tmp/findings"

[ $failures -eq 0 ] && echo "no orphans" && exit 0
exit 1
