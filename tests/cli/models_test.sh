#!/usr/bin/env bash
# The shipped teachers (models/): every file models/README.md lists exists, loads as a teacher of its data and
# scores what the README says (energy distance of 2000 Heun samples, seed 1, against 2000 data points, seed 100).
# Usage: models_test.sh PATH/TO/onestep PATH/TO/models
ONESTEP=${1:?usage: models_test.sh PATH/TO/onestep MODELS_DIR}
MODELS=${2:?usage: models_test.sh PATH/TO/onestep MODELS_DIR}
source "$(dirname "$0")/lib.sh"

# Rows: | `NAME.pt` | `toy:NAME` | network | iterations | seed | energy | size |
mapfile -t rows < <(grep -E '^\| `[a-z0-9-]+\.pt` \|' "$MODELS/README.md")
[ "${#rows[@]}" -ge 5 ] && pass "README lists the shipped teachers (${#rows[@]})" || fail "README lists ${#rows[@]} teachers"
for row in "${rows[@]}"; do
  file=$(echo "$row" | cut -d'`' -f2); data=$(echo "$row" | cut -d'`' -f4)
  claimed=$(echo "$row" | awk -F'|' '{gsub(/ /, "", $7); print $7}')
  expect_ok "$file: info" "$ONESTEP" info "$MODELS/$file"
  py "$file: a teacher of $data" "import json; j=json.load(open('$T/out')); assert j['config']['method']=='teacher' and j['config']['data']=='$data', j['config']['method']"
  expect_ok "$file: sample" "$ONESTEP" sample --model "$MODELS/$file" --n 2000 --seed 1 --out "$T/s.npz" --quiet
  expect_ok "$file: energy" "$ONESTEP" energy "$T/s.npz" "$data" --seed 100 --json
  py "$file: energy distance as the README says ($claimed)" "import json; e=json.load(open('$T/out'))['energy_distance']; assert abs(e - $claimed) < 2e-4, e"
done

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
