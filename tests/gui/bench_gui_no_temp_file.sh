#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tests/gui/bench_gui_no_temp_file.sh EPOLLSCOPE — `bench gui` interrupted (SIGINT during its
# set-up) leaves no temporary scenario file in /tmp. It runs in a mount namespace of its own with
# an empty /tmp, so that no other program's files count; that needs root, and a program that is
# not itself under /tmp (else exit 77: skipped). It prints "left: N" (the files left), and "did
# not start" when the benchmark never got going.
exe=$(realpath "$1")
unshare -m true 2>/dev/null || exit 77
case "$exe" in /tmp/*) exit 77 ;; esac  # hidden by the empty /tmp
exec unshare -m sh -c '
  mount -t tmpfs tmpfs /tmp || exit 77
  said=$(xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" timeout -s INT 3 "$0" bench gui \
    --items 100000 --frames 1 2>&1 >/dev/null)
  case "$said" in
    *"building the scenario"*) ;;
    *) echo "did not start: $said" ;;
  esac
  echo "left: $(ls -A /tmp | grep -c epollscope-bench)"
' "$exe"
