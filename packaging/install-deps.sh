#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and running OneStep Studio needs.
# Idempotent: packages already present are left as they are. Run as root (or with sudo).
#   packaging/install-deps.sh          everything (GUI, engine, tests; clang for the sanitized and fuzz build)
#   packaging/install-deps.sh --no-gui engine, CLI and engine tests only
set -euo pipefail

gui=1
[ "${1:-}" = "--no-gui" ] && gui=0

pkgs=(
  build-essential cmake ninja-build ccache pkg-config clang-format clang libclang-rt-14-dev
  dpkg-dev file groff-base bash-completion lintian
  libtorch-dev libgloo-dev libopenblas0-pthread libopencv-dev nlohmann-json3-dev libzip-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist
  python3 python3-torch python3-numpy python3-scipy
)
if [ "$gui" = 1 ]; then
  pkgs+=(qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6 xvfb xauth libgl-dev fonts-dejavu-core
         librsvg2-bin desktop-file-utils appstream)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
