// A training step's share of the batch (dist.h): whole-batch draws, this rank's rows.
#include "dist/dist.h"
#include "onestep/parallel.h"

namespace onestep::dist {
namespace {

std::vector<int64_t> wholeShape(std::vector<int64_t> shape) {
  if (!shape.empty()) shape[0] *= worldSize();
  return shape;
}

}  // namespace

std::string rankDevice(const std::string& resolved) {
  if (resolved != "cuda" || !active()) return resolved;
  return "cuda:" + std::to_string(parallel::localRank() % static_cast<int>(torch::cuda::device_count()));
}

int64_t localBatch(int64_t batch) { return batch / worldSize(); }

torch::Tensor shard(const torch::Tensor& whole) {
  if (!active()) return whole;
  const int64_t n = whole.size(0) / worldSize();
  return whole.narrow(0, rank() * n, n);
}

torch::Tensor randn(std::vector<int64_t> shareShape, const torch::TensorOptions& options) {
  return shard(torch::randn(wholeShape(std::move(shareShape)), options));
}

torch::Tensor randnLike(const torch::Tensor& share) {
  if (!active()) return torch::randn_like(share);
  return randn(share.sizes().vec(), share.options());
}

torch::Tensor rand(std::vector<int64_t> shareShape, const torch::TensorOptions& options) {
  return shard(torch::rand(wholeShape(std::move(shareShape)), options));
}

torch::Tensor randint(int64_t high, std::vector<int64_t> shareShape, const torch::TensorOptions& options) {
  return shard(torch::randint(high, wholeShape(std::move(shareShape)), options));
}

torch::Tensor dropout(const torch::Tensor& share, double p, bool training) {
  if (!training || p <= 0) return share;
  auto keep = torch::empty(wholeShape(share.sizes().vec()), share.options()).bernoulli_(1 - p);
  return share * shard(keep) * (1 / (1 - p));
}

torch::Tensor sampleShare(data::DataSource& data, int64_t batch, torch::Tensor* labels, torch::Tensor* whole,
                          torch::Tensor* wholeLabels) {
  auto gen = at::detail::getDefaultCPUGenerator();
  torch::Tensor allLabels;
  auto all = data.sample(batch, gen, &allLabels);
  if (whole) *whole = all;
  if (wholeLabels) *wholeLabels = allLabels;
  if (labels) *labels = allLabels.defined() ? shard(allLabels) : allLabels;
  return shard(all);
}

}  // namespace onestep::dist
