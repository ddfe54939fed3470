#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by run.sh and test.sh: installs the Debian packages the build needs, if missing.
# As root it runs apt-get itself; otherwise it prints the exact command and stops.

EPOLLSCOPE_PACKAGES=(
  cmake make g++ gcc pkg-config
  libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libimgui-dev libglfw3-dev libstb-dev libgl-dev
  libgl1-mesa-dri fonts-dejavu-core fonts-wqy-microhei
  xvfb xauth
  python3 strace
  gnuplot-nox ffmpeg
)

ensure_packages() {
  local missing=()
  local p
  for p in "${EPOLLSCOPE_PACKAGES[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "epollscope needs these Debian packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || { echo "apt-get update failed" >&2; exit 1; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || { echo "apt-get install failed" >&2; exit 1; }
}

build_jobs() { nproc 2>/dev/null || echo 2; }
