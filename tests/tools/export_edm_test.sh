#!/usr/bin/env bash
# tools/export_edm_teacher.py on networks of EDM's interface built here (EDM's preconditioning around a small
# class-conditional convolutional net, in a stand-in `training.networks` module as EDM's pickles name theirs): the
# pickle needs its source tree on PYTHONPATH, the export matches the pickled network, the engine samples the file
# and distils SiD from it, an unconditional network exports too, and a network that tracing cannot follow is refused.
# Usage: export_edm_test.sh PATH/TO/onestep SOURCE_DIR
set -uo pipefail
ONESTEP=$(realpath "${1:?usage: export_edm_test.sh PATH/TO/onestep SOURCE_DIR}")
SRC=$(realpath "${2:?usage: export_edm_test.sh PATH/TO/onestep SOURCE_DIR}")
source "$SRC/tests/cli/lib.sh"
EXPORT=$SRC/tools/export_edm_teacher.py
cd "$T" || exit 1

mkdir -p edm/training
touch edm/training/__init__.py
cat >edm/training/networks.py <<'EOF'
import numpy as np
import torch


class TinyNet(torch.nn.Module):
    def __init__(self, channels, label_dim, width=16, shape_trap=False):
        super().__init__()
        self.map_noise = torch.nn.Linear(8, width)
        self.map_label = torch.nn.Linear(label_dim, width, bias=False) if label_dim else None
        self.conv_in = torch.nn.Conv2d(channels, width, 3, padding=1)
        self.conv_mid = torch.nn.Conv2d(width, width, 3, padding=1)
        self.conv_out = torch.nn.Conv2d(width, channels, 3, padding=1)
        self.shape_trap = shape_trap

    def forward(self, x, noise_labels, class_labels):
        freqs = torch.arange(4, dtype=torch.float32, device=x.device)
        freqs = (1 / 10000) ** (freqs / 4)
        emb = noise_labels.reshape(-1, 1) * freqs.reshape(1, -1)
        emb = torch.cat([emb.cos(), emb.sin()], dim=1)
        emb = torch.nn.functional.silu(self.map_noise(emb))
        if self.map_label is not None:
            emb = emb + self.map_label(class_labels)
        h = torch.nn.functional.silu(self.conv_in(x) + emb.reshape(x.shape[0], -1, 1, 1))
        h = torch.nn.functional.silu(self.conv_mid(h))
        out = self.conv_out(h)
        if self.shape_trap and x.shape[0] != 2:  # Python control flow on a shape: a trace bakes in its branch
            out = out * 1.5
        return out


class EDMPrecond(torch.nn.Module):
    def __init__(self, img_resolution, img_channels, label_dim=0, use_fp16=False, sigma_data=0.5, shape_trap=False):
        super().__init__()
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.label_dim = label_dim
        self.use_fp16 = use_fp16
        self.sigma_data = sigma_data
        self.model = TinyNet(img_channels, label_dim, shape_trap=shape_trap)

    def forward(self, x, sigma, class_labels=None, force_fp32=False, **model_kwargs):
        x = x.to(torch.float32)
        sigma = sigma.to(torch.float32).reshape(-1, 1, 1, 1)
        class_labels = None if self.label_dim == 0 else torch.zeros([1, self.label_dim], device=x.device) \
            if class_labels is None else class_labels.to(torch.float32).reshape(-1, self.label_dim)
        dtype = torch.float16 if (self.use_fp16 and not force_fp32 and x.device.type == 'cuda') else torch.float32
        c_skip = self.sigma_data ** 2 / (sigma ** 2 + self.sigma_data ** 2)
        c_out = sigma * self.sigma_data / (sigma ** 2 + self.sigma_data ** 2).sqrt()
        c_in = 1 / (self.sigma_data ** 2 + sigma ** 2).sqrt()
        c_noise = sigma.log() / 4
        if class_labels is not None and class_labels.shape[0] == 1:
            class_labels = class_labels.expand(x.shape[0], -1)
        F_x = self.model((c_in * x).to(dtype), c_noise.flatten(), class_labels=class_labels, **model_kwargs)
        return c_skip * x + c_out * F_x.to(torch.float32)
EOF
make_pickle() {  # make_pickle FILE LABEL_DIM SHAPE_TRAP
  PYTHONPATH=edm $PY -c "
import pickle, sys, torch
from training.networks import EDMPrecond
torch.manual_seed(0)
net = EDMPrecond(28, 1, label_dim=int(sys.argv[2]), shape_trap=sys.argv[3] == '1').eval().requires_grad_(False)
pickle.dump({'ema': net, 'augment_pipe': None}, open(sys.argv[1], 'wb'))" "$@"
}
make_pickle cond.pkl 10 0 && make_pickle uncond.pkl 0 0 && make_pickle trap.pkl 10 1 || { fail "building the test networks"; exit 1; }
pass "EDM-interface networks pickled"

expect_error "without the source tree on PYTHONPATH: says so" 1 "put the EDM or EDM2 source tree on PYTHONPATH" \
  $PY "$EXPORT" cond.pkl cond.pt
expect_error "a missing pickle is named" 1 "'missing.pkl': no such file" $PY "$EXPORT" missing.pkl x.pt
expect_error "a wrong --key lists the entries" 1 "no 'net' entry" env PYTHONPATH=edm $PY "$EXPORT" --key net cond.pkl x.pt
expect_ok "conditional network exported" env PYTHONPATH=edm $PY "$EXPORT" cond.pkl cond.pt
grep -q "1x28x28, 10 classes, sigma_data 0.5" "$T/out" && pass "... and described" || fail "export said: $(cat "$T/out")"
expect_ok "unconditional network exported" env PYTHONPATH=edm $PY "$EXPORT" uncond.pkl uncond.pt
expect_error "a network whose forward depends on the batch size is refused" 1 "differs from the pickled one" \
  env PYTHONPATH=edm $PY "$EXPORT" trap.pkl trap.pt
[ ! -e trap.pt ] && [ ! -e trap.pt.partial ] && pass "... and leaves no file" || fail "the refused export left a file"

# The exported file against the pickled network, outside the script (PYTHONPATH for the pickle only).
py "the file gives the pickled network's D(x; sigma), labelled and unlabelled" "
import pickle, sys, torch
sys.path.insert(0, 'edm')
net = pickle.load(open('cond.pkl', 'rb'))['ema']
ts = torch.jit.load('cond.pt')
assert (ts.img_channels, ts.img_resolution, ts.label_dim, ts.sigma_data) == (1, 28, 10, 0.5)
g = torch.Generator().manual_seed(5)
x, sigma = torch.randn([7, 1, 28, 28], generator=g) * 3, torch.tensor([0.002, 0.1, 0.5, 1, 3, 20, 80.])
y = torch.nn.functional.one_hot(torch.arange(7) % 10, 10).float()
assert (ts(x, sigma, y) - net(x, sigma, y)).abs().max() < 1e-5
assert (ts(x, sigma) - net(x, sigma)).abs().max() < 1e-5"

# The engine reads it: sampling (its shape and classes from the attributes), and SiD distilled from it.
expect_ok "onestep samples the exported teacher" "$ONESTEP" sample --model cond.pt --n 6 --steps 4 --out s.npz --quiet --threads 2
py "... 6 images of 28x28x1 (NHWC, as EDM writes them)" "import numpy as np; a = np.load('s.npz')['arr_0']; assert a.shape == (6, 28, 28, 1) and np.isfinite(a).all(), a.shape"
expect_ok "... and the unconditional one" "$ONESTEP" sample --model uncond.pt --n 4 --steps 4 --out u.npz --quiet --threads 2
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  expect_ok "SiD distils from the exported teacher" "$ONESTEP" distill --method sid --teacher cond.pt --data fashion-mnist \
    --steps 2 --batch 4 --out sid --quiet --threads 2 --set eval_every=0 --set snapshot_every=0
  expect_ok "... and its generator samples" "$ONESTEP" sample --model sid --n 4 --out g.npz --quiet --threads 2
fi

echo "export_edm: $((checks - failures)) of $checks checks passed"
[ "$failures" -eq 0 ]
