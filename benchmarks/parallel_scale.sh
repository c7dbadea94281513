#!/usr/bin/env bash
# Data parallel on this machine: the gradient all-reduce by size (bench_allreduce), then training throughput of the
# Fashion-MNIST UNet teacher and of SiD on it in 1 process (all cores) against N processes (cores / N each), same
# global batch, on the CPU or (DEVICE cuda) one GPU per process where there are N. Prints numbers;
# benchmarks/README.md ("Data parallel") holds the figures and the cost model.
# Usage: benchmarks/parallel_scale.sh BUILD_DIR [N (default 2)] [STEPS (default 30)] [DEVICE (default cpu)]
set -euo pipefail
BUILD=$(cd "${1:?usage: parallel_scale.sh BUILD_DIR [N] [STEPS] [DEVICE]}" && pwd)
N=${2:-2}
STEPS=${3:-30}
DEVICE=${4:-cpu}
ONESTEP=$BUILD/app/onestep
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

port=$(/usr/bin/python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
for r in $(seq 1 $((N - 1))); do
  WORLD_SIZE=$N LOCAL_WORLD_SIZE=$N RANK=$r MASTER_PORT=$port "$BUILD/benchmarks/bench_allreduce" "$DEVICE" &
done
WORLD_SIZE=$N LOCAL_WORLD_SIZE=$N RANK=0 MASTER_PORT=$port "$BUILD/benchmarks/bench_allreduce" "$DEVICE"
wait

# it/s over the last half of a run (metrics.jsonl's wall_s): start-up and the first snapshot left out.
rate() {
  /usr/bin/python3 -c "
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '\"loss' in l]
a, b = rows[len(rows) // 2], rows[-1]
print('%.3f' % ((b['iteration'] - a['iteration']) / (b['wall_s'] - a['wall_s'])))" "$1/metrics.jsonl"
}
common=(--data fashion-mnist --device "$DEVICE" --steps "$STEPS" --quiet --set eval_every=0 --set snapshot_every=0 --set log_every=5)
echo
printf '%-34s %10s %10s %8s\n' "training, batch 64" "1 proc" "$N procs" "speed-up"
one=$T/t1 many=$T/tn
"$ONESTEP" train-teacher "${common[@]}" --out "$one" 2>/dev/null
"$ONESTEP" train-teacher "${common[@]}" --out "$many" --nproc "$N" 2>/dev/null
a=$(rate "$one") b=$(rate "$many")
printf '%-34s %10s %10s %8.2f\n' "teacher (UNet), it/s" "$a" "$b" "$(/usr/bin/python3 -c "print($b / $a)")"
"$ONESTEP" distill --method sid --teacher fashion-mnist "${common[@]}" --out "$T/s1" 2>/dev/null
"$ONESTEP" distill --method sid --teacher fashion-mnist "${common[@]}" --out "$T/sn" --nproc "$N" 2>/dev/null
a=$(rate "$T/s1") b=$(rate "$T/sn")
printf '%-34s %10s %10s %8.2f\n' "sid (UNet generator), it/s" "$a" "$b" "$(/usr/bin/python3 -c "print($b / $a)")"
