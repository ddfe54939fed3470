#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `epollscope quiz FILE < answers.txt` end to end, through the executable (issue 17): right and
# wrong answers from a file on standard input, with the real kernel answering; the last line of
# each run is the score; a scenario without questions and a missing file exit 2.
# Prints one "name value" line per check; the test's regular expression judges them.
# Usage: quiz_stdin.sh EPOLLSCOPE SCENARIO_DIR
set -u
bin=$1
et="$2/01-pipe-2k-1k-et.scn"
answers=$(mktemp)
printf '[rfd: EPOLLIN]\n[]\n[]\n' > "$answers"
out=$(mktemp)
trap 'rm -f "$answers" "$out"' EXIT
"$bin" quiz "$et" < "$answers" > "$out"
status=$?
echo "right $(tail -n 1 "$out") exit $status"
printf '[]\n[rfd: EPOLLIN]\n' > "$answers"
echo "wrong $("$bin" quiz "$et" < "$answers" | tail -n 1)"
echo "model $("$bin" quiz --no-live "$et" < /dev/null | grep -c 'Answers come from the model')"
"$bin" quiz "$2/13-errno-tour-epoll-ctl.scn" < /dev/null > /dev/null 2>&1
echo "no_questions_exit $?"
"$bin" quiz /nonexistent/x.scn < /dev/null > /dev/null 2>&1
echo "missing_exit $?"
