#include "data/source.h"

#include <ATen/CPUGeneratorImpl.h>

#include "core/util.h"
#include "io/images.h"
#include "io/samples.h"
#include "onestep/error.h"

namespace onestep::data {
namespace {

constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

class ImageDataset : public DataSource {
 public:
  ImageDataset(DataInfo info, torch::Tensor images, torch::Tensor labels)
      : m_info(std::move(info)), m_images(std::move(images)), m_labels(std::move(labels)) {}
  const DataInfo& info() const override { return m_info; }

  torch::Tensor sample(int64_t n, at::Generator& g, torch::Tensor* labels) override {
    auto idx = torch::randint(m_images.size(0), {n}, g, torch::kLong);
    return take(idx, labels);
  }

  torch::Tensor draw(int64_t n, at::Generator& g, torch::Tensor* labels) override {
    // Distinct items while they last; beyond the set's size, further seeded permutations.
    std::vector<torch::Tensor> parts;
    int64_t left = n;
    while (left > 0) {
      auto perm = torch::randperm(m_images.size(0), g, torch::kLong);
      parts.push_back(perm.slice(0, 0, std::min(left, perm.size(0))));
      left -= parts.back().size(0);
    }
    return take(torch::cat(parts), labels);
  }

 private:
  torch::Tensor take(const torch::Tensor& idx, torch::Tensor* labels) {
    if (labels) *labels = m_labels.defined() ? m_labels.index_select(0, idx) : torch::Tensor();
    return io::bytesToUnit(m_images.index_select(0, idx));
  }
  DataInfo m_info;
  torch::Tensor m_images;  // uint8 [N,C,H,W]
  torch::Tensor m_labels;  // int64 [N] or undefined
};

}  // namespace

ParsedSpec parseSpec(const std::string& spec) {
  ParsedSpec p;
  p.text = spec;
  std::string head = spec;
  auto q = spec.find('?');
  if (q != std::string::npos) {
    head = spec.substr(0, q);
    for (const auto& kv : split(spec.substr(q + 1), '&')) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        throw Error("data spec '" + spec + "': option '" + kv + "' must be key=value");
      p.options[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  auto colon = head.find(':');
  p.kind = head.substr(0, colon);
  if (colon != std::string::npos) p.path = head.substr(colon + 1);
  static const std::vector<std::string> kKinds = {"toy", "fashion-mnist", "mnist", "cifar10", "folder"};
  if (std::find(kKinds.begin(), kKinds.end(), p.kind) == kKinds.end())
    throw Error("data spec '" + spec +
                "': unknown kind (expected toy:NAME, fashion-mnist[:DIR], mnist:DIR, cifar10:DIR or folder:DIR)");
  return p;
}

std::unique_ptr<DataSource> openData(const std::string& spec) {
  ParsedSpec p = parseSpec(spec);
  if (p.kind == "toy") return makeToy(p);
  if (p.kind == "fashion-mnist") return openIdxDataset(p, kFashionMnistDir);
  if (p.kind == "mnist") return openIdxDataset(p, "");
  if (p.kind == "cifar10") return openCifar10(p);
  return openImageFolder(p);
}

std::unique_ptr<DataSource> makeImageDataset(DataInfo info, torch::Tensor images, torch::Tensor labels) {
  return std::make_unique<ImageDataset>(std::move(info), std::move(images), std::move(labels));
}

at::Generator makeGenerator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

}  // namespace onestep::data

namespace onestep {

DataInfo describeData(const std::string& spec) { return data::openData(spec)->info(); }

std::vector<std::string> builtinDataSpecs() {
  return {"toy:8gaussians", "toy:moons", "toy:swissroll", "toy:checkerboard", "toy:rings", "fashion-mnist"};
}

}  // namespace onestep

namespace onestep {

SampleSet drawData(const std::string& spec, int64_t n, uint64_t seed) {
  if (n <= 0) throw Error("data: n must be >= 1");
  auto source = data::openData(spec);
  const DataInfo info = source->info();
  const double elements = info.kind == "points" ? info.dim : 1.0 * info.channels * info.height * info.width;
  checkFitsInMemory("data: n " + std::to_string(n), n, 2 * 4 * elements);  // float samples, and their copy out
  auto gen = data::makeGenerator(seed);
  torch::Tensor labels;
  auto x = source->draw(n, gen, &labels);
  return io::toSampleSet(x, labels);
}

}  // namespace onestep
