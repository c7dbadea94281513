// MLP denoiser network for points: Fourier features of c_noise, SiLU layers, zero-initialised output.
#pragma once
#include "nets/denoiser.h"

namespace onestep::nets {

class MlpImpl : public torch::nn::Cloneable<MlpImpl>, public RawNet {
 public:
  MlpImpl(int dim, int hidden, int depth, int numClasses, double dropout);
  void reset() override;
  void setDropout(double p) override { m_dropout = p; }
  torch::Tensor forwardRaw(const torch::Tensor& x, const torch::Tensor& cNoise, const torch::Tensor& labels) override;

 private:
  int m_dim, m_hidden, m_depth, m_numClasses;
  double m_dropout;
  torch::Tensor m_freqs;  // Fourier frequencies (buffer)
  torch::nn::Linear m_in{nullptr};
  torch::nn::ModuleList m_layers;
  torch::nn::Linear m_out{nullptr};
  torch::nn::Embedding m_classEmbed{nullptr};
};
TORCH_MODULE(Mlp);

}  // namespace onestep::nets
