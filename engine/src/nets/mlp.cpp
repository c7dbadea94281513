#include "nets/mlp.h"

#include <cmath>

#include "dist/dist.h"

namespace onestep::nets {

MlpImpl::MlpImpl(int dim, int hidden, int depth, int numClasses, double dropout)
    : m_dim(dim), m_hidden(hidden), m_depth(depth), m_numClasses(numClasses), m_dropout(dropout) {
  reset();
}

void MlpImpl::reset() {
  // 16 frequencies from 1 to 100 on c_noise = ln(sigma)/4 in about [-1.6, 1.1]: 32 features.
  m_freqs = register_buffer("freqs", torch::exp(torch::linspace(0.0, std::log(100.0), 16)));
  m_in = register_module("input", torch::nn::Linear(m_dim + 32, m_hidden));
  m_layers = register_module("layers", torch::nn::ModuleList());
  for (int i = 1; i < m_depth; ++i) m_layers->push_back(torch::nn::Linear(m_hidden, m_hidden));
  m_out = register_module("out", torch::nn::Linear(m_hidden, m_dim));
  // Zero output: F = 0 at initialisation, so D(x) = c_skip x (as EDM's zero-initialised last layers).
  torch::NoGradGuard guard;
  m_out->weight.zero_();
  m_out->bias.zero_();
  if (m_numClasses > 0) m_classEmbed = register_module("class_embed", torch::nn::Embedding(m_numClasses, m_hidden));
}

torch::Tensor MlpImpl::forwardRaw(const torch::Tensor& x, const torch::Tensor& cNoise, const torch::Tensor& labels) {
  auto arg = cNoise.reshape({-1, 1}) * m_freqs.unsqueeze(0);
  auto h = m_in(torch::cat({x, torch::sin(arg), torch::cos(arg)}, 1));
  if (m_numClasses > 0 && labels.defined()) h = h + m_classEmbed(labels);
  h = torch::silu(h);
  for (auto& layer : *m_layers) {
    h = torch::silu(layer->as<torch::nn::Linear>()->forward(h));
    if (m_dropout > 0) h = dist::dropout(h, m_dropout, is_training());
  }
  return m_out(h);
}

}  // namespace onestep::nets
