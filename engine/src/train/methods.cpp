// The registry of training methods.
#include <cmath>

#include "api/model.h"
#include "onestep/error.h"
#include "train/method.h"

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

void resolveAutoSettings(RunConfig& c, const nets::SampleShape& shape) {
  const bool points = shape.kind == "points";
  if (c.net.arch == "auto") c.net.arch = points ? "mlp" : "unet";
  if (c.batch == 0) c.batch = points ? 512 : 64;
  if (c.teacher.lr == 0) c.teacher.lr = c.net.arch == "mlp" ? 1e-3 : 2e-4;
  if (c.snapshot_count == 0) c.snapshot_count = points ? 1000 : 64;
  if (c.eval_count == 0) c.eval_count = points ? 2000 : (c.method == "teacher" ? 200 : 1000);
  // 1e-4 for the engine's networks, images too: on the shipped Fashion-MNIST UNet 1e-5 reached FID 11.7 after 300
  // iterations and 1e-4 reached 3.4 after 2000 (docs/methods-on-images.md); the reference's 1e-5 is for a 56M-parameter
  // CIFAR-10 network at batch 256.
  if (c.sid.lr_g == 0) c.sid.lr_g = 1e-4;
  if (c.sid.lr_f == 0) c.sid.lr_f = c.sid.lr_g;
  if (c.ct.sigma_max == 0) c.ct.sigma_max = points ? 10.0 : 80.0;
  if (c.ct.q == 0) c.ct.q = points ? 1.5 : 2.0;
  if (c.ct.stage_samples == 0) c.ct.stage_samples = points ? 40000 : 128000;
  // Images: t - r stops shrinking after stage 3 (4 stages of 128 000 images). On the shipped Fashion-MNIST teacher ECT
  // with no limit was best at stages 3-4 and then drifted (1-step FID 15.4 at 8000 iterations, 79 at 52 000);
  // held at stage 3 from 6500 on it kept improving (docs/methods-on-images.md).
  if (c.ct.stages == 0) c.ct.stages = points ? 11 : 4;
  if (c.sct.ref_batch == -1) c.sct.ref_batch = points ? 4096 : 256;
  if (c.smm.gen_hidden == 0) c.smm.gen_hidden = points ? 256 : 64;
  if (c.smm.latent == 0) c.smm.latent = points ? 8 : 64;
  if (c.smm.lr_g == 0) c.smm.lr_g = points ? 1e-3 : 2.5e-3;
  if (c.smm.lr_s == 0) c.smm.lr_s = c.smm.lr_g;
}

}  // namespace onestep::training

namespace onestep {

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
  if (config.method == "teacher") return makeTeacherMethod(config, shape, device, data);
  if (config.method == "sid") return makeSidMethod(config, shape, device, data);
  if (config.method == "smm") return makeSmmMethod(config, shape, device, data);
  if (config.method == "ect" || config.method == "sct") return makeConsistencyMethod(config, shape, device, data);
  throw Error("method '" + config.method + "' is not known (expected teacher, sid, smm, ect or sct)");
}

std::unique_ptr<nets::Denoiser> loadTeacher(const std::string& path, const nets::SampleShape& shape,
                                            torch::Device device) {
  if (path.empty()) throw Error("distillation needs a teacher (--teacher RUN_DIR|CHECKPOINT|FILE.pt)");
  // A TorchScript teacher without shape attributes is taken to fit the data (its first call checks it).
  std::vector<int64_t> fallback = shape.kind == "points" ? std::vector<int64_t>{shape.dim}
                                                         : std::vector<int64_t>{shape.channels, shape.height, shape.width};
  api::LoadedModel model;
  try {
    model = api::loadModel(path, device, fallback);
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
  for (auto p : parameters)
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
  std::vector<std::string> created;
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
