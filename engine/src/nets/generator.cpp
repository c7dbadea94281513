#include "nets/generator.h"

#include "nets/unet.h"
#include "onestep/error.h"

namespace onestep::nets {

MlpGeneratorImpl::MlpGeneratorImpl(int latent, int dim, int hidden, int depth, int numClasses)
    : m_latent(latent), m_dim(dim), m_hidden(hidden), m_depth(depth), m_numClasses(numClasses) {
  reset();
}

void MlpGeneratorImpl::reset() {
  m_in = register_module("input", torch::nn::Linear(m_latent, m_hidden));
  m_layers = register_module("layers", torch::nn::ModuleList());
  for (int i = 1; i < m_depth; ++i) m_layers->push_back(torch::nn::Linear(m_hidden, m_hidden));
  m_out = register_module("out", torch::nn::Linear(m_hidden, m_dim));
  if (m_numClasses > 0) m_classEmbed = register_module("class_embed", torch::nn::Embedding(m_numClasses, m_hidden));
}

torch::Tensor MlpGeneratorImpl::generate(const torch::Tensor& z, const torch::Tensor& labels) {
  auto h = m_in(z);
  if (m_numClasses > 0 && labels.defined()) h = h + m_classEmbed(labels);
  h = torch::silu(h);
  for (auto& layer : *m_layers) h = torch::silu(layer->as<torch::nn::Linear>()->forward(h));
  return m_out(h);
}

ConvGeneratorImpl::ConvGeneratorImpl(int latent, int channels, int height, int width, int baseChannels, int numClasses)
    : m_latent(latent),
      m_channels(channels),
      m_height(height),
      m_width(width),
      m_base(baseChannels),
      m_numClasses(numClasses) {
  if (height % 4 != 0 || width % 4 != 0)
    throw Error("the image generator needs height and width divisible by 4, got " + std::to_string(height) + "x" +
                std::to_string(width));
  reset();
}

void ConvGeneratorImpl::reset() {
  const int c0 = 2 * m_base;  // channels at 1/4 resolution
  m_in = register_module("input", torch::nn::Linear(m_latent, c0 * (m_height / 4) * (m_width / 4)));
  m_norm0 = register_module("norm0", torch::nn::GroupNorm(groupsFor(c0), c0));
  m_conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(c0, m_base, 3).padding(1)));
  m_norm1 = register_module("norm1", torch::nn::GroupNorm(groupsFor(m_base), m_base));
  m_conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(m_base, m_base, 3).padding(1)));
  m_norm2 = register_module("norm2", torch::nn::GroupNorm(groupsFor(m_base), m_base));
  m_out = register_module("out", torch::nn::Conv2d(torch::nn::Conv2dOptions(m_base, m_channels, 3).padding(1)));
  if (m_numClasses > 0) m_classEmbed = register_module("class_embed", torch::nn::Embedding(m_numClasses, m_latent));
}

torch::Tensor ConvGeneratorImpl::generate(const torch::Tensor& z, const torch::Tensor& labels) {
  auto in = z;
  if (m_numClasses > 0 && labels.defined()) in = in + m_classEmbed(labels);
  auto h = m_in(in).reshape({z.size(0), int64_t{2} * m_base, m_height / 4, m_width / 4});
  h = torch::silu(m_norm0(h));
  auto up = [](const torch::Tensor& x) {
    return torch::nn::functional::interpolate(
        x,
        torch::nn::functional::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}).mode(torch::kNearest));
  };
  h = torch::silu(m_norm1(m_conv1(up(h))));
  h = torch::silu(m_norm2(m_conv2(up(h))));
  return torch::tanh(m_out(h));
}

std::shared_ptr<torch::nn::Module> makeGenerator(const SampleShape& shape, int latent, int hidden, int depth,
                                                 int numClasses) {
  if (shape.kind == "points") return MlpGenerator(latent, shape.dim, hidden, depth, numClasses).ptr();
  return ConvGenerator(latent, shape.channels, shape.height, shape.width, hidden, numClasses).ptr();
}

}  // namespace onestep::nets
