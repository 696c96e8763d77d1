#!/usr/bin/env bash
# Gathers the built `pix2pix` and every shared library it needs (LibTorch with its CUDA libraries,
# OpenCV, spdlog, yaml-cpp) into one folder that runs without the build tree or the .venv:
#   scripts/bundle.sh OUT      ->  OUT/bin/pix2pix (a wrapper), OUT/lib/*
# The Docker image's runtime stage is this folder; the test suite checks it too.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PIX2PIX_BUILD_DIR:-$root/build}"
out="${1:?usage: scripts/bundle.sh OUT}"
binary="$build/pix2pix"
[ -x "$binary" ] || { echo "bundle: $binary not found; run scripts/build.sh first" >&2; exit 1; }

rm -rf "$out.tmp" && mkdir -p "$out.tmp/bin" "$out.tmp/lib"
cp "$binary" "$out.tmp/bin/pix2pix.bin"

# Libraries the loader resolves, except the C runtime that every base image has.
ldd "$binary" | awk '/=> \//{print $3}' | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libresolv.so*) ;;
    *) cp -L "$lib" "$out.tmp/lib/" ;;
  esac
done
# LibTorch and cuDNN open further libraries at run time (CUDA kernels, cuDNN engines): take
# their whole folders rather than what ldd happens to list.
torch_lib="$(dirname "$(ldd "$binary" | awk '/libtorch_cpu.so/{print $3}')")"
cp -L "$torch_lib"/*.so* "$out.tmp/lib/" 2>/dev/null || true
nvidia_dir="$torch_lib/../../nvidia"
if [ -d "$nvidia_dir" ]; then
  find -L "$nvidia_dir" -name '*.so*' -path '*/lib/*' -exec cp -L {} "$out.tmp/lib/" \;
fi

cat > "$out.tmp/bin/pix2pix" <<'WRAP'
#!/bin/sh
here="$(cd "$(dirname "$0")" && pwd)"
LD_LIBRARY_PATH="$here/../lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/pix2pix.bin" "$@"
WRAP
chmod +x "$out.tmp/bin/pix2pix"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "bundle: $out ($(du -sh "$out" | cut -f1))"
