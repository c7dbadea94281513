#!/usr/bin/python3
"""The Python side of SiD on an image teacher, and of one-step against Heun sampling, over the same LibTorch.

What a user without OneStep would write: a UNet teacher in PyTorch saved as TorchScript, then Score identity
Distillation from it in a plain Python loop, and a sampler. It mirrors the engine step for step
(engine/src/train/sid.cpp, engine/src/diffusion/edm.cpp) so that the two can be timed side by side:

  network   the engine's UNet (engine/src/nets/unet.cpp): C channels at 28x28, multipliers 1,2,2, one residual
            block per level, GroupNorm + SiLU, sinusoidal noise embedding; EDM preconditioning, sigma_data 0.5;
            saved with torch.jit.script and the attributes img_channels, img_resolution, label_dim
  SiD       generator G and fake score f start as copies of the teacher; one iteration = a fake-score step (EDM
            loss on detached G samples, ln sigma ~ N(-1.2, 1.2^2)) + a generator step (sigma on the Karras curve
            for t ~ U[0, 0.8], loss of Zhou et al. with alpha 1.2, x100), Adam (0, 0.999) lr 1e-4, EMA of G
  sampling  one step x = G(2.5 z; 2.5) against EDM's Heun sampler with 18 steps (35 NFE), same network, same batch

Run with Debian's interpreter (python3-torch):
  /usr/bin/python3 benchmarks/sid_unet_pytorch.py --write-teacher teacher64.pt --channels 64
  /usr/bin/python3 benchmarks/sid_unet_pytorch.py --teacher teacher64.pt --steps 10 --threads 2
  /usr/bin/python3 benchmarks/sid_unet_pytorch.py --teacher teacher64.pt --sample --threads 2
Each run prints one JSON line; benchmarks/side_by_side.sh runs both sides.
"""

import argparse
import copy
import json
import math
import time
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

SIGMA_DATA = 0.5


def groups_for(c):
    for g in range(min(32, max(1, c // 4)), 1, -1):
        if c % g == 0:
            return g
    return 1


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups_for(cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(groups_for(cout), cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()
        with torch.no_grad():
            self.conv2.weight.mul_(1e-5)
            self.conv2.bias.zero_()

    def forward(self, x, emb, skips: List[torch.Tensor]):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb).unsqueeze(-1).unsqueeze(-1)
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.skip(x) + h) * math.sqrt(0.5)


class Down(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=1)

    def forward(self, x, emb, skips: List[torch.Tensor]):
        return self.conv(x)


class UpBlock(nn.Module):
    """Concatenates the newest skip, then a residual block."""

    def __init__(self, cin, cout, emb):
        super().__init__()
        self.block = ResBlock(cin, cout, emb)

    def forward(self, x, emb, skips: List[torch.Tensor]):
        return self.block(torch.cat([x, skips.pop()], 1), emb, skips)


class Up(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x, emb, skips: List[torch.Tensor]):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Denoiser(nn.Module):
    """D(x; sigma) = c_skip x + c_out F(c_in x, ln(sigma)/4): EDM preconditioning around the UNet."""

    def __init__(self, channels=64, mult=(1, 2, 2), image_channels=1, resolution=28):
        super().__init__()
        self.img_channels = image_channels
        self.img_resolution = resolution
        self.label_dim = 0
        self.sigma_data = SIGMA_DATA
        emb = 4 * channels
        self.register_buffer("freqs", torch.exp(torch.linspace(0.0, math.log(1000.0), channels // 2)))
        self.emb1 = nn.Linear(channels, emb)
        self.emb2 = nn.Linear(emb, emb)
        self.input = nn.Conv2d(image_channels, channels, 3, padding=1)
        skips, c, down = [channels], channels, []
        for level, m in enumerate(mult):
            down.append(ResBlock(c, channels * m, emb))
            c = channels * m
            skips.append(c)
            if level + 1 < len(mult):
                down.append(Down(c))
                skips.append(c)
        self.down = nn.ModuleList(down)
        self.mid = nn.ModuleList([ResBlock(c, c, emb), ResBlock(c, c, emb)])
        up = []
        for level in reversed(range(len(mult))):
            for _ in range(2):
                up.append(UpBlock(c + skips.pop(), channels * mult[level], emb))
                c = channels * mult[level]
            if level > 0:
                up.append(Up(c))
        self.up = nn.ModuleList(up)
        self.out_norm = nn.GroupNorm(groups_for(c), c)
        self.out = nn.Conv2d(c, image_channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, sigma):
        sd = self.sigma_data
        s = sigma.to(x.dtype).reshape(-1, 1, 1, 1)
        denom = s * s + sd * sd
        c_skip, c_out, c_in = sd * sd / denom, s * sd * denom.rsqrt(), denom.rsqrt()
        arg = (sigma.to(x.dtype).log() / 4).reshape(-1, 1) * self.freqs.unsqueeze(0)
        emb = F.silu(self.emb2(F.silu(self.emb1(torch.cat([torch.cos(arg), torch.sin(arg)], 1)))))
        h = self.input(c_in * x)
        skips: List[torch.Tensor] = [h]
        for m in self.down:
            h = m(h, emb, skips)
            skips.append(h)
        for m in self.mid:
            h = m(h, emb, skips)
        for m in self.up:
            h = m(h, emb, skips)
        return c_skip * x + c_out * self.out(F.silu(self.out_norm(h)))


def edm_loss(net, y, p_mean=-1.2, p_std=1.2):
    sigma = (torch.randn(y.shape[0], 1, 1, 1) * p_std + p_mean).exp()
    weight = (sigma**2 + SIGMA_DATA**2) / (sigma * SIGMA_DATA) ** 2
    d = net(y + torch.randn_like(y) * sigma, sigma.flatten())
    return (weight * (d - y) ** 2).flatten(1).sum(1)


def trainable(module, on):
    """requires_grad_ for a ScriptModule (which lacks it)."""
    for p in module.parameters():
        p.requires_grad_(on)
    return module


def sid(args):
    if args.eager:  # the same network as a Python module (fresh weights: the timing does not depend on them)
        net = Denoiser(args.channels)
        teacher, generator, fake, ema = (copy.deepcopy(net) for _ in range(4))
        teacher.eval(), generator.train(), fake.train(), ema.eval()
        trainable(teacher, False), trainable(ema, False)
    else:
        teacher = trainable(torch.jit.load(args.teacher).eval(), False)
        generator = trainable(torch.jit.load(args.teacher).train(), True)
        fake = trainable(torch.jit.load(args.teacher).train(), True)
        ema = trainable(torch.jit.load(args.teacher).eval(), False)
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-4, betas=(0.0, 0.999), eps=1e-8)
    opt_f = torch.optim.Adam(fake.parameters(), lr=1e-4, betas=(0.0, 0.999), eps=1e-8)
    shape = (args.batch, 1, 28, 28)
    s_init, t_max, alpha = 2.5, 0.8, 1.2
    a, b = 80.0 ** (1 / 7), 0.002 ** (1 / 7)
    beta = 0.5 ** (args.batch / 20000)

    def step():
        with torch.no_grad():
            xg = generator(torch.randn(shape) * s_init, torch.full((args.batch,), s_init))
        loss_f = edm_loss(fake, xg).mean()
        opt_f.zero_grad()
        loss_f.backward()
        opt_f.step()
        if args.tuned:
            trainable(fake, False)  # only the generator steps: no weight gradients for f
        x = generator(torch.randn(shape) * s_init, torch.full((args.batch,), s_init))
        t = torch.rand(args.batch) * t_max
        sigma = (a + (1 - t) * (b - a)) ** 7
        xt = x + sigma.reshape(-1, 1, 1, 1) * torch.randn_like(x)
        y_real, y_fake = teacher(xt, sigma), fake(xt, sigma)
        w = (x - y_real).abs().mean((1, 2, 3), keepdim=True).clamp_min(1e-5).detach()
        diff = y_real - y_fake
        loss_g = (diff * ((y_real - x) - alpha * diff) / w).flatten(1).sum(1).mean() * 100
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        if args.tuned:
            trainable(fake, True)
        with torch.no_grad():
            for e, p in zip(ema.parameters(), generator.parameters()):
                e.lerp_(p, 1 - beta)
        return loss_f.item(), loss_g.item()

    for _ in range(args.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    wall = time.perf_counter() - t0
    return {"it_per_s": args.steps / wall, "wall_s": wall, "steps": args.steps, "batch": args.batch}


def sampling(args):
    net = torch.jit.load(args.teacher).eval()
    shape = (args.batch, net.img_channels, net.img_resolution, net.img_resolution)

    def one_step():
        return net(torch.randn(shape) * 2.5, torch.full((args.batch,), 2.5))

    def heun(steps=18, smin=0.002, smax=80.0, rho=7.0):
        i = torch.arange(steps, dtype=torch.float64)
        t = (smax ** (1 / rho) + i / (steps - 1) * (smin ** (1 / rho) - smax ** (1 / rho))) ** rho
        t = torch.cat([t, torch.zeros(1, dtype=torch.float64)])
        x = torch.randn(shape) * smax
        for k in range(steps):
            tc, tn = float(t[k]), float(t[k + 1])
            d = (x - net(x, torch.full((args.batch,), tc))) / tc
            xn = x + (tn - tc) * d
            if k < steps - 1:
                d2 = (xn - net(xn, torch.full((args.batch,), tn))) / tn
                xn = x + (tn - tc) * 0.5 * (d + d2)
            x = xn
        return x

    def rate(fn, seconds):
        for _ in range(3):  # TorchScript profiles its first calls
            fn()
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += args.batch
            if time.perf_counter() - t0 >= seconds:
                return n / (time.perf_counter() - t0)

    with torch.inference_mode() if args.tuned else torch.no_grad():
        one, many = rate(one_step, 5.0), rate(heun, 10.0)
    return {"onestep_images_per_s": one, "heun18_images_per_s": many, "ratio": one / many, "batch": args.batch}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write-teacher", metavar="FILE", help="script a fresh UNet teacher and save it as TorchScript")
    p.add_argument("--channels", type=int, default=64)
    p.add_argument("--teacher", metavar="FILE", help="the TorchScript teacher to distil or sample")
    p.add_argument("--sample", action="store_true", help="time one-step against Heun-18 sampling instead of SiD")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as installed)")
    p.add_argument("--tuned", action="store_true",
                   help="what the engine does beyond the plain loop: no fake-score weight gradients in the generator "
                        "step, inference mode for sampling")
    p.add_argument("--eager", action="store_true", help="SiD on the Python module itself (--channels) instead of TorchScript")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.write_teacher:
        torch.jit.script(Denoiser(args.channels)).save(args.write_teacher)
        print(json.dumps({"wrote": args.write_teacher, "channels": args.channels}))
        return
    if not args.teacher and not args.eager:
        p.error("give --teacher FILE (write one with --write-teacher FILE)")
    out = sampling(args) if args.sample else sid(args)
    out.update({"threads": torch.get_num_threads(), "torch": torch.__version__, "tuned": args.tuned})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
