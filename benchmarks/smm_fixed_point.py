#!/usr/bin/env python3
"""Where Score Mismatching's game settles with an ideal score net, for an isotropic Gaussian.

Real data N(0, s^2 I) in d = 1 or 2 dimensions, a generator x = f z (z ~ N(0, I)), the engine's default
noise levels (beta = linspace(1e-4, 0.02, 10) or --beta-min/--beta-max, sigma_t = sqrt(1 - prod(1 - beta)),
t uniform). The score net that minimises matching on reals plus mismatching (an independent noise) on fakes
is, at a noisy point y,

    S*(y) = w(y) e_r(y),   w = p_r / (p_r + p_f),   e_r(y) = E[eps | y, real] = sigma y / (s^2 + sigma^2),

with p_r = N(0, (s^2 + sigma^2) I) and p_f = N(0, (f^2 + sigma^2) I). The generator's loss is
1/2 E ||S*(f z + sigma eps) - eps||^2 with S* held fixed; its derivative in f is

    dL/df = E[(S*(y) - eps) . (dS*/dy) z],   y = f z + sigma eps.

When the generator matches the data (f = s), S* = e_r / 2 is linear and the derivative has the closed form
d mean_t sigma_t^2 s / (4 (s^2 + sigma_t^2)^2) > 0: the generator is pushed to shrink. This script prints
that derivative (closed form beside Gauss-Hermite quadrature over z and eps) and the width f* at which the
derivative vanishes, the game's fixed point, for a few data widths s. Nothing here trains a network.

With --eight-gaussians it does the same for toy:8gaussians (8 modes of standard deviation 0.05 on a circle
of radius 0.8, an even share each) against a generator that puts the same modes at width f: S* then comes
from the two mixtures, and the derivative, at a few ratios f / 0.05, from Monte Carlo (common random
numbers, central differences in f with S* held at the ratio's width).

Usage: /usr/bin/python3 benchmarks/smm_fixed_point.py [--dim 2] [--widths 0.05,0.1,0.3,0.5]
    [--beta-min 1e-4] [--beta-max 0.02] [--points N] [--eight-gaussians [--samples N]]"""
import argparse

import numpy as np

from energy_of_shapes import centres


def sigmas(levels=10, beta_min=1e-4, beta_max=0.02):
    beta = np.linspace(beta_min, beta_max, levels)
    return np.sqrt(1 - np.cumprod(1 - beta))


def grid(dim, points):
    """Gauss-Hermite nodes for z and eps (each of `dim` coordinates) and their weights under N(0, I)."""
    x, w = np.polynomial.hermite_e.hermegauss(points)
    w = w / np.sqrt(2 * np.pi)
    axes = np.meshgrid(*([x] * (2 * dim)), indexing="ij")
    weight = np.ones_like(axes[0])
    for wk in np.meshgrid(*([w] * (2 * dim)), indexing="ij"):
        weight = weight * wk
    z = np.stack([a.ravel() for a in axes[:dim]])
    eps = np.stack([a.ravel() for a in axes[dim:]])
    return z, eps, weight.ravel()


def generator_slope(s, f, sigma_list, quad):
    """dL/df of the generator loss at width f against the ideal score net for width f, mean over t."""
    z, eps, weight = quad
    dim = z.shape[0]
    total = 0.0
    for sigma in sigma_list:
        vr, vf = s * s + sigma * sigma, f * f + sigma * sigma
        y = f * z + sigma * eps
        # S* = e_r * w with w = p_r / (p_r + p_f) = 1 / (1 + exp(g)), g = log p_f - log p_r.
        g = 0.5 * (y * y).sum(0) * (1 / vr - 1 / vf) + 0.5 * dim * np.log(vr / vf)
        w = 0.5 * (1 - np.tanh(0.5 * g))  # 1 / (1 + exp(g)) without overflow
        e = sigma * y / vr
        S = w * e
        # (S - eps) . (dS/dy z), with dS/dy = w sigma / vr I + e (dw/dy)^T and dw/dy = -w (1 - w) dg/dy.
        dw_z = -w * (1 - w) * (1 / vr - 1 / vf) * (y * z).sum(0)
        total += np.sum(weight * ((S - eps) * (w * sigma / vr * z + e * dw_z)).sum(0))
    return total / len(sigma_list)


EIGHT_STD = 0.05  # toy:8gaussians' mode width, as energy_of_shapes.py draws it
EIGHT_CENTRES = centres(np.arange(8))


def mixture_ideal_score(y, sigma, f):
    """S*(y) for reals toy:8gaussians and fakes the same modes at width f, both noised by sigma; y: (n, 2)."""
    vr, vf = EIGHT_STD ** 2 + sigma * sigma, f * f + sigma * sigma
    d2 = ((y[:, None, :] - EIGHT_CENTRES[None]) ** 2).sum(-1)  # (n, 8)

    def log_mixture(v):  # up to a constant shared by both mixtures
        a = -0.5 * d2 / v
        m = a.max(1, keepdims=True)
        return m[:, 0] + np.log(np.exp(a - m).sum(1)) - np.log(v)

    a = -0.5 * d2 / vr
    r = np.exp(a - a.max(1, keepdims=True))
    r /= r.sum(1, keepdims=True)  # each real mode's responsibility
    x0 = (r[:, :, None] * (EIGHT_CENTRES[None] + EIGHT_STD ** 2 / vr * (y[:, None, :] - EIGHT_CENTRES[None]))).sum(1)
    w = 0.5 * (1 - np.tanh(0.5 * (log_mixture(vf) - log_mixture(vr))))
    return w[:, None] * (y - x0) / sigma


def eight_gaussians_slope(ratio, sigma_list, samples, rng, h=1e-5):
    f = ratio * EIGHT_STD
    total = 0.0
    for sigma in sigma_list:
        x = EIGHT_CENTRES[rng.integers(0, 8, samples)]
        z, eps = rng.normal(size=(samples, 2)), rng.normal(size=(samples, 2))

        def loss(width):
            return 0.5 * ((mixture_ideal_score(x + width * z + sigma * eps, sigma, f) - eps) ** 2).sum(1).mean()

        total += (loss(f + h) - loss(f - h)) / (2 * h)
    return total / len(sigma_list)


def closed_form_at_data(s, sigma_list, dim):
    return float(dim * np.mean(sigma_list ** 2 * s / (4 * (s * s + sigma_list ** 2) ** 2)))


def fixed_point(s, sigma_list, quad):
    """The width f* in (0, s) where dL/df changes sign from negative (grow) to positive (shrink)."""
    lo, hi = 1e-3 * s, s
    if generator_slope(s, lo, sigma_list, quad) > 0:
        return None  # shrinks all the way down: no fixed point above 0.001 s
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if generator_slope(s, mid, sigma_list, quad) > 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--widths", default="0.05,0.1,0.3,0.5", help="data standard deviations s, comma-separated")
    ap.add_argument("--dim", type=int, default=2, choices=[1, 2], help="dimensions of the data (the toys: 2)")
    ap.add_argument("--beta-min", type=float, default=1e-4, help="smm.beta_min (default: the engine's)")
    ap.add_argument("--beta-max", type=float, default=0.02, help="smm.beta_max (default: the engine's)")
    ap.add_argument("--eight-gaussians", action="store_true", help="toy:8gaussians instead of one Gaussian (--widths, --dim, --points do not apply)")
    ap.add_argument("--samples", type=int, default=200000, help="--eight-gaussians: Monte Carlo samples per level")
    ap.add_argument("--points", type=int, default=0,
                    help="Gauss-Hermite points per coordinate (default: 80 in 1-D, 16 in 2-D)")
    a = ap.parse_args()
    points = a.points or (80 if a.dim == 1 else 16)
    if points < 8:
        ap.error(f"--points must be at least 8, got {points}")
    try:
        widths = [float(v) for v in a.widths.split(",")]
    except ValueError:
        ap.error(f"--widths must be comma-separated numbers, got '{a.widths}'")
    if any(not (w > 0) for w in widths):
        ap.error(f"--widths must all be > 0, got '{a.widths}'")
    if not (0 < a.beta_min <= a.beta_max < 1):
        ap.error(f"need 0 < --beta-min <= --beta-max < 1, got {a.beta_min} and {a.beta_max}")
    sig = sigmas(beta_min=a.beta_min, beta_max=a.beta_max)
    if a.eight_gaussians:
        if a.samples < 1000:
            ap.error(f"--samples must be at least 1000, got {a.samples}")
        rng = np.random.default_rng(0)
        print(f"toy:8gaussians; noise levels sigma_t {sig.min():.4f} .. {sig.max():.4f}; {a.samples} samples per level")
        print("f / 0.05 | dL/df")
        for ratio in (1.0, 0.6, 0.45, 0.4, 0.35, 0.3, 0.25):
            print(f"{ratio:.2f} | {eight_gaussians_slope(ratio, sig, a.samples, rng):.4f}", flush=True)
        return
    quad = grid(a.dim, points)
    print(f"{a.dim}-D; noise levels sigma_t {sig.min():.4f} .. {sig.max():.4f} ({len(sig)} levels); "
          f"{points} points per coordinate")
    print("data s | dL/df at f = s: closed form, quadrature | fixed point f* | f* / s")
    for s in widths:
        exact = closed_form_at_data(s, sig, a.dim)
        at_data = generator_slope(s, s, sig, quad)
        fstar = fixed_point(s, sig, quad)
        star = "none above 0.001 s" if fstar is None else f"{fstar:.4f} | {fstar / s:.3f}"
        print(f"{s:.3f} | {exact:.4f}, {at_data:.4f} | {star}", flush=True)


if __name__ == "__main__":
    main()
