#!/usr/bin/env bash
# The shipped models (models/): every row of models.json, as `onestep models --json` lists it, is a file that
# loads as a model of its kind, method and data, is named in models/README.md, and re-measures as recorded:
# - images: FID with the built-in features against the test split, `eval_n` samples (`fid --seed 0` samples the
#   model with seed 1), within 2 % + 0.01;
# - points: energy distance of 2000 samples (seed 1) against 2000 data points (seed 100), within 2e-4.
# Usage: models_test.sh PATH/TO/onestep PATH/TO/models
ONESTEP=${1:?usage: models_test.sh PATH/TO/onestep MODELS_DIR}
MODELS=${2:?usage: models_test.sh PATH/TO/onestep MODELS_DIR}
source "$(dirname "$0")/lib.sh"
export ONESTEP_MODELS_DIR="$MODELS"

expect_ok "models --json" "$ONESTEP" models --json
cp "$T/out" "$T/models.json"
py "every listed file is there" "import json; l=json.load(open('$MODELS/models.json'))['models']; m=json.load(open('$T/models.json'))['models']; assert [x['name'] for x in l]==[x['name'] for x in m], 'missing files'"
py "at least the six teachers" "import json; m=json.load(open('$T/models.json'))['models']; assert sum(x['kind']=='teacher' for x in m) >= 6"
py "under 40 MB in all" "import json; m=json.load(open('$T/models.json'))['models']; s=sum(x['bytes'] for x in m); assert s < 40e6, s"
mapfile -t rows < <($PY -c "import json
for m in json.load(open('$T/models.json'))['models']: print(m['name'], m['kind'], m['method'], m['data'], m['nfe'], m['metric'], m['value'], m['eval_n'], m['file'])")
for row in "${rows[@]}"; do
  read -r name kind method data nfe metric value n file <<<"$row"
  # Generators by name, as users call them; a teacher by file, since where a set may be data its name is the data.
  ref=$name; [ "$kind" = teacher ] && ref=$file
  if grep -qE "\`$name(\.pt)?\`" "$MODELS/README.md"; then pass "$name: in models/README.md"; else fail "$name: not in models/README.md"; fi
  expect_ok "$name: info" "$ONESTEP" info "$ref"
  py "$name: a $method model of $data" "import json; c=json.load(open('$T/out'))['config']; assert c['method']=='$method' and c['data']=='$data', (c['method'], c['data'])"
  if [ "$metric" = fid ]; then
    steps=(); [ "$kind" = generator ] && steps=(--steps "$nfe")  # a consistency model is recorded at 2 steps
    expect_ok "$name: fid" "$ONESTEP" fid "$data?split=test" "$ref" "${steps[@]}" --n "$n" --seed 0 --no-kid --no-pr --quiet --json
    py "$name: FID as recorded ($value)" "import json; f=json.load(open('$T/out'))['fid']; assert abs(f - $value) < 0.02 * $value + 0.01, f"
    continue
  fi
  expect_ok "$name: sample" "$ONESTEP" sample --model "$ref" --n "$n" --seed 1 --out "$T/s.npz" --quiet --json
  py "$name: $nfe NFE" "import json; assert json.load(open('$T/out'))['nfe']==$nfe"
  expect_ok "$name: energy" "$ONESTEP" energy "$T/s.npz" "$data" --n "$n" --seed 100 --json
  py "$name: energy distance as recorded ($value)" "import json; e=json.load(open('$T/out'))['energy_distance']; assert abs(e - $value) < 2e-4, e"
done

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
