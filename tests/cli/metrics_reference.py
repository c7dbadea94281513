"""Independent reference values for `onestep fid` (numpy/scipy), written the way the reference tools do them.

usage: metrics_reference.py make DIR        writes feature sets a.npz, b.npz, near-singular c.npz, d.npz
       metrics_reference.py expect A B      prints the expected metrics of two NPZ sets as JSON
"""
import json
import sys

import numpy as np
from scipy import linalg


def fid_from_stats(mu1, sigma1, mu2, sigma2, eps=1e-6):
    # pytorch-fid's calculate_frechet_distance
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def stats(x):
    x = x.astype(np.float64)
    return x.mean(0), np.cov(x, rowvar=False)


def kid_full(x, y):
    # the unbiased polynomial-kernel MMD of the reference implementation, on one subset = the whole sets
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    n, m = x.shape[1], x.shape[0]
    a = (x @ x.T / n + 1) ** 3 + (y @ y.T / n + 1) ** 3
    b = (x @ y.T / n + 1) ** 3
    return float(((a.sum() - np.diag(a).sum()) / (m - 1) - b.sum() * 2 / m) / m)


def precision_recall(real, fake, k=3):
    def radii(x):
        d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
        return np.sort(d, axis=1)[:, k]

    def cover(manifold, r, q):
        d = np.sqrt(((q[:, None, :] - manifold[None, :, :]) ** 2).sum(-1))
        return float((d <= r[None, :]).any(1).mean())

    real = real.astype(np.float64)
    fake = fake.astype(np.float64)
    return cover(real, radii(real), fake), cover(fake, radii(fake), real)


def energy(x, y):
    def mean_dist(p, q):
        return np.sqrt(((p[:, None, :] - q[None, :, :]) ** 2).sum(-1)).mean()

    x = x.astype(np.float64)
    y = y.astype(np.float64)
    return float(2 * mean_dist(x, y) - mean_dist(x, x) - mean_dist(y, y))


def make(d):
    rng = np.random.default_rng(7)
    # ordinary: 16-d correlated Gaussians with different means and covariances
    a = rng.standard_normal((500, 16)) @ rng.standard_normal((16, 16)) * 0.5
    b = rng.standard_normal((500, 16)) @ rng.standard_normal((16, 16)) * 0.6 + 0.3
    # near-singular: 40-d features that lie (up to 1e-7 noise) in a 6-d subspace
    basis = rng.standard_normal((6, 40))
    c = rng.standard_normal((300, 6)) @ basis + 1e-7 * rng.standard_normal((300, 40))
    e = (rng.standard_normal((300, 6)) * 1.3 + 0.2) @ basis + 1e-7 * rng.standard_normal((300, 40))
    for name, x in (("a", a), ("b", b), ("c", c), ("d", e)):
        np.savez(f"{d}/{name}.npz", x.astype(np.float32))
    mu, sigma = stats(a)
    np.savez(f"{d}/a-stats.npz", mu=mu, sigma=sigma)


def expect(pa, pb):
    x = np.load(pa)["arr_0"]
    y = np.load(pb)["arr_0"]
    mu1, s1 = stats(x)
    mu2, s2 = stats(y)
    p, r = precision_recall(x, y)
    out = {"fid": fid_from_stats(mu1, s1, mu2, s2), "kid": kid_full(x, y), "precision": p, "recall": r,
           "energy_distance": energy(x, y)}
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        expect(sys.argv[2], sys.argv[3])
