// Feature extraction: raw values, the built-in Fashion-MNIST classifier (trained by trainBuiltinFeatures) and a
// user-provided TorchScript Inception (the reference tools' inception-2015-12-05.pt, which takes uint8 NCHW
// images of any size and resizes them itself, returning 2048-d pool features with return_features=True).
#include "metrics/features.h"

#include <torch/script.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/util.h"
#include "data/source.h"
#include "io/atomic_file.h"
#include "io/images.h"
#include "io/samples.h"
#include "onestep/error.h"
#include "onestep/metrics.h"
#include "onestep/runtime.h"

#ifndef ONESTEP_RESOURCE_DIR
#define ONESTEP_RESOURCE_DIR ""
#endif

namespace onestep {
namespace metrics {

FeatureNetImpl::FeatureNetImpl() {
  using namespace torch::nn;
  conv1 = register_module("conv1", Conv2d(Conv2dOptions(1, 32, 3).padding(1).bias(false)));
  bn1 = register_module("bn1", BatchNorm2d(32));
  conv2 = register_module("conv2", Conv2d(Conv2dOptions(32, 64, 3).padding(1).bias(false)));
  bn2 = register_module("bn2", BatchNorm2d(64));
  conv3 = register_module("conv3", Conv2d(Conv2dOptions(64, 64, 3).padding(1).bias(false)));
  bn3 = register_module("bn3", BatchNorm2d(64));
  fc = register_module("fc", Linear(64 * 7 * 7, kBuiltinDim));
  drop = register_module("drop", Dropout(0.3));
  head = register_module("head", Linear(kBuiltinDim, 10));
}

torch::Tensor FeatureNetImpl::features(const torch::Tensor& x) {
  auto h = torch::relu(bn1(conv1(x)));
  h = torch::max_pool2d(torch::relu(bn2(conv2(h))), 2);  // 14x14
  h = torch::max_pool2d(torch::relu(bn3(conv3(h))), 2);  // 7x7
  // Scaled by 1/4 so typical values are O(1), like Inception's pool3: KID's cubic kernel (x.y/d + 1)^3 is then
  // well conditioned (unscaled, x.y/d is ~15 and the kernel's variance swamps the estimate).
  return torch::relu(fc(h.flatten(1))) * kBuiltinScale;
}

torch::Tensor FeatureNetImpl::forward(const torch::Tensor& x) { return head(drop(features(x))); }

void saveFeatureNet(const std::string& path, FeatureNet& net, double accuracy, const std::string& provenance) {
  net->eval();
  net->to(torch::kCPU);
  torch::serialize::OutputArchive archive, weights;
  archive.write("format", c10::IValue(std::string(kFeatureFormat)));
  archive.write("test_accuracy", c10::IValue(accuracy));
  archive.write("provenance", c10::IValue(provenance));
  net->save(weights);
  archive.write("net", weights);
  std::ostringstream bytes;
  archive.save_to(bytes);
  io::writeFileAtomic(path, bytes.str());
}

FeatureNet loadFeatureNet(const std::string& path, torch::Device device) {
  const std::string what = "feature extractor '" + path + "'";
  if (!isFile(path))
    throw Error(what + ": not found (make one with `onestep train-features --data fashion-mnist --out FILE`)");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, torch::kCPU);
  } catch (const c10::Error& e) {
    throw Error(what + ": unreadable or truncated (" + firstLine(e) + ")");
  }
  c10::IValue v;
  if (!archive.try_read("format", v) || !v.isString() || v.toStringRef() != kFeatureFormat)
    throw Error(what + ": not a OneStep feature extractor (no '" + std::string(kFeatureFormat) + "' tag)");
  FeatureNet net;
  try {
    torch::serialize::InputArchive weights;
    archive.read("net", weights);
    net->load(weights);
  } catch (const c10::Error& e) {
    throw Error(what + ": weights do not fit the built-in network (" + firstLine(e) + ")");
  }
  net->eval();
  net->to(device);
  return net;
}

std::string builtinFile(const std::string& extractor) {
  if (extractor.rfind("builtin:", 0) == 0) return extractor.substr(8);
  return resourcePath("features/fashion-mnist-cnn.pt");
}

torch::Tensor builtinFeatures(FeatureNet& net, const torch::Tensor& images, torch::Device device, int64_t batch) {
  torch::NoGradGuard guard;
  net->eval();
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < images.size(0); i += batch) {
    auto x = images.slice(0, i, std::min(i + batch, images.size(0))).to(device);
    parts.push_back(net->features(x).to(torch::kCPU));
  }
  return torch::cat(parts);
}

}  // namespace metrics

namespace {

Features toFeatures(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat32).contiguous().cpu();
  Features f;
  f.count = c.size(0);
  f.dim = c.size(1);
  f.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return f;
}

std::string shapeText(const SampleSet& s) {
  std::string t;
  for (std::size_t i = 1; i < s.shape.size(); ++i) t += (i > 1 ? "x" : "") + std::to_string(s.shape[i]);
  return t;
}

}  // namespace

std::string resourcePath(const std::string& relative) {
  std::vector<std::string> roots;
  if (const char* env = std::getenv("ONESTEP_RESOURCES"); env && *env) roots.emplace_back(env);
  if (const std::string exe = executableDir(); !exe.empty())  // installed: bin/../share/onestep/resources
    roots.push_back(std::filesystem::path(exe + "/../share/onestep/resources").lexically_normal().string());
  roots.push_back(sourceTreeFallback(ONESTEP_RESOURCE_DIR));
  for (const auto& root : roots)
    if (!root.empty() && isFile(root + "/" + relative)) return root + "/" + relative;
  // Not found anywhere: name the first of those folders that exists (the installed one, when installed), so the
  // error that follows says where it was expected.
  for (const auto& root : roots)
    if (!root.empty() && isDir(root)) return root + "/" + relative;
  return roots.front() + "/" + relative;
}

std::string resolveExtractor(const std::string& extractor, const SampleSet& samples) {
  const bool images = samples.kind == SampleSet::Kind::Images;
  const bool fashionShape =
      images && samples.shape.size() == 4 && samples.shape[1] == 28 && samples.shape[2] == 28 && samples.shape[3] == 1;
  if (extractor == "auto" || extractor.empty()) return fashionShape ? "builtin" : "raw";
  if (extractor == "raw") return extractor;
  if (extractor == "builtin" || extractor.rfind("builtin:", 0) == 0) {
    if (!fashionShape)
      throw Error("features '" + extractor + "': made for 28x28 grey images, not " +
                  (images ? shapeText(samples) + " images" : "points") + " (use raw or inception:FILE)");
    return extractor;
  }
  if (extractor.rfind("inception:", 0) == 0) {
    if (!images) throw Error("features '" + extractor + "': needs images, not points (use raw)");
    return extractor;
  }
  throw Error("features '" + extractor + "': unknown (expected raw, builtin, builtin:FILE, inception:FILE or auto)");
}

Features extractFeatures(const SampleSet& samples, const std::string& extractorName, const std::string& deviceName,
                         const MetricProgress& progress) {
  const std::string extractor = resolveExtractor(extractorName, samples);
  if (samples.count() == 0) throw Error("features: the sample set is empty");
  if (extractor == "raw") {
    Features f;
    f.count = samples.count();
    if (samples.kind == SampleSet::Kind::Points) {
      f.dim = samples.shape[1];
      f.values = samples.points;
    } else {
      f.dim = static_cast<int64_t>(samples.pixels.size()) / f.count;
      f.values.assign(samples.pixels.begin(), samples.pixels.end());
    }
    return f;
  }
  const torch::Device device(resolveDevice(deviceName));
  auto images = io::imagesOf(samples);  // uint8 [N,C,H,W]
  const int64_t n = images.size(0);
  if (extractor.rfind("builtin", 0) == 0) {
    auto net = metrics::loadFeatureNet(metrics::builtinFile(extractor), device);
    std::vector<torch::Tensor> parts;
    const int64_t batch = 1000;
    for (int64_t i = 0; i < n; i += batch) {
      auto x = io::bytesToUnit(images.slice(0, i, std::min(i + batch, n)));
      parts.push_back(metrics::builtinFeatures(net, x, device));
      if (progress) progress(std::min(i + batch, n), n);
    }
    return toFeatures(torch::cat(parts));
  }
  // inception:FILE
  const std::string file = extractor.substr(10);
  if (!isFile(file)) throw Error("features '" + extractor + "': file '" + file + "' not found");
  torch::jit::Module net;
  try {
    net = torch::jit::load(file, device);
  } catch (const c10::Error& e) {
    throw Error("features '" + extractor + "': not a loadable TorchScript file (" + firstLine(e) + ")");
  }
  net.eval();
  torch::NoGradGuard guard;
  std::vector<torch::Tensor> parts;
  const int64_t batch = 64;
  for (int64_t i = 0; i < n; i += batch) {
    auto x = images.slice(0, i, std::min(i + batch, n));
    if (x.size(1) == 1) x = x.repeat({1, 3, 1, 1});  // grey → RGB, as the reference tools do
    torch::Tensor out;
    try {
      out = net.get_method("forward")({x.to(device)}, {{"return_features", true}}).toTensor();
    } catch (const std::exception& e) {
      throw Error("features '" + extractor + "': forward(images uint8 [N,3,H,W], return_features=True) failed (" +
                  firstLine(e) + ")");
    }
    if (out.dim() != 2 || out.size(0) != x.size(0))
      throw Error("features '" + extractor + "': expected features [N, D] from forward, got " +
                  std::to_string(out.dim()) + "-D output");
    parts.push_back(out.to(torch::kCPU, torch::kFloat32));
    if (progress) progress(std::min(i + batch, n), n);
  }
  return toFeatures(torch::cat(parts));
}

}  // namespace onestep
