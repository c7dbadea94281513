// Denoisers D(x; sigma[, class]) in the EDM convention, native or imported, behind one interface.
#pragma once
#include <torch/script.h>
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "onestep/config.h"

namespace onestep::nets {

// The shape of one sample a denoiser works on.
struct SampleShape {
  std::string kind = "points";              // "points" or "images"
  int dim = 2;                              // points: coordinates
  int channels = 0, height = 0, width = 0;  // images
  int numClasses = 0;                       // class-conditional when > 0
  // [N, ...] for a batch of n.
  std::vector<int64_t> batchShape(int64_t n) const;
  std::string text() const;  // "points[2]" or "images[1x28x28]"
  bool operator==(const SampleShape& o) const;
};

// A raw network F(c_in*x, c_noise, labels) that EDM preconditioning wraps.
class RawNet {
 public:
  virtual ~RawNet() = default;
  virtual torch::Tensor forwardRaw(const torch::Tensor& x, const torch::Tensor& cNoise,
                                   const torch::Tensor& labels) = 0;
  // Changes the dropout probability of every dropout layer (consistency tuning raises it on a teacher copy).
  virtual void setDropout(double /*p*/) {}
};

// D(x; sigma, labels) -> denoised x. sigma is [N]; labels int64 [N] or undefined.
class Denoiser {
 public:
  virtual ~Denoiser() = default;
  virtual torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& labels) = 0;
  // Trainable parameters (empty for none).
  virtual std::vector<torch::Tensor> parameters() = 0;
  virtual void setTraining(bool on) = 0;
  virtual void to(const torch::Device& device) = 0;
  // A deep copy (own parameters).
  virtual std::unique_ptr<Denoiser> clone() const = 0;
  virtual const SampleShape& shape() const = 0;
  // Whether this is an imported TorchScript module (then saveTorchScript works).
  virtual bool isTorchScript() const { return false; }
  // Parameter and buffer state into / out of an archive (checkpoint keys are the module names).
  virtual void save(torch::serialize::OutputArchive& archive) const = 0;
  virtual void load(torch::serialize::InputArchive& archive) = 0;
  // Changes the dropout probability; false when the network cannot (a TorchScript module).
  virtual bool setDropout(double /*p*/) { return false; }
  // Writes the module as a TorchScript file Python can torch.jit.load (TorchScript denoisers only).
  virtual void saveTorchScript(const std::string& /*path*/) const {}
  // Copies parameter values from another denoiser of the same architecture.
  void copyFrom(Denoiser& other);
};

// EDM preconditioning (Karras et al. 2022, Table 1): D = c_skip x + c_out F(c_in x, ln(sigma)/4).
torch::Tensor edmPrecondition(RawNet& net, const torch::Tensor& x, const torch::Tensor& sigma,
                              const torch::Tensor& labels, double sigmaData);

// The raw network named by config.arch ("mlp" or "unet") for the shape, output shaped like the input; the module
// also is a RawNet. Throws Error when the arch does not suit the shape.
std::shared_ptr<torch::nn::Module> makeRawModule(const NetConfig& config, const SampleShape& shape);

// Builds the native network named by config.arch ("mlp" or "unet") for the shape, wrapped in preconditioning.
std::unique_ptr<Denoiser> makeNativeDenoiser(const NetConfig& config, const SampleShape& shape, double sigmaData);

// Wraps a TorchScript module with forward(x, sigma) or forward(x, sigma, class_labels) returning D(x; sigma).
std::unique_ptr<Denoiser> makeScriptedDenoiser(const torch::jit::Module& module, const SampleShape& shape);

// Loads a TorchScript denoiser; the shape comes from the module's attributes (img_channels, img_resolution,
// label_dim, or dim for points) or from `fallback` when it has none. Throws Error naming the file.
std::unique_ptr<Denoiser> loadScriptedDenoiser(const std::string& path, const std::vector<int64_t>& fallback);

// Number of scalar parameters.
int64_t parameterCount(Denoiser& d);

// EMA update: ema <- beta*ema + (1-beta)*online, over parameters (buffers copied).
void emaUpdate(Denoiser& ema, Denoiser& online, double beta);

}  // namespace onestep::nets
