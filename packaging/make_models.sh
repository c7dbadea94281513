#!/usr/bin/env bash
# The shipped toy teachers (models/*.pt): for each 2-D toy, a 3000-step teacher with every setting at its
# default (seed 0, batch 512), exported as EMA weights only, and scored by the energy distance of 2000 samples
# (Heun, 35 NFE, seed 1) to 2000 data points (seed 100). Prints the Markdown rows of models/README.md.
# Usage: packaging/make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys...]      (~2.5 min on 2 cores)
set -euo pipefail
O=${1:?usage: make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys...]}
W=${2:?usage: make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys...]}
D=${3:?usage: make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys...]}
shift 3
TOYS=${*:-8gaussians moons swissroll checkerboard rings}
mkdir -p "$W" "$D"
echo "| file | data | network | iterations | seed | energy distance (35 NFE) | size |"
echo "|---|---|---|---|---|---|---|"
for toy in $TOYS; do
  rm -rf "$W/$toy" "$D/$toy.pt"
  log="$W/$toy.log"
  { "$O" train-teacher --data "toy:$toy" --out "$W/$toy" --steps 3000 --seed 0 --quiet --set eval_every=0 &&
    "$O" export --model "$W/$toy" --out "$D/$toy.pt" &&
    "$O" sample --model "$D/$toy.pt" --n 2000 --seed 1 --out "$W/$toy.npz" --quiet; } >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  e=$("$O" energy "$W/$toy.npz" "toy:$toy" --seed 100 --json | /usr/bin/python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["energy_distance"])')
  kb=$(( $(stat -c %s "$D/$toy.pt") / 1024 ))
  echo "| \`$toy.pt\` | \`toy:$toy\` | MLP 256×4 | 3000 | 0 | $e | $kb KiB |"
done
