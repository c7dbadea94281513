// Generators trained from scratch (Score Mismatching): a latent vector z [N, latent] to a sample [N, ...].
// An MLP for points; for images a small convolutional generator (linear to a 4x-downsampled map, then two
// nearest-neighbour upsamplings with convolutions, GroupNorm and SiLU, tanh output in [-1, 1]).
#pragma once
#include <torch/torch.h>

#include "nets/denoiser.h"

namespace onestep::nets {

// The interface of a generator module.
class GeneratorNet {
 public:
  virtual ~GeneratorNet() = default;
  virtual torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& labels) = 0;
};

class MlpGeneratorImpl : public torch::nn::Cloneable<MlpGeneratorImpl>, public GeneratorNet {
 public:
  MlpGeneratorImpl(int latent, int dim, int hidden, int depth, int numClasses);
  void reset() override;
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& labels) override;

 private:
  int m_latent, m_dim, m_hidden, m_depth, m_numClasses;
  torch::nn::Linear m_in{nullptr};
  torch::nn::ModuleList m_layers;
  torch::nn::Linear m_out{nullptr};
  torch::nn::Embedding m_classEmbed{nullptr};
};
TORCH_MODULE(MlpGenerator);

class ConvGeneratorImpl : public torch::nn::Cloneable<ConvGeneratorImpl>, public GeneratorNet {
 public:
  ConvGeneratorImpl(int latent, int channels, int height, int width, int baseChannels, int numClasses);
  void reset() override;
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& labels) override;

 private:
  int m_latent, m_channels, m_height, m_width, m_base, m_numClasses;
  torch::nn::Linear m_in{nullptr};
  torch::nn::Conv2d m_conv1{nullptr}, m_conv2{nullptr}, m_out{nullptr};
  torch::nn::GroupNorm m_norm0{nullptr}, m_norm1{nullptr}, m_norm2{nullptr};
  torch::nn::Embedding m_classEmbed{nullptr};
};
TORCH_MODULE(ConvGenerator);

// An MLP generator for points or a convolutional one for images (height and width divisible by 4).
std::shared_ptr<torch::nn::Module> makeGenerator(const SampleShape& shape, int latent, int hidden, int depth,
                                                 int numClasses);

}  // namespace onestep::nets
