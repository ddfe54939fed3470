#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# export-video (issue 17): the window's animation of a few lines of the pipe example in compare
# mode, as GIF, MP4 and WebM (checked with ffprobe: frame count, size, codec) and as PNG frames
# (the same bytes every time: frame k is drawn at k / fps, not at the wall clock's time); and what
# it refuses — no output file, no temporary file and no ffmpeg left behind.
# Usage: export_video.sh EPOLLSCOPE SCENARIO_DIR formats|identical|errors|interrupt
# (formats, identical and interrupt under xvfb-run). Exits non-zero on the first failure.
set -u
bin=$1
scn=$2/01-pipe-2k-1k-et.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Lines 19 to 24: the write that wakes the pipe's wait queue, then the harvest.
short="--no-live --compare --from-line 19 --to-line 24 --width 800 --height 450 --hold 0.2 --line-hold 0.5"
# Nothing but what the test expects in $tmp (no .OUT.epollscope-XXXXXX left).
only() {
  left=$(ls -A "$tmp" | tr '\n' ' ')
  [ "$left" = "$*" ] || fail "left in the folder: '$left', expected '$*'"
}

case $3 in
formats)
  for f in gif:gif:10 mp4:h264:30 webm:vp9:30; do
    ext=${f%%:*}; rest=${f#*:}; codec=${rest%%:*}; fps=${rest#*:}
    out=$("$bin" export-video "$scn" $short -o "$tmp/a.$ext" 2>"$tmp/err") ||
      fail "$ext: exit $?: $(cat "$tmp/err")"
    echo "$out"
    frames=$(echo "$out" | sed -n 's/.*(\([0-9]*\) frames, 800x450, '"$fps"' fps, lines 19 to 24, .*/\1/p')
    [ -n "$frames" ] || fail "$ext: unexpected report: $out"
    grep -q "frame $frames of $frames" "$tmp/err" || fail "$ext: no progress on stderr"
    probe=$(ffprobe -v error -count_frames -select_streams v:0 \
      -show_entries stream=codec_name,width,height,nb_read_frames -of csv=p=0 "$tmp/a.$ext")
    echo "$ext: $probe"
    [ "$probe" = "$codec,800,450,$frames" ] || fail "$ext: ffprobe says $probe, expected $codec,800,450,$frames"
    rm "$tmp/a.$ext" "$tmp/err"
  done
  only ""
  echo "formats ok"
  ;;
identical)
  for i in 1 2; do
    "$bin" export-video "$scn" $short --png-sequence "$tmp/$i" >/dev/null 2>&1 || fail "run $i: exit $?"
  done
  n=$(ls "$tmp/1" | wc -l)
  [ "$n" -gt 10 ] || fail "only $n frames"
  [ -f "$tmp/1/frame-00000.png" ] || fail "no frame-00000.png"
  diff -r "$tmp/1" "$tmp/2" >/dev/null || fail "the two runs differ"
  # The animation moves: not every frame is the same picture.
  [ "$(md5sum "$tmp"/1/*.png | cut -d' ' -f1 | sort -u | wc -l)" -gt 5 ] || fail "hardly any change"
  echo "identical ok: $n frames"
  ;;
errors)
  expect() {  # expect EXIT REGEX COMMAND...: the exit status and a line of stderr
    want=$1 re=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" = "$want" ] || fail "$*: exit $got, expected $want: $(cat "$tmp/err")"
    grep -q -e "$re" "$tmp/err" || fail "$*: stderr does not say '$re': $(cat "$tmp/err")"
    rm -f "$tmp/out" "$tmp/err"
  }
  e=$bin
  cp "$scn" "$tmp/x.scn"
  expect 2 "unknown extension '.avi'" $e export-video "$scn" --no-live -o "$tmp/a.avi"
  expect 2 "no extension" $e export-video "$scn" --no-live -o "$tmp/a"
  expect 2 "needs -o" $e export-video "$scn" --no-live
  ln -s x.scn "$tmp/x.gif"
  expect 2 "is the input file .*refusing to overwrite it" $e export-video "$tmp/x.scn" --no-live -o "$tmp/x.gif"
  cmp -s "$tmp/x.scn" "$scn" || fail "the scenario was changed"
  rm "$tmp/x.gif"
  expect 2 "beyond the end of .* 43 lines" $e export-video "$scn" --no-live --to-line 60 -o "$tmp/a.gif"
  expect 2 "beyond the end" $e export-video "$scn" --no-live --from-line 50 -o "$tmp/a.gif"
  expect 2 "from-line 20 is after --to-line 16" $e export-video "$scn" --no-live --from-line 20 --to-line 16 -o "$tmp/a.gif"
  expect 2 "lines 2 to 7 .* hold no statement" $e export-video "$scn" --no-live --from-line 2 --to-line 7 -o "$tmp/a.gif"
  expect 105 "less than 1" $e export-video "$scn" --no-live --from-line 0 -o "$tmp/a.gif"
  expect 2 "--text-size: '400' is out of range 50 to 300" $e export-video "$scn" --no-live --text-size 400 -o "$tmp/a.gif"
  expect 1 "ffmpeg package" env PATH=/nonexistent $e export-video "$scn" --no-live -o "$tmp/a.mp4"
  expect 1 "xvfb-run" env -u DISPLAY -u WAYLAND_DISPLAY $e export-video "$scn" --no-live -o "$tmp/a.gif"
  mkdir "$tmp/full"; touch "$tmp/full/old.png"
  expect 2 "is not empty" $e export-video "$scn" --no-live --png-sequence "$tmp/full"
  expect 2 "is not a folder" $e export-video "$scn" --no-live --png-sequence "$tmp/full/old.png"
  expect 2 "for PNG frames use --png-sequence" $e export-video "$scn" --no-live -o "$tmp/full/"
  rm -r "$tmp/full" "$tmp/x.scn"
  only ""
  echo "errors ok"
  ;;
failing)
  # Under xvfb-run: an ffmpeg that fails, and an output folder that does not exist.
  mkdir "$tmp/bin"
  printf '#!/bin/sh\necho "fake ffmpeg: Unknown encoder libx264" >&2\nexit 1\n' >"$tmp/bin/ffmpeg"
  chmod +x "$tmp/bin/ffmpeg"
  PATH="$tmp/bin:$PATH" "$bin" export-video "$scn" $short -o "$tmp/a.mp4" >/dev/null 2>"$tmp/err"
  got=$?
  [ $got = 1 ] || fail "failing ffmpeg: exit $got"
  grep -q "ffmpeg failed (exit status 1)" "$tmp/err" || fail "failing ffmpeg: $(cat "$tmp/err")"
  grep -q "Unknown encoder libx264" "$tmp/err" || fail "ffmpeg's message not shown: $(cat "$tmp/err")"
  rm -r "$tmp/err" "$tmp/bin"
  "$bin" export-video "$scn" $short -o "$tmp/no/such/a.gif" >/dev/null 2>"$tmp/err"
  got=$?
  [ $got = 1 ] || fail "missing folder: exit $got"
  grep -q "cannot write .*a.gif: No such file or directory" "$tmp/err" || fail "missing folder: $(cat "$tmp/err")"
  rm "$tmp/err"
  only ""
  echo "failing ok"
  ;;
interrupt)
  # SIGTERM in the middle of an MP4 (SIGINT the same way, but a background job of a shell script
  # starts with SIGINT ignored): exit 143, no MP4, no temporary file, no ffmpeg left.
  "$bin" export-video "$scn" --no-live --compare --width 800 --height 450 --fps 10 \
    -o "$tmp/a.mp4" >/dev/null 2>"$tmp/err" &
  pid=$!
  i=0
  until pgrep -f "$tmp/.a.mp4" >/dev/null; do
    i=$((i + 1)); [ $i -lt 300 ] || fail "ffmpeg never started: $(cat "$tmp/err")"; sleep 0.1
  done
  sleep 1
  kill -TERM $pid
  wait $pid
  got=$?
  [ $got = 143 ] || fail "exit $got after SIGTERM: $(cat "$tmp/err")"
  grep -q "interrupted (SIGTERM); nothing was written" "$tmp/err" || fail "$(cat "$tmp/err")"
  sleep 0.2
  pgrep -f "$tmp/.a.mp4" >/dev/null && fail "ffmpeg is still running"
  rm "$tmp/err"
  only ""
  # SIGINT, from a process that gives its child SIGINT's default action back.
  python3 - "$bin" "$scn" "$tmp" <<'PY' || fail "SIGINT"
import os, signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_DFL)
bin, scn, tmp = sys.argv[1:]
p = subprocess.Popen([bin, "export-video", scn, "--no-live", "--compare", "--width", "800",
                      "--height", "450", "-o", tmp + "/b.gif"], stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE)
ffmpeg = []
for _ in range(300):
    ffmpeg = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    if ffmpeg:
        break
    time.sleep(0.1)
time.sleep(1)
p.send_signal(signal.SIGINT)
err = p.communicate()[1].decode()
time.sleep(0.2)
alive = [c for c in ffmpeg if os.path.exists("/proc/" + c)]
print("sigint exit", p.returncode, "ffmpeg", ffmpeg, "alive", alive)
ok = p.returncode == 130 and ffmpeg and not alive and "interrupted (SIGINT)" in err
sys.exit(0 if ok else 1)
PY
  only ""
  echo "interrupt ok"
  ;;
*) fail "unknown mode $3" ;;
esac
