// The registry of training methods (the list of descriptors and factories) and what methods share.
#include <cmath>

#include "onestep/error.h"
#include "train/method.h"
#include "train/model_file.h"

namespace onestep::training {

nets::SampleShape shapeOf(const DataInfo& info) {
  nets::SampleShape s;
  s.kind = info.kind;
  s.dim = info.dim;
  s.channels = info.channels;
  s.height = info.height;
  s.width = info.width;
  s.numClasses = info.numClasses;
  return s;
}

namespace {

// The methods in the order of menus and help: the one-step methods (SiD, the studio's default, first), then the
// teacher. A new method is one line here.
std::vector<MethodEntry>& registry() {
  static std::vector<MethodEntry> list = {sidMethod(), smmMethod(), ectMethod(), sctMethod(), teacherMethod()};
  return list;
}

std::vector<MethodInfo>& infos() {
  static std::vector<MethodInfo> list = [] {
    std::vector<MethodInfo> out;
    for (const auto& e : registry()) out.push_back(e.info);
    return out;
  }();
  return list;
}

}  // namespace

void registerMethod(MethodEntry entry) {
  auto& list = registry();
  auto& shown = infos();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].info.name == entry.info.name) {
      shown[i] = entry.info;
      list[i] = std::move(entry);
      return;
    }
  }
  shown.push_back(entry.info);
  list.push_back(std::move(entry));
}

void requireSetting(bool ok, const std::string& what) {
  if (!ok) throw Error("config: " + what);
}

void resolveAutoSettings(RunConfig& c, const nets::SampleShape& shape) {
  const bool points = shape.kind == "points";
  if (c.net.arch == "auto") c.net.arch = points ? "mlp" : "unet";
  if (c.batch == 0) c.batch = points ? 512 : 64;
  if (c.snapshot_count == 0) c.snapshot_count = points ? 1000 : 64;
  if (c.eval_count == 0) {
    const MethodInfo* method = findMethod(c.method);
    c.eval_count = points ? 2000 : method ? method->imageEvalCount : 1000;
  }
  // Every method's section, not only the run's: config.json holds them all, resolved.
  for (const auto& e : registry())
    if (e.info.resolveAuto) e.info.resolveAuto(c, points);
}

}  // namespace onestep::training

namespace onestep {

const std::vector<MethodInfo>& methods() { return training::infos(); }

const MethodInfo* findMethod(const std::string& name) {
  for (const auto& m : methods())
    if (m.name == name) return &m;
  return nullptr;
}

std::string methodNames(bool oneStepOnly, const std::string& separator) {
  std::vector<std::string> names;
  for (const auto& m : methods())
    if (!oneStepOnly || m.oneStep()) names.push_back(m.name);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += !separator.empty() ? separator : i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

const MethodInfo& methodInfo(const std::string& name) {
  if (const MethodInfo* m = findMethod(name)) return *m;
  throw Error("method '" + name + "' is not known (expected " + methodNames(false) + ")");
}

RunConfig resolvedConfig(const RunConfig& config) {
  RunConfig c = config;
  // The automatic values depend only on points against images, which the spec says without opening the data.
  nets::SampleShape shape;
  shape.kind = c.data.rfind("toy:", 0) == 0 ? "points" : "images";
  training::resolveAutoSettings(c, shape);
  return c;
}

}  // namespace onestep

namespace onestep::training {

std::unique_ptr<Method> makeMethod(const RunConfig& config, const nets::SampleShape& shape, torch::Device device,
                                   data::DataSource* data) {
  const MethodInfo& info = methodInfo(config.method);
  for (const auto& e : registry())
    if (e.info.name == info.name) return e.make(config, shape, device, data);
  throw Error("internal: method '" + config.method + "' has no factory");
}

torch::Tensor generateSamples(Method* method, nets::Denoiser* denoiser, const torch::Tensor& noise,
                              const torch::Tensor& labels, const GenerateOptions& options, int* nfe) {
  torch::NoGradGuard guard;
  if (method) return method->generate(noise, labels, options, nfe);
  if (!denoiser) throw Error("internal: nothing to sample from");
  denoiser->setTraining(false);
  auto fn = [&](const torch::Tensor& x, const torch::Tensor& sigma) { return denoiser->denoise(x, sigma, labels); };
  if (nfe) *nfe = diffusion::samplerNfe(options.sampler);
  return diffusion::sampleEdm(fn, noise, options.sampler, options.onStep);
}

std::unique_ptr<nets::Denoiser> loadTeacher(const std::string& path, const nets::SampleShape& shape,
                                            torch::Device device) {
  if (path.empty()) throw Error("distillation needs a teacher (--teacher RUN_DIR|CHECKPOINT|FILE.pt)");
  // A TorchScript teacher without shape attributes is taken to fit the data (its first call checks it).
  std::vector<int64_t> fallback = shape.kind == "points"
                                      ? std::vector<int64_t>{shape.dim}
                                      : std::vector<int64_t>{shape.channels, shape.height, shape.width};
  LoadedModel model;
  try {
    model = loadModel(path, device, fallback);
  } catch (const Error& e) {
    throw Error(std::string("teacher: ") + e.what());
  }
  std::unique_ptr<nets::Denoiser> teacher;
  if (model.scripted) {
    teacher = std::move(model.scripted);
  } else {
    if (!model.method->denoiser())
      throw Error("teacher '" + path + "': a " + model.meta.method + " run is not a teacher denoiser");
    teacher = model.method->denoiser()->clone();
  }
  if (!(teacher->shape() == shape))
    throw Error("teacher '" + path + "' denoises " + teacher->shape().text() + " but the data gives " + shape.text());
  teacher->setTraining(false);
  for (auto& p : teacher->parameters()) p.set_requires_grad(false);
  return teacher;
}

void Method::startFrom(const std::string& model) {
  throw Error("sid.init '" + model + "': only SiD runs start from another model");
}

void setLearningRate(torch::optim::Adam& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

void sanitiseGradients(const std::vector<torch::Tensor>& parameters) {
  torch::NoGradGuard guard;
  for (const auto& p : parameters)
    if (p.grad().defined()) p.mutable_grad().nan_to_num_(0.0, 0.0, 0.0);
}

namespace {

// into = a copy of from, written in place when into already has its shape (no allocation).
void keepCopy(torch::Tensor& into, const torch::Tensor& from) {
  if (!from.defined()) {
    into = torch::Tensor();
  } else if (into.defined() && into.sizes() == from.sizes() && into.dtype() == from.dtype() &&
             into.device() == from.device()) {
    into.copy_(from);
  } else {
    into = from.detach().clone();
  }
}

}  // namespace

void UndoPoint::capture(const std::vector<torch::Tensor>& parameters, const torch::optim::Adam& optimizer) {
  torch::NoGradGuard guard;
  m_values.resize(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) keepCopy(m_values[i], parameters[i]);
  for (auto it = m_state.begin(); it != m_state.end();)
    it = optimizer.state().count(it->first) ? std::next(it) : m_state.erase(it);
  for (const auto& [key, entry] : optimizer.state()) {
    const auto& from = static_cast<const torch::optim::AdamParamState&>(*entry);
    auto& into = m_state[key];
    into.step(from.step());
    keepCopy(into.exp_avg(), from.exp_avg());
    keepCopy(into.exp_avg_sq(), from.exp_avg_sq());
    keepCopy(into.max_exp_avg_sq(), from.max_exp_avg_sq());
  }
}

void UndoPoint::restore(const std::vector<torch::Tensor>& parameters, torch::optim::Adam& optimizer) const {
  torch::NoGradGuard guard;
  if (parameters.size() != m_values.size()) throw Error("internal: undo point of a different network");
  for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i].detach().copy_(m_values[i]);
  // State the step created is dropped; the rest is written back into the optimiser's own tensors, so that
  // restoring allocates nothing (it cannot fail halfway on a full device) and this undo point stays its own.
  auto& state = optimizer.state();
  std::vector<OptimizerStateKey> created;
  for (const auto& entry : state)
    if (!m_state.count(entry.first)) created.push_back(entry.first);
  for (const auto& key : created) state.erase(key);
  for (const auto& [key, saved] : m_state) {
    auto& entry = state[key];
    if (!entry) entry = std::make_unique<torch::optim::AdamParamState>();
    auto& into = static_cast<torch::optim::AdamParamState&>(*entry);
    into.step(saved.step());
    keepCopy(into.exp_avg(), saved.exp_avg());
    keepCopy(into.exp_avg_sq(), saved.exp_avg_sq());
    keepCopy(into.max_exp_avg_sq(), saved.max_exp_avg_sq());
  }
}

double emaBeta(double halflife, double rampup, int64_t samplesAfter, int64_t batch) {
  if (rampup > 0) halflife = std::min(halflife, samplesAfter * rampup);
  return std::pow(0.5, batch / std::max(halflife, 1e-8));
}

}  // namespace onestep::training
