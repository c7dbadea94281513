#!/usr/bin/env bash
# The shipped teachers (models/*.pt), exported as EMA weights only (`onestep export`). Prints the Markdown rows of
# models/README.md.
# - Each 2-D toy: a 3000-step teacher with every setting at its default (seed 0, batch 512), scored by the energy
#   distance of 2000 samples (Heun, 35 NFE, seed 1) to 2000 data points (seed 100). ~2.5 min for the five.
# - fashion-mnist: a class-conditional UNet (16 channels, 1,2,2) for FASHION_STEPS iterations (default 10000,
#   batch 64, seed 0), scored by FID with the built-in features against the test split's statistics on 1000 and
#   on 10 000 samples (Heun, 35 NFE; `fid --seed 0` samples the model with seed 1). ~1 h on 2 cores; resumable: run it again to continue.
# - fashion-mnist-sid, -ect, -sct: generators distilled from the shipped fashion-mnist teacher (see below).
# Usage: packaging/make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys... | fashion-mnist | fashion-mnist-METHOD]
set -euo pipefail
O=${1:?usage: make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys... | fashion-mnist]}
W=${2:?usage: make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys... | fashion-mnist]}
D=${3:?usage: make_models.sh PATH/TO/onestep WORK_DIR OUT_DIR [toys... | fashion-mnist]}
shift 3
TOYS=${*:-8gaussians moons swissroll checkerboard rings}
mkdir -p "$W" "$D"
fid() { /usr/bin/python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["fid"])'; }
case "$TOYS" in fashion-mnist-sid | fashion-mnist-ect | fashion-mnist-sct)
  # A generator from the shipped teacher (by name), batch 64, seed 0, evaluated every 500 iterations (1000
  # samples, 1 step) and checkpointed as often; resumable: run it again to continue. STEPS iterations in all;
  # ITER exports that checkpoint instead of the newest (metrics.jsonl says which evaluation was best).
  # - sid: lr 1e-4, STEPS default 30000, ~2 it/s on 2 cores; scored at 1 step.
  # - ect, sct: every setting at its default, STEPS default 12000 (ect) and 8000 (sct), ~6.7 (ect) and ~5.6 (sct)
  #   it/s; scored at 2 steps, their 1-step FID beside it.
  # Prints the models.json row.
  method=${TOYS#fashion-mnist-}
  name=$TOYS
  set_args=()
  nfe=2
  if [ "$method" = sid ]; then set_args=(--set sid.lr_g=1e-4); nfe=1; fi
  case $method in sid) default_steps=30000 ;; ect) default_steps=12000 ;; *) default_steps=8000 ;; esac
  steps=${STEPS:-${SID_STEPS:-$default_steps}}
  iter=${ITER:-${SID_ITER:-}}
  run="$W/$name"
  log="$W/$name.log"
  "$O" distill --method "$method" --teacher fashion-mnist --data fashion-mnist --out "$run" --steps "$steps" \
    --seed 0 --resume-or-start --quiet "${set_args[@]}" --set eval_every=500 --set checkpoint_every=500 \
    --set keep_checkpoints=80 >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  model="$run"
  [ -n "$iter" ] && model=$(printf '%s/checkpoints/ckpt-%09d.pt' "$run" "$iter")
  rm -f "$D/$name.pt"
  "$O" export --model "$model" --out "$D/$name.pt" >/dev/null
  f1=$("$O" fid "fashion-mnist?split=test" "$D/$name.pt" --steps "$nfe" --n 1000 --seed 0 --no-kid --no-pr --quiet --json | fid)
  f10=$("$O" fid "fashion-mnist?split=test" "$D/$name.pt" --steps "$nfe" --n 10000 --seed 0 --quiet --json)
  one=""
  [ "$nfe" = 2 ] && one=$("$O" fid "fashion-mnist?split=test" "$D/$name.pt" --steps 1 --n 10000 --seed 0 --no-kid --no-pr --quiet --json | fid)
  it=$("$O" info "$D/$name.pt" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["iteration"])')
  /usr/bin/python3 - "$name" "$method" "$nfe" "$f1" "$f10" "$it" "$one" <<'PY'
import json, sys
name, method, nfe, f1, f10, it, one = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), json.loads(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
row = {"name": name, "file": name + ".pt", "kind": "generator", "method": method, "data": "fashion-mnist", "nfe": nfe,
       "metric": "fid", "value": f1, "eval_n": 1000, "value_10k": round(f10["fid"], 2), "kid_10k": f10.get("kid"),
       "precision_10k": f10.get("precision"), "recall_10k": f10.get("recall"), "iteration": it,
       "command": "ITER=%d STEPS=%d packaging/make_models.sh build/app/onestep WORK models %s" % (it, it, name)}
if one:
    row["value_10k_1step"] = float(one)
print(json.dumps(row, indent=1))
PY
  exit 0
  ;;
esac
if [ "$TOYS" = fashion-mnist ]; then
  steps=${FASHION_STEPS:-10000}
  log="$W/fashion-mnist.log"
  { "$O" train-teacher --data fashion-mnist --out "$W/fashion-mnist" --steps "$steps" --seed 0 --resume-or-start --quiet \
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
