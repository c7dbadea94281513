// The methods' losses and schedules as free functions over tensors, so each can be tested on tiny inputs
// against hand-computed values (docs/methods.md has the equations and where they come from).
#pragma once
#include <torch/torch.h>

namespace onestep::training {

// SiD generator loss per sample (mingyuanzhou/SiD loss.py, before the x100 scale and the batch mean):
// sum over dims of (y_r - y_f) * ((y_r - x) - alpha (y_r - y_f)) / w, with w = mean |x - y_r| per sample,
// clamped >= 1e-5 and not differentiated.
torch::Tensor sidGeneratorLoss(const torch::Tensor& x, const torch::Tensor& yReal, const torch::Tensor& yFake,
                               double alpha);

// ECT's r(t) (locuslab/ect ECMLoss.t_to_r_sigmoid): r = t (1 - (1 + k sigmoid(-b t)) / q^(stage+1)), clamped >= 0.
torch::Tensor ectR(const torch::Tensor& t, int64_t stage, double k, double b, double q);
// t - r for the same r, computed without the cancellation of subtracting two nearly equal numbers:
// min(t (1 + k sigmoid(-b t)) / q^(stage+1), t). In float32, t - r itself is 0 from about stage 23 (q = 2).
torch::Tensor ectGap(const torch::Tensor& t, int64_t stage, double k, double b, double q);

// ECT's loss per sample: pseudo-Huber of the squared distance d = sum over dims (D_t - D_r)^2,
// sqrt(d + c^2) - c (c = 0: the L2 norm), weighted by 1 / (t - r); gap is t - r, [N] (ectGap).
torch::Tensor consistencyLoss(const torch::Tensor& dT, const torch::Tensor& dR, const torch::Tensor& gap,
                              double huberC);

// SCT's denoised estimate from a reference batch (score identity): x0_hat = sum_i w_i x0_i with
// w_i = softmax_i(-|x_t - x0_i|^2 / (2 t^2)). xT [N, ...], t [N], refs [M, ...]; `allowed` is a bool [N, M]
// mask of the references each sample may use (undefined = all). Each row must allow at least one reference.
torch::Tensor sctDenoised(const torch::Tensor& xT, const torch::Tensor& t, const torch::Tensor& refs,
                          const torch::Tensor& allowed);

// Score Mismatching noise levels: beta = linspace(beta_min, beta_max, T), sigma_t = sqrt(1 - prod_{s<=t}(1 - beta_s)).
torch::Tensor smmSigmas(int levels, double betaMin, double betaMax);

// Score Mismatching squared error per sample: sum over dims (pred - target)^2.
torch::Tensor squaredError(const torch::Tensor& pred, const torch::Tensor& target);

// Saves the default random generator state of a device and restores it on demand, so two forward passes can
// draw the same dropout mask (ECT's shared dropout mask for the online and the target evaluation).
class RngSnapshot {
 public:
  explicit RngSnapshot(const torch::Device& device);
  void restore();

 private:
  at::Generator m_gen;
  torch::Tensor m_state;
};

}  // namespace onestep::training
