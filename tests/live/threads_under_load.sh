#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tests/live/threads_under_load.sh — N scenario threads checked against the kernel while every
# core of the machine is kept busy (four busy loops each): each thread makes a call that returns
# (it must not be taken for a sleeping one because its thread waited for a core) and then sleeps in
# epoll_wait; then the main thread wakes them one by one (ep->wq is LIFO: the last sleeper first),
# and each woken thread's result must be seen, not `blocks`.
# Usage: threads_under_load.sh EPOLLSCOPE N WORKDIR
set -u
epollscope=$1
n=$2
dir=$3
mkdir -p "$dir"
scn=$dir/threads-under-load.scn
{
  echo "title \"$n threads on busy cores\""
  echo 'ep = epoll_create1(0)'
  echo 'e = eventfd(0, EFD_NONBLOCK)'
  echo 'epoll_ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET)'
  echo 'c = eventfd(0, EFD_NONBLOCK)'
  i=1
  while [ "$i" -le "$n" ]; do
    echo "t$i: eventfd_write(c, 1) => 0"
    echo "t$i: epoll_wait(ep, 1, -1) => blocks"
    i=$((i + 1))
  done
  echo "eventfd_read(c) => $n"
  while [ "$i" -gt 1 ]; do
    i=$((i - 1))
    echo 'eventfd_write(e, 1) => 0'
    echo "t$i => [e: EPOLLIN]"
  done
} >"$scn"
# Four busy loops per core, ended with this script and after 300 s in any case (one per core was
# not enough to make the old 60 ms bound take a thread that waited for a CPU for a sleeping one;
# four were).
pids=
j=0
while [ "$j" -lt "$((4 * $(nproc)))" ]; do
  timeout 300 sh -c 'while :; do :; done' &
  pids="$pids $!"
  j=$((j + 1))
done
trap 'kill $pids 2>/dev/null' EXIT
"$epollscope" check "$scn"
