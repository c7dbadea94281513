#!/usr/bin/env bash
# SiD on a UNet teacher and one-step against Heun sampling, C++ engine beside the Python loop a user would write
# (benchmarks/sid_unet_pytorch.py), over the same LibTorch with the same thread count, one after the other.
#   benchmarks/side_by_side.sh build/app/onestep WORK_DIR [CHANNELS] [THREADS]
# WORK_DIR receives the teachers and one JSON line per measurement (results.jsonl); a table is printed at the end.
# About 15 minutes on 2 cores with the default 64 channels.
set -euo pipefail
ONESTEP=${1:?usage: side_by_side.sh PATH/TO/onestep WORK_DIR [CHANNELS] [THREADS]}
WORK=${2:?usage: side_by_side.sh PATH/TO/onestep WORK_DIR [CHANNELS] [THREADS]}
CH=${3:-64}
THREADS=${4:-2}
PY=/usr/bin/python3
SCRIPT="$(dirname "$0")/sid_unet_pytorch.py"
mkdir -p "$WORK"
OUT="$WORK/results.jsonl"
: >"$OUT"
record() { # record LABEL COMMAND...: runs it and appends {"label": ..., <its JSON line>}
  local label=$1; shift
  echo "== $label" >&2
  "$@" | tail -n 1 | $PY -c "import json,sys; d=json.loads(sys.stdin.read()); d['label']='$label'; print(json.dumps(d))" >>"$OUT"
}

# The TorchScript teacher, scripted in Python, and its native twin: the engine's UNet of the same shape (one
# iteration of training, so it exists; the weights do not change the timing).
[ -f "$WORK/teacher$CH.pt" ] || $PY "$SCRIPT" --write-teacher "$WORK/teacher$CH.pt" --channels "$CH"
[ -d "$WORK/native$CH" ] || "$ONESTEP" train-teacher --data fashion-mnist --steps 1 --set net.channels="$CH" \
  --set eval_every=0 --set snapshot_every=0 --out "$WORK/native$CH" --quiet --threads "$THREADS"

record "C++ SiD, TorchScript teacher" "$ONESTEP" bench --case sid:fashion_mnist --teacher "$WORK/teacher$CH.pt" --threads "$THREADS"
record "C++ SiD, native teacher" "$ONESTEP" bench --case sid:fashion_mnist --teacher "$WORK/native$CH" --threads "$THREADS"
record "Python SiD, as installed" $PY "$SCRIPT" --teacher "$WORK/teacher$CH.pt" --steps 10 --threads "$THREADS"
record "Python SiD, hand-tuned" env OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=268435456 \
  $PY "$SCRIPT" --teacher "$WORK/teacher$CH.pt" --steps 10 --threads "$THREADS" --tuned
record "C++ sampling, TorchScript" "$ONESTEP" bench --case sample --teacher "$WORK/teacher$CH.pt" --threads "$THREADS"
record "Python sampling, as installed" $PY "$SCRIPT" --teacher "$WORK/teacher$CH.pt" --sample --threads "$THREADS"
record "Python sampling, hand-tuned" env OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=268435456 \
  $PY "$SCRIPT" --teacher "$WORK/teacher$CH.pt" --sample --threads "$THREADS" --tuned

$PY - "$OUT" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| run | SiD it/s | s/it | one-step img/s | Heun-18 img/s | ratio |")
print("|---|---|---|---|---|---|")
for r in rows:
    it = r.get("it_per_s", r.get("sid_fashion_mnist_it_per_s"))
    one = r.get("onestep_images_per_s", r.get("sample_onestep_images_per_s"))
    heun = r.get("heun18_images_per_s", r.get("sample_heun18_images_per_s"))
    f = lambda v, p=2: "" if v is None else f"{v:.{p}f}"
    print(f"| {r['label']} | {f(it, 3)} | {f(1 / it if it else None)} | {f(one, 0)} | {f(heun, 1)} | {f(one / heun if one and heun else None, 1)} |")
PYEOF
