// Plain sample sets: what the engine hands out of data sources and samplers.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace onestep {

// A batch of samples in a plain layout: 2-D (or N-D) points, or 8-bit images.
struct SampleSet {
  enum class Kind { Points, Images };
  Kind kind = Kind::Points;
  std::vector<int64_t> shape;   // Points: [N, D]; Images: [N, H, W, C] (NHWC, the ADM evaluator's layout)
  std::vector<float> points;    // Points: row-major N*D values
  std::vector<uint8_t> pixels;  // Images: N*H*W*C bytes, (x*127.5+128) clipped to [0, 255]
  std::vector<int64_t> labels;  // class labels, one per sample; empty when unknown
  int64_t count() const { return shape.empty() ? 0 : shape[0]; }
};

// How a directory of PNGs is written (the CLI's `sample --out DIR` and the studio's export alike).
struct SampleWriteOptions {
  // Text chunks of every PNG ("Model", "Seed", "NFE", "Settings", ...); each file also gets "Index" and, for
  // labelled samples, "Class".
  std::vector<std::pair<std::string, std::string>> text;
  std::function<bool()> shouldStop;                           // polled between files; true throws Cancelled
  std::function<void(int64_t done, int64_t total)> progress;  // after every 16 files and the last
};

// Writes a sample set; the kind of output follows the path: "*.npz" (arr_0 samples, arr_1 labels),
// "*.png" (a grid of images, or a scatter plot of points), otherwise a directory with one PNG per sample
// (000000.png, ...). Files appear atomically: an interrupted write leaves no partial file under the final name, and
// a new directory is written as DIR.partial and renamed when complete.
void writeSamples(const SampleSet& samples, const std::string& path, const SampleWriteOptions& options = {});

// Reads arr_0 (and arr_1 if present) of an NPZ written by writeSamples or by numpy.savez.
SampleSet readSamplesNpz(const std::string& path);

// Energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'| between two point sets (V-statistic, float64).
double energyDistance(const SampleSet& a, const SampleSet& b);

}  // namespace onestep
