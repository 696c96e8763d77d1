#!/usr/bin/env bash
# Fetches one of the official Pix2Pix data sets into datasets/NAME (aligned A|B layout).
#   scripts/download_dataset.sh facades|cityscapes|maps|edges2shoes|edges2handbags|night2day
# Needs a machine with internet access to the data sets' host; the development machines of this
# project reach only Debian's and PyPI's registries, so this script has not been run there.
set -euo pipefail
name="${1:-}"
case "$name" in
  facades|cityscapes|maps|edges2shoes|edges2handbags|night2day) ;;
  *) echo "usage: $0 facades|cityscapes|maps|edges2shoes|edges2handbags|night2day" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
url="${PIX2PIX_DATASET_URL:-http://efrosgans.eecs.berkeley.edu/pix2pix/datasets}/$name.tar.gz"
dest="$root/datasets"
mkdir -p "$dest"
if [ -d "$dest/$name/train" ]; then
  echo "$dest/$name exists; remove it to fetch again"
  exit 0
fi
tmp="$(mktemp "$dest/.$name.XXXXXX.tar.gz")"
trap 'rm -f "$tmp"' EXIT
echo "downloading $url"
curl -fL --retry 3 -o "$tmp" "$url"
tar -xzf "$tmp" -C "$dest"
echo "ready: $dest/$name  (check it with: pix2pix data check $dest/$name)"
