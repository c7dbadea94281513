// RAdam (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and Beyond"), as torch.optim.RAdam
// computes it; LibTorch 1.13's C++ API has no RAdam. ECT tunes its consistency models with it.
#pragma once
#include <torch/torch.h>

#include <vector>

namespace onestep::training {

class RAdam {
 public:
  RAdam(std::vector<torch::Tensor> params, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8);
  void zeroGrad();
  // One update from the parameters' gradients (parameters without a gradient are skipped).
  void step();
  void setLr(double lr) { m_lr = lr; }
  // Moments and step count under stable keys.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  std::vector<torch::Tensor> m_params, m_expAvg, m_expAvgSq;
  int64_t m_step = 0;
  double m_lr, m_beta1, m_beta2, m_eps;
};

}  // namespace onestep::training
