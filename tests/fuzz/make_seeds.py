#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>): small valid inputs of each reader, and
a few near misses, so that libFuzzer starts from files that reach deep into each parser.
Run with Debian's interpreter (numpy, python3-torch): /usr/bin/python3 tests/fuzz/make_seeds.py [build/app/onestep]
With the onestep program, the model corpus also gets a checkpoint and an exported model of a tiny toy teacher.
The JPEG, WebP and TIFF seeds of corpus/image were written once by OpenCV 4.6's imwrite and are kept as they are."""
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import torch

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(here, target), exist_ok=True)
    with open(os.path.join(here, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def npy(a, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, a)
    else:
        np.lib.format.write_array(b, a, version=version)
    return b.getvalue()


def npz(**arrays):
    b = io.BytesIO()
    np.savez(b, **arrays)
    return b.getvalue()


rng = np.random.default_rng(0)
points = rng.standard_normal((4, 2)).astype(np.float32)
images = rng.integers(0, 256, (2, 4, 4, 1), dtype=np.uint8)

put("npy", "points-f4.npy", npy(points))
put("npy", "points-f8-v2.npy", npy(points.astype(np.float64), version=(2, 0)))
put("npy", "images-u1.npy", npy(images))
put("npy", "labels-i8.npy", npy(np.arange(3, dtype=np.int64)))
put("npy", "scalar.npy", npy(np.array(3, dtype=np.int64)))
put("npy", "truncated.npy", npy(points)[:-3])

put("npz", "points.npz", npz(arr_0=points, arr_1=np.arange(4, dtype=np.int64)))
put("npz", "images.npz", npz(arr_0=images))
put("npz", "stats.npz", npz(mu=np.zeros(3), sigma=np.eye(3), count=np.array(10, dtype=np.int64)))
put("npz", "nan.npz", npz(arr_0=np.full((2, 2), np.nan, dtype=np.float32)))


def idx(magic_dims, shape, payload):
    return struct.pack(">I", 0x800 | magic_dims) + b"".join(struct.pack(">I", d) for d in shape) + payload


img = idx(3, (2, 3, 3), bytes(range(18)))
lab = idx(1, (2,), bytes([1, 9]))
put("idx", "images-idx3-ubyte", img)
put("idx", "labels-idx1-ubyte", lab)
put("idx", "images-idx3-ubyte.gz", gzip.compress(img, mtime=0))
put("idx", "labels-idx1-ubyte.gz", gzip.compress(lab, mtime=0))
put("idx", "truncated-idx3-ubyte", img[:-4])

record = bytes([3]) + bytes((i * 7) % 256 for i in range(3072))
put("cifar", "one-record.bin", record)
put("cifar", "two-records.bin", record + bytes([9]) + record[1:])
put("cifar", "bad-label.bin", bytes([200]) + record[1:])


def png(w, h, grey, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\0" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0 if grey else 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# The first byte of an image input picks size and channels (fuzz_image.cpp); the rest is the file.
put("image", "grey.png", b"\x00" + png(5, 3, True, [bytes([x * 40 + y for x in range(5)]) for y in range(3)]))
put("image", "rgb.png", b"\x01" + png(3, 6, False, [bytes(range(y, y + 9)) for y in range(6)]))
put("image", "grey.pgm", b"\x02" + b"P5\n4 4\n255\n" + bytes(range(0, 160, 10)))
put("image", "rgb.ppm", b"\x03" + b"P6\n2 2\n255\n" + bytes(range(12)))
bmp_pixels = bytes(range(24)) * 1  # 4x2 BGR rows of 12 bytes (already 4-byte aligned)
put("image", "rgb.bmp", b"\x05" + b"BM" + struct.pack("<IHHI", 54 + len(bmp_pixels), 0, 0, 54) +
    struct.pack("<IiiHHIIiiII", 40, 4, 2, 1, 24, 0, len(bmp_pixels), 2835, 2835, 0, 0) + bmp_pixels)

settings = {"method": "sid", "data": "toy:8gaussians", "batch": 64, "seed": 1, "steps": 100,
            "net": {"arch": "mlp", "hidden": 64, "channel_mult": "1,2,2"}, "sid": {"alpha": 1.2, "t_max": 0.8},
            "ct": {"stages": 4, "q": 2.0}, "teacher": {"lr": 0.0002}}
put("config", "config.json", json.dumps(settings, indent=2))
put("config", "sets.txt", "sid.alpha=1.0\nbatch=32\nnet.channel_mult=1,2\nect.stages=-1\nfashion-mnist?split=test\n")
put("config", "spec.txt", "toy:8gaussians\nfolder:images?size=16&channels=1\n")

put("run_dir", "config.json", json.dumps(dict(settings, teacher_model="../teacher")))
put("run_dir", "metrics.jsonl", "\n".join(json.dumps(m) for m in [
    {"iteration": 1, "samples": 64, "wall_s": 0.5, "loss": 1.5, "lr": 1e-4},
    {"iteration": 2, "samples": 128, "wall_s": 1.0, "energy": 0.01, "eval_n": 100},
    {"iteration": 2, "samples": 128, "wall_s": 1.0, "set": {"sid.alpha": 1.0, "preview": "teacher"}},
    {"iteration": 3, "samples": 192, "wall_s": 1.5, "fid": 20.5}]) + "\n{\"iteration\": 4, \"sam")


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.img_channels, self.img_resolution, self.label_dim = 1, 4, 0
        self.w = torch.nn.Parameter(torch.ones(1))

    def forward(self, x, sigma, labels: torch.Tensor):
        return x * self.w


b = io.BytesIO()
torch.jit.save(torch.jit.script(Tiny()), b)
put("model", "torchscript.pt", b.getvalue())
if len(sys.argv) > 1:
    with tempfile.TemporaryDirectory() as t:
        subprocess.run([sys.argv[1], "train-teacher", "--data", "toy:8gaussians", "--steps", "1", "--set", "net.hidden=8",
                        "--set", "net.depth=1", "--set", "snapshot_every=0", "--set", "eval_every=0", "--out", t + "/run",
                        "--quiet", "--threads", "1"], check=True)
        subprocess.run([sys.argv[1], "export", "--model", t + "/run", "--out", t + "/exported.pt"], check=True)
        put("model", "checkpoint.pt", open(t + "/run/checkpoints/ckpt-000000001.pt", "rb").read())
        put("model", "exported.pt", open(t + "/exported.pt", "rb").read())
print("seeds written under", here)
