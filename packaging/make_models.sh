#!/usr/bin/env bash
# The shipped teachers (models/*.pt), exported as EMA weights only (`onestep export`). Prints the Markdown rows of
# models/README.md.
# - Each 2-D toy: a 3000-step teacher with every setting at its default (seed 0, batch 512), scored by the energy
#   distance of 2000 samples (Heun, 35 NFE, seed 1) to 2000 data points (seed 100). ~2.5 min for the five.
# - fashion-mnist: a class-conditional UNet (16 channels, 1,2,2) for FASHION_STEPS iterations (default 10000,
#   batch 64, seed 0), scored by FID with the built-in features against the test split's statistics on 1000 and
#   on 10 000 samples (Heun, 35 NFE; `fid --seed 0` samples the model with seed 1). ~1 h on 2 cores; resumable: run it again to continue.
# - fashion-mnist-sid: the one-step SiD generator distilled from the shipped fashion-mnist teacher (see below).
# Usage: packaging/make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys... | fashion-mnist | fashion-mnist-sid]
set -euo pipefail
O=${1:?usage: make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys... | fashion-mnist]}
W=${2:?usage: make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys... | fashion-mnist]}
D=${3:?usage: make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys... | fashion-mnist]}
shift 3
TOYS=${*:-8gaussians moons swissroll checkerboard rings}
mkdir -p "$W" "$D"
fid() { /usr/bin/python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["fid"])'; }
if [ "$TOYS" = fashion-mnist-sid ]; then
  # SiD from the shipped teacher (by name): SID_STEPS iterations (default 30000) at lr 1e-4, batch 64, seed 0,
  # resumable; SID_ITER exports that checkpoint instead of the newest (evaluations every 500 iterations in
  # metrics.jsonl say which is best). ~2 it/s on 2 cores. Prints the models.json row.
  steps=${SID_STEPS:-30000}
  run="$W/fashion-mnist-sid"
  log="$W/fashion-mnist-sid.log"
  "$O" distill --method sid --teacher fashion-mnist --data fashion-mnist --out "$run" --steps "$steps" --seed 0 \
    --resume --quiet --set sid.lr_g=1e-4 --set eval_every=500 --set checkpoint_every=500 --set keep_checkpoints=80 \
    >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  model="$run"
  [ -n "${SID_ITER:-}" ] && model=$(printf '%s/checkpoints/ckpt-%09d.pt' "$run" "$SID_ITER")
  rm -f "$D/fashion-mnist-sid.pt"
  "$O" export --model "$model" --out "$D/fashion-mnist-sid.pt" >/dev/null
  f1=$("$O" fid "fashion-mnist?split=test" "$D/fashion-mnist-sid.pt" --n 1000 --seed 0 --no-kid --no-pr --quiet --json | fid)
  f10=$("$O" fid "fashion-mnist?split=test" "$D/fashion-mnist-sid.pt" --n 10000 --seed 0 --quiet --json)
  it=$("$O" info "$D/fashion-mnist-sid.pt" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["iteration"])')
  /usr/bin/python3 - "$f1" "$f10" "$it" <<'PY'
import json, sys
f1, f10, it = float(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
print(json.dumps({"name": "fashion-mnist-sid", "file": "fashion-mnist-sid.pt", "kind": "generator", "method": "sid",
                  "data": "fashion-mnist", "nfe": 1, "metric": "fid", "value": f1, "eval_n": 1000,
                  "value_10k": round(f10["fid"], 2), "kid_10k": f10.get("kid"), "precision_10k": f10.get("precision"),
                  "recall_10k": f10.get("recall"), "iteration": it,
                  "command": "SID_ITER=%d packaging/make_models.sh build/app/onestep WORK models fashion-mnist-sid" % it}, indent=1))
PY
  exit 0
fi
if [ "$TOYS" = fashion-mnist ]; then
  steps=${FASHION_STEPS:-10000}
  log="$W/fashion-mnist.log"
  { "$O" train-teacher --data fashion-mnist --out "$W/fashion-mnist" --steps "$steps" --seed 0 --resume --quiet \
      --set net.class_cond=true --set net.channels=16 --set eval_every=0 &&
    "$O" export --model "$W/fashion-mnist" --out "$D/fashion-mnist.pt"; } >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  f1=$("$O" fid "fashion-mnist?split=test" "$D/fashion-mnist.pt" --n 1000 --seed 0 --no-kid --no-pr --quiet --json | fid)
  f10=$("$O" fid "fashion-mnist?split=test" "$D/fashion-mnist.pt" --n 10000 --seed 0 --no-kid --no-pr --quiet --json | fid)
  kb=$(( $(stat -c %s "$D/fashion-mnist.pt") / 1024 ))
  echo "| file | data | network | iterations | seed | FID, 1000 samples (35 NFE) | FID, 10 000 samples | size |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| \`fashion-mnist.pt\` | \`fashion-mnist\` | UNet 16 ch (1,2,2), class-conditional | $steps | 0 | $f1 | $f10 | $kb KiB |"
  exit 0
fi
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
