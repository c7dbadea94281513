// A small UNet denoiser network for images (after EDM's DhariwalUNet/SongUNet, much reduced):
// residual blocks with GroupNorm and a noise/class embedding, strided-conv down, nearest-neighbour up.
#pragma once
#include "nets/denoiser.h"

namespace onestep::nets {

class ResBlockImpl : public torch::nn::Cloneable<ResBlockImpl> {
 public:
  ResBlockImpl(int in, int out, int embDim, double dropout);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb);
  void setDropout(double p) { m_dropout = p; }

 private:
  int m_inChannels, m_outChannels, m_embDim;
  torch::nn::GroupNorm m_norm1{nullptr}, m_norm2{nullptr};
  torch::nn::Conv2d m_conv1{nullptr}, m_conv2{nullptr}, m_skip{nullptr};
  torch::nn::Linear m_emb{nullptr};
  double m_dropout;
};
TORCH_MODULE(ResBlock);

class UNetImpl : public torch::nn::Cloneable<UNetImpl>, public RawNet {
 public:
  UNetImpl(int channels, int imageChannels, int resolution, std::vector<int> mult, int resBlocks, int numClasses,
           double dropout);
  void reset() override;
  torch::Tensor forwardRaw(const torch::Tensor& x, const torch::Tensor& cNoise, const torch::Tensor& labels) override;
  void setDropout(double p) override;

 private:
  int m_channels, m_imageChannels, m_resolution, m_resBlocks, m_numClasses;
  std::vector<int> m_mult;
  double m_dropout;
  torch::Tensor m_freqs;
  torch::nn::Linear m_emb1{nullptr}, m_emb2{nullptr};
  torch::nn::Embedding m_classEmbed{nullptr};
  torch::nn::Conv2d m_in{nullptr};
  torch::nn::ModuleList m_down, m_downsample, m_mid, m_up, m_upsample;
  torch::nn::GroupNorm m_outNorm{nullptr};
  torch::nn::Conv2d m_out{nullptr};
};
TORCH_MODULE(UNet);

// Groups for GroupNorm on c channels: the largest divisor of c that is at most 32 and leaves >= 4 channels.
int groupsFor(int c);

}  // namespace onestep::nets
