#!/usr/bin/env bash
# Proves the CUDA path on a machine with an NVIDIA GPU: builds the project against a CUDA
# LibTorch, runs the test suite with the CUDA tests enabled, trains a short run on CUDA,
# translates a folder, measures training and translation speed, and prints a summary.
#   scripts/gpu_check.sh [--torch DIR] [--deps DIR] [--build DIR] [--out DIR] [--allow-cpu]
# --torch DIR   a LibTorch: the official zip's folder, a folder holding share/cmake/Torch, or a
#               Python torch package; default: the project's .venv, else `python3 -c 'import torch'`
# --deps DIR    Debian packages unpacked with `dpkg -x` (OpenCV, spdlog, fmt, cxxopts, yaml-cpp,
#               GoogleTest and the libraries they load), for a machine without them installed;
#               scripts/gpu_deps.sh DIR makes it on a Debian machine with apt
# --build DIR   build folder (default build-gpu/); an existing one is reused
# --out DIR     where the run, translations and summary go (default gpu_check/)
# --allow-cpu   run everything on the CPU where no GPU is present (to try the script itself)
# PIX2PIX_CMAKE_ARGS  more arguments for CMake
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
torch_dir="" deps="" build="$root/build-gpu" out="$root/gpu_check" allow_cpu=0
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) torch_dir="$2"; shift 2 ;;
    --deps) deps="$(cd "$2" 2>/dev/null && pwd)" ||
              { echo "gpu_check: --deps $2 is not a folder" >&2; exit 2; }; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --allow-cpu) allow_cpu=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "gpu_check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
log="$out/gpu_check.log"
: > "$log"
say() { echo "gpu_check: $*" | tee -a "$log"; }
fail() { say "FAILED: $*"; exit 1; }

# LibTorch: a folder with share/cmake/Torch, found from the argument or a Python torch
python_for_torch="$root/.venv/bin/python"
[ -x "$python_for_torch" ] || python_for_torch="$(command -v python3 || true)"
if [ -z "$torch_dir" ] && [ -n "$python_for_torch" ]; then
  torch_dir="$("$python_for_torch" -c 'import torch, os; print(os.path.dirname(torch.__file__))' \
    2>/dev/null || true)"
fi
[ -n "$torch_dir" ] || fail "no LibTorch found: give --torch DIR"
torch_cmake="$(find -L "$torch_dir" -maxdepth 4 -name TorchConfig.cmake -path '*share/cmake/Torch*' \
  | head -n1)"
[ -n "$torch_cmake" ] || fail "$torch_dir holds no share/cmake/Torch/TorchConfig.cmake"
torch_cmake="$(dirname "$torch_cmake")"
torch_lib="$(cd "$torch_cmake/../../../lib" && pwd)"
say "LibTorch: $torch_cmake"

# Tools and, with --deps, the unpacked packages
for tool in cmake c++; do
  command -v "$tool" >/dev/null || fail "$tool not found on PATH; install it or add it to PATH"
done
# A CUDA LibTorch configures only with the CUDA toolkit present (nvcc, headers, libraries).
if [ -f "$torch_lib/libtorch_cuda.so" ] && ! command -v nvcc >/dev/null && [ -z "${CUDA_HOME:-}" ]; then
  fail "this LibTorch is a CUDA build and needs the CUDA toolkit to configure: put nvcc on PATH or set CUDA_HOME"
fi
generator=(-G Ninja)
command -v ninja >/dev/null || generator=(-G "Unix Makefiles")
cmake_args=(-DCMAKE_BUILD_TYPE=Release "-DTorch_DIR=$torch_cmake" -DPIX2PIX_WERROR=OFF)
# more CMake arguments, as for scripts/build.sh
read -r -a extra_cmake_args <<<"${PIX2PIX_CMAKE_ARGS:-}"
cmake_args+=("${extra_cmake_args[@]}")
if [ -n "$deps" ]; then
  multiarch="$(ls -d "$deps"/usr/lib/*-linux-gnu 2>/dev/null | head -n1)"
  [ -n "$multiarch" ] || fail "$deps holds no usr/lib/<arch>-linux-gnu: unpack the packages with dpkg -x"
  export LD_LIBRARY_PATH="$multiarch${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  cmake_args+=("-DCMAKE_PREFIX_PATH=$deps/usr;$multiarch/cmake"
    "-DCMAKE_EXE_LINKER_FLAGS=-Wl,-rpath-link,$multiarch -Wl,-rpath,$multiarch")
  say "dependencies from $deps"
fi

# 1. build
say "building into $build"
cmake -S "$root" -B "$build" "${generator[@]}" "${cmake_args[@]}" >>"$log" 2>&1 \
  || fail "cmake could not configure (see $log)"
cmake --build "$build" -j"$(nproc)" >>"$log" 2>&1 || fail "the build failed (see $log)"
bin="$build/pix2pix"
"$bin" info | tee -a "$log"
cuda="$("$bin" info | sed -n 's/^CUDA available: //p')"
if [ "$cuda" != "yes" ]; then
  [ "$allow_cpu" = 1 ] || fail "LibTorch sees no CUDA device (driver, or a CPU-only LibTorch?)"
  device=cpu
  say "no GPU: running on the CPU (--allow-cpu); the CUDA tests will skip"
else
  device=cuda
fi
# On the CPU (--allow-cpu) only a smoke run of each step: the figures mean nothing there.
if [ "$device" = cuda ]; then
  train_size=(--netG unet_256 --load_size 286 --crop_size 256) batches=(1 16) steps=10 warmup=3
else
  train_size=(--netG unet_128 --load_size 143 --crop_size 128 --ngf 16 --ndf 16) batches=(1)
  steps=1 warmup=0
fi

# 2. the test suite, CUDA tests included
say "test suite"
set +e
ctest --test-dir "$build" --output-on-failure -j4 >"$out/ctest.log" 2>&1
ctest_status=$?
set -e
tests_line="$(grep -E 'tests passed|tests failed' "$out/ctest.log" | tail -n1 || true)"
# one "name RESULT;" per test: the per-test lines end in "(N ms)", the closing summary's do not
cuda_tests="$("$build/tests/pix2pix_tests" --gtest_filter='Cuda.*' 2>&1 \
  | grep -E '^\[ +(OK|SKIPPED|FAILED) +\] .*\([0-9]+ ms\)$' \
  | sed -E 's/^\[ +([A-Z]+) +\] ([^ ]+).*/\2 \1/' | tr '\n' ';' || true)"
say "ctest: $tests_line"
say "CUDA tests: $cuda_tests"

# 3. a short training run on synthetic pairs at 256 x 256 (the paper's networks), then a
#    translation of a folder of images
data="$out/data"
rm -rf "$data" "$out/checkpoints" "$out/results"
"$bin" data synthetic "$data" --count 32 --size 256 >>"$log" 2>&1 \
  || fail "could not write the synthetic data set (see $log)"
say "training on $device"
"$bin" train --dataroot "$data" --name gpu_check --checkpoints_dir "$out/checkpoints" \
  --device "$device" "${train_size[@]}" --n_epochs 1 --n_epochs_decay 1 --batch_size 4 \
  --print_freq 4 \
  --display_freq 8 --amp "$([ "$device" = cuda ] && echo bf16 || echo none)" \
  >"$out/train.log" 2>&1 || fail "training failed (see $out/train.log)"
tail -n 3 "$out/train.log"
grep -q "finished" "$out/train.log" || fail "training did not finish (see $out/train.log)"
say "translating $data/train"
"$bin" test --name gpu_check --checkpoints_dir "$out/checkpoints" --dataroot "$data/train" \
  --dataset_mode single --results_dir "$out/results" --device "$device" >"$out/test.log" 2>&1 \
  || fail "translation failed (see $out/test.log)"
tail -n 2 "$out/test.log"
n_out="$(find "$out/results" -name '*.png' | wc -l)"
[ "$n_out" -ge 32 ] || fail "translation wrote $n_out images, expected 32"
translate_rate="$(sed -n 's/.*s: \([0-9.]*\) images\/s (.*/\1/p' "$out/test.log" | tail -n1)"

# 4. speed: training and translation images/s at batch 1 and 16, fp32 and bf16
bench_rows=()
for batch in "${batches[@]}"; do
  for precision in fp32 bf16; do
    amp=none tf32=false
    [ "$precision" = bf16 ] && amp=bf16
    json="$out/bench_b${batch}_${precision}.json"
    "$bin" bench --device "$device" --batch_size "$batch" --amp "$amp" --tf32 "$tf32" \
      "${train_size[@]}" --bench_steps "$steps" --bench_warmup "$warmup" --bench_json "$json" \
      >>"$log" 2>&1 \
      || fail "bench at batch $batch, $precision failed (see $log)"
    bench_rows+=("$(sed -E 's/.*"precision": "([a-z0-9]+)".*"batch_size": ([0-9]+).*"train_images_per_s": ([0-9.e+-]+).*"translate_images_per_s": ([0-9.e+-]+).*/batch \2 \1: training \3 images\/s, translation \4 images\/s/' "$json")")
  done
done

# 5. summary
{
  echo "== gpu_check summary"
  "$bin" info | grep -E 'LibTorch|CUDA|cuDNN'
  [ "$device" = cuda ] && command -v nvidia-smi >/dev/null && \
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  echo "tests: $tests_line (ctest exit $ctest_status)"
  echo "CUDA tests: $cuda_tests"
  echo "training run on $device: $(grep -c . "$out/checkpoints/gpu_check/losses.csv") loss rows"
  echo "translation of 32 images: ${translate_rate:-?} images/s"
  for row in "${bench_rows[@]}"; do echo "$row"; done
} | tee "$out/summary.txt"
[ "$ctest_status" = 0 ] || fail "the test suite failed (see $out/ctest.log)"
