#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `epollscope run` through the executable, its output piped: no ANSI escape (colour is auto and
# stdout is no terminal), escapes with --color=always (even with NO_COLOR set: the flag is the
# user's explicit choice), none with NO_COLOR and --color=auto, a bad --color refused, every line
# within COLUMNS=80 (in bytes, stricter than columns), and --changed-only shorter than the full
# replay. Prints one "name value" line per check; the test's regular expression judges them.
# Usage: run_output.sh EPOLLSCOPE SCENARIO_DIR
set -u
bin=$1
dir=$2
esc=$(printf '\033')
et="$dir/01-pipe-2k-1k-et.scn"
left="$dir/02-et-leftovers.scn"
echo "piped_escapes $("$bin" run "$et" --no-live | grep -c "$esc")"
echo "always_escapes_nonzero $("$bin" run "$et" --no-live --color=always | grep -c "$esc\[32m" | sed 's/^[1-9][0-9]*$/yes/')"
echo "no_color_always_nonzero $(NO_COLOR=1 "$bin" run "$et" --no-live --color=always | grep -c "$esc" | sed 's/^[1-9][0-9]*$/yes/')"
echo "never_escapes $("$bin" run "$et" --no-live --color=never | grep -c "$esc")"
"$bin" run "$et" --no-live --color=sometimes >/dev/null 2>&1
echo "bad_color_exit $?"
echo "columns_80_too_long $(COLUMNS=80 "$bin" run "$left" --no-live | awk 'length($0) > 80 { n++ } END { print n + 0 }')"
echo "walkthrough_80_too_long $(COLUMNS=80 "$bin" walkthrough --no-live | awk 'length($0) > 80 { n++ } END { print n + 0 }')"
full=$("$bin" run "$left" --no-live | wc -l)
changed=$("$bin" run "$left" --no-live --changed-only | wc -l)
echo "lines full $full changed_only $changed"
[ "$changed" -lt "$full" ] && echo "changed_only_shorter yes"
