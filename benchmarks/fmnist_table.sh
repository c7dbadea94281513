#!/usr/bin/env bash
# The README's Fashion-MNIST table and sample grids: the shipped teacher at 1, 3, 5, 9, 17 and 35 NFE (Heun,
# --steps 1, 2, 3, 5, 9, 18) and every shipped Fashion-MNIST generator at 1 step (and 2 for ECT/SCT), each scored
# by FID, KID and precision/recall with the built-in features against the test split (N samples, default 10 000;
# `fid --seed 0` samples the model with seed 1) and timed in ms per image (1000 samples, batch 256).
# It writes an 8×8 grid of each row's first 64 samples to OUT_DIR/grids/NAME-NFE.png, all from the same noise
# (seed 1, so the grids are the FID's own first samples) and the same class labels.
# ~25 min on 2 cores at N=10000; N=1000 is a quick look.
# Usage: benchmarks/fmnist_table.sh PATH/TO/onestep OUT_DIR [N]   (prints a Markdown table)
set -euo pipefail
O=${1:?usage: fmnist_table.sh PATH/TO/onestep OUT_DIR [N]}
W=${2:?usage: fmnist_table.sh PATH/TO/onestep OUT_DIR [N]}
N=${3:-10000}
mkdir -p "$W/grids"
PY=/usr/bin/python3
# row MODEL LABEL STEPS GRID_NAME
row() {
  local model=$1 label=$2 steps=$3 grid=$4
  "$O" fid "fashion-mnist?split=test" "$model" --steps "$steps" --n "$N" --seed 0 --quiet --json >"$W/fid.json" \
    2>"$W/last.err" || { cat "$W/last.err" >&2; exit 1; }
  "$O" sample --model "$model" --steps "$steps" --n 1000 --seed 1 --batch 256 --out "$W/s.npz" --quiet --json \
    >"$W/ms.json" 2>"$W/last.err" || { cat "$W/last.err" >&2; exit 1; }
  "$O" sample --model "$model" --steps "$steps" --n 64 --seed 1 --out "$W/grids/$grid.png" --quiet \
    2>"$W/last.err" || { cat "$W/last.err" >&2; exit 1; }
  $PY - "$label" "$W/fid.json" "$W/ms.json" <<'EOF'
import json, sys
f, m = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
print("| %s | %d | %.2f | %.4f | %.3f | %.3f | %.2f |" % (sys.argv[1], m["nfe"], f["fid"], f["kid"], f["precision"],
                                                         f["recall"], m["ms_per_sample"]))
EOF
}
"$O" models --json >"$W/models.json"
# The teacher by its file: in `fid` the name fashion-mnist is the data.
teacher=$($PY -c "import json
print([m['file'] for m in json.load(open('$W/models.json'))['models'] if m['name'] == 'fashion-mnist'][0])")
echo "| model | NFE | FID | KID | precision | recall | ms per image |"
echo "|---|---|---|---|---|---|---|"
for k in 1 2 3 5 9 18; do row "$teacher" "teacher \`fashion-mnist\` (Heun)" "$k" "fashion-mnist-$((2 * k - 1))"; done
mapfile -t gens < <($PY -c "import json
for m in json.load(open('$W/models.json'))['models']:
    if m['kind'] == 'generator' and m['data'] == 'fashion-mnist': print(m['name'], m['method'])")
for g in "${gens[@]}"; do
  read -r name method <<<"$g"
  row "$name" "\`$name\`" 1 "$name-1"
  if [ "$method" = ect ] || [ "$method" = sct ]; then row "$name" "\`$name\`" 2 "$name-2"; fi
done
