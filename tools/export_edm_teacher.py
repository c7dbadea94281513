#!/usr/bin/env python3
"""Exports an EDM or EDM2 network pickle to the TorchScript teacher that OneStep reads.

The pickles of NVlabs/edm and NVlabs/edm2 hold their networks as Python objects of those projects' classes, so
their source tree must be on PYTHONPATH (nothing is downloaded: the pickle is a local file):

    PYTHONPATH=path/to/edm python3 tools/export_edm_teacher.py edm-cifar10-32x32-cond-vp.pkl cifar10-teacher.pt
    onestep sample --model cifar10-teacher.pt --n 64 --out grid.png
    onestep distill --method sid --teacher cifar10-teacher.pt --data cifar10:path/to/cifar-10-batches-bin --out runs/sid

The file written is a TorchScript module with forward(x, sigma) (unconditional) or forward(x, sigma, class_labels)
(class labels one-hot, or None for an unconditional call), returning the denoised D(x; sigma) in float32, and the
attributes img_channels, img_resolution, label_dim and sigma_data that the engine reads. The network is traced on
the CPU at float32 (EDM's fp16 path is for CUDA); the export then checks, after saving and loading the file again,
that it gives the pickled network's outputs at other batch sizes and noise levels, and fails if it does not.
EDM2's ImageNet-512 networks work in the latent space of a VAE: the teacher exported is that latent denoiser.
"""
import argparse
import os
import pickle
import sys

from typing import Optional

import torch


def fail(message):
    print(f"export_edm_teacher: {message}", file=sys.stderr)
    sys.exit(1)


def load_network(path, key):
    try:
        with open(path, "rb") as f:
            data = pickle.load(f)
    except FileNotFoundError:
        fail(f"'{path}': no such file")
    except (ModuleNotFoundError, AttributeError) as e:
        fail(f"'{path}': its classes cannot be found ({e}); put the EDM or EDM2 source tree on PYTHONPATH")
    except (pickle.UnpicklingError, EOFError, ValueError) as e:
        fail(f"'{path}': not a readable network pickle ({e})")
    net = data.get(key) if isinstance(data, dict) else data
    if net is None:
        fail(f"'{path}': no '{key}' entry (it holds {sorted(data)}); choose one with --key")
    if not isinstance(net, torch.nn.Module):
        fail(f"'{path}': '{key}' is a {type(net).__name__}, not a network")
    for attr in ("img_resolution", "img_channels"):
        if not isinstance(getattr(net, attr, None), int):
            fail(f"'{path}': the network has no integer '{attr}' attribute (not an EDM/EDM2 network)")
    return net


class Unconditional(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x, sigma):
        return self.net(x, sigma, None, force_fp32=True).to(torch.float32)


class Conditional(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x, sigma, class_labels):
        return self.net(x, sigma, class_labels, force_fp32=True).to(torch.float32)


class ExportedUnconditional(torch.nn.Module):
    img_channels: int
    img_resolution: int
    label_dim: int
    sigma_data: float

    def __init__(self, traced, channels, resolution, sigma_data):
        super().__init__()
        self.net = traced
        self.img_channels = channels
        self.img_resolution = resolution
        self.label_dim = 0
        self.sigma_data = sigma_data

    def forward(self, x, sigma):
        return self.net(x, sigma)


class ExportedConditional(torch.nn.Module):
    img_channels: int
    img_resolution: int
    label_dim: int
    sigma_data: float

    def __init__(self, traced, channels, resolution, label_dim, sigma_data):
        super().__init__()
        self.net = traced
        self.img_channels = channels
        self.img_resolution = resolution
        self.label_dim = label_dim
        self.sigma_data = sigma_data

    def forward(self, x, sigma, class_labels: Optional[torch.Tensor] = None):
        # No labels: the zero label vector, as EDM's networks do for an unconditional call.
        if class_labels is None:
            class_labels = torch.zeros([x.shape[0], self.label_dim], dtype=x.dtype, device=x.device)
        return self.net(x, sigma, class_labels.to(x.dtype))


def inputs(net, n, generator):
    x = torch.randn([n, net.img_channels, net.img_resolution, net.img_resolution], generator=generator)
    # Noise levels from EDM's training distribution and the sampler's ends.
    sigma = torch.exp(torch.randn([n], generator=generator) * 1.2 - 1.2).clamp(0.002, 80)
    sigma[0] = 80.0
    x = x * sigma.reshape(-1, 1, 1, 1)
    labels = None
    if net.label_dim > 0:
        labels = torch.nn.functional.one_hot(
            torch.randint(net.label_dim, [n], generator=generator), net.label_dim).to(torch.float32)
    return x, sigma, labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pickle", help="the network pickle (network-snapshot-*.pkl, edm-*.pkl, edm2-*.pkl)")
    parser.add_argument("out", help="the TorchScript file to write (.pt)")
    parser.add_argument("--key", default="ema", help="the pickle's entry holding the network (default: ema)")
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest difference from the pickled network allowed, relative to its output's scale")
    args = parser.parse_args()

    net = load_network(args.pickle, args.key)
    net = net.eval().requires_grad_(False).to(torch.device("cpu")).to(torch.float32)
    label_dim = int(getattr(net, "label_dim", 0) or 0)
    net.label_dim = label_dim
    sigma_data = float(getattr(net, "sigma_data", 0.5))
    generator = torch.Generator().manual_seed(0)
    x, sigma, labels = inputs(net, 2, generator)
    with torch.no_grad():
        try:
            if label_dim > 0:
                traced = torch.jit.trace(Conditional(net), (x, sigma, labels), check_trace=False)
                exported = ExportedConditional(traced, net.img_channels, net.img_resolution, label_dim, sigma_data)
            else:
                traced = torch.jit.trace(Unconditional(net), (x, sigma), check_trace=False)
                exported = ExportedUnconditional(traced, net.img_channels, net.img_resolution, sigma_data)
            scripted = torch.jit.script(exported)
        except Exception as e:  # the tracer's and the compiler's errors have no common base class
            fail(f"'{args.pickle}': the network could not be traced ({type(e).__name__}: {str(e).splitlines()[0]})")
    # Written under a temporary name and renamed once it has passed the check below: a rejected export leaves no
    # file that looks usable.
    partial = args.out + ".partial"
    try:
        scripted.save(partial)
    except OSError as e:
        fail(f"'{args.out}': cannot be written ({e})")

    # The file as the engine will load it, against the pickled network: other batch sizes, other noise levels,
    # and (conditional) an unconditional call.
    loaded = torch.jit.load(partial)
    worst = 0.0
    with torch.no_grad():
        for n in (1, 3, 5):
            x, sigma, labels = inputs(net, n, generator)
            want = net(x, sigma, labels, force_fp32=True).to(torch.float32)
            got = loaded(x, sigma, labels) if label_dim > 0 else loaded(x, sigma)
            worst = max(worst, float((got - want).abs().max() / want.abs().max().clamp_min(1e-6)))
        if label_dim > 0:
            want = net(x, sigma, torch.zeros([x.shape[0], label_dim]), force_fp32=True)
            worst = max(worst, float((loaded(x, sigma) - want).abs().max() / want.abs().max().clamp_min(1e-6)))
    if not worst <= args.tolerance:
        os.remove(partial)
        fail(f"'{args.out}': the traced network differs from the pickled one by {worst:.3g} (relative) at another "
             f"batch size or noise level; its forward pass may depend on shapes in a way tracing cannot follow")
    os.replace(partial, args.out)
    shape = f"{net.img_channels}x{net.img_resolution}x{net.img_resolution}"
    classes = f"{label_dim} classes" if label_dim else "unconditional"
    print(f"wrote {args.out}: {shape}, {classes}, sigma_data {sigma_data:g}, "
          f"{sum(p.numel() for p in net.parameters())} parameters; largest relative difference from the pickle "
          f"{worst:.2g} (batches 1, 3, 5)")


if __name__ == "__main__":
    main()
