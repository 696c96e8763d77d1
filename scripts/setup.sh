#!/usr/bin/env bash
# Installs everything the build needs, from Debian's apt and PyPI only. Idempotent: a second run
# checks and returns in seconds.
#   scripts/setup.sh            system packages and the project's .venv with the pinned torch
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
torch_version="$(tr -d '[:space:]' < "$root/scripts/torch_version.txt")"

apt_packages=(build-essential cmake ninja-build pkg-config python3 python3-venv python3-pip
  libopencv-dev libturbojpeg0-dev libspdlog-dev libfmt-dev libcxxopts-dev libyaml-cpp-dev libgtest-dev
  clang-format)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# The CUDA build of LibTorch comes inside PyPI's torch wheel; it also serves the Python checks.
python="${PYTHON:-python3}"
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
have="$("$venv/bin/python" -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null || true)"
if [ "$have" != "$torch_version" ]; then
  echo "setup: installing torch==$torch_version into .venv (about 3 GB)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "torch==$torch_version" numpy
fi
echo "setup: ready (torch $torch_version in .venv)"
