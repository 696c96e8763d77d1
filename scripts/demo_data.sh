#!/usr/bin/env bash
# Builds the demo's edges -> photo data set from photographs packaged by Debian. Idempotent:
# installed packages and an existing data set are reused.
#   scripts/demo_data.sh [OUT [SIZE]]   default OUT: datasets/edges2photos, SIZE (each side of
#                                       a pair, pixels): 256
# Packages: lomiri-wallpapers-16.04 and palapeli-data are installed with apt; tuxpaint-data is
# only downloaded and unpacked under datasets/cache (installing it pulls in the whole program).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/datasets/edges2photos}"
size="${2:-256}"
cache="$root/datasets/cache"
binary="${PIX2PIX_BINARY:-${PIX2PIX_BUILD_DIR:-$root/build}/pix2pix}"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in lomiri-wallpapers-16.04 palapeli-data; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "demo_data: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

tuxpaint="$cache/tuxpaint-data"
if [ ! -f "$tuxpaint/usr/share/doc/tuxpaint-data/copyright" ]; then
  echo "demo_data: downloading tuxpaint-data into $cache (not installed)"
  mkdir -p "$cache/deb"
  (cd "$cache/deb" && apt-get download tuxpaint-data 2>/dev/null ||
    { "${sudo_cmd[@]}" apt-get update -qq && apt-get download tuxpaint-data; })
  dpkg -x "$(ls -t "$cache"/deb/tuxpaint-data_*.deb | head -n 1)" "$tuxpaint"
fi

if [ ! -x "$binary" ]; then
  "$root/scripts/build.sh"
fi
"$binary" data demo --out "$out" --size "$size" \
  /usr/share/backgrounds /usr/share/palapeli/collection \
  "$tuxpaint/usr/share/tuxpaint/templates"
