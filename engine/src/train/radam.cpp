#include "train/radam.h"

#include <cmath>

#include "onestep/error.h"

namespace onestep::training {

RAdam::RAdam(std::vector<torch::Tensor> params, double lr, double beta1, double beta2, double eps)
    : m_params(std::move(params)), m_lr(lr), m_beta1(beta1), m_beta2(beta2), m_eps(eps) {
  for (const auto& p : m_params) {
    m_expAvg.push_back(torch::zeros_like(p));
    m_expAvgSq.push_back(torch::zeros_like(p));
  }
}

void RAdam::zeroGrad() {
  for (auto& p : m_params)
    if (p.grad().defined()) {
      p.mutable_grad().detach_();
      p.mutable_grad().zero_();
    }
}

void RAdam::step() {
  torch::NoGradGuard guard;
  m_step += 1;
  const double t = static_cast<double>(m_step);
  const double bc1 = 1 - std::pow(m_beta1, t);
  const double bc2 = 1 - std::pow(m_beta2, t);
  // Length of the approximated simple moving average; the adaptive term is used once its variance is tractable.
  const double rhoInf = 2 / (1 - m_beta2) - 1;
  const double rhoT = rhoInf - 2 * t * std::pow(m_beta2, t) / bc2;
  for (std::size_t i = 0; i < m_params.size(); ++i) {
    auto& p = m_params[i];
    if (!p.grad().defined()) continue;
    const auto& g = p.grad();
    m_expAvg[i].mul_(m_beta1).add_(g, 1 - m_beta1);
    m_expAvgSq[i].mul_(m_beta2).addcmul_(g, g, 1 - m_beta2);
    auto m = m_expAvg[i] / bc1;
    if (rhoT > 5) {
      const double rect = std::sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
      auto adaptive = std::sqrt(bc2) / (m_expAvgSq[i].sqrt() + m_eps);
      p.add_(m * adaptive, -m_lr * rect);
    } else {
      p.add_(m, -m_lr);
    }
  }
}

void RAdam::save(torch::serialize::OutputArchive& archive) const {
  archive.write("step", torch::tensor(m_step));
  for (std::size_t i = 0; i < m_params.size(); ++i) {
    archive.write("exp_avg." + std::to_string(i), m_expAvg[i], /*is_buffer=*/true);
    archive.write("exp_avg_sq." + std::to_string(i), m_expAvgSq[i], /*is_buffer=*/true);
  }
}

void RAdam::load(torch::serialize::InputArchive& archive) {
  torch::NoGradGuard guard;
  torch::Tensor step;
  archive.read("step", step);
  m_step = step.item<int64_t>();
  for (std::size_t i = 0; i < m_params.size(); ++i) {
    torch::Tensor a, b;
    archive.read("exp_avg." + std::to_string(i), a, /*is_buffer=*/true);
    archive.read("exp_avg_sq." + std::to_string(i), b, /*is_buffer=*/true);
    if (a.sizes() != m_params[i].sizes() || b.sizes() != m_params[i].sizes())
      throw Error("RAdam state does not fit the network (parameter " + std::to_string(i) + ")");
    m_expAvg[i].copy_(a);
    m_expAvgSq[i].copy_(b);
  }
}

}  // namespace onestep::training
