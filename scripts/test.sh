#!/usr/bin/env bash
# The test command: installs what is missing, builds, checks formatting, runs the suite.
#   scripts/test.sh [extra ctest arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PIX2PIX_BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh"
"$root/scripts/build.sh"

echo "test: checking formatting against .clang-format"
mapfile -t sources < <(cd "$root" && git ls-files '*.cpp' '*.h' 2>/dev/null || \
  find src include tests -name '*.cpp' -o -name '*.h')
(cd "$root" && clang-format --dry-run -Werror "${sources[@]}")

echo "test: running the suite"
ctest --test-dir "$build" --output-on-failure -j2 "$@"
