#!/usr/bin/env bash
# Data parallel (--nproc, torchrun's variables): a run in 2 processes trains the model the run in 1 process trains
# (a teacher, SiD, SMM with R1, ECT, SCT and a teacher with dropout, within float rounding), resumes with another number of processes, lets rank 0 alone write,
# refuses a batch that does not split, stops all workers on Ctrl-C with a checkpoint, and fails promptly and cleanly
# when a worker dies; a second process cannot train a run that one is training. A group also forms over the
# machine's network address and between two network namespaces, and ONESTEP_DIST_BACKEND picks Gloo or refuses
# NCCL where it cannot be.
# Usage: parallel_test.sh PATH/TO/onestep
set -uo pipefail
ONESTEP=$(realpath "${1:?usage: parallel_test.sh PATH/TO/onestep}")
source "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

toy=(--data toy:8gaussians --seed 3 --threads 1 --quiet --set eval_every=0 --set log_every=5)
# same NAME A B: A's and B's samples (EMA and online weights, same noise) agree within float rounding
same() {
  for w in "" --no-ema; do
    "$ONESTEP" sample --model "$2" $w --n 512 --seed 1 --out "$T/a.npz" --quiet --threads 2 2>/dev/null &&
      "$ONESTEP" sample --model "$3" $w --n 512 --seed 1 --out "$T/b.npz" --quiet --threads 2 2>/dev/null ||
      { fail "$1: sampling ${w:-ema}"; return; }
    py "$1 (${w:-ema} weights)" "
import numpy as np
a, b = np.load('$T/a.npz')['arr_0'], np.load('$T/b.npz')['arr_0']
d = abs(a - b).max()
print('  max difference', d, 'of', abs(a).max())
assert 0 < abs(a).max() and d < 1e-5 * max(1, abs(a).max()), d"
  done
}

# 1. Teacher and SiD: 1 process against 2.
expect_ok "teacher, 1 process" "$ONESTEP" train-teacher "${toy[@]}" --steps 60 --out t1
# Buckets of 4 KB: the gradients go in dozens of all-reduces started during the backward pass, in one order on both.
expect_ok "teacher, --nproc 2, 4 KB buckets" env ONESTEP_DIST_BUCKET_KB=4 \
  "$ONESTEP" train-teacher "${toy[@]}" --steps 60 --out t2 --nproc 2
same "teacher: 2 processes train the 1-process model" t1 t2
py "teacher: the 2-process run logs the 1-process losses" "
import json
a = [json.loads(l) for l in open('t1/metrics.jsonl')]
b = [json.loads(l) for l in open('t2/metrics.jsonl')]
assert [x['iteration'] for x in a] == [x['iteration'] for x in b] and len(a) >= 12
assert all(abs(x['loss'] - y['loss']) < 1e-5 for x, y in zip(a, b))"
expect_ok "sid, 1 process" "$ONESTEP" distill --method sid --teacher t1 "${toy[@]}" --steps 40 --out s1
expect_ok "sid, --nproc 2" "$ONESTEP" distill --method sid --teacher t1 "${toy[@]}" --steps 40 --out s2 --nproc 2
same "sid: 2 processes train the 1-process model" s1 s2
# Score Mismatching (score-net steps, R1 every 4), ECT and SCT (its references are the whole batch), briefly.
for m in smm ect sct; do
  teacher=(--teacher t1)
  extra=()
  [ "$m" = smm ] && teacher=() && extra=(--set smm.r1_every=4 --set smm.r1_gamma=0.1)
  expect_ok "$m, 1 process" "$ONESTEP" distill --method $m "${teacher[@]}" "${toy[@]}" "${extra[@]}" --steps 20 --out $m-1
  expect_ok "$m, --nproc 2" "$ONESTEP" distill --method $m "${teacher[@]}" "${toy[@]}" "${extra[@]}" --steps 20 --out $m-2 --nproc 2
  same "$m: 2 processes train the 1-process model" $m-1 $m-2
done
# Dropout masks too: each process keeps its rows of the whole batch's masks.
expect_ok "teacher with dropout, 1 process" "$ONESTEP" train-teacher "${toy[@]}" --steps 30 --out d1 --set net.dropout=0.2
expect_ok "teacher with dropout, --nproc 2" "$ONESTEP" train-teacher "${toy[@]}" --steps 30 --out d2 --set net.dropout=0.2 --nproc 2
same "dropout: 2 processes train the 1-process model" d1 d2

# 2. Resume with another number of processes: 2 then 1, and 1 then 2, end where the uninterrupted run ends.
expect_ok "teacher 2 processes to 30" "$ONESTEP" train-teacher "${toy[@]}" --steps 30 --out r21 --nproc 2
expect_ok "... resumed in 1 process to 60" "$ONESTEP" train-teacher --out r21 --resume --steps 60 --quiet --threads 1
same "2 then 1 processes" t1 r21
expect_ok "teacher 1 process to 30" "$ONESTEP" train-teacher "${toy[@]}" --steps 30 --out r12
expect_ok "... resumed in 2 processes to 60" "$ONESTEP" train-teacher --out r12 --resume --steps 60 --quiet --threads 1 --nproc 2
same "1 then 2 processes" t1 r12

# 3. torchrun's variables, set by hand: rank 1 runs in another directory and must write nothing there.
mkdir -p lead other
port=$($PY -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
export WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port
(cd lead && RANK=0 "$ONESTEP" distill --method sid --teacher "$T/t1" "${toy[@]}" --steps 20 --out run 2>"$T/lead.err") &
lead=$!
(cd other && RANK=1 "$ONESTEP" distill --method sid --teacher "$T/t1" "${toy[@]}" --steps 20 --out run 2>"$T/other.err")
rc1=$?
wait $lead
rc0=$?
unset WORLD_SIZE MASTER_ADDR MASTER_PORT
[ "$rc0" = 0 ] && [ "$rc1" = 0 ] && pass "RANK/WORLD_SIZE/MASTER_*: both ranks finish" || fail "ranks exited $rc0 and $rc1: $(cat "$T/lead.err" "$T/other.err" | head -5)"
[ -f lead/run/checkpoints/ckpt-000000020.pt ] && pass "rank 0 wrote the run" || fail "rank 0 wrote no checkpoint"
[ -z "$(ls -A other)" ] && pass "rank 1 wrote nothing" || fail "rank 1 wrote: $(ls -R other | head -5)"
[ ! -s "$T/other.err" ] && pass "rank 1 printed nothing" || fail "rank 1 printed: $(head -3 "$T/other.err")"

# 3b. As across machines: rendezvous at this machine's network address and connections on its interface by name
#     (GLOO_SOCKET_IFNAME), not the loopback. Left out where the machine has no such address.
addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -m1 -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.')
ifname=$([ -n "$addr" ] && ip -o -4 addr show 2>/dev/null | awk -v a="$addr" '$4 ~ "^"a"/" {print $2; exit}')
if [ -n "$addr" ] && [ -n "$ifname" ]; then
  port=$($PY -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  export WORLD_SIZE=2 MASTER_ADDR=$addr MASTER_PORT=$port GLOO_SOCKET_IFNAME=$ifname
  RANK=1 "$ONESTEP" train-teacher "${toy[@]}" --steps 60 --out net1 2>"$T/net1.err" &
  peer=$!
  RANK=0 "$ONESTEP" train-teacher "${toy[@]}" --steps 60 --out net0 2>"$T/net0.err"
  rc0=$?
  wait $peer
  rc1=$?
  unset WORLD_SIZE MASTER_ADDR MASTER_PORT GLOO_SOCKET_IFNAME
  [ "$rc0" = 0 ] && [ "$rc1" = 0 ] && pass "MASTER_ADDR=$addr, GLOO_SOCKET_IFNAME=$ifname: both ranks finish" ||
    fail "over $ifname: ranks exited $rc0 and $rc1: $(cat "$T/net0.err" "$T/net1.err" | head -5)"
  same "over $ifname, 2 processes train the 1-process model" t1 net0
else
  echo "skip the network-address group: no IPv4 address but the loopback"
fi

# 3c. Two machines, as near as one machine comes: each rank in a network namespace of its own (its own interfaces,
#     addresses and loopback), the two joined by a virtual Ethernet link with 1 ms of delay each way, so that rank 1
#     reaches rank 0's rendezvous and Gloo only over that link, by rank 0's address, on an interface named otherwise
#     than its own. Left out where namespaces cannot be made (not root, or no iproute2).
ns0=onestep-$$-0 ns1=onestep-$$-1 if0=osa$$ if1=osb$$
drop_namespaces() { ip netns del $ns0 2>/dev/null; ip netns del $ns1 2>/dev/null; }
trap 'drop_namespaces; rm -rf "$T"' EXIT  # none left behind, however the test ends
if command -v ip >/dev/null && ip netns add $ns0 2>/dev/null && ip netns add $ns1 2>/dev/null &&
  ip link add $if0 netns $ns0 type veth peer name $if1 netns $ns1 2>/dev/null &&
  ip -n $ns0 addr add 10.87.0.1/24 dev $if0 && ip -n $ns1 addr add 10.87.0.2/24 dev $if1 &&
  ip -n $ns0 link set $if0 up && ip -n $ns1 link set $if1 up && ip -n $ns0 link set lo up &&
  ip -n $ns1 link set lo up; then
  delay=""
  ip netns exec $ns0 tc qdisc add dev $if0 root netem delay 1ms 2>/dev/null &&
    ip netns exec $ns1 tc qdisc add dev $if1 root netem delay 1ms 2>/dev/null && delay=", 1 ms apart"
  mkdir -p ns1dir
  export WORLD_SIZE=2 MASTER_ADDR=10.87.0.1 MASTER_PORT=29500 ONESTEP_DIST_TIMEOUT=60
  # Rank 1 under a hostname of its own too, where a UTS namespace can be made: a machine of its own to the group.
  uts=()
  unshare --uts sh -c 'hostname onestep-probe' 2>/dev/null && uts=(unshare --uts sh -c 'hostname onestep-peer && exec "$@"' sh)
  (cd ns1dir && ip netns exec $ns1 "${uts[@]}" env RANK=1 GLOO_SOCKET_IFNAME=$if1 \
    "$ONESTEP" train-teacher "${toy[@]}" --steps 60 --out run 2>"$T/ns1.err") &
  peer=$!
  ip netns exec $ns0 env RANK=0 GLOO_SOCKET_IFNAME=$if0 "$ONESTEP" train-teacher "${toy[@]}" --steps 60 --out ns0 \
    2>"$T/ns0.err"
  rc0=$?
  wait $peer
  rc1=$?
  unset WORLD_SIZE MASTER_ADDR MASTER_PORT ONESTEP_DIST_TIMEOUT
  drop_namespaces
  [ "$rc0" = 0 ] && [ "$rc1" = 0 ] && pass "two network namespaces$delay: both ranks finish" ||
    fail "two network namespaces: ranks exited $rc0 and $rc1: $(cat "$T/ns0.err" "$T/ns1.err" | head -5)"
  same "two network namespaces: 2 processes train the 1-process model" t1 ns0
  machines=$([ ${#uts[@]} -gt 0 ] && echo "2 machines" || echo "1 machine")
  grep -q "× 2 processes on $machines" "$T/ns0.err" && pass "... and the start counts $machines" ||
    fail "no '2 processes on $machines' in: $(head -c 300 "$T/ns0.err")"
  [ -z "$(ls -A ns1dir)" ] && pass "... and rank 1 wrote nothing" || fail "rank 1 wrote: $(ls -R ns1dir | head -5)"
else
  drop_namespaces
  echo "skip the group over two network namespaces: they cannot be made here"
fi
trap 'rm -rf "$T"' EXIT
# A wrong interface name fails at once, before waiting for peers that will never come, and names the variable.
start=$(date +%s)
expect_error "GLOO_SOCKET_IFNAME of no interface: refused" 1 "GLOO_SOCKET_IFNAME='nosuch0': no network interface" \
  env WORLD_SIZE=2 RANK=0 MASTER_PORT=29400 ONESTEP_DIST_TIMEOUT=10 GLOO_SOCKET_IFNAME=nosuch0 "$ONESTEP" train-teacher "${toy[@]}" --out nosuch
[ $(( $(date +%s) - start )) -le 20 ] && pass "... at once" || fail "a wrong GLOO_SOCKET_IFNAME took $(( $(date +%s) - start )) s"

# 4. A batch that does not split: refused, and no run directory is left behind.
expect_error "batch 511 over 2 processes is refused" 1 "batch 511 does not split evenly over the 2 processes" \
  "$ONESTEP" train-teacher "${toy[@]}" --batch 511 --steps 5 --out odd --nproc 2
[ ! -e odd/config.json ] && pass "the refused run wrote nothing" || fail "the refused run left odd/config.json"
expect_error "a bucket size of 0 is refused" 1 "ONESTEP_DIST_BUCKET_KB='0': expected an integer" \
  env ONESTEP_DIST_BUCKET_KB=0 "$ONESTEP" train-teacher "${toy[@]}" --steps 5 --out nobucket --nproc 2
expect_error "--nproc 0 is a usage error" 2 "--nproc '0'" "$ONESTEP" train-teacher "${toy[@]}" --out zero --nproc 0
# The gradients' all-reduce: Gloo for a CPU run (said at the start); NCCL asked for where it cannot be is refused once,
# before any worker starts or, in a build with NCCL, when rank 0 opens the run, and leaves no run directory.
expect_ok "ONESTEP_DIST_BACKEND=gloo" env ONESTEP_DIST_BACKEND=gloo \
  "$ONESTEP" train-teacher "${toy[@]}" --steps 5 --out gloo --nproc 2
grep -q "× 2 processes on 1 machine (gradients over gloo)" "$T/err" &&
  pass "... the start says the group is on one machine and its gradients go over Gloo" ||
  fail "no '2 processes on 1 machine (gradients over gloo)' in: $(head -c 300 "$T/err")"
expect_error "ONESTEP_DIST_BACKEND of no backend is refused" 1 "ONESTEP_DIST_BACKEND='mpi': expected auto, gloo or nccl" \
  env ONESTEP_DIST_BACKEND=mpi "$ONESTEP" train-teacher "${toy[@]}" --steps 5 --out mpi --nproc 2
if "$ONESTEP" --version | grep -q "data parallel: gloo, nccl"; then
  why="the run's device is the CPU, and NCCL all-reduces CUDA tensors only"
else
  why="this build has no NCCL"
fi
expect_error "ONESTEP_DIST_BACKEND=nccl for a CPU run is refused" 1 "ONESTEP_DIST_BACKEND=nccl: $why" \
  env ONESTEP_DIST_BACKEND=nccl "$ONESTEP" train-teacher "${toy[@]}" --device cpu --steps 5 --out nccl --nproc 2
[ ! -e nccl/config.json ] && pass "... and wrote no run" || fail "the refused NCCL run left nccl/config.json"
# Every process must ask for the same all-reduce: a rank started with another ONESTEP_DIST_BACKEND stops the group,
# which rank 0 says, naming it.
ONESTEP_DIST_BACKEND=gloo WORLD_SIZE=2 RANK=1 MASTER_PORT=29401 ONESTEP_DIST_TIMEOUT=30 \
  "$ONESTEP" train-teacher "${toy[@]}" --steps 5 --out mixed 2>"$T/mixed1.err" &
peer=$!
expect_error "ranks of different ONESTEP_DIST_BACKEND are refused" 1 \
  "rank 1 \(.*\): ONESTEP_DIST_BACKEND=gloo, but rank 0 has auto" \
  env WORLD_SIZE=2 RANK=0 MASTER_PORT=29401 ONESTEP_DIST_TIMEOUT=30 "$ONESTEP" train-teacher "${toy[@]}" --steps 5 --out mixed
wait $peer
rc1=$?
[ "$rc1" = 1 ] && [ ! -s "$T/mixed1.err" ] && pass "... and rank 1 stops with it, leaving the saying to rank 0" ||
  fail "rank 1 exited $rc1: $(head -c 300 "$T/mixed1.err")"
grep -q "the run is kept at iteration 0; continue with: onestep train-teacher --out mixed --resume" "$T/err" &&
  pass "... and the run rank 0 opened is kept, with the command that continues it" ||
  fail "no 'continue with' in: $(head -c 400 "$T/err")"

# the PIDs of the workers of launcher $1 (its children)
workers() { pgrep -P "$1"; }
# wait_for FILE: up to 60 s for FILE to exist
wait_for() { for _ in $(seq 600); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }

# 5. Ctrl-C stops every worker after the same iteration, with a checkpoint, status 130.
"$ONESTEP" train-teacher "${toy[@]}" --steps 100000 --out int --nproc 2 --set checkpoint_every=100000 2>"$T/int.err" &
launcher=$!
wait_for int/metrics.jsonl
sleep 1
cp int/config.json "$T/int-config.json"
expect_error "a second process cannot train the same run" 1 "is in use: another process is training it" \
  "$ONESTEP" train-teacher --out int --resume --steps 200000 --quiet
cmp -s int/config.json "$T/int-config.json" && pass "... and changed nothing" || fail "the refused second writer changed config.json"
kill -INT "$launcher"
wait "$launcher"
rc=$?
[ "$rc" = 130 ] && pass "Ctrl-C: exit status 130" || fail "Ctrl-C: exit status $rc ($(tail -3 "$T/int.err"))"
ls int/checkpoints/ckpt-*.pt >/dev/null 2>&1 && pass "Ctrl-C: a checkpoint of the last iteration" || fail "Ctrl-C: no checkpoint"
grep -q -- "--resume" "$T/int.err" && pass "Ctrl-C: says how to continue" || fail "Ctrl-C: no resume line"
[ -z "$(workers "$launcher")" ] && pass "Ctrl-C: no worker left" || fail "Ctrl-C: workers left"

# 6. A worker killed (SIGKILL): the launcher stops the other and fails within a minute; rank 0 keeps the last good
#    iteration, which resumes.
"$ONESTEP" train-teacher "${toy[@]}" --steps 100000 --out dead --nproc 2 --set checkpoint_every=100000 2>"$T/dead.err" &
launcher=$!
wait_for dead/metrics.jsonl
sleep 1
victim=""
for p in $(workers "$launcher"); do tr '\0' '\n' <"/proc/$p/environ" | grep -qx RANK=1 && victim=$p; done
start=$(date +%s)
[ -n "$victim" ] && kill -KILL "$victim"
wait "$launcher"
rc=$?
took=$(( $(date +%s) - start ))
[ -n "$victim" ] && [ "$rc" != 0 ] && [ "$took" -le 60 ] && pass "a killed worker: the run fails in ${took} s (status $rc)" ||
  fail "a killed worker: status $rc after ${took} s (victim '${victim}')"
grep -q "worker 1 of 2 was killed by signal 9" "$T/dead.err" && pass "a killed worker: named" || fail "a killed worker: not named ($(head -3 "$T/dead.err"))"
grep -q "another process of the group stopped" "$T/dead.err" && pass "a killed worker: rank 0 says why it stopped" || fail "rank 0's message: $(grep -v '^$' "$T/dead.err" | tail -3)"
kept=$(ls dead/checkpoints/ 2>/dev/null | tail -1)
[ -n "$kept" ] && pass "a killed worker: rank 0 checkpointed $kept" || fail "a killed worker: no checkpoint"
at=$((10#$(echo "$kept" | tr -dc 0-9)))
expect_ok "a killed worker: the run resumes in 2 processes" "$ONESTEP" train-teacher --out dead --resume --steps $((at + 5)) --quiet --threads 1 --nproc 2
[ -f "dead/checkpoints/ckpt-$(printf %09d $((at + 5))).pt" ] && pass "... to iteration $((at + 5))" || fail "the resumed run did not reach $((at + 5))"

echo "parallel: $((checks - failures)) of $checks checks passed"
[ "$failures" -eq 0 ]
