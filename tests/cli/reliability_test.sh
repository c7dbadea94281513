#!/usr/bin/env bash
# What a user's mistakes must not cost: a request too large for memory is refused before it starts, --resume of a
# directory that holds no run starts nothing, a refused resume changes nothing, and a run whose teacher was given
# by a relative path resumes and samples from anywhere and keeps working when moved with its teacher.
# Usage: reliability_test.sh PATH/TO/onestep
set -uo pipefail
ONESTEP=$(realpath "${1:?usage: reliability_test.sh PATH/TO/onestep}")
source "$(dirname "$0")/lib.sh"

# --- requests too large for memory -----------------------------------------------------------------
expect_ok "a toy teacher" "$ONESTEP" train-teacher --data toy:8gaussians --out "$T/home/teacher" --steps 30 --set eval_every=0 --set snapshot_every=0 --quiet
start=$(date +%s)
expect_error "sample of 1e11 is refused" 1 "sample: n 100000000000: needs about .* GB of memory" "$ONESTEP" sample --model "$T/home/teacher" --n 100000000000 --out "$T/big.npz"
expect_error "data of 1e11 is refused" 1 "data: n 100000000000: needs about .* GB of memory" "$ONESTEP" data --data toy:8gaussians --n 100000000000 --out "$T/big.npz"
if [ $(( $(date +%s) - start )) -lt 30 ] && [ ! -e "$T/big.npz" ]; then pass "refused within seconds, nothing written"; else fail "refusals took $(( $(date +%s) - start )) s or wrote a file"; fi

# --- --resume of a directory that holds no run ------------------------------------------------------
expect_error "--resume of a mistyped directory" 1 "--resume: '$T/home/teachr' holds no run \(no config.json\); to start a new run there, leave out --resume" "$ONESTEP" train-teacher --out "$T/home/teachr" --resume --steps 40 --quiet
if [ ! -e "$T/home/teachr" ]; then pass "the mistyped directory was not created"; else fail "the mistyped directory was created"; fi
expect_error "--resume and --resume-or-start together" 2 "not both" "$ONESTEP" train-teacher --out "$T/x" --resume --resume-or-start
expect_ok "--resume-or-start starts a run" "$ONESTEP" train-teacher --data toy:8gaussians --out "$T/ros" --steps 10 --set eval_every=0 --quiet --resume-or-start
expect_ok "--resume-or-start continues it" "$ONESTEP" train-teacher --data toy:8gaussians --out "$T/ros" --steps 20 --set eval_every=0 --quiet --resume-or-start
py "continued to 20, not restarted" "import json; its=[json.loads(x)['iteration'] for x in open('$T/ros/metrics.jsonl')]; assert its[-1]==20 and its==sorted(set(its)), its"

# --- a refused resume changes nothing ---------------------------------------------------------------
snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }
before=$(snapshot "$T/home/teacher")
expect_error "resume on other data is refused" 1 "trains on 'toy:8gaussians', not 'toy:moons'" "$ONESTEP" train-teacher --data toy:moons --out "$T/home/teacher" --resume --steps 60 --quiet
expect_error "resume of another method is refused" 1 "is a teacher run, not sid" "$ONESTEP" distill --method sid --teacher "$T/home/teacher" --data toy:8gaussians --out "$T/home/teacher" --resume --steps 60 --quiet
expect_error "resume with an unchangeable setting is refused" 1 "setting 'net' of a run cannot change" "$ONESTEP" train-teacher --out "$T/home/teacher" --resume --steps 60 --set net.hidden=64 --quiet
if [ "$before" = "$(snapshot "$T/home/teacher")" ]; then pass "refused resumes left every file as it was"; else fail "a refused resume changed the run: $(diff <(echo "$before") <(snapshot "$T/home/teacher") | head -5)"; fi

# --- a relative teacher path ------------------------------------------------------------------------
mkdir -p "$T/home/a"
(cd "$T/home/a" && "$ONESTEP" distill --method sid --teacher ../teacher --data toy:8gaussians --out sid --steps 3 --set eval_every=0 --set snapshot_every=0 --quiet) >"$T/out" 2>"$T/err" && pass "distill from a relative teacher path" || { fail "distill from a relative teacher path"; cat "$T/err"; }
py "config.json names the teacher from the run directory" "import json; assert json.load(open('$T/home/a/sid/config.json'))['teacher_model']=='../../teacher'"
cd /
expect_ok "resume from another directory" "$ONESTEP" distill --method sid --out "$T/home/a/sid" --resume --steps 5 --quiet
expect_ok "sample from another directory" "$ONESTEP" sample --model "$T/home/a/sid" --n 16 --seed 1 --out "$T/s1.npz" --quiet
expect_ok "sample a checkpoint from another directory" "$ONESTEP" sample --model "$T/home/a/sid/checkpoints/ckpt-000000005.pt" --n 16 --seed 1 --out "$T/s2.npz" --quiet
mv "$T/home" "$T/moved"
expect_ok "sample after the run moved with its teacher" "$ONESTEP" sample --model "$T/moved/a/sid" --n 16 --seed 1 --out "$T/s3.npz" --quiet
expect_ok "resume after the run moved with its teacher" "$ONESTEP" distill --method sid --out "$T/moved/a/sid" --resume --steps 7 --quiet
py "the moved run's samples are the run's own" "import numpy as n; a=n.load('$T/s1.npz')['arr_0']; assert (a==n.load('$T/s2.npz')['arr_0']).all() and (a==n.load('$T/s3.npz')['arr_0']).all()"
(cd /tmp && "$ONESTEP" info "$T/moved/a/sid") >"$T/info.json" 2>"$T/err"
py "info says where the moved run's teacher is, from wherever it is asked" "import json, os; j=json.load(open('$T/info.json')); assert not os.path.isabs(j['config']['teacher_model']) and os.path.samefile(j['teacher'], '$T/moved/teacher'), j.get('teacher')"
mv "$T/moved/teacher" "$T/teacher-elsewhere"
expect_error "a run moved without its teacher says where it looked" 1 "$T/moved/teacher" "$ONESTEP" sample --model "$T/moved/a/sid" --n 4 --out "$T/s4.npz" --quiet

# --- a full disk: a file-size limit (ulimit -f) while the run writes its checkpoint ------------------------
expect_ok "a run to fill the disk under" "$ONESTEP" train-teacher --data toy:8gaussians --out "$T/full" --steps 20 --set checkpoint_every=20 --set eval_every=0 --set snapshot_every=0 --quiet
good=$(sha256sum <"$T/full/checkpoints/ckpt-000000020.pt")
(ulimit -f 300; "$ONESTEP" train-teacher --out "$T/full" --resume --steps 40 --quiet) >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -eq 1 ] && grep -qE "^onestep train-teacher: error: output '.*ckpt-000000040.pt': .*File too large" "$T/err"; then pass "a full disk is a clear error"; else fail "a full disk (exit $rc): $(head -c 400 "$T/err")"; fi
if [ "$good" = "$(sha256sum <"$T/full/checkpoints/ckpt-000000020.pt")" ] && [ ! -e "$T/full/checkpoints/ckpt-000000040.pt" ] &&
  ! ls -a "$T/full/checkpoints" | grep -q tmp; then pass "the previous checkpoint is intact and no partial file is left"; else fail "after a full disk: $(ls -a "$T/full/checkpoints")"; fi
py "metrics.jsonl has no torn line" "import json; [json.loads(l) for l in open('$T/full/metrics.jsonl')]"
expect_ok "resume once there is space" "$ONESTEP" train-teacher --out "$T/full" --resume --steps 40 --quiet
py "the resumed run reached 40" "import json; its=[json.loads(l)['iteration'] for l in open('$T/full/metrics.jsonl')]; assert its[-1]==40 and its==sorted(set(its)), its"

(ulimit -f 8; "$ONESTEP" train-teacher --out "$T/full" --resume --steps 60 --set snapshot_every=5 --set checkpoint_every=1000 --quiet) >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -eq 1 ] && grep -qE "^onestep train-teacher: error: .*iter-000000045.png'.*File too large" "$T/err" && [ ! -e "$T/full/snapshots/iter-000000045.png" ]; then pass "a full disk while writing a snapshot"; else fail "a snapshot on a full disk (exit $rc): $(tail -c 400 "$T/err")"; fi
(ulimit -f 100; "$ONESTEP" export --model "$T/full" --out "$T/full-export.pt") >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "File too large" "$T/err" && [ ! -e "$T/full-export.pt" ] && ! ls -a "$T" | grep -q "full-export.pt.tmp"; then pass "a full disk while exporting leaves no file"; else fail "an export on a full disk (exit $rc): $(head -c 400 "$T/err")"; fi
expect_ok "the run still resumes" "$ONESTEP" train-teacher --out "$T/full" --resume --steps 50 --quiet

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
