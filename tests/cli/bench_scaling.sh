#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `epollscope bench scaling` through the executable, tiny sizes (nothing here is timed or judged
# by its speed): one well-formed line per (mechanism, N, A) with positive values, select skipped
# and said above FD_SETSIZE, bad options refused with a message and a non-zero exit, and the plot
# a real PNG and SVG. Prints one "name value" line per check; the test's regular expression
# judges them.
# Usage: bench_scaling.sh EPOLLSCOPE
set -u
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# --max 30: N = 10 and 30, A = 1 and N, four mechanisms: 16 lines, each once.
"$bin" bench scaling --max 30 --rounds 3 --repetitions 2 > "$dir/out" 2> "$dir/err"
echo "small_exit $?"
echo "small_lines $(wc -l < "$dir/out")"
# name value unit, the spread, wall time and the kernel's counts, all positive where they must be.
echo "small_malformed $(grep -cvE '^scaling\.(select|poll|epoll_lt|epoll_et)\.n(10|30)\.a(1|10|30) [0-9]+\.[0-9]+ us_per_round spread [0-9.]+-[0-9.]+ wall [0-9.]+ poll_calls [0-9]+ wq_add [0-9]+ wq_remove [0-9]+ callbacks [0-9]+ \((from fs/select\.c|model)\)$' "$dir/out")"
echo "small_not_positive $(awk '$2 <= 0 || $7 <= 0 || $9 <= 0' "$dir/out" | wc -l)"
expected=""
for n in 10 30; do
  for a in 1 $n; do
    for m in select poll epoll_lt epoll_et; do expected="$expected scaling.$m.n$n.a$a"; done
  done
done
got=$(awk '{ print $1 }' "$dir/out" | sort | tr '\n' ' ')
want=$(echo $expected | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$got" = "$want" ] && echo "small_each_once yes" || echo "small_each_once no: $got"
# select and poll scan every fd: N ->poll calls, counted on the model; epoll polls only the A items
# the writes queued.
echo "poll_scans_n $(grep -c '^scaling\.poll\.n30\.a1 .* poll_calls 30 wq_add 0 wq_remove 0 callbacks 0 (model)$' "$dir/out")"
echo "epoll_polls_a $(grep -cE '^scaling\.epoll_(lt|et)\.n30\.a1 .* poll_calls 1 wq_add 0 wq_remove 0 callbacks 1 \(model\)$' "$dir/out")"

# Above FD_SETSIZE select is skipped, and said; poll runs on.
"$bin" bench scaling --max 1100 --active 1 --mech select,poll --rounds 1 --repetitions 1 \
  > "$dir/big" 2> "$dir/big_err"
echo "big_exit $?"
echo "select_skipped_said $(grep -c 'select skipped at N=1100: .*FD_SETSIZE 1024' "$dir/big_err")"
echo "select_1100_lines $(grep -c '^scaling\.select\.n1100\.' "$dir/big")"
echo "poll_1100_lines $(grep -c '^scaling\.poll\.n1100\.a1 ' "$dir/big")"

# Bad options: a message naming the problem and a non-zero exit, before anything is measured.
refused() {  # name expected-message args...
  name=$1 message=$2
  shift 2
  "$bin" bench scaling "$@" > "$dir/bad" 2>&1
  status=$?
  if [ $status -ne 0 ] && grep -qF -- "$message" "$dir/bad" && ! grep -q '^scaling\.' "$dir/bad"; then
    echo "$name refused"
  else
    echo "$name exit $status: $(cat "$dir/bad")"
  fi
}
refused unknown_mech "unknown mechanism 'kqueue'" --mech poll,kqueue
refused max_below_10 "--max must be at least 10" --max 9
refused bad_active "--active takes a number" --active 0
refused plot_no_folder "cannot write $dir/none/p.png" --max 10 --plot "$dir/none/p.png"
refused plot_unwritable "cannot write /proc/p.png" --max 10 --plot /proc/p.png
refused plot_bad_suffix "must end in .png or .svg" --max 10 --plot "$dir/p.pdf"
# gnuplot is looked for in PATH only, and its absence said before anything is measured.
env PATH=/nonexistent "$bin" bench scaling --max 10 --plot "$dir/p.png" > "$dir/bad" 2>&1
status=$?
if [ $status -ne 0 ] && grep -qF 'needs gnuplot, which is not installed (apt-get install gnuplot-nox)' "$dir/bad" &&
  ! grep -q '^scaling\.' "$dir/bad"; then
  echo "plot_no_gnuplot refused"
else
  echo "plot_no_gnuplot exit $status: $(cat "$dir/bad")"
fi

# The plot: a PNG, and an SVG.
"$bin" bench scaling --max 30 --rounds 2 --repetitions 1 --plot "$dir/p.png" > /dev/null 2>&1
echo "png_exit $?"
echo "png_magic $(head -c 8 "$dir/p.png" | od -An -tx1 | tr -d ' \n')"
"$bin" bench scaling --max 30 --rounds 2 --repetitions 1 --mech poll,epoll_et --plot "$dir/p.svg" \
  > /dev/null 2>&1
echo "svg_exit $?"
echo "svg_root $(grep -c '<svg' "$dir/p.svg")"
# a legend entry per mechanism in each of the two panels (A = 1, A = N)
echo "svg_titles $(grep -cE '>(poll|epoll_et)<' "$dir/p.svg")"
echo "svg_other_titles $(grep -cE '>(select|epoll_lt)' "$dir/p.svg")"
