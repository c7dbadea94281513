#include "train/losses.h"

#include <cmath>
#include <mutex>

namespace onestep::training {
namespace {

// (1 + k sigmoid(-b t)) / q^(stage+1): the fraction of t between r and t, before r is clamped at 0.
torch::Tensor ectStepFraction(const torch::Tensor& t, int64_t stage, double k, double b, double q) {
  const double decay = std::pow(q, -static_cast<double>(stage + 1));
  return decay * (1 + k * torch::sigmoid(-b * t));
}

}  // namespace

torch::Tensor sidGeneratorLoss(const torch::Tensor& x, const torch::Tensor& yReal, const torch::Tensor& yFake,
                               double alpha) {
  std::vector<int64_t> dims;
  for (int64_t d = 1; d < x.dim(); ++d) dims.push_back(d);
  auto w = (x - yReal).abs().mean(dims, /*keepdim=*/true).clamp_min(1e-5).detach();
  auto diff = yReal - yFake;
  return (diff * ((yReal - x) - alpha * diff) / w).flatten(1).sum(1);
}

torch::Tensor ectR(const torch::Tensor& t, int64_t stage, double k, double b, double q) {
  return (t * (1 - ectStepFraction(t, stage, k, b, q))).clamp_min(0);
}

torch::Tensor ectGap(const torch::Tensor& t, int64_t stage, double k, double b, double q) {
  return torch::minimum(t * ectStepFraction(t, stage, k, b, q), t);
}

torch::Tensor consistencyLoss(const torch::Tensor& dT, const torch::Tensor& dR, const torch::Tensor& gap,
                              double huberC) {
  auto d = (dT - dR).square().flatten(1).sum(1);
  auto loss = huberC > 0 ? (d + huberC * huberC).sqrt() - huberC : d.sqrt();
  return loss / gap.reshape({-1});
}

torch::Tensor sctDenoised(const torch::Tensor& xT, const torch::Tensor& t, const torch::Tensor& refs,
                          const torch::Tensor& allowed) {
  auto xf = xT.flatten(1);
  auto rf = refs.flatten(1).to(xf.dtype());
  // -|x - r|^2 / (2t^2) = (x.r - |r|^2 / 2) / t^2 - |x|^2 / (2t^2): the last term is the same for every reference
  // of a row and cancels in the softmax, so the logits are one matrix product ([N, M]).
  auto logits = (torch::matmul(xf, rf.t()) - 0.5 * rf.square().sum(1)) / t.reshape({-1, 1}).square();
  if (allowed.defined()) logits = logits.masked_fill(allowed.logical_not(), -INFINITY);
  // softmax subtracts the row maximum before exp, so far-away references cannot underflow every weight.
  auto w = torch::softmax(logits, 1);
  return torch::matmul(w, rf).reshape(xT.sizes());
}

torch::Tensor smmSigmas(int levels, double betaMin, double betaMax) {
  auto beta = torch::linspace(betaMin, betaMax, levels, torch::kFloat64);
  return (1 - torch::cumprod(1 - beta, 0)).sqrt().to(torch::kFloat32);
}

torch::Tensor squaredError(const torch::Tensor& pred, const torch::Tensor& target) {
  return (pred - target).square().flatten(1).sum(1);
}

RngSnapshot::RngSnapshot(const torch::Device& device) : m_gen(at::globalContext().defaultGenerator(device)) {
  std::lock_guard<std::mutex> lock(m_gen.mutex());
  m_state = m_gen.get_state();
}

void RngSnapshot::restore() {
  std::lock_guard<std::mutex> lock(m_gen.mutex());
  m_gen.set_state(m_state);
}

}  // namespace onestep::training
