#!/usr/bin/env bash
# The catalogue of bad inputs: every command and every kind of input, broken on purpose. Each case must exit with
# status 1 (bad input) or 2 (malformed command line) within seconds, print exactly one line naming the input and
# what was expected, with no LibTorch stack trace and no crash, and leave every existing file as it was.
# Usage: bad_inputs_test.sh PATH/TO/onestep [--table FILE]   (--table writes the README's table of cases)
set -uo pipefail
ONESTEP=$(realpath "${1:?usage: bad_inputs_test.sh PATH/TO/onestep [--table FILE]}")
TABLE=""
[ "${2:-}" = "--table" ] && TABLE=${3:?--table needs a file}
source "$(dirname "$0")/lib.sh"
F=$T/fixtures
mkdir -p "$F"

# --- fixtures: one good file of each kind, then broken copies --------------------------------------
"$ONESTEP" train-teacher --data toy:8gaussians --out "$F/teacher" --steps 20 --set eval_every=0 --set snapshot_every=0 --quiet 2>/dev/null ||
  { echo "FAIL could not train the fixture teacher"; exit 1; }
CKPT=$(ls "$F"/teacher/checkpoints/ckpt-*.pt | tail -1)
"$ONESTEP" export --model "$F/teacher" --out "$F/teacher.pt" 2>/dev/null
"$ONESTEP" data --data toy:8gaussians --n 64 --out "$F/points.npz" 2>/dev/null
$PY - "$F" <<'EOF'
import gzip, os, struct, sys, zipfile
import numpy as np
f = sys.argv[1]
# IDX: a good tiny set, then broken ones
def idx_images(n, h=4, w=4): return struct.pack('>IIII', 0x803, n, h, w) + bytes(n * h * w)
def idx_labels(n): return struct.pack('>II', 0x801, n) + bytes(n)
for name, img, lab in [('idx-good', idx_images(10), idx_labels(10)),
                       ('idx-truncated', idx_images(10)[:-7], idx_labels(10)),
                       ('idx-badmagic', b'\x00\x00\x09\x99' + idx_images(10)[4:], idx_labels(10)),
                       ('idx-huge', struct.pack('>IIII', 0x803, 2**31 - 1, 2**15, 2**15), idx_labels(10)),
                       ('idx-mismatch', idx_images(10), idx_labels(9))]:
    os.makedirs(f'{f}/{name}', exist_ok=True)
    open(f'{f}/{name}/train-images-idx3-ubyte', 'wb').write(img)
    open(f'{f}/{name}/train-labels-idx1-ubyte', 'wb').write(lab)
os.makedirs(f'{f}/idx-badgz', exist_ok=True)
open(f'{f}/idx-badgz/train-images-idx3-ubyte.gz', 'wb').write(gzip.compress(idx_images(10))[:-20])
open(f'{f}/idx-badgz/train-labels-idx1-ubyte.gz', 'wb').write(gzip.compress(idx_labels(10)))
os.makedirs(f'{f}/idx-empty', exist_ok=True)
os.makedirs(f'{f}/idx-zero', exist_ok=True)  # found by fuzzing: zero images once reached a copy from nowhere
open(f'{f}/idx-zero/train-images-idx3-ubyte', 'wb').write(idx_images(0))
open(f'{f}/idx-zero/train-labels-idx1-ubyte', 'wb').write(idx_labels(0))
# CIFAR-10 batches: one record is 1 label byte + 3072 pixel bytes
os.makedirs(f'{f}/cifar-truncated', exist_ok=True)
for i in range(1, 6):
    open(f'{f}/cifar-truncated/data_batch_{i}.bin', 'wb').write(bytes(3073 * 10 - (100 if i == 3 else 0)))
os.makedirs(f'{f}/cifar-badlabel', exist_ok=True)
for i in range(1, 6):
    open(f'{f}/cifar-badlabel/data_batch_{i}.bin', 'wb').write(bytes([200]) + bytes(3072))
# image folders
os.makedirs(f'{f}/folder-broken', exist_ok=True)
open(f'{f}/folder-broken/a.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + bytes(40))
# found by fuzzing: a BMP whose header OpenCV's decoder throws on stopped the whole program
os.makedirs(f'{f}/folder-badbmp', exist_ok=True)
open(f'{f}/folder-badbmp/a.bmp', 'wb').write(bytes.fromhex(
    '424d4e000000000000003200000028000000040000000200fff7810018000000000018000000130b0000130b'
    '0000000000000000000000010203040000000000000102030405060708090a0b0c0d'))
os.makedirs(f'{f}/folder-none', exist_ok=True)
open(f'{f}/folder-none/notes.txt', 'w').write('no images here')
# NPZ files
good = np.load(f'{f}/points.npz')['arr_0']
np.savez(f'{f}/nan.npz', np.where(np.arange(good.size).reshape(good.shape) == 5, np.nan, good).astype(np.float32))
np.savez(f'{f}/rank3.npz', good.reshape(8, 8, 2))
np.savez(f'{f}/strings.npz', np.array(['a', 'b']))
np.savez(f'{f}/empty-array.npz', np.zeros((0, 2), np.float32))
zipfile.ZipFile(f'{f}/no-arrays.npz', 'w').close()
data = open(f'{f}/points.npz', 'rb').read()
open(f'{f}/truncated.npz', 'wb').write(data[:len(data) // 2])
open(f'{f}/empty.npz', 'wb').write(b'')
ck = open(sys.argv[1] + '/teacher.pt', 'rb').read()
open(f'{f}/truncated.pt', 'wb').write(ck[:len(ck) // 2])
z = zipfile.ZipFile(sys.argv[1] + '/teacher.pt')  # one byte of the first tensor flipped: length and zip intact
at = z.getinfo(next(n for n in z.namelist() if n.endswith('/data/0'))).header_offset
at += 30 + int.from_bytes(ck[at + 26:at + 28], 'little') + int.from_bytes(ck[at + 28:at + 30], 'little')
open(f'{f}/bit-flipped.pt', 'wb').write(ck[:at] + bytes([ck[at] ^ 0x10]) + ck[at + 1:])
open(f'{f}/text.pt', 'w').write('not a model\n')
open(f'{f}/bad.json', 'w').write('{"steps": 10,')
open(f'{f}/wrongtype.json', 'w').write('{"steps": "many"}')
open(f'{f}/unknown.json', 'w').write('{"stepz": 10}')
open(f'{f}/array.json', 'w').write('[1, 2, 3]')
open(f'{f}/overflow.json', 'w').write('{"steps": 6E666}')  # found by fuzzing: a number past double's range
EOF
cat >"$T/make_torchscript.py" <<'EOF'
import sys, torch
class WrongShape(torch.nn.Module):
    def forward(self, x, sigma):
        return x[:, :1]
class Throws(torch.nn.Module):
    def forward(self, x, sigma):
        return x @ torch.ones(3, 3)
torch.jit.script(WrongShape()).save(sys.argv[1] + '/wrong-shape.pt')
torch.jit.script(Throws()).save(sys.argv[1] + '/throws.pt')
EOF
$PY "$T/make_torchscript.py" "$F" || echo "FAIL could not write the TorchScript fixtures"
cp "$CKPT" "$F/ckpt-copy.pt"
mkdir -p "$F/existing" && echo "keep me" >"$F/existing/keep.txt"

snapshot() { (cd "$F" && find . -type f -exec sha256sum {} + | sort); }
BEFORE=$(snapshot)
rows=()
# bad NAME CODE PATTERN CMD...: one bad input, judged as the header says
bad() {
  local n=$1 code=$2 pat=$3; shift 3
  local t0=$(date +%s%N)
  (cd "$T" && timeout 60 "$@") >"$T/out" 2>"$T/err"
  local rc=$? ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  rm -rf "$T/r" "$T/d" "$T/s.npz" "$T/d.npz" "$T/e.pt"  # each case starts from the same files
  local lines=$(grep -c . "$T/err") msg=$(grep . "$T/err" | head -1)
  local why=""
  [ "$rc" -eq "$code" ] || why+="exit $rc, expected $code; "
  [ "$lines" -eq 1 ] || why+="$lines lines on stderr; "
  grep -qE -- "$pat" "$T/err" || why+="message does not match '$pat'; "
  grep -qE "frame #|Exception raised from|terminate called|Segmentation|Aborted" "$T/err" && why+="a stack trace or crash; "
  [ "$ms" -lt 20000 ] || why+="took $ms ms; "
  if [ -z "$why" ]; then pass "$n"; else fail "$n: $why stderr: $(head -c 400 "$T/err")"; fi
  local shown=${*:1}
  shown=${shown//$ONESTEP/onestep}; shown=${shown//$F\//}; shown=${shown//$T\//}
  msg=${msg//$F\//}; msg=${msg//$T\//}
  rows+=("| $n | \`${shown//|/\\|}\` | $rc | ${msg//|/\\|} |")
}
O=$ONESTEP

# --- command lines --------------------------------------------------------------------------------
bad "no command" 2 "usage" "$O"
bad "unknown command" 2 "unknown command 'trian'" "$O" trian
bad "unknown option" 2 "unknown option --stepz" "$O" train-teacher --out r --stepz 3
bad "option without its value" 2 "--steps" "$O" train-teacher --out r --steps
bad "a number that is not one" 1 "steps='ten': expected an integer" "$O" train-teacher --out r --steps ten
bad "--set without =" 2 "--set 'steps': expected key=value" "$O" train-teacher --out r --set steps
# --- numbers out of range -------------------------------------------------------------------------
bad "steps 0" 1 "steps must be >= 1" "$O" train-teacher --data toy:8gaussians --out r --steps 0
bad "negative batch" 1 "batch" "$O" train-teacher --data toy:8gaussians --out r --batch -4
bad "learning rate not finite" 1 "lr" "$O" train-teacher --data toy:8gaussians --out r --lr nan
bad "negative seed" 2 "--seed '-1': expected a whole number >= 0" "$O" sample --model "$F/teacher" --n 4 --seed -1 --out s.npz
bad "sample n 0" 1 "n must be >= 1" "$O" sample --model "$F/teacher" --n 0 --out s.npz
bad "sample n too large for memory" 1 "needs about .* GB of memory" "$O" sample --model "$F/teacher" --n 100000000000 --out s.npz
bad "sample steps negative" 1 "steps must be >= 1" "$O" sample --model "$F/teacher" --n 4 --steps -3 --out s.npz
bad "a class of an unconditional model" 1 "class 3: the model has 0 classes" "$O" sample --model "$F/teacher" --n 4 --class 3 --out s.npz
bad "an unknown sampler" 1 "sampler 'rk4': expected heun or euler" "$O" sample --model "$F/teacher" --n 4 --sampler rk4 --out s.npz
bad "--set of an unknown setting" 1 "stepz" "$O" train-teacher --data toy:8gaussians --out r --set stepz=3
bad "--set of a mistyped value" 1 "net.hidden" "$O" train-teacher --data toy:8gaussians --out r --set net.hidden=wide
bad "a device the LibTorch lacks" 1 "cuda" "$O" train-teacher --data toy:8gaussians --out r --device cuda:7
bad "an unknown device" 1 "tpu" "$O" sample --model "$F/teacher" --n 4 --device tpu --out s.npz
# --- config files ----------------------------------------------------------------------------------
bad "config file missing" 1 "missing.json" "$O" train-teacher --out r --config "$F/missing.json"
bad "config file malformed" 1 "bad.json" "$O" train-teacher --out r --config "$F/bad.json"
bad "config value of the wrong type" 1 "wrongtype.json" "$O" train-teacher --out r --config "$F/wrongtype.json"
bad "config with an unknown key" 1 "stepz" "$O" train-teacher --out r --config "$F/unknown.json"
bad "config that is not an object" 1 "array.json" "$O" train-teacher --out r --config "$F/array.json"
bad "config number past double's range" 1 "overflow.json.*not valid JSON" "$O" train-teacher --out r --config "$F/overflow.json"
# --- datasets ------------------------------------------------------------------------------------
bad "unknown data kind" 1 "unknown kind" "$O" data --data tiy:moons --n 4 --out d.npz
bad "unknown toy" 1 "moon" "$O" data --data toy:moon --n 4 --out d.npz
bad "data folder missing" 1 "nowhere" "$O" data --data "mnist:$F/nowhere" --n 4 --out d.npz
bad "IDX folder empty" 1 "idx-empty" "$O" data --data "mnist:$F/idx-empty" --n 4 --out d.npz
bad "IDX truncated" 1 "idx-truncated" "$O" data --data "mnist:$F/idx-truncated" --n 4 --out d.npz
bad "IDX with a bad magic number" 1 "idx-badmagic" "$O" data --data "mnist:$F/idx-badmagic" --n 4 --out d.npz
bad "IDX claiming more than the file holds" 1 "idx-huge" "$O" data --data "mnist:$F/idx-huge" --n 4 --out d.npz
bad "IDX images and labels disagree" 1 "idx-mismatch" "$O" data --data "mnist:$F/idx-mismatch" --n 4 --out d.npz
bad "IDX of zero images" 1 "idx-zero.*at least one image" "$O" data --data "mnist:$F/idx-zero" --n 4 --out d.npz
bad "IDX .gz truncated" 1 "idx-badgz" "$O" data --data "mnist:$F/idx-badgz" --n 4 --out d.npz
bad "CIFAR batch truncated" 1 "cifar-truncated" "$O" data --data "cifar10:$F/cifar-truncated" --n 4 --out d.npz
bad "CIFAR batch with a label past 9" 1 "cifar-badlabel" "$O" data --data "cifar10:$F/cifar-badlabel" --n 4 --out d.npz
bad "image folder with a broken image" 1 "could be decoded.*a.png" "$O" data --data "folder:$F/folder-broken" --n 4 --out d.npz
bad "image folder with a BMP its decoder throws on" 1 "could be decoded.*a.bmp" "$O" data --data "folder:$F/folder-badbmp" --n 4 --out d.npz
bad "image folder without images" 1 "folder-none" "$O" data --data "folder:$F/folder-none" --n 4 --out d.npz
# --- NPZ sets ------------------------------------------------------------------------------------
bad "NPZ missing" 1 "missing.npz" "$O" energy "$F/missing.npz" "$F/points.npz"
bad "NPZ empty file" 1 "empty.npz" "$O" energy "$F/empty.npz" "$F/points.npz"
bad "NPZ truncated" 1 "truncated.npz" "$O" energy "$F/truncated.npz" "$F/points.npz"
bad "NPZ without arrays" 1 "no-arrays.npz" "$O" energy "$F/no-arrays.npz" "$F/points.npz"
bad "NPZ of strings" 1 "strings.npz" "$O" energy "$F/strings.npz" "$F/points.npz"
bad "NPZ of the wrong rank" 1 "rank3.npz" "$O" energy "$F/rank3.npz" "$F/points.npz"
bad "NPZ with NaN" 1 "nan.npz" "$O" energy "$F/nan.npz" "$F/points.npz"
bad "NPZ with no samples" 1 "empty-array.npz" "$O" energy "$F/empty-array.npz" "$F/points.npz"
# --- models, checkpoints, TorchScript ----------------------------------------------------------------
bad "model missing" 1 "missing.pt" "$O" sample --model "$F/missing.pt" --n 4 --out s.npz
bad "model truncated" 1 "truncated.pt" "$O" sample --model "$F/truncated.pt" --n 4 --out s.npz
bad "model with a flipped bit" 1 "bit-flipped.pt.*data/0 is damaged" "$O" sample --model "$F/bit-flipped.pt" --n 4 --out s.npz
bad "model that is a text file" 1 "text.pt" "$O" sample --model "$F/text.pt" --n 4 --out s.npz
bad "TorchScript returning the wrong shape" 1 "wrong-shape.pt.*shape" "$O" sample --model "$F/wrong-shape.pt" --n 4 --shape 2 --out s.npz
bad "TorchScript that throws" 1 "throws.pt" "$O" sample --model "$F/throws.pt" --n 4 --shape 2 --out s.npz
bad "a directory that is not a run" 1 "existing" "$O" sample --model "$F/existing" --n 4 --out s.npz
bad "a teacher for other data" 1 "points\[2\].*images|images.*points\[2\]" "$O" distill --method sid --teacher "$F/teacher" --data "mnist:$F/idx-good" --out d --steps 2
bad "a teacher that is not a model" 1 "text.pt" "$O" distill --method sid --teacher "$F/text.pt" --data toy:8gaussians --out d --steps 2
bad "export of a TorchScript file" 1 "TorchScript file '.*wrong-shape.pt'" "$O" export --model "$F/wrong-shape.pt" --out e.pt
# --- outputs -------------------------------------------------------------------------------------
bad "output exists (export)" 1 "exists already" "$O" export --model "$F/teacher" --out "$F/teacher.pt"
bad "output of an unknown format" 1 "s.xyz" "$O" sample --model "$F/teacher" --n 4 --out s.xyz
bad "output in a missing directory" 1 "nowhere" "$O" sample --model "$F/teacher" --n 4 --out "$F/nowhere/deeper/s.npz"
bad "output in an unwritable place" 1 "/proc" "$O" data --data toy:8gaussians --n 4 --out /proc/d.npz
bad "a run directory that is a file" 1 "keep.txt" "$O" train-teacher --data toy:8gaussians --out "$F/existing/keep.txt" --steps 2
bad "a new run over an existing one" 1 "already holds a run" "$O" train-teacher --data toy:8gaussians --out "$F/teacher" --steps 2
# --- resume ---------------------------------------------------------------------------------------
bad "resume of a missing run" 1 "holds no run" "$O" train-teacher --out "$F/nothing" --resume
bad "resume on other data" 1 "trains on 'toy:8gaussians'" "$O" train-teacher --data toy:moons --out "$F/teacher" --resume
bad "resume as another method" 1 "is a teacher run, not ect" "$O" distill --method ect --teacher "$F/teacher" --out "$F/teacher" --resume
bad "resume with a config file" 2 "--config cannot be combined with --resume" "$O" train-teacher --out "$F/teacher" --resume --config "$F/unknown.json"

if [ "$BEFORE" = "$(snapshot)" ]; then pass "no existing file changed"; else fail "existing files changed: $(diff <(echo "$BEFORE") <(snapshot) | head -5)"; fi
if [ -n "$TABLE" ]; then
  { echo "| case | command | exit | message |"; echo "|---|---|---|---|"; printf '%s\n' "${rows[@]}"; } >"$TABLE"
fi
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
