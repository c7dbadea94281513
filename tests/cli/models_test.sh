#!/usr/bin/env bash
# The shipped teachers (models/): every file models/README.md lists exists, loads as a teacher of its data and
# scores what the README says (energy distance of 2000 Heun samples, seed 1, against 2000 data points, seed 100).
# Usage: models_test.sh PATH/TO/onestep PATH/TO/models
ONESTEP=${1:?usage: models_test.sh PATH/TO/onestep MODELS_DIR}
MODELS=${2:?usage: models_test.sh PATH/TO/onestep MODELS_DIR}
source "$(dirname "$0")/lib.sh"

# Rows: | `NAME.pt` | `toy:NAME` | network | iterations | seed | energy | size |  (toys)
#       | `NAME.pt` | `DATA` | network | iterations | seed | FID of 1000 | FID of 10 000 | size |  (images)
mapfile -t rows < <(grep -E '^\| `[a-z0-9-]+\.pt` \|' "$MODELS/README.md")
[ "${#rows[@]}" -ge 6 ] && pass "README lists the shipped teachers (${#rows[@]})" || fail "README lists ${#rows[@]} teachers"
for row in "${rows[@]}"; do
  file=$(echo "$row" | cut -d'`' -f2); data=$(echo "$row" | cut -d'`' -f4)
  claimed=$(echo "$row" | awk -F'|' '{gsub(/ /, "", $7); print $7}')
  expect_ok "$file: info" "$ONESTEP" info "$MODELS/$file"
  py "$file: a teacher of $data" "import json; j=json.load(open('$T/out')); assert j['config']['method']=='teacher' and j['config']['data']=='$data', j['config']['method']"
  if [ "${data#toy:}" = "$data" ]; then
    # An image teacher: FID of 1000 Heun samples (`fid --seed 0` samples the model with seed 1) against the
    # test split, as make_models.sh measures it.
    expect_ok "$file: fid" "$ONESTEP" fid "$data?split=test" "$MODELS/$file" --n 1000 --seed 0 --no-kid --no-pr --quiet --json
    py "$file: FID as the README says ($claimed)" "import json; f=json.load(open('$T/out'))['fid']; assert abs(f - $claimed) < 0.02 * $claimed + 0.01, f"
    continue
  fi
  expect_ok "$file: sample" "$ONESTEP" sample --model "$MODELS/$file" --n 2000 --seed 1 --out "$T/s.npz" --quiet
  expect_ok "$file: energy" "$ONESTEP" energy "$T/s.npz" "$data" --seed 100 --json
  py "$file: energy distance as the README says ($claimed)" "import json; e=json.load(open('$T/out'))['energy_distance']; assert abs(e - $claimed) < 2e-4, e"
done

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
