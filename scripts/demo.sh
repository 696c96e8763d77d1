#!/usr/bin/env bash
# The main job on real images, from a fresh clone:
#   1. installs what is missing and builds (scripts/setup.sh, scripts/build.sh)
#   2. builds an edges->photo data set from photographs in Debian packages (scripts/demo_data.sh)
#   3. trains with configs/demo.yaml (sized for a 2-core CPU), resuming an unfinished run
#   4. compares the trained generator on held-out photos with an untrained one and with the mean
#      training photo, then translates the held-out edge maps
#   5. writes the report page and prints where to open it
# Options:
#   --config FILE   training configuration (default configs/demo.yaml; on a GPU try
#                   configs/demo_gpu.yaml)
#   --device DEV    auto | cpu | cuda | cuda:N (default auto)
#   --fresh         delete the demo's run, results and data set, and start again
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

config="configs/demo.yaml"
device="auto"
fresh=0
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --device) device="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "demo: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -f "$config" ] || { echo "demo: config $config not found" >&2; exit 2; }

# Tiles as large as the training crops, so that translating a held-out tile at its own size
# shows the generator the scale it was trained at.
crop_size="$(sed -n 's/^crop_size: *//p' "$config" | head -n1)"
crop_size="${crop_size:-256}"
data="datasets/edges2photos_$crop_size"
run_name="$(sed -n 's/^name: *//p' "$config" | head -n1)"
run_name="${run_name:-demo_edges2photos}"
run="checkpoints/$run_name"
results="results/$run_name/test_latest"
stamp() { date +%s; }
t0=$(stamp)

if [ "$fresh" = 1 ]; then
  echo "demo: --fresh: removing $run, $results and $data"
  rm -rf "$run" "$results" "$data"
fi

echo "== demo: set-up and build"
scripts/setup.sh
scripts/build.sh
bin="build/pix2pix"
t_build=$(stamp)

echo "== demo: data set"
if [ -f "$data/ATTRIBUTION" ] && [ -d "$data/train" ] && [ -d "$data/test" ]; then
  echo "demo: $data exists; reusing it"
else
  scripts/demo_data.sh "$data" "$crop_size"
fi
"$bin" data check "$data" --crop_size "$crop_size"
t_data=$(stamp)

echo "== demo: training ($config, device $device)"
if [ -f "$run/heldout.yaml" ]; then
  echo "demo: $run finished earlier; reusing it"
elif [ -f "$run/latest.pt" ]; then
  "$bin" train --resume "$run" --device "$device"
else
  "$bin" train --config "$config" --dataroot "$data" --device "$device" --overwrite
fi
t_train=$(stamp)

echo "== demo: translating the held-out set"
"$bin" test --name "$run_name" --dataroot "$data" --phase test --results_dir results \
  --device "$device" --overwrite
t_test=$(stamp)

cat > "$results/timings.txt" <<TIMES
build and set-up: $((t_build - t0)) s
data set:         $((t_data - t_build)) s
training:         $((t_train - t_data)) s
translation:      $((t_test - t_train)) s
TIMES
cat "$results/timings.txt"
echo "== demo: held-out comparison (mean L1 to the real photos, lower is better)"
cat "$run/heldout.yaml"
echo "demo: done. Open $root/$run/index.html (training report, held-out comparison)"
echo "      and $root/$results/index.html (held-out edges | generated photo | real photo)."
