#include "nets/unet.h"

#include <cmath>

#include "dist/dist.h"
#include "onestep/error.h"

namespace onestep::nets {

int groupsFor(int c) {
  for (int g = std::min(32, std::max(1, c / 4)); g > 1; --g)
    if (c % g == 0) return g;
  return 1;
}

ResBlockImpl::ResBlockImpl(int in, int out, int embDim, double dropout)
    : m_inChannels(in), m_outChannels(out), m_embDim(embDim), m_dropout(dropout) {
  reset();
}

void ResBlockImpl::reset() {
  const int in = m_inChannels, out = m_outChannels, embDim = m_embDim;
  m_norm1 = register_module("norm1", torch::nn::GroupNorm(groupsFor(in), in));
  m_conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)));
  m_emb = register_module("emb", torch::nn::Linear(embDim, out));
  m_norm2 = register_module("norm2", torch::nn::GroupNorm(groupsFor(out), out));
  m_conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1)));
  if (in != out) m_skip = register_module("skip", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1)));
  torch::NoGradGuard guard;
  m_conv2->weight.mul_(1e-5);  // near-identity residual at start (EDM: init_weight=1e-5 on conv1 of the pair)
  m_conv2->bias.zero_();
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& emb) {
  auto h = m_conv1(torch::silu(m_norm1(x)));
  h = h + m_emb(emb).unsqueeze(-1).unsqueeze(-1);
  h = torch::silu(m_norm2(h));
  if (m_dropout > 0) h = dist::dropout(h, m_dropout, is_training());
  h = m_conv2(h);
  auto skip = m_skip ? m_skip(x) : x;
  return (skip + h) * std::sqrt(0.5);  // EDM's skip_scale
}

UNetImpl::UNetImpl(int channels, int imageChannels, int resolution, std::vector<int> mult, int resBlocks,
                   int numClasses, double dropout)
    : m_channels(channels),
      m_imageChannels(imageChannels),
      m_resolution(resolution),
      m_resBlocks(resBlocks),
      m_numClasses(numClasses),
      m_mult(std::move(mult)),
      m_dropout(dropout) {
  const int factor = 1 << (m_mult.size() - 1);
  if (m_mult.empty() || m_resolution % factor != 0)
    throw Error("UNet: image size " + std::to_string(m_resolution) + " must be divisible by " + std::to_string(factor) +
                " for " + std::to_string(m_mult.size()) + " resolution levels (net.channel_mult)");
  reset();
}

void UNetImpl::reset() {
  const int emb = 4 * m_channels;
  m_freqs = register_buffer("freqs", torch::exp(torch::linspace(0.0, std::log(1000.0), m_channels / 2)));
  m_emb1 = register_module("emb1", torch::nn::Linear(m_channels, emb));
  m_emb2 = register_module("emb2", torch::nn::Linear(emb, emb));
  if (m_numClasses > 0) m_classEmbed = register_module("class_embed", torch::nn::Embedding(m_numClasses, emb));
  m_in =
      register_module("input", torch::nn::Conv2d(torch::nn::Conv2dOptions(m_imageChannels, m_channels, 3).padding(1)));

  m_down = register_module("down", torch::nn::ModuleList());
  m_downsample = register_module("downsample", torch::nn::ModuleList());
  std::vector<int> skips = {m_channels};
  int c = m_channels;
  for (std::size_t level = 0; level < m_mult.size(); ++level) {
    int out = m_channels * m_mult[level];
    for (int b = 0; b < m_resBlocks; ++b) {
      m_down->push_back(ResBlock(c, out, emb, m_dropout));
      c = out;
      skips.push_back(c);
    }
    if (level + 1 < m_mult.size()) {
      m_downsample->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 3).stride(2).padding(1)));
      skips.push_back(c);
    }
  }
  m_mid = register_module("mid", torch::nn::ModuleList());
  m_mid->push_back(ResBlock(c, c, emb, m_dropout));
  m_mid->push_back(ResBlock(c, c, emb, m_dropout));

  m_up = register_module("up", torch::nn::ModuleList());
  m_upsample = register_module("upsample", torch::nn::ModuleList());
  for (int level = static_cast<int>(m_mult.size()) - 1; level >= 0; --level) {
    int out = m_channels * m_mult[level];
    for (int b = 0; b <= m_resBlocks; ++b) {
      int skip = skips.back();
      skips.pop_back();
      m_up->push_back(ResBlock(c + skip, out, emb, m_dropout));
      c = out;
    }
    if (level > 0) m_upsample->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 3).padding(1)));
  }
  m_outNorm = register_module("out_norm", torch::nn::GroupNorm(groupsFor(c), c));
  m_out = register_module("out", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, m_imageChannels, 3).padding(1)));
  torch::NoGradGuard guard;
  m_out->weight.zero_();
  m_out->bias.zero_();
}

void UNetImpl::setDropout(double p) {
  m_dropout = p;
  for (auto* list : {&m_down, &m_mid, &m_up})
    for (auto& m : **list) m->as<ResBlockImpl>()->setDropout(p);
}

torch::Tensor UNetImpl::forwardRaw(const torch::Tensor& x, const torch::Tensor& cNoise, const torch::Tensor& labels) {
  // Noise embedding: sinusoidal features of c_noise, then a two-layer MLP (EDM's map_noise / map_layer).
  auto arg = cNoise.reshape({-1, 1}) * m_freqs.unsqueeze(0);
  auto emb = m_emb2(torch::silu(m_emb1(torch::cat({torch::cos(arg), torch::sin(arg)}, 1))));
  if (m_numClasses > 0 && labels.defined()) emb = emb + m_classEmbed(labels);
  emb = torch::silu(emb);

  auto h = m_in(x);
  std::vector<torch::Tensor> skips = {h};
  std::size_t block = 0, down = 0;
  for (std::size_t level = 0; level < m_mult.size(); ++level) {
    for (int b = 0; b < m_resBlocks; ++b) {
      h = m_down[block++]->as<ResBlockImpl>()->forward(h, emb);
      skips.push_back(h);
    }
    if (level + 1 < m_mult.size()) {
      h = m_downsample[down++]->as<torch::nn::Conv2dImpl>()->forward(h);
      skips.push_back(h);
    }
  }
  for (auto& m : *m_mid) h = m->as<ResBlockImpl>()->forward(h, emb);
  block = 0;
  std::size_t up = 0;
  for (int level = static_cast<int>(m_mult.size()) - 1; level >= 0; --level) {
    for (int b = 0; b <= m_resBlocks; ++b) {
      h = torch::cat({h, skips.back()}, 1);
      skips.pop_back();
      h = m_up[block++]->as<ResBlockImpl>()->forward(h, emb);
    }
    if (level > 0) {
      h = torch::upsample_nearest2d(h, {h.size(2) * 2, h.size(3) * 2});
      h = m_upsample[up++]->as<torch::nn::Conv2dImpl>()->forward(h);
    }
  }
  return m_out(torch::silu(m_outNorm(h)));
}

}  // namespace onestep::nets
