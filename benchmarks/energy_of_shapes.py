#!/usr/bin/env python3
"""What the energy distance on toy:8gaussians responds to: 2000 points of a distorted 8 Gaussians
(same circle of radius 0.8, standard deviation 0.05 per mode) against 2000 points of the real one,
with the engine's formula (2 E|X-Y| - E|X-X'| - E|Y-Y'|, all pairs). The ring has radius 0.8 and radial
standard deviation 0.02. Prints one line per shape.

With --describe FILE.npz ... it describes sample files of toy:8gaussians (written by `onestep sample`) by
the same figures as fresh data and a uniform ring: the share of each mode (8 x its fraction, so 1 is even),
how many points lie farther than 0.2 (4 standard deviations) from every mode, the 5th-95th percentile of
the radius, and the median distance along the circle to the nearest mode (about 0.034 for the data, 0.155
for a uniform ring): a mode structure, a ring, or bridges between the modes.
Usage: /usr/bin/python3 benchmarks/energy_of_shapes.py [--seed S] [--mode-std S ...] [--describe FILE.npz ...]"""
import argparse

import numpy as np


STEP = 2 * np.pi / 8  # the angle between neighbouring modes


def centres(mode):
    angle = mode * STEP
    return np.stack([np.cos(angle), np.sin(angle)], 1) * 0.8


def eight_gaussians(rng, n, std=0.05, weights=None):
    return centres(rng.choice(8, n, p=weights)) + rng.normal(size=(n, 2)) * std


def ring(rng, n, std=0.02):
    angle = rng.random(n) * 2 * np.pi
    return np.stack([np.cos(angle), np.sin(angle)], 1) * (0.8 + rng.normal(size=(n, 1)) * std)


def energy(x, y):
    def mean_distance(a, b):
        return np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)).mean()
    return 2 * mean_distance(x, y) - mean_distance(x, x) - mean_distance(y, y)


def describe(name, x):
    angle = np.arctan2(x[:, 1], x[:, 0])
    mode = np.round(angle / STEP).astype(int) % 8
    far = (np.sqrt(((x - centres(mode)) ** 2).sum(1)) > 0.2).mean()
    shares = np.bincount(mode, minlength=8) / len(x) * 8
    radius = np.sqrt((x ** 2).sum(1))
    along = np.abs(angle / STEP - np.round(angle / STEP)) * STEP * 0.8
    r5, r95 = np.percentile(radius, [5, 95])
    print(f"{name:36s} shares {shares.min():.2f}-{shares.max():.2f}  far {far:5.1%}  "
          f"radius {r5:.3f}-{r95:.3f}  along the circle {np.median(along):.3f}")


def load_points(path):
    try:
        with np.load(path) as f:
            x = f[list(f.keys())[0]]
    except (OSError, ValueError, IndexError) as e:
        raise SystemExit(f"{path}: cannot read it as a .npz of samples ({e})")
    x = x.reshape(len(x), -1)
    if x.shape[1] != 2:
        raise SystemExit(f"{path}: expected 2-D points (N x 2), got {x.shape[1]} values per sample")
    return x.astype(np.float64)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mode-std", type=float, action="append", default=[], metavar="S",
                   help="also score modes of this standard deviation (repeatable)")
    p.add_argument("--describe", nargs="+", metavar="FILE.npz", help="describe these 8 Gaussians sample files")
    args = p.parse_args()
    if any(not (s > 0) for s in args.mode_std):
        p.error(f"--mode-std must be > 0, got {args.mode_std}")
    rng = np.random.default_rng(args.seed)
    n = 2000
    if args.describe:
        samples = [(path, load_points(path)) for path in args.describe]
        describe("fresh data", eight_gaussians(rng, n))
        describe("a uniform ring through the modes", ring(rng, n))
        for path, x in samples:
            describe(path, x)
        return
    data = eight_gaussians(rng, n)
    doubled = np.full(8, 1 / 9)
    doubled[0] = 2 / 9
    shapes = [
        ("fresh data (the noise floor)", eight_gaussians(rng, n)),
        ("modes half as wide (std 0.025)", eight_gaussians(rng, n, std=0.025)),
        ("modes twice as wide (std 0.1)", eight_gaussians(rng, n, std=0.1)),
        ("one mode with twice its share", eight_gaussians(rng, n, weights=doubled)),
        ("a uniform ring through the modes", ring(rng, n)),
    ]
    shapes += [(f"modes of std {s:g}", eight_gaussians(rng, n, std=s)) for s in args.mode_std]
    for name, x in shapes:
        print(f"{name:36s} {energy(x, data):.4f}")


if __name__ == "__main__":
    main()
