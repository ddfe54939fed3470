#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scripts/gallery.sh BUILD_DIR OUT_DIR — the window's gallery (issue 16): library scenarios that
# teach epoll, each at a telling line, rendered at 1024×768 and 1920×1080, one model and ET beside
# LT. The kernel column replays this kernel's answers recorded once in
# docs/gallery/kernel-answers.txt (`check --save-kernel`; without that file, the model alone,
# --no-live), so that the pictures are the same on every machine: rbr's order included. Writes the
# PNGs to OUT_DIR and docs/gallery.md, which shows them with a line each on what to look at, and
# the README's picture of the window, assets/screenshot.png.
# Needs a display; without one it runs itself under xvfb-run.
set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR OUT_DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$1
out=$2
epollscope=$build/bin/epollscope
if [ ! -x "$epollscope" ]; then
  echo "$0: $epollscope is not there: build the epollscope target first" >&2
  exit 2
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${GALLERY_UNDER_XVFB:-}" ]; then
  command -v xvfb-run >/dev/null || {
    echo "$0: no display and no xvfb-run (Debian: apt-get install xvfb)" >&2
    exit 2
  }
  GALLERY_UNDER_XVFB=1 exec xvfb-run -a -s "-screen 0 1920x1080x24 -noreset" "$0" "$@"
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
epollscope=$(cd "$(dirname "$epollscope")" && pwd)/$(basename "$epollscope")
cd "$root"
md=$root/docs/gallery.md
answers=$root/docs/gallery/kernel-answers.txt
if [ -f "$answers" ]; then
  # Named relative to the project (the kernel column prints the name), from there.
  kernel="--kernel-from docs/gallery/kernel-answers.txt"
  release=$(sed -n 's/^kernel //p' "$answers" | head -n 1)
  source_text="The kernel column replays the answers of this project's machine's kernel${release:+ (Linux $release)}, recorded once with \`epollscope check --save-kernel docs/gallery/kernel-answers.txt\` and replayed with \`--kernel-from\`, so they are the same on every machine, rbr's order included (the ovflist scenario is the model's alone: the kernel cannot be made to wake an item during a harvest)."
  one="--kernel-from docs/gallery/kernel-answers.txt"
else
  kernel=--no-live
  source_text="Rendered with the model alone (\`--no-live\`), so they are the same on every machine."
  one=--no-live
fi
# The images as docs/gallery.md links them.
rel=$(realpath --relative-to="$root/docs" "$out")

# scenario|line|what to look at
entries='01-pipe-2k-1k-et.scn|34|The 1 KB left in the pipe is not reported again: the edge-triggered rfd is off rdllist (in compare mode the level-triggered twin still has it queued).
01-pipe-2k-1k-lt.scn|36|Level-triggered: ep_send_events put rfd back on rdllist after reporting it, so the next epoll_wait reports the 1 KB again.
02-et-leftovers.scn|53|maxevents 1, then 2: the items not harvested stay at the head of rdllist, in their order, and come out first next time.
02-ovflist-wakeup-during-harvest.scn|36|A wake-up during the harvest: rb waited on ovflist while ep_send_events ran and is spliced to the head of rdllist afterwards.
07-et-echo-server.scn|53|The echo server: two clients sent data, s1 and s3 are on rdllist with EPOLLIN; the listener and s2 are not.
09-nested-et-retriggers.scn|27|Nested epolls: the pipe wakes inner, whose poll_wait entry wakes outer; outer reports inner as EPOLLIN.
12-thundering-herd-et.scn|34|Four threads asleep on one edge-triggered epoll: one eventfd write wakes one thread, the last to sleep (t3, whose epoll_wait returns 1); t2, t1 and t0 stay on eventpoll.wq.
11-exclusive-wakes-one.scn|42|EPOLLEXCLUSIVE: four epolls wait on one eventfd; one write wakes only the first on its wait queue: ep0 (epoll#1) has the item on rdllist and only t0 returns.
03-oneshot.scn|29|EPOLLONESHOT: after its one event the item is disarmed (its mask empty), so the second write reports nothing until MOD.
03-del-add-moves-to-tail.scn|35|DEL then ADD moves r1 to the tail of rdllist: it is reported last; a MOD would have left it in place.'

{
  echo "# Gallery"
  echo
  echo "The window on library scenarios that teach epoll, each right after a telling line, at"
  echo "1024×768 and 1920×1080, with one model and in compare mode (edge-triggered beside"
  echo "level-triggered). $source_text Made by \`scripts/gallery.sh BUILD_DIR OUT_DIR\`, which"
  echo "writes this page; for one picture:"
  echo
  echo '```sh'
  echo 'xvfb-run -a -s "-screen 0 1920x1080x24" build/bin/epollscope screenshot \'
  echo "  scenarios/01-pipe-2k-1k-et.scn --after-line 34 --compare $one \\"
  echo '  --width 1920 --height 1080 -o pipe.png'
  echo '```'
} >"$md"

echo "$entries" | while IFS='|' read -r scenario line what; do
  name=${scenario%.scn}
  title=$(sed -n 's/^title "\(.*\)"$/\1/p' "$root/scenarios/$scenario" | head -n 1)
  {
    echo
    echo "## $title"
    echo
    echo "\`scenarios/$scenario\`, after line $line. $what"
    echo
  } >>"$md"
  for size in 1024x768 1920x1080; do
    w=${size%x*}
    h=${size#*x}
    for mode in single compare; do
      png=$name-$size-$mode.png
      flag=
      [ "$mode" = compare ] && flag=--compare
      # shellcheck disable=SC2086
      "$epollscope" screenshot "$root/scenarios/$scenario" --after-line "$line" $flag $kernel \
        --width "$w" --height "$h" -o "$out/$png" >/dev/null
      echo "![$title, $mode, $size]($rel/$png)" >>"$md"
      echo "$out/$png"
    done
  done
done
# The README's picture of the window: the pipe example, ET beside LT, after the partial read.
# shellcheck disable=SC2086
"$epollscope" screenshot "$root/scenarios/01-pipe-2k-1k-et.scn" --after-line 34 --compare $kernel \
  --width 1600 --height 1000 -o "$root/assets/screenshot.png" >/dev/null
echo "$root/assets/screenshot.png"
echo "wrote $md"
