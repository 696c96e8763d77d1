#!/usr/bin/env bash
# Makes the --deps folder of scripts/gpu_check.sh on a Debian machine with apt: downloads the
# development packages the build needs and the libraries they load (as this machine resolves
# them), and unpacks them with dpkg -x, installing nothing.
#   scripts/gpu_deps.sh OUT
set -euo pipefail
out="${1:?usage: scripts/gpu_deps.sh OUT}"
dev=(libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libturbojpeg0-dev
  libspdlog-dev libfmt-dev libcxxopts-dev libyaml-cpp-dev libgtest-dev)
arch_dir="/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)"

# the runtime packages: whatever owns the libraries that the shared libraries of `dev` load
libs=()
for lib in "$arch_dir"/libopencv_{core,imgproc,imgcodecs}.so "$arch_dir"/libspdlog.so \
  "$arch_dir"/libfmt.so "$arch_dir"/libyaml-cpp.so "$arch_dir"/libturbojpeg.so; do
  [ -e "$lib" ] || { echo "gpu_deps: $lib missing; run scripts/setup.sh first" >&2; exit 1; }
  libs+=("$(readlink -f "$lib")")
  while read -r needed; do libs+=("$(readlink -f "$needed")"); done \
    < <(ldd "$lib" | awk '/=> \//{print $3}')
done
# dpkg knows a library by the path its package installed, /lib/... or /usr/lib/... (usrmerge)
owner() { dpkg -S "$1" 2>/dev/null || dpkg -S "${1#/usr}" 2>/dev/null || true; }
mapfile -t runtime < <(for lib in "${libs[@]}"; do owner "$lib" | cut -d: -f1; done | sort -u \
  | grep -Ev '^(libc6|libgcc-s1|libstdc\+\+6)$' || true)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download "${dev[@]}" "${runtime[@]}" >/dev/null)
mkdir -p "$out"
for deb in "$work"/*.deb; do dpkg -x "$deb" "$out"; done
echo "gpu_deps: $(ls "$work"/*.deb | wc -l) packages unpacked into $out ($(du -sh "$out" | cut -f1))"
