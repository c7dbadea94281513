#!/usr/bin/env bash
# Crash trials: training runs killed with SIGKILL at random moments (in some trials a second time, during the
# resume), then continued with --resume-or-start until they finish. After every trial: each line of metrics.jsonl
# parses and the iterations never repeat, every snapshot PNG is whole, and the finished run samples exactly what an
# uninterrupted run with the same seed samples.
# Usage: crash_trials.sh PATH/TO/onestep [TRIALS_PER_RUN (default 3)] [--images]
#   CI runs 1 per run on the toys (3 trials); the README's long run is 13 per run with --images (52).
set -uo pipefail
ONESTEP=$(realpath "${1:?usage: crash_trials.sh PATH/TO/onestep [TRIALS] [--images]}")
TRIALS=${2:-3}
IMAGES=0
[ "${3:-}" = "--images" ] && IMAGES=1
source "$(dirname "$0")/lib.sh"

common=(--set checkpoint_every=20 --set snapshot_every=40 --set eval_every=0 --set log_every=5 --seed 3 --quiet)
"$ONESTEP" train-teacher --data toy:8gaussians --out "$T/teacher" --steps 100 "${common[@]}" 2>/dev/null ||
  { echo "FAIL the teacher for the distillations"; exit 1; }
# name | command line (without --out) | the run's steps
runs=("teacher|train-teacher --data toy:8gaussians --steps 100"
      "sid|distill --method sid --teacher $T/teacher --data toy:8gaussians --steps 60"
      "ect|distill --method ect --teacher $T/teacher --data toy:8gaussians --steps 100")
if [ "$IMAGES" = 1 ] && [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  runs+=("images|train-teacher --data fashion-mnist --steps 60 --batch 16 --set net.channels=8 --set snapshot_count=16")
fi

# A PNG is whole when every chunk's CRC holds, the image data inflates and it ends in IEND.
cat >"$T/png_whole.py" <<'EOF'
import struct, sys, zlib
for path in sys.argv[1:]:
    b = open(path, 'rb').read()
    assert b[:8] == b'\x89PNG\r\n\x1a\n', path
    i, idat, end = 8, b'', False
    while i < len(b):
        n, kind = struct.unpack('>I4s', b[i:i + 8])
        data = b[i + 8:i + 8 + n]
        assert len(data) == n and struct.unpack('>I', b[i + 8 + n:i + 12 + n])[0] == zlib.crc32(kind + data), path
        idat += data if kind == b'IDAT' else b''
        end, i = kind == b'IEND', i + 12 + n
    assert end and zlib.decompress(idat), path
EOF

# check_run NAME DIR: the files of a finished run are whole, and it samples as its uninterrupted twin
check_run() {
  local n=$1 dir=$2 why=""
  $PY -c "import json; its=[json.loads(l)['iteration'] for l in open('$dir/metrics.jsonl') if l.strip()]; assert its==sorted(set(its)), its" 2>/dev/null || why+="metrics.jsonl torn or repeated; "
  ls "$dir"/snapshots/*.png >/dev/null 2>&1 && { $PY "$T/png_whole.py" "$dir"/snapshots/*.png 2>/dev/null || why+="a snapshot is not whole; "; }
  "$ONESTEP" sample --model "$dir" --n 256 --seed 9 --out "$T/trial.npz" --quiet 2>/dev/null || why+="the newest checkpoint does not load; "
  $PY -c "import numpy as np; assert (np.load('$T/trial.npz')['arr_0']==np.load('$T/ref-$n.npz')['arr_0']).all()" 2>/dev/null || why+="its samples differ from the uninterrupted run's; "
  echo "$why"
}

total=0 passed=0 unkilled=0
for entry in "${runs[@]}"; do
  name=${entry%%|*} cmd=${entry#*|}
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  "$ONESTEP" $cmd --out "$T/ref-$name" "${common[@]}" 2>/dev/null || { fail "$name: the uninterrupted run"; continue; }
  full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  "$ONESTEP" sample --model "$T/ref-$name" --n 256 --seed 9 --out "$T/ref-$name.npz" --quiet 2>/dev/null
  for trial in $(seq 1 "$TRIALS"); do
    dir=$T/trial-$name-$trial kills=0
    # shellcheck disable=SC2086
    "$ONESTEP" $cmd --out "$dir" "${common[@]}" 2>/dev/null &
    pid=$!
    sleep "$(awk -v r=$RANDOM -v ms=$full_ms 'BEGIN { printf "%.3f", (0.05 + 0.9 * r / 32768) * ms / 1000 }')"
    kill -9 $pid 2>/dev/null && kills=$((kills + 1))
    wait $pid 2>/dev/null
    if [ $((trial % 2)) -eq 1 ]; then  # a second kill, during the resume (odd trials)
      # shellcheck disable=SC2086
      "$ONESTEP" $cmd --out "$dir" "${common[@]}" --resume-or-start 2>/dev/null &
      pid=$!
      sleep "$(awk -v r=$RANDOM -v ms=$full_ms 'BEGIN { printf "%.3f", (0.05 + 0.5 * r / 32768) * ms / 1000 }')"
      kill -9 $pid 2>/dev/null && kills=$((kills + 1))
      wait $pid 2>/dev/null
    fi
    # shellcheck disable=SC2086
    "$ONESTEP" $cmd --out "$dir" "${common[@]}" --resume-or-start 2>"$T/err" || { fail "$name trial $trial: the resume failed: $(head -c 300 "$T/err")"; total=$((total + 1)); continue; }
    why=$(check_run "$name" "$dir")
    total=$((total + 1))
    [ "$kills" -gt 0 ] || unkilled=$((unkilled + 1))  # the run finished before its kill came: checked all the same
    if [ -z "$why" ]; then passed=$((passed + 1)); pass "$name trial $trial ($kills kill(s))"; else fail "$name trial $trial ($kills kill(s)): $why"; fi
    rm -rf "$dir"
  done
done
echo "crash trials: $passed/$total finished whole and equal to their uninterrupted runs ($unkilled finished before their kill)"
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
