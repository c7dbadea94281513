#!/usr/bin/env bash
# `onestep bench --quick`: every case of the suite runs and reports what benchmarks/README.md says it does, and bad
# requests are refused. The figures themselves are not judged here (timings are not pass/fail), only their sense.
# Usage: bench_test.sh PATH/TO/onestep
ONESTEP=${1:?usage: bench_test.sh PATH/TO/onestep}
source "$(dirname "$0")/lib.sh"

expect_ok "bench --quick --json" "$ONESTEP" bench --quick --json --threads 2
cp "$T/out" "$T/bench.json"
cat "$T/bench.json"
py "one JSON object, no case failed" "import json; r=json.load(open('$T/bench.json')); assert 'failures' not in r, r.get('failures')"
py "the machine is described" "import json; r=json.load(open('$T/bench.json')); assert r['cores'] >= 1 and r['threads'] == 2 and r['device'] == 'cpu' and r['libtorch'], r"
py "every method on both data sets, with its memory" "import json; r=json.load(open('$T/bench.json'))
for m in ['teacher', 'sid', 'smm', 'ect', 'sct']:
  for d in ['fashion_mnist', 'toy8']:
    assert r[f'{m}_{d}_it_per_s'] > 0 and r[f'{m}_{d}_peak_rss_mb'] > 50, (m, d)
assert r['teacher_toy8_batch'] == 512 and r['sid_fashion_mnist_batch'] == 64"
py "one step is faster than 35 NFE on the same UNet" "import json; r=json.load(open('$T/bench.json')); assert r['sample_onestep_images_per_s'] > 10 * r['sample_heun18_images_per_s'] > 0, r"
py "FID of the shipped generator near its recorded 1k figure" "import json; r=json.load(open('$T/bench.json')); assert 1.5 < r['fid_1k'] < 4 and r['fid_1k_s'] > 0 and r['fid_features_images_per_s'] > 0, r"
py "latency and studio overhead measured (an engine-only build says the studio was not)" "import json; r=json.load(open('$T/bench.json'))
assert 0 < r['latent_generate_ms'] <= r['latent_latency_ms'] * 5, r
assert (0.2 < r['studio_overhead'] < 1.5) if r['studio_overhead'] is not None else 'not measured' in r['studio'], r"

expect_error "an unknown case" 2 "expected sample, fid, latent, memory or METHOD:DATA" "$ONESTEP" bench --case nope
expect_error "an unknown method" 1 "gan" "$ONESTEP" bench --case gan:toy8
expect_error "a device this LibTorch lacks" 1 "cuda" "$ONESTEP" bench --quick --device cuda:7

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
