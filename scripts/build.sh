#!/usr/bin/env bash
# Configures and builds (Release, Ninja) into build/ or $PIX2PIX_BUILD_DIR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PIX2PIX_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  ${PIX2PIX_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"
