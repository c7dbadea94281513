#!/usr/bin/env bash
# The README's method table: for each 2-D toy, a 3000-step teacher and 2000 iterations of every one-step
# method, each scored by the energy distance of 2000 samples (seed 1) to 2000 data points (seed 100).
# Usage: benchmarks/methods_table.sh PATH/TO/onestep WORK_DIR [TOYS...]   (prints a Markdown table)
# METHODS="sct" (say) runs only those methods after each teacher; the default is all four.
set -euo pipefail
O=${1:?usage: methods_table.sh PATH/TO/onestep WORK_DIR [toys...]}
W=${2:?usage: methods_table.sh PATH/TO/onestep WORK_DIR [toys...]}
shift 2
TOYS=${*:-8gaussians moons swissroll checkerboard rings}
mkdir -p "$W"
ed() { "$O" energy "$1" "toy:$2" --seed 100 --json | /usr/bin/python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["energy_distance"])'; }
# timed NAME CMD...: runs CMD, prints its wall seconds
timed() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>"$W/last.err" || { cat "$W/last.err" >&2; exit 1; }; e=$(date +%s.%N); /usr/bin/python3 -c "print('%.0f' % ($e - $s))"; }
echo "| toy | model | iterations | NFE | energy distance | wall time (s) |"
echo "|---|---|---|---|---|---|"
for toy in $TOYS; do
  d="$W/$toy"; rm -rf "$d"; mkdir -p "$d"
  t=$(timed "$O" train-teacher --data "toy:$toy" --out "$d/teacher" --steps 3000 --quiet --set snapshot_every=0 --set eval_every=0)
  "$O" sample --model "$d/teacher" --n 2000 --seed 1 --out "$d/teacher.npz" --quiet 2>/dev/null
  "$O" sample --model "$d/teacher" --n 2000 --seed 1 --sampler euler --steps 1 --out "$d/euler1.npz" --quiet 2>/dev/null
  "$O" data --data "toy:$toy" --n 2000 --seed 7 --out "$d/floor.npz" 2>/dev/null
  echo "| $toy | data vs data (noise floor) | | | $(ed "$d/floor.npz" "$toy") | |"
  echo "| $toy | teacher, Heun | 3000 | 35 | $(ed "$d/teacher.npz" "$toy") | $t |"
  echo "| $toy | teacher, Euler | 3000 | 1 | $(ed "$d/euler1.npz" "$toy") | |"
  for m in ${METHODS:-sid smm ect sct}; do
    teacher="--teacher $d/teacher"; [ "$m" = smm ] && teacher=""
    # shellcheck disable=SC2086
    t=$(timed "$O" distill --method "$m" $teacher --data "toy:$toy" --out "$d/$m" --steps 2000 --quiet --set snapshot_every=0 --set eval_every=0)
    "$O" sample --model "$d/$m" --n 2000 --seed 1 --out "$d/$m.npz" --quiet 2>/dev/null
    echo "| $toy | $m | 2000 | 1 | $(ed "$d/$m.npz" "$toy") | $t |"
    if [ "$m" = ect ] || [ "$m" = sct ]; then
      "$O" sample --model "$d/$m" --n 2000 --seed 1 --steps 2 --out "$d/$m-2.npz" --quiet 2>/dev/null
      echo "| $toy | $m | 2000 | 2 | $(ed "$d/$m-2.npz" "$toy") | |"
    fi
  done
done
