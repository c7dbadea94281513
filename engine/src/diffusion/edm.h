// EDM (Karras et al. 2022): noise-level schedule, Euler/Heun samplers over any denoiser, and the training loss.
#pragma once
#include <torch/torch.h>

#include <functional>

#include "onestep/config.h"

namespace onestep::diffusion {

// D(x; sigma) with everything else (network, labels) bound; sigma is [N].
using DenoiseFn = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& sigma)>;

// What a sampler step hands its callback (k-diffusion's per-step `callback`).
struct StepInfo {
  int index = 0;                            // step i (0-based)
  int total = 0;                            // number of steps N
  double sigma = 0;                         // t_i
  double sigmaNext = 0;                     // t_{i+1}
  const torch::Tensor* x = nullptr;         // x_i before the step
  const torch::Tensor* denoised = nullptr;  // D(x_i; t_i)
};
using StepCallback = std::function<void(const StepInfo&)>;

// t_i = (s_max^(1/rho) + i/(N-1) (s_min^(1/rho) - s_max^(1/rho)))^rho for i < N, and t_N = 0 (float64, N+1 values).
torch::Tensor karrasSigmas(int steps, double sigmaMin, double sigmaMax, double rho);

// Network evaluations per sample: Heun 2N-1, Euler N.
int samplerNfe(const SamplerConfig& config);

// EDM's deterministic sampler ("Algorithm 2"; Euler without the 2nd-order correction).
// `noise` is standard normal; the start is noise * t_0. Returns x_N.
torch::Tensor sampleEdm(const DenoiseFn& denoise, const torch::Tensor& noise, const SamplerConfig& config,
                        const StepCallback& callback = {});

// The EDM training loss per sample: lambda(sigma) * sum over dims of (D(y + sigma n; sigma) - y)^2,
// ln(sigma) ~ N(p_mean, p_std^2), lambda = (sigma^2 + sigma_d^2) / (sigma sigma_d)^2 (training/loss.py EDMLoss).
// Noise comes from LibTorch's default generator of y's device.
torch::Tensor edmLoss(const DenoiseFn& denoise, const torch::Tensor& y, double pMean, double pStd, double sigmaData);

}  // namespace onestep::diffusion
