#include "nets/denoiser.h"

#include <torch/csrc/jit/runtime/graph_executor.h>

#include <cmath>
#include <sstream>

#include "core/util.h"
#include "io/atomic_file.h"
#include "io/zip_read.h"
#include "nets/mlp.h"
#include "nets/unet.h"
#include "onestep/error.h"

namespace onestep::nets {

std::vector<int64_t> SampleShape::batchShape(int64_t n) const {
  if (kind == "points") return {n, dim};
  return {n, channels, height, width};
}

std::string SampleShape::text() const {
  std::string s = kind == "points" ? "points[" + std::to_string(dim) + "]"
                                   : "images[" + std::to_string(channels) + "x" + std::to_string(height) + "x" +
                                         std::to_string(width) + "]";
  if (numClasses > 0) s += " with " + std::to_string(numClasses) + " classes";
  return s;
}

bool SampleShape::operator==(const SampleShape& o) const {
  return kind == o.kind &&
         (kind == "points" ? dim == o.dim : channels == o.channels && height == o.height && width == o.width);
}

torch::Tensor edmPrecondition(RawNet& net, const torch::Tensor& x, const torch::Tensor& sigma,
                              const torch::Tensor& labels, double sigmaData) {
  // Karras et al. 2022, Table 1 ("Ours" column) and training/networks.py EDMPrecond.
  std::vector<int64_t> view(static_cast<std::size_t>(x.dim()), 1);
  view[0] = -1;
  auto s = sigma.to(x.dtype()).reshape(view);
  const double sd2 = sigmaData * sigmaData;
  auto denom = (s * s + sd2);
  auto cSkip = sd2 / denom;
  auto cOut = s * sigmaData * denom.rsqrt();
  auto cIn = denom.rsqrt();
  auto cNoise = sigma.to(x.dtype()).log() / 4;
  return cSkip * x + cOut * net.forwardRaw(cIn * x, cNoise.reshape({-1}), labels);
}

void Denoiser::copyFrom(Denoiser& other) {
  torch::NoGradGuard guard;
  auto dst = parameters();
  auto src = other.parameters();
  if (dst.size() != src.size()) throw Error("copyFrom: denoisers have different architectures");
  for (std::size_t i = 0; i < dst.size(); ++i) dst[i].copy_(src[i]);
}

namespace {

// A native network (MLP or UNet) with EDM preconditioning.
class NativeDenoiser : public Denoiser {
 public:
  NativeDenoiser(std::shared_ptr<torch::nn::Module> module, SampleShape shape, double sigmaData)
      : m_module(std::move(module)),
        m_raw(dynamic_cast<RawNet*>(m_module.get())),
        m_shape(std::move(shape)),
        m_sigmaData(sigmaData) {}

  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& labels) override {
    return edmPrecondition(*m_raw, x, sigma, labels, m_sigmaData);
  }
  std::vector<torch::Tensor> parameters() override { return m_module->parameters(); }
  void setTraining(bool on) override { m_module->train(on); }
  void to(const torch::Device& device) override { m_module->to(device); }
  std::unique_ptr<Denoiser> clone() const override {
    return std::make_unique<NativeDenoiser>(m_module->clone(), m_shape, m_sigmaData);
  }
  const SampleShape& shape() const override { return m_shape; }
  void save(torch::serialize::OutputArchive& archive) const override { m_module->save(archive); }
  void load(torch::serialize::InputArchive& archive) override { m_module->load(archive); }
  bool setDropout(double p) override {
    m_raw->setDropout(p);
    return true;
  }

 private:
  std::shared_ptr<torch::nn::Module> m_module;
  RawNet* m_raw;
  SampleShape m_shape;
  double m_sigmaData;
};

// An imported TorchScript denoiser, forward(x, sigma[, class_labels]) -> D(x; sigma).
class ScriptedDenoiser : public Denoiser {
 public:
  ScriptedDenoiser(const torch::jit::Module& module, SampleShape shape) : m_module(module), m_shape(std::move(shape)) {
    m_takesLabels = m_module.get_method("forward").function().getSchema().arguments().size() >= 4;
  }

  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& labels) override {
    std::vector<torch::jit::IValue> args = {x, sigma.to(x.dtype())};
    if (m_takesLabels) {
      // EDM's networks take one-hot class labels; an unconditional call passes None.
      if (labels.defined() && m_shape.numClasses > 0)
        args.emplace_back(torch::one_hot(labels, m_shape.numClasses).to(x.dtype()));
      else
        args.emplace_back(torch::jit::IValue());
    }
    // The plain interpreter, op by op with eager autograd, rather than the profiling executor: on the CPU it has no
    // fuser to offer, and it re-specialises a graph whenever the parameters' requires_grad flips (SiD freezes its
    // fake score for each generator step), which made a trained TorchScript network slower than its eager twin
    // (benchmarks/README.md, "Optimisations, with their figures").
    torch::jit::GraphOptimizerEnabledGuard plain(false);
    try {
      return m_module.forward(args).toTensor();
    } catch (const c10::Error&) {
      throw;  // an operator's own error: callers add the file's name
    } catch (const std::exception& e) {
      // The interpreter's exception: a TorchScript traceback whose last line is the cause.
      std::string text = e.what();
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      throw Error("TorchScript forward(x, sigma) failed: " + text.substr(text.find_last_of('\n') + 1));
    }
  }
  std::vector<torch::Tensor> parameters() override {
    std::vector<torch::Tensor> out;
    for (const auto& p : m_module.parameters()) out.push_back(p);
    return out;
  }
  void setTraining(bool on) override { m_module.train(on); }
  void to(const torch::Device& device) override { m_module.to(device); }
  std::unique_ptr<Denoiser> clone() const override {
    return std::make_unique<ScriptedDenoiser>(m_module.deepcopy(), m_shape);
  }
  const SampleShape& shape() const override { return m_shape; }
  bool isTorchScript() const override { return true; }
  void saveTorchScript(const std::string& path) const override {
    // Saved with CPU weights, whatever the run's device: Python loads it and moves it where it wants.
    torch::jit::Module copy = m_module.clone();
    copy.to(torch::kCPU);
    std::ostringstream bytes;
    copy.save(bytes);
    io::writeFileAtomic(path, bytes.str());
  }
  void save(torch::serialize::OutputArchive& archive) const override {
    for (const auto& p : m_module.named_parameters()) archive.write(p.name, p.value);
    for (const auto& b : m_module.named_buffers()) archive.write(b.name, b.value, /*is_buffer=*/true);
  }
  void load(torch::serialize::InputArchive& archive) override {
    torch::NoGradGuard guard;
    for (const auto& p : m_module.named_parameters()) {
      torch::Tensor t;
      archive.read(p.name, t);
      p.value.copy_(t);
    }
    for (const auto& b : m_module.named_buffers()) {
      torch::Tensor t;
      archive.read(b.name, t, /*is_buffer=*/true);
      b.value.copy_(t);
    }
  }

 private:
  torch::jit::Module m_module;
  SampleShape m_shape;
  bool m_takesLabels = false;
};

int intAttr(const torch::jit::Module& m, const char* name, int fallback) {
  if (!m.hasattr(name)) return fallback;
  auto v = m.attr(name);
  return v.isInt() ? static_cast<int>(v.toInt()) : fallback;
}

}  // namespace

std::shared_ptr<torch::nn::Module> makeRawModule(const NetConfig& config, const SampleShape& shape) {
  const int classes = config.class_cond ? shape.numClasses : 0;
  if (config.class_cond && shape.numClasses <= 0) throw Error("net.class_cond is on but the data has no class labels");
  if (config.arch == "mlp") {
    if (shape.kind != "points") throw Error("net.arch mlp needs point data; use unet for " + shape.text());
    return Mlp(shape.dim, config.hidden, config.depth, classes, config.dropout).ptr();
  }
  if (config.arch == "unet") {
    if (shape.kind != "images") throw Error("net.arch unet needs image data; use mlp for " + shape.text());
    if (shape.height != shape.width) throw Error("net.arch unet needs square images, got " + shape.text());
    return UNet(config.channels, shape.channels, shape.height, parseIntList(config.channel_mult, "net.channel_mult"),
                config.res_blocks, classes, config.dropout)
        .ptr();
  }
  throw Error("net.arch '" + config.arch + "' must be mlp or unet");
}

std::unique_ptr<Denoiser> makeNativeDenoiser(const NetConfig& config, const SampleShape& shape, double sigmaData) {
  auto module = makeRawModule(config, shape);
  SampleShape s = shape;
  s.numClasses = config.class_cond ? shape.numClasses : 0;
  return std::make_unique<NativeDenoiser>(module, s, sigmaData);
}

std::unique_ptr<Denoiser> makeScriptedDenoiser(const torch::jit::Module& module, const SampleShape& shape) {
  return std::make_unique<ScriptedDenoiser>(module, shape);
}

std::unique_ptr<Denoiser> loadScriptedDenoiser(const std::string& path, const std::vector<int64_t>& fallback) {
  if (!isFile(path)) throw Error("TorchScript file '" + path + "': not found");
  io::ZipReader(path, "TorchScript file '" + path + "'").verify();
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception& e) {  // c10::Error, or the TorchScript parser's ErrorReport on damaged code
    throw Error("TorchScript file '" + path + "': cannot be loaded (" + firstLine(e) + ")");
  }
  if (!module.find_method("forward")) throw Error("TorchScript file '" + path + "': has no forward(x, sigma) method");
  auto nargs = module.get_method("forward").function().getSchema().arguments().size();
  if (nargs != 3 && nargs != 4)
    throw Error("TorchScript file '" + path + "': forward takes " + std::to_string(nargs - 1) +
                " arguments, expected forward(x, sigma) or forward(x, sigma, class_labels)");
  SampleShape shape;
  if (!fallback.empty()) {
    if (fallback.size() == 1) {
      shape.kind = "points";
      shape.dim = static_cast<int>(fallback[0]);
    } else if (fallback.size() == 3) {
      shape.kind = "images";
      shape.channels = static_cast<int>(fallback[0]);
      shape.height = static_cast<int>(fallback[1]);
      shape.width = static_cast<int>(fallback[2]);
    } else {
      throw Error("sample shape: expected D (points) or C,H,W (images)");
    }
  } else if (module.hasattr("img_resolution") && module.hasattr("img_channels")) {
    shape.kind = "images";
    shape.channels = intAttr(module, "img_channels", 0);
    shape.height = shape.width = intAttr(module, "img_resolution", 0);
  } else if (module.hasattr("dim")) {
    shape.kind = "points";
    shape.dim = intAttr(module, "dim", 0);
  } else {
    throw Error("TorchScript file '" + path +
                "': has no img_channels/img_resolution (images) or dim (points) attribute; give the sample shape "
                "(--shape C,H,W or --shape D)");
  }
  shape.numClasses = intAttr(module, "label_dim", 0);
  module.eval();
  return makeScriptedDenoiser(module, shape);
}

int64_t parameterCount(Denoiser& d) {
  int64_t n = 0;
  for (const auto& p : d.parameters()) n += p.numel();
  return n;
}

void emaUpdate(Denoiser& ema, Denoiser& online, double beta) {
  torch::NoGradGuard guard;
  auto e = ema.parameters();
  auto p = online.parameters();
  // One fused call per list instead of one small kernel per tensor.
  at::_foreach_mul_(e, beta);
  at::_foreach_add_(e, p, 1.0 - beta);
}

}  // namespace onestep::nets
