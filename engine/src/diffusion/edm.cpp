#include "diffusion/edm.h"

#include "dist/dist.h"

#include <cmath>

namespace onestep::diffusion {

torch::Tensor karrasSigmas(int steps, double sigmaMin, double sigmaMax, double rho) {
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  if (steps == 1) return torch::tensor({sigmaMax, 0.0}, opts);
  auto i = torch::arange(steps, opts);
  auto a = std::pow(sigmaMax, 1.0 / rho), b = std::pow(sigmaMin, 1.0 / rho);
  auto t = (a + i / (steps - 1) * (b - a)).pow(rho);
  return torch::cat({t, torch::zeros({1}, opts)});
}

int samplerNfe(const SamplerConfig& config) { return config.sampler == "heun" ? 2 * config.steps - 1 : config.steps; }

torch::Tensor sampleEdm(const DenoiseFn& denoise, const torch::Tensor& noise, const SamplerConfig& config,
                        const StepCallback& callback) {
  torch::NoGradGuard guard;
  const bool heun = config.sampler == "heun";
  auto t = karrasSigmas(config.steps, config.sigma_min, config.sigma_max, config.rho);
  auto acc = t.accessor<double, 1>();
  const int64_t n = noise.size(0);
  auto sigmaOf = [&](double s) { return torch::full({n}, s, noise.options()); };
  // Karras et al. 2022, Algorithm 2 (deterministic, S_churn = 0), as generate.py edm_sampler.
  auto x = noise * acc[0];
  for (int i = 0; i < config.steps; ++i) {
    const double tCur = acc[i], tNext = acc[i + 1];
    auto denoised = denoise(x, sigmaOf(tCur));
    if (callback) callback(StepInfo{i, config.steps, tCur, tNext, &x, &denoised});
    auto d = (x - denoised) / tCur;
    auto xNext = x + (tNext - tCur) * d;
    if (heun && tNext > 0) {
      auto d2 = (xNext - denoise(xNext, sigmaOf(tNext))) / tNext;
      xNext = x + (tNext - tCur) * (0.5 * d + 0.5 * d2);
    }
    x = xNext;
  }
  return x;
}

torch::Tensor edmLoss(const DenoiseFn& denoise, const torch::Tensor& y, double pMean, double pStd, double sigmaData) {
  std::vector<int64_t> view(static_cast<std::size_t>(y.dim()), 1);
  view[0] = y.size(0);
  // Data parallel: y is a rank's share of the batch; its noise is that share of the whole batch's (dist.h).
  auto sigma = (dist::randn(view, y.options()) * pStd + pMean).exp();
  auto weight = (sigma * sigma + sigmaData * sigmaData) / (sigma * sigmaData).pow(2);
  auto n = dist::randnLike(y) * sigma;
  auto d = denoise(y + n, sigma.reshape({-1}));
  auto perSample = (weight * (d - y).pow(2)).flatten(1).sum(1);
  return perSample;
}

}  // namespace onestep::diffusion
