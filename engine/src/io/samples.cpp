#include "io/samples.h"

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/util.h"
#include "io/atomic_file.h"
#include "io/images.h"
#include "io/npz.h"
#include "onestep/error.h"

namespace onestep::io {

SampleSet toSampleSet(const torch::Tensor& x, const torch::Tensor& labels) {
  SampleSet s;
  if (x.dim() == 2) {
    s.kind = SampleSet::Kind::Points;
    auto p = x.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    s.shape = {p.size(0), p.size(1)};
    s.points.assign(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
  } else if (x.dim() == 4) {
    s.kind = SampleSet::Kind::Images;
    auto b = unitToBytes(x).permute({0, 2, 3, 1}).contiguous();
    s.shape = {b.size(0), b.size(1), b.size(2), b.size(3)};
    s.pixels.assign(b.data_ptr<uint8_t>(), b.data_ptr<uint8_t>() + b.numel());
  } else {
    throw Error("samples: expected [N,D] points or [N,C,H,W] images, got " + std::to_string(x.dim()) + " dims");
  }
  if (labels.defined()) {
    auto l = labels.to(torch::kCPU, torch::kLong).contiguous();
    s.labels.assign(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + l.numel());
  }
  return s;
}

torch::Tensor pointsOf(const SampleSet& s) {
  if (s.kind != SampleSet::Kind::Points || s.shape.size() != 2) throw Error("samples: expected points [N,D]");
  return torch::from_blob(const_cast<float*>(s.points.data()), {s.shape[0], s.shape[1]}, torch::kFloat32)
      .to(torch::kFloat64);
}

torch::Tensor imagesOf(const SampleSet& s) {
  if (s.kind != SampleSet::Kind::Images || s.shape.size() != 4) throw Error("samples: expected images [N,H,W,C]");
  return torch::from_blob(const_cast<uint8_t*>(s.pixels.data()), {s.shape[0], s.shape[1], s.shape[2], s.shape[3]},
                          torch::kUInt8)
      .permute({0, 3, 1, 2})
      .clone();
}

}  // namespace onestep::io

namespace onestep {

void writeSamples(const SampleSet& s, const std::string& path, const SampleWriteOptions& options) {
  const std::string ext = extensionOf(path);
  if (ext == ".npz") {
    io::NpyArray a;
    a.shape = s.shape;
    if (s.kind == SampleSet::Kind::Points) {
      a.dtype = "<f4";
      a.data.assign(reinterpret_cast<const char*>(s.points.data()), s.points.size() * sizeof(float));
    } else {
      a.dtype = "|u1";
      a.data.assign(reinterpret_cast<const char*>(s.pixels.data()), s.pixels.size());
    }
    std::vector<std::pair<std::string, io::NpyArray>> arrays = {{"arr_0", a}};
    if (!s.labels.empty()) {
      io::NpyArray l{"<i8", {static_cast<int64_t>(s.labels.size())}, {}};
      l.data.assign(reinterpret_cast<const char*>(s.labels.data()), s.labels.size() * sizeof(int64_t));
      arrays.emplace_back("arr_1", l);
    }
    io::writeNpz(path, arrays);
    return;
  }
  if (ext == ".png") {
    if (s.kind == SampleSet::Kind::Points) {
      if (s.shape[1] != 2) throw Error("output '" + path + "': a scatter PNG needs 2-D points");
      io::writePng(path, io::scatterPlot(io::pointsOf(s)));
    } else {
      io::writePng(path, io::imageGrid(io::imagesOf(s)));
    }
    return;
  }
  if (!ext.empty()) throw Error("output '" + path + "': expected a .npz or .png file, or a directory");
  if (s.kind == SampleSet::Kind::Points) throw Error("output '" + path + "': points go to a .npz or .png file");
  // A directory of PNGs, one per sample. Written into a temporary sibling and renamed when complete.
  if (isFile(path)) throw Error("output '" + path + "': exists and is not a directory");
  auto images = io::imagesOf(s);
  bool existed = isDir(path);
  std::string target = path;
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  std::string work = existed ? target : target + ".partial";
  io::makeDirs(work);
  char name[32];
  const int64_t total = images.size(0);
  try {
    for (int64_t i = 0; i < total; ++i) {
      if (options.shouldStop && options.shouldStop()) throw Cancelled("writing samples to '" + path + "': cancelled");
      std::snprintf(name, sizeof name, "/%06lld.png", static_cast<long long>(i));
      auto text = options.text;
      text.emplace_back("Index", std::to_string(i));
      if (!s.labels.empty()) text.emplace_back("Class", std::to_string(s.labels[static_cast<std::size_t>(i)]));
      io::writePng(work + name, io::imageGrid(images.slice(0, i, i + 1), 1, 0), text);
      if (options.progress && (i % 16 == 15 || i + 1 == total)) options.progress(i + 1, total);
    }
  } catch (...) {
    std::error_code ec;
    if (!existed) std::filesystem::remove_all(work, ec);  // a new directory appears whole or not at all
    throw;
  }
  if (!existed) {
    std::error_code ec;
    std::filesystem::rename(work, target, ec);
    if (ec) throw Error("output '" + path + "': cannot rename finished directory (" + ec.message() + ")");
  }
}

SampleSet readSamplesNpz(const std::string& path) {
  auto arrays = io::readNpz(path);
  auto it = arrays.find("arr_0");
  if (it == arrays.end()) throw Error("NPZ file '" + path + "': has no arr_0 (samples)");
  const auto& a = it->second;
  SampleSet s;
  s.shape = a.shape;
  if (!a.shape.empty() && a.count() == 0) throw Error("NPZ file '" + path + "': arr_0 holds no samples");
  if (a.shape.size() == 2 && (a.dtype == "<f4" || a.dtype == "<f8")) {
    s.kind = SampleSet::Kind::Points;
    s.points.resize(static_cast<std::size_t>(a.count()));
    if (a.dtype == "<f4") {
      std::memcpy(s.points.data(), a.data.data(), a.data.size());
    } else {
      const double* d = reinterpret_cast<const double*>(a.data.data());
      for (std::size_t i = 0; i < s.points.size(); ++i) s.points[i] = static_cast<float>(d[i]);
    }
  } else if (a.shape.size() == 4 && (a.dtype == "|u1" || a.dtype == "<u1")) {
    s.kind = SampleSet::Kind::Images;
    s.pixels.assign(a.data.begin(), a.data.end());
  } else {
    throw Error("NPZ file '" + path + "': arr_0 must be float [N,D] points or uint8 [N,H,W,C] images");
  }
  if (a.shape[0] == 0) throw Error("NPZ file '" + path + "': arr_0 holds no samples");
  for (std::size_t i = 0; i < s.points.size(); ++i)
    if (!std::isfinite(s.points[i]))
      throw Error("NPZ file '" + path + "': arr_0 holds a NaN or infinite value (sample " +
                  std::to_string(i / static_cast<std::size_t>(a.shape[1])) + "); expected finite points");
  auto lab = arrays.find("arr_1");
  if (lab != arrays.end() && lab->second.dtype == "<i8" && lab->second.count() == s.count()) {
    s.labels.resize(static_cast<std::size_t>(s.count()));
    std::memcpy(s.labels.data(), lab->second.data.data(), lab->second.data.size());
  }
  return s;
}

double energyDistance(const SampleSet& a, const SampleSet& b) {
  auto x = io::pointsOf(a), y = io::pointsOf(b);
  if (x.size(1) != y.size(1)) throw Error("energy distance: point sets have different dimensions");
  auto xy = torch::cdist(x, y).mean().item<double>();
  auto xx = torch::cdist(x, x).mean().item<double>();
  auto yy = torch::cdist(y, y).mean().item<double>();
  return 2 * xy - xx - yy;
}

}  // namespace onestep
