#!/usr/bin/env bash
# End-to-end checks of `onestep` as a user runs it. Usage: cli_test.sh PATH/TO/onestep
set -uo pipefail
ONESTEP=${1:?usage: cli_test.sh PATH/TO/onestep}
source "$(dirname "$0")/lib.sh"

# --- help ---------------------------------------------------------------------------------------
expect_ok "top-level help" "$ONESTEP" --help
for c in data train-teacher distill sample info energy fid fid-stats train-features sweep-nfe timelapse export models; do expect_ok "$c --help" "$ONESTEP" "$c" --help; done
expect_error "no command" 2 "usage" "$ONESTEP"
expect_error "unknown option" 2 "unknown option --stepz" "$ONESTEP" train-teacher --out "$T/x" --stepz 3

# --- data ---------------------------------------------------------------------------------------
expect_ok "data toy npz" "$ONESTEP" data --data toy:8gaussians --n 1000 --seed 3 --out "$T/real.npz"
py "toy npz layout" "import numpy as n; z=n.load('$T/real.npz'); a=z['arr_0']; assert a.dtype==n.float32 and a.shape==(1000,2); assert z['arr_1'].shape==(1000,) and z['arr_1'].max()==7"
if [ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
  expect_ok "data fashion-mnist npz" "$ONESTEP" data --data "fashion-mnist?split=test" --n 16 --out "$T/fm.npz"
  py "image npz is uint8 NHWC" "import numpy as n; a=n.load('$T/fm.npz')['arr_0']; assert a.dtype==n.uint8 and a.shape==(16,28,28,1) and a.max()>200"
  expect_ok "data fashion-mnist grid" "$ONESTEP" data --data fashion-mnist --n 64 --out "$T/fm.png"
  expect_ok "info data spec" "$ONESTEP" info fashion-mnist
  py "info reports 60000 images" "import json; j=json.load(open('$T/out')); assert j['count']==60000 and j['num_classes']==10"
fi

# --- train, info, sample, energy -----------------------------------------------------------------
expect_ok "train-teacher toy" "$ONESTEP" train-teacher --data toy:moons --out "$T/run" --steps 400 --batch 256 --set snapshot_every=200 --set eval_every=0 --quiet
py "run directory layout" "import os,json; d='$T/run'; assert os.path.isfile(d+'/config.json') and os.path.isfile(d+'/checkpoints/ckpt-000000400.pt'); assert os.path.isfile(d+'/snapshots/iter-000000400.png'); lines=[json.loads(l) for l in open(d+'/metrics.jsonl')]; assert lines[-1]['iteration']==400 and 'loss' in lines[-1] and 'it_per_s' in lines[-1]"
expect_ok "timelapse gif" "$ONESTEP" timelapse "$T/run" --out "$T/run.gif" --fps 4
py "timelapse is a whole GIF" "b=open('$T/run.gif','rb').read(); assert b[:6]==b'GIF89a' and b[-1]==0x3B and b.count(b'\\x21\\xf9\\x04') >= 2, len(b)"
expect_ok "timelapse avi" "$ONESTEP" timelapse "$T/run" --out "$T/run.avi"
py "timelapse is an AVI" "b=open('$T/run.avi','rb').read(); assert b[:4]==b'RIFF' and b[8:12]==b'AVI ', b[:12]"
expect_error "timelapse of a bad extension" 1 "must end in .gif or .avi" "$ONESTEP" timelapse "$T/run" --out "$T/run.mp4"
expect_error "timelapse of a non-run" 1 "not a run directory" "$ONESTEP" timelapse "$T" --out "$T/x.gif"
expect_error "timelapse without --out" 2 "needs --out" "$ONESTEP" timelapse "$T/run"
expect_ok "info run" "$ONESTEP" info "$T/run"
py "info run JSON" "import json; j=json.load(open('$T/out')); assert j['kind']=='run' and j['latest']['iteration']==400 and j['config']['net']['arch']=='mlp'"
expect_ok "sample npz" "$ONESTEP" sample --model "$T/run" --n 1000 --seed 1 --out "$T/gen.npz" --quiet --json
py "sample JSON reports NFE 35" "import json; j=json.load(open('$T/out')); assert j['nfe']==35 and j['n']==1000"
expect_ok "sample euler" "$ONESTEP" sample --model "$T/run/checkpoints/ckpt-000000400.pt" --n 8 --sampler euler --steps 10 --out "$T/e.npz" --json
py "euler NFE" "import json; assert json.load(open('$T/out'))['nfe']==10"
expect_ok "sample scatter png" "$ONESTEP" sample --model "$T/run" --n 500 --out "$T/gen.png"
expect_ok "export teacher" "$ONESTEP" export --model "$T/run" --out "$T/teacher.pt"
py "exported teacher is under half a checkpoint" "import os; a=os.path.getsize('$T/teacher.pt'); b=os.path.getsize('$T/run/checkpoints/ckpt-000000400.pt'); assert a < b/2, (a, b)"
expect_ok "sample exported teacher" "$ONESTEP" sample --model "$T/teacher.pt" --n 1000 --seed 1 --out "$T/gen-export.npz" --quiet
py "exported teacher samples as its run" "import numpy as np; a=np.load('$T/gen.npz')['arr_0']; b=np.load('$T/gen-export.npz')['arr_0']; assert (a==b).all()"
expect_error "export refuses to overwrite" 1 "exists already" "$ONESTEP" export --model "$T/run" --out "$T/teacher.pt"
expect_ok "energy" "$ONESTEP" energy "$T/gen.npz" toy:moons --n 1000 --json
py "teacher close to the data" "import json; e=json.load(open('$T/out'))['energy_distance']; assert 0 <= e < 0.03, e"

# --- resume and interrupt ------------------------------------------------------------------------
expect_ok "resume to more steps" "$ONESTEP" train-teacher --out "$T/run" --resume --steps 450 --quiet
py "resumed to 450" "import json; l=[json.loads(x) for x in open('$T/run/metrics.jsonl')]; assert l[-1]['iteration']==450; its=[x['iteration'] for x in l]; assert its==sorted(set(its))"
expect_error "existing run not overwritten" 1 "already holds a run" "$ONESTEP" train-teacher --data toy:moons --out "$T/run"
"$ONESTEP" train-teacher --data toy:rings --out "$T/int" --steps 100000 --quiet >/dev/null 2>"$T/err" &
pid=$!
sleep 4; kill -INT $pid; wait $pid; rc=$?
if [ $rc -eq 130 ] && ls "$T/int/checkpoints/"ckpt-*.pt >/dev/null 2>&1 && grep -q -- "--resume" "$T/err"; then pass "Ctrl-C saves a checkpoint"; else fail "Ctrl-C (exit $rc)"; fi
expect_ok "interrupted run resumes" "$ONESTEP" train-teacher --out "$T/int" --resume --steps 1 --quiet

# --- images -------------------------------------------------------------------------------------
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  expect_ok "image teacher" "$ONESTEP" train-teacher --data fashion-mnist --out "$T/img" --steps 2 --batch 4 --set net.channels=8 --set net.channel_mult=1,2 --set snapshot_count=4 --quiet
  expect_ok "image sample dir" "$ONESTEP" sample --model "$T/img" --n 5 --steps 2 --out "$T/pngs"
  py "one PNG per sample" "import os; f=sorted(os.listdir('$T/pngs')); assert len(f)==5 and f[0]=='000000.png', f"
  expect_ok "image sample npz" "$ONESTEP" sample --model "$T/img" --n 3 --steps 2 --out "$T/img.npz"
  py "image samples uint8 NHWC" "import numpy as n; a=n.load('$T/img.npz')['arr_0']; assert a.dtype==n.uint8 and a.shape==(3,28,28,1)"
fi

# --- bad input: one clear line, non-zero exit, nothing half-written ------------------------------
expect_error "unknown toy" 1 "toy:spiral.*unknown toy" "$ONESTEP" data --data toy:spiral --out "$T/a.npz"
expect_error "missing dataset dir" 1 "/nonexistent/mnist.*not found" "$ONESTEP" data --data mnist:/nonexistent/mnist --out "$T/a.npz"
mkdir -p "$T/badidx"
$PY -c "
import struct, gzip
open('$T/badidx/train-images-idx3-ubyte','wb').write(struct.pack('>IIII', 0x801, 2, 28, 28) + bytes(2*784))
open('$T/badidx/train-labels-idx1-ubyte','wb').write(struct.pack('>II', 0x801, 2) + bytes(2))"
expect_error "wrong magic" 1 "train-images-idx3-ubyte.*wrong magic number" "$ONESTEP" data --data "mnist:$T/badidx" --out "$T/a.npz"
$PY -c "
import struct
open('$T/badidx/train-images-idx3-ubyte','wb').write(struct.pack('>IIII', 0x803, 2, 28, 28) + bytes(784))"
expect_error "truncated dataset" 1 "truncated" "$ONESTEP" data --data "mnist:$T/badidx" --out "$T/a.npz"
expect_error "unwritable output" 1 "/nonexistent-dir/a.npz" "$ONESTEP" data --data toy:moons --out /nonexistent-dir/a.npz
expect_error "bad output kind" 1 "expected a .npz or .png" "$ONESTEP" data --data toy:moons --out "$T/a.txt"
[ ! -e "$T/a.npz" ] && [ -z "$(ls -A "$T" | grep '^\.a\.npz')" ] && pass "no half-written output" || fail "half-written output left"
expect_error "missing model" 1 "not found" "$ONESTEP" sample --model "$T/nope" --out "$T/s.npz"
head -c 5000 "$T/run/checkpoints/ckpt-000000450.pt" > "$T/trunc.pt"
expect_error "truncated checkpoint" 1 "trunc.pt" "$ONESTEP" sample --model "$T/trunc.pt" --out "$T/s.npz"
expect_error "class on unconditional model" 1 "unconditional" "$ONESTEP" sample --model "$T/run" --class 1 --out "$T/s.npz"
expect_error "unknown setting" 1 "unknown setting 'net.width'" "$ONESTEP" train-teacher --data toy:moons --out "$T/r2" --set net.width=3
expect_error "bad setting value" 1 "steps='many'" "$ONESTEP" train-teacher --data toy:moons --out "$T/r3" --set steps=many
expect_error "bad device" 1 "device 'tpu'" "$ONESTEP" train-teacher --data toy:moons --out "$T/r4" --device tpu
echo '{"teacher": {"lr": "fast"}}' > "$T/bad.json"
expect_error "bad config file" 1 "bad.json.*teacher.lr" "$ONESTEP" train-teacher --data toy:moons --out "$T/r5" --config "$T/bad.json"
[ ! -e "$T/r2/config.json" ] && [ ! -e "$T/r4/config.json" ] && pass "no run written for bad settings" || fail "run written for bad settings"

# --- distill: the four one-step methods ------------------------------------------------------------
for m in sid ect sct; do
  expect_ok "distill $m" "$ONESTEP" distill --method $m --teacher "$T/run" --data toy:moons --out "$T/$m" --steps 30 --batch 128 --quiet
done
expect_ok "distill smm (no teacher)" "$ONESTEP" distill --method smm --data toy:moons --out "$T/smm" --steps 30 --batch 128 --quiet
for m in sid smm ect sct; do
  expect_ok "sample $m" "$ONESTEP" sample --model "$T/$m" --n 500 --out "$T/$m.npz" --json
  py "$m samples in one step" "import json, numpy as n; assert json.load(open('$T/out'))['nfe']==1; a=n.load('$T/$m.npz')['arr_0']; assert a.shape==(500,2) and n.isfinite(a).all()"
  py "$m metrics has losses and it/s" "import json; l=[json.loads(x) for x in open('$T/$m/metrics.jsonl')]; assert l[-1]['iteration']==30 and 'it_per_s' in l[-1] and any(k.startswith('loss') for k in l[-1]), l[-1]"
done
expect_ok "sample ect in two steps" "$ONESTEP" sample --model "$T/ect" --n 100 --steps 2 --out "$T/ect2.npz" --json
py "two steps are 2 NFE" "import json; assert json.load(open('$T/out'))['nfe']==2"
expect_ok "sample ect with another t_mid" "$ONESTEP" sample --model "$T/ect" --n 100 --steps 2 --t-mid 0.3 --out "$T/ect2b.npz"
py "t_mid changes the second step" "import numpy as n; a=n.load('$T/ect2.npz')['arr_0']; b=n.load('$T/ect2b.npz')['arr_0']; assert a.shape==b.shape and not n.allclose(a, b)"
# A run scored directly is sampled as `sample` would sample it: the same seed, steps and t_mid.
expect_ok "energy of the ect run at t_mid 0.3" "$ONESTEP" energy "$T/ect" toy:moons --n 100 --steps 2 --t-mid 0.3 --json
cp "$T/out" "$T/e_run.json"
expect_ok "energy of its samples" "$ONESTEP" energy "$T/ect2b.npz" toy:moons --n 100 --json
py "a run set scores as its samples" "import json; a=json.load(open('$T/e_run.json'))['energy_distance']; b=json.load(open('$T/out'))['energy_distance']; assert a==b, (a, b)"
expect_error "t_mid with no model set refused" 2 "t-mid applies to a model or run set" "$ONESTEP" energy "$T/ect2b.npz" toy:moons --t-mid 0.3
expect_error "t_mid outside the run's times refused" 1 "t_mid 20 must lie between" "$ONESTEP" sample --model "$T/ect" --steps 2 --t-mid 20 --out "$T/x.npz"
expect_error "t_mid for a generator refused" 1 "t_mid.*a sid run" "$ONESTEP" sample --model "$T/sid" --t-mid 0.3 --out "$T/x.npz"
expect_error "generator in two steps refused" 1 "sid.*one step" "$ONESTEP" sample --model "$T/sid" --steps 2 --out "$T/x.npz"
expect_error "distill without teacher" 2 "method ect needs --teacher" "$ONESTEP" distill --method ect --data toy:moons --out "$T/x1"
expect_error "smm takes no teacher" 2 "smm trains from scratch" "$ONESTEP" distill --method smm --teacher "$T/run" --data toy:moons --out "$T/x2"
expect_error "unknown method" 2 "expected sid, smm, ect or sct" "$ONESTEP" distill --method gan --teacher "$T/run" --out "$T/x3"
expect_error "missing teacher" 1 "teacher.*nope.*not found" "$ONESTEP" distill --method sid --teacher "$T/nope" --data toy:moons --out "$T/x4"
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  expect_error "teacher of another shape" 1 "denoises points\[2\] but the data gives images\[1x28x28\]" "$ONESTEP" distill --method sid --teacher "$T/run" --data fashion-mnist --out "$T/x5"
fi
[ ! -e "$T/x4/config.json" ] && [ ! -e "$T/x5/config.json" ] && pass "no run written for a bad teacher" || fail "run written for a bad teacher"
expect_ok "resume distill with a changed setting" "$ONESTEP" distill --method sid --out "$T/sid" --resume --steps 40 --set sid.alpha=1.0 --quiet
py "changed setting saved and run continued" "import json; c=json.load(open('$T/sid/config.json')); assert c['sid']['alpha']==1.0; l=[json.loads(x) for x in open('$T/sid/metrics.jsonl')]; assert l[-1]['iteration']==40"
# A failed iteration is undone and the run kept where it was, with the command that continues it.
expect_error "a failing distillation stops with the reason" 1 "generator loss is not finite; the iteration was undone" "$ONESTEP" distill --method sid --out "$T/sid" --resume --steps 50 --set sid.lr_f=1e30 --quiet
if grep -qx "the run is kept at iteration 40 of 50; continue with: onestep distill --method sid --out $T/sid --resume \[--set key=value\]" "$T/err"; then pass "a failed run says where it was kept"; else fail "a failed run says where it was kept: $(cat "$T/err")"; fi
expect_ok "a failed run continues with a lower rate" "$ONESTEP" distill --method sid --out "$T/sid" --resume --set sid.lr_f=0 --quiet
# --- exported generators: EMA weights only, sampling exactly as their runs --------------------------
for m in sid smm ect; do
  expect_ok "export $m" "$ONESTEP" export --model "$T/$m" --out "$T/$m-export.pt"
  expect_ok "sample $m run" "$ONESTEP" sample --model "$T/$m" --n 500 --out "$T/$m-run.npz"
  expect_ok "sample exported $m" "$ONESTEP" sample --model "$T/$m-export.pt" --n 500 --out "$T/$m-export.npz" --json
  py "exported $m samples as its run, in one step" "import json, numpy as n; assert json.load(open('$T/out'))['nfe']==1; assert (n.load('$T/$m-run.npz')['arr_0']==n.load('$T/$m-export.npz')['arr_0']).all()"
  py "exported $m is under half a checkpoint" "import os, glob; a=os.path.getsize('$T/$m-export.pt'); b=os.path.getsize(sorted(glob.glob('$T/$m/checkpoints/*.pt'))[-1]); assert a < b/2, (a, b)"
done
expect_ok "sample exported ect in two steps" "$ONESTEP" sample --model "$T/ect-export.pt" --n 100 --steps 2 --out "$T/ect2-export.npz"
py "exported ect's two steps are its run's" "import numpy as n; assert (n.load('$T/ect2.npz')['arr_0']==n.load('$T/ect2-export.npz')['arr_0']).all()"
expect_ok "info exported sid" "$ONESTEP" info "$T/sid-export.pt"
py "an exported generator names its teacher by absolute path" "import json, os; t=json.load(open('$T/out'))['config']['teacher_model']; assert os.path.isabs(t) and os.path.samefile(t, '$T/run'), t"

# --- shipped models by name --------------------------------------------------------------------------
mkdir -p "$T/shipped"
cp "$T/teacher.pt" "$T/shipped/moons.pt"
cat > "$T/shipped/models.json" <<JSONEOF
{"models": [
 {"name": "moons", "file": "moons.pt", "kind": "teacher", "method": "teacher", "data": "toy:moons", "nfe": 35,
  "metric": "energy", "value": 0.001, "eval_n": 2000, "command": "onestep export --model RUN --out moons.pt"},
 {"name": "moons-sid", "file": "moons-sid.pt", "kind": "generator", "method": "sid", "data": "toy:moons", "nfe": 1,
  "metric": "energy", "value": 0.002, "eval_n": 2000, "command": "onestep export --model SID_RUN --out moons-sid.pt"}
]}
JSONEOF
export ONESTEP_MODELS_DIR="$T/shipped"
expect_ok "models lists the shipped files" "$ONESTEP" models --json
py "models JSON: only files that exist, with size and figure" "import json; j=json.load(open('$T/out')); m=j['models']; assert [x['name'] for x in m]==['moons'], m; assert m[0]['bytes']>1000 and m[0]['kind']=='teacher' and m[0]['value']==0.001 and m[0]['command']"
expect_ok "distill from a teacher by name" "$ONESTEP" distill --method sid --teacher moons --data toy:moons --out "$T/sid-named" --steps 10 --batch 64 --quiet
py "the run names its teacher as given" "import json; assert json.load(open('$T/sid-named/config.json'))['teacher_model']=='moons'"
expect_ok "export a generator of a shipped teacher" "$ONESTEP" export --model "$T/sid-named" --out "$T/shipped/moons-sid.pt"
expect_ok "info of the exported generator" "$ONESTEP" info "$T/shipped/moons-sid.pt"
py "it names its teacher by name" "import json; assert json.load(open('$T/out'))['config']['teacher_model']=='moons'"
mkdir -p "$T/elsewhere"
expect_ok "sample a generator by name from another folder" env -C "$T/elsewhere" "$ONESTEP" sample --model moons-sid --n 100 --out g.npz --json
py "by name: one step, 100 points" "import json, numpy as n; assert json.load(open('$T/out'))['nfe']==1; assert n.load('$T/elsewhere/g.npz')['arr_0'].shape==(100,2)"
# sid.init: a new SiD run continues a shipped generator (its EMA generator and fake score) instead of the teacher.
expect_ok "sample the shipped generator" "$ONESTEP" sample --model moons-sid --n 200 --seed 4 --out "$T/init-before.npz"
expect_ok "a run from sid.init" "$ONESTEP" distill --method sid --teacher moons --data toy:moons --out "$T/sid-init" --steps 1 --batch 64 --set sid.init=moons-sid --set sid.lr_g=1e-30 --quiet
expect_ok "sample it" "$ONESTEP" sample --model "$T/sid-init" --n 200 --seed 4 --out "$T/init-after.npz"
expect_ok "a run from the teacher" "$ONESTEP" distill --method sid --teacher moons --data toy:moons --out "$T/sid-noinit" --steps 1 --batch 64 --set sid.lr_g=1e-30 --quiet
expect_ok "sample that" "$ONESTEP" sample --model "$T/sid-noinit" --n 200 --seed 4 --out "$T/noinit.npz"
py "sid.init starts where the shipped generator is (and the teacher elsewhere)" "import numpy as n; a=n.load('$T/init-before.npz')['arr_0']; b=n.load('$T/init-after.npz')['arr_0']; c=n.load('$T/noinit.npz')['arr_0']; assert n.allclose(a, b, atol=1e-4), abs(a-b).max(); assert not n.allclose(a, c, atol=1e-2)"
expect_error "sid.init of a teacher is refused" 1 "sid.init 'moons': a teacher model; expected a SiD generator" "$ONESTEP" distill --method sid --teacher moons --data toy:moons --out "$T/x6" --steps 1 --set sid.init=moons
py "a refused start writes nothing" "import os; assert not os.path.exists('$T/x6/config.json')"
expect_error "sid.init cannot change on resume" 1 "sid.init' of a run cannot change" "$ONESTEP" distill --method sid --out "$T/sid-init" --resume --steps 2 --set sid.init=
expect_ok "energy of a generator by name" "$ONESTEP" energy moons-sid toy:moons --n 200 --json
expect_ok "info of a generator by name" "$ONESTEP" info moons-sid
py "info by name: the sid model" "import json; j=json.load(open('$T/out')); assert j['method']=='sid' and j['name']=='moons-sid'"
expect_ok "models lists the new generator" "$ONESTEP" models
if grep -q "^moons-sid *generator *sid" "$T/out"; then pass "models table row of the generator"; else fail "models table: $(cat "$T/out")"; fi
mkdir -p "$T/elsewhere/moons-sid"
expect_error "a path wins over a name" 1 "moons-sid.*without config.json" env -C "$T/elsewhere" "$ONESTEP" sample --model moons-sid --n 10 --out g2.npz
expect_error "an unknown name says what was expected" 1 "nope-sid.*not found.*shipped name" "$ONESTEP" sample --model nope-sid --n 10 --out "$T/x.npz"
echo '{"models": [{"name": "x"}]}' > "$T/shipped/models.json"
expect_error "a damaged list is named" 1 "models.json.*lacks a field" "$ONESTEP" models
unset ONESTEP_MODELS_DIR

py "the continued run finishes" "import json; l=[json.loads(x) for x in open('$T/sid/metrics.jsonl')]; assert l[-1]['iteration']==50, l[-1]"

# --- TorchScript denoisers -----------------------------------------------------------------------
if $PY -c "import torch" 2>/dev/null; then
  cat > "$T/make_ts.py" <<'PYEOF'
import sys, torch
t = sys.argv[1]
class Gauss(torch.nn.Module):
    """Exact denoiser of N(0, 0.25 I) in 2-D, with the `dim` attribute the engine reads."""
    def __init__(self):
        super().__init__()
        self.dim = 2
    def forward(self, x, sigma):
        return x * 0.25 / (0.25 + sigma.reshape(-1, 1) ** 2)
class Wrong(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dim = 2
    def forward(self, x, sigma):
        return x[:, :1]
torch.jit.script(Gauss()).save(t + "/gauss.pt")
torch.jit.script(Wrong()).save(t + "/wrong.pt")
PYEOF
  $PY "$T/make_ts.py" "$T"
  expect_ok "sample TorchScript" "$ONESTEP" sample --model "$T/gauss.pt" --n 4000 --steps 40 --out "$T/g.npz"
  py "TorchScript samples have std 0.5" "import numpy as n; a=n.load('$T/g.npz')['arr_0']; assert abs(a.std()-0.5) < 0.03, a.std()"
  expect_ok "info TorchScript" "$ONESTEP" info "$T/gauss.pt"
  expect_error "t_mid for a TorchScript file refused" 1 "t_mid.*gauss.pt' is a TorchScript file" "$ONESTEP" sample --model "$T/gauss.pt" --steps 2 --t-mid 0.3 --out "$T/x.npz"
  expect_error "wrong-shaped TorchScript" 1 "wrong.pt.*expected the input's shape" "$ONESTEP" sample --model "$T/wrong.pt" --out "$T/w.npz"
fi

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
