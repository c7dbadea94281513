#!/usr/bin/env bash
# Metrics from the CLI against independent numpy/scipy values (metrics_reference.py), the statistics files,
# malformed input, the FID-versus-NFE sweep and the shipped Fashion-MNIST extractor.
# Usage: metrics_test.sh PATH/TO/onestep TEACHER_RUN_DIR
set -uo pipefail
ONESTEP=${1:?usage: metrics_test.sh PATH/TO/onestep TEACHER_RUN_DIR}
TEACHER=${2:?usage: metrics_test.sh PATH/TO/onestep TEACHER_RUN_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
# close NAME GOT.json WANT.json KEY REL: |got-want| <= REL*|want| (+1e-9)
close() {
  py "$1" "import json; g=json.load(open('$2'))['$4']; w=json.load(open('$3'))['$4']; assert abs(g-w) <= $5*abs(w)+1e-9, (g, w)"
}

$PY "$HERE/metrics_reference.py" make "$T"

# --- against numpy/scipy -------------------------------------------------------------------------
for pair in "a b" "c d"; do
  set -- $pair
  expect_ok "fid $1 $2" "$ONESTEP" fid "$T/$1.npz" "$T/$2.npz" --features raw --json
  cp "$T/out" "$T/got-$1$2.json"
  $PY "$HERE/metrics_reference.py" expect "$T/$1.npz" "$T/$2.npz" > "$T/want-$1$2.json"
  close "FID $1-$2 equals scipy's sqrtm formula" "$T/got-$1$2.json" "$T/want-$1$2.json" fid 1e-3
done
close "KID equals the reference estimator" "$T/got-ab.json" "$T/want-ab.json" kid 1e-6
close "precision equals brute-force k-NN" "$T/got-ab.json" "$T/want-ab.json" precision 1e-9
close "recall equals brute-force k-NN" "$T/got-ab.json" "$T/want-ab.json" recall 1e-9
close "energy distance equals numpy" "$T/got-ab.json" "$T/want-ab.json" energy_distance 1e-6
py "FID of distinct sets is far from 0" "import json; assert json.load(open('$T/got-ab.json'))['fid'] > 1"
expect_ok "fid of a set with itself" "$ONESTEP" fid "$T/a.npz" "$T/a.npz" --json
py "identical sets give FID 0" "import json; j=json.load(open('$T/out')); assert abs(j['fid']) < 1e-8, j"

# --- statistics files ----------------------------------------------------------------------------
expect_ok "fid-stats" "$ONESTEP" fid-stats "$T/a.npz" --out "$T/a-ours.npz" --features raw
py "fid-stats writes numpy's mean and unbiased covariance" "
import numpy as n; z=n.load('$T/a-ours.npz'); x=n.load('$T/a.npz')['arr_0'].astype(n.float64)
assert z['mu'].dtype==n.float64 and z['sigma'].shape==(16,16)
assert n.allclose(z['mu'], x.mean(0), atol=1e-9) and n.allclose(z['sigma'], n.cov(x, rowvar=False), atol=1e-9)"
expect_ok "fid from numpy-written statistics" "$ONESTEP" fid "$T/a-stats.npz" "$T/b.npz" --json
close "statistics and samples give the same FID" "$T/out" "$T/want-ab.json" fid 1e-3

$PY -c "import numpy as n; n.savez('$T/bad-shape.npz', mu=n.zeros(4), sigma=n.zeros((3,3)))"
expect_error "sigma of the wrong shape" 1 "bad-shape.npz.*'sigma' must be \[4, 4\]" "$ONESTEP" fid "$T/bad-shape.npz" "$T/a.npz"
$PY -c "import numpy as n; s=n.eye(16); s[0,0]=n.nan; n.savez('$T/nan.npz', mu=n.zeros(16), sigma=s)"
expect_error "NaN in sigma" 1 "nan.npz.*NaN" "$ONESTEP" fid "$T/nan.npz" "$T/a.npz"
head -c 300 "$T/a-stats.npz" > "$T/truncated.npz"
expect_error "truncated NPZ" 1 "truncated.npz" "$ONESTEP" fid "$T/truncated.npz" "$T/a.npz"
expect_error "dimension mismatch" 1 "16-d features but .*40-d" "$ONESTEP" fid "$T/a-stats.npz" "$T/c.npz"
expect_error "missing set" 1 "nope.: not found" "$ONESTEP" fid "$T/nope" "$T/a.npz"
expect_error "builtin on points" 1 "builtin.*28x28 grey images, not points" "$ONESTEP" fid toy:moons "$T/a.npz" --features builtin

# --- a folder of images and a model as sets ------------------------------------------------------
expect_ok "fid of a model set" "$ONESTEP" fid toy:8gaussians "$TEACHER" --n 500 --seed 2 --json
py "a model set is sampled and scores near the data" "
import json; j=json.load(open('$T/out')); assert j['n_b']==500 and j['fid'] < 0.05, j"

# --- FID against NFE ----------------------------------------------------------------------------
expect_ok "sweep-nfe" "$ONESTEP" sweep-nfe --model "$TEACHER" --nfe 1,5,35 --n 1000 --json
py "sweep-nfe: FID falls from 1 to 35 NFE" "
import json; j=json.load(open('$T/out')); p=j['points']; assert [q['nfe'] for q in p]==[1,5,35], p
assert [q['steps'] for q in p]==[1,3,18], p; assert p[0]['fid'] > 5*p[2]['fid'], p"
expect_error "sweep-nfe: even NFE with Heun" 1 "NFE 4 is impossible" "$ONESTEP" sweep-nfe --model "$TEACHER" --nfe 1,4

# --- Fashion-MNIST with the built-in extractor ---------------------------------------------------
if [ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
  expect_ok "data for images" "$ONESTEP" data --data fashion-mnist --n 1000 --seed 5 --out "$T/fm-train.npz"
  expect_ok "fid train vs shipped test statistics" "$ONESTEP" fid "fashion-mnist?split=test" "$T/fm-train.npz" --json
  py "real images score low with builtin features" "
import json; j=json.load(open('$T/out')); assert j['features']=='builtin' and j['fid'] < 5 and j['precision'] > 0.5, j"
  $PY -c "import numpy as n; a=n.load('$T/fm-train.npz')['arr_0']; r=n.random.default_rng(0); n.savez('$T/fm-noise.npz', r.integers(0,256,a.shape,dtype=n.uint8))"
  expect_ok "fid of noise images" "$ONESTEP" fid "fashion-mnist?split=test" "$T/fm-noise.npz" --json --no-pr
  py "noise images score far higher" "import json; assert json.load(open('$T/out'))['fid'] > 50"
  expect_ok "write 300 images as PNGs" "$ONESTEP" data --data fashion-mnist --n 300 --seed 5 --out "$T/folder"
  expect_ok "and as NPZ" "$ONESTEP" data --data fashion-mnist --n 300 --seed 5 --out "$T/fm300.npz"
  expect_ok "fid of a folder against its NPZ" "$ONESTEP" fid "$T/fm300.npz" "$T/folder" --json --no-pr
  py "a folder reads the same images as the NPZ" "import json; j=json.load(open('$T/out')); assert j['n_b']==300 and abs(j['fid']) < 1e-6, j"
fi

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
