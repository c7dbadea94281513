#!/usr/bin/python3
"""Python PyTorch reference of the engine's EDM teacher training loop (2-D toy, MLP).

It mirrors the C++ engine's teacher loop step for step, so that the wall time of the
same loop in C++ (LibTorch) and in Python (PyTorch) can be compared on one machine:

  data      8gaussians generated on the fly, batch B, float32
  network   MLP F: [c_in*x, sin/cos(c_noise*f)] -> H -> ... -> D, SiLU, last layer zero-initialised
  precond   EDM, sigma_data = 0.5
  loss      ln(sigma) ~ N(-1.2, 1.2^2), weight (s^2+sd^2)/(s*sd)^2, sum over dims, mean over batch
  optimiser Adam(1e-3, (0.9, 0.999), 1e-8) with a linear lr ramp-up over 10k samples
  EMA       half-life 20k samples, ramp-up ratio 0.05

With --energy it then samples 2000 points from the EMA network (EDM Heun, 18 steps) and
prints the energy distance to 2000 fresh data points, as a cross-check of the C++ figure.

Run with Debian's interpreter (python3-torch 1.13):
  /usr/bin/python3 benchmarks/teacher_loop_pytorch.py --steps 3000 --threads 2 [--energy]
It prints one JSON line.
"""

import argparse
import copy
import json
import math
import os
import time

import torch
import torch.nn as nn

SIGMA_DATA = 0.5
P_MEAN = -1.2
P_STD = 1.2
LR = 1e-3
LR_RAMPUP_SAMPLES = 10000
EMA_HALFLIFE_SAMPLES = 20000
EMA_RAMPUP_RATIO = 0.05


def sample_8gaussians(n):
    """Component k uniform in 0..7, centre 0.8*(cos, sin)(2*pi*k/8), N(0, 0.05^2) noise."""
    k = torch.randint(0, 8, (n,))
    angle = k.to(torch.float32) * (2.0 * math.pi / 8.0)
    centre = 0.8 * torch.stack((torch.cos(angle), torch.sin(angle)), dim=1)
    return centre + 0.05 * torch.randn(n, 2)


class MLP(nn.Module):
    """F(c_in*x, c_noise): time features -> Linear(D+32,H) -> SiLU -> (L-1)x[Linear(H,H) -> SiLU] -> Linear(H,D)."""

    def __init__(self, dim=2, hidden=256, depth=4, n_freq=16):
        super().__init__()
        self.register_buffer("freqs", torch.exp(torch.linspace(0.0, math.log(100.0), n_freq)))
        self.inp = nn.Linear(dim + 2 * n_freq, hidden)
        self.hidden = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(depth - 1)])
        self.out = nn.Linear(hidden, dim)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.act = nn.SiLU()

    def forward(self, x_in, c_noise):
        # x_in: [B, D] (already multiplied by c_in); c_noise: [B, 1]
        arg = c_noise * self.freqs  # [B, 16]
        emb = torch.cat((torch.sin(arg), torch.cos(arg)), dim=1)  # [B, 32]
        h = self.act(self.inp(torch.cat((x_in, emb), dim=1)))
        for layer in self.hidden:
            h = self.act(layer(h))
        return self.out(h)


def denoise(net, x, sigma):
    """EDM preconditioned denoiser D(x; sigma); sigma: [B, 1]."""
    s2 = sigma * sigma
    sd2 = SIGMA_DATA * SIGMA_DATA
    c_skip = sd2 / (s2 + sd2)
    c_out = sigma * SIGMA_DATA / torch.sqrt(s2 + sd2)
    c_in = 1.0 / torch.sqrt(s2 + sd2)
    c_noise = torch.log(sigma) / 4.0
    return c_skip * x + c_out * net(c_in * x, c_noise)


def edm_loss(net, y):
    b = y.shape[0]
    sigma = torch.exp(torch.randn(b, 1) * P_STD + P_MEAN)
    weight = (sigma * sigma + SIGMA_DATA ** 2) / (sigma * SIGMA_DATA) ** 2
    n = torch.randn_like(y) * sigma
    d = denoise(net, y + n, sigma)
    return (weight * (d - y) ** 2).sum(dim=1).mean()


@torch.no_grad()
def heun_sample(net, n, dim=2, num_steps=18, sigma_min=0.002, sigma_max=80.0, rho=7.0):
    """EDM Algorithm 2 (deterministic Heun); t_N = 0, no correction on the last step."""
    i = torch.arange(num_steps, dtype=torch.float64)
    t = (sigma_max ** (1 / rho) + i / (num_steps - 1) * (sigma_min ** (1 / rho) - sigma_max ** (1 / rho))) ** rho
    t = torch.cat((t, torch.zeros(1, dtype=torch.float64))).tolist()
    x = torch.randn(n, dim) * t[0]
    for k in range(num_steps):
        t_cur, t_next = t[k], t[k + 1]
        s_cur = torch.full((n, 1), t_cur)
        d = (x - denoise(net, x, s_cur)) / t_cur
        x_next = x + (t_next - t_cur) * d
        if t_next > 0:
            s_next = torch.full((n, 1), t_next)
            d2 = (x_next - denoise(net, x_next, s_next)) / t_next
            x_next = x + (t_next - t_cur) * (0.5 * d + 0.5 * d2)
        x = x_next
    return x


def energy_distance(x, y):
    """V-statistic 2*E|x-y| - E|x-x'| - E|y-y'| with Euclidean distances, float64."""
    x = x.to(torch.float64)
    y = y.to(torch.float64)
    return (2.0 * torch.cdist(x, y).mean() - torch.cdist(x, x).mean() - torch.cdist(y, y).mean()).item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--energy", action="store_true",
                    help="after training, EMA-net Heun samples vs fresh data: energy distance (2000 each)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    B = args.batch
    net = MLP()
    ema = copy.deepcopy(net).requires_grad_(False)
    params = list(net.parameters())
    ema_params = list(ema.parameters())
    opt = torch.optim.Adam(params, lr=LR, betas=(0.9, 0.999), eps=1e-8)

    loss = torch.zeros(())
    t0 = time.perf_counter()
    for step in range(args.steps):
        samples_seen = (step + 1) * B
        y = sample_8gaussians(B)
        loss = edm_loss(net, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        for g in opt.param_groups:
            g["lr"] = LR * min(samples_seen / LR_RAMPUP_SAMPLES, 1.0)
        opt.step()
        with torch.no_grad():
            hl = min(EMA_HALFLIFE_SAMPLES, samples_seen * EMA_RAMPUP_RATIO)
            beta = 0.5 ** (B / max(hl, 1e-8))
            for pe, p in zip(ema_params, params):
                pe.mul_(beta).add_(p, alpha=1.0 - beta)
    wall = time.perf_counter() - t0

    result = {
        "impl": "python-pytorch",
        "steps": args.steps,
        "batch": B,
        "threads": torch.get_num_threads(),
        "wall_s": round(wall, 4),
        "it_per_s": round(args.steps / wall, 2) if wall > 0 else None,
        "final_loss": float(loss.item()),
    }
    if args.energy:
        xs = heun_sample(ema, 2000)
        xd = sample_8gaussians(2000)
        result["energy_distance"] = energy_distance(xs, xd)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
