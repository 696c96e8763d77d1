#!/usr/bin/env bash
# Training and translation speed of pix2pix beside the Python PyTorch baseline
# (scripts/bench_baseline.py: the same networks, losses, optimiser, batch and image size), both
# measured in this one run on this machine, then the data loader alone.
#   scripts/bench.sh [--device cpu|cuda] [--repeat N] [--out FILE.jsonl]
# CPU: 256x256, batch 1, fp32. CUDA: batch 1 and 16 in fp32, TF32 and bf16.
# Each setting runs `--repeat` times (default 2) alternating the two implementations; the table
# shows each one's least disturbed run. Build first (scripts/build.sh); nothing else should run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${PIX2PIX_BUILD_DIR:-$root/build}/pix2pix"
python="$root/.venv/bin/python"
device="" repeat=2 out="$root/build/bench.jsonl"
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "bench: $bin not found; run scripts/build.sh" >&2; exit 1; }
[ -x "$python" ] || python="$(command -v python3)"
"$python" -c 'import torch' 2>/dev/null ||
  { echo "bench: $python has no torch for the baseline; run scripts/setup.sh" >&2; exit 1; }
info="$("$bin" info)"
if [ -z "$device" ]; then
  device=cpu
  if grep -q "CUDA available: yes" <<<"$info"; then device=cuda; fi
fi
mkdir -p "$(dirname "$out")"
if [ "$device" = cuda ]; then
  settings=("1 fp32" "1 tf32" "1 bf16" "16 fp32" "16 tf32" "16 bf16")
else
  settings=("1 fp32")
fi

echo "bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo \
  | cut -d: -f2 | sed 's/^ //')"
grep -E 'LibTorch|CUDA available' <<<"$info"
: > "$out"
for setting in "${settings[@]}"; do
  read -r batch precision <<<"$setting"
  amp=none tf32=false
  [ "$precision" = tf32 ] && tf32=true
  [ "$precision" = bf16 ] && amp=bf16
  args=(--device "$device" --batch_size "$batch" --amp "$amp" --tf32 "$tf32")
  for ((i = 1; i <= repeat; i++)); do
    echo "bench: batch $batch, $precision, run $i of $repeat"
    "$bin" bench "${args[@]}" --bench_json "$out.ours" >/dev/null
    cat "$out.ours" >> "$out"
    "$python" "$root/scripts/bench_baseline.py" "${args[@]}" --bench_json "$out.base" >/dev/null
    cat "$out.base" >> "$out"
  done
done
rm -f "$out.ours" "$out.base"
echo
"$python" "$root/scripts/bench_table.py" "$out"
echo
echo "data loader alone (512x256 JPEGs, resize 286 + crop 256 + flip):"
"$bin" data bench --num_threads 4
echo "bench: figures in $out"
