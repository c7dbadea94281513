// onestep::Model: a loaded model answering generation and score-field questions from given noise.
#include "onestep/model.h"

#include "api/model.h"
#include "core/util.h"
#include "diffusion/edm.h"
#include "io/samples.h"
#include "onestep/error.h"
#include "onestep/methods.h"
#include "onestep/runtime.h"

namespace onestep {

int64_t ModelInfo::noiseSize() const {
  int64_t n = 1;
  for (int64_t d : noiseShape) n *= d;
  return n;
}

class ModelImpl {
 public:
  api::LoadedModel loaded;
  torch::Device device{torch::kCPU};
  ModelInfo info;

  nets::Denoiser* field(const std::string& name) {
    if (name == "teacher") return loaded.method ? loaded.method->network("teacher") : loaded.scripted.get();
    return loaded.method ? loaded.method->network(name) : nullptr;
  }
};

namespace {

std::vector<int64_t> perSample(const nets::SampleShape& shape) {
  auto dims = shape.batchShape(1);
  dims.erase(dims.begin());
  return dims;
}

int64_t product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

torch::Tensor fromValues(const std::vector<float>& values, std::vector<int64_t> dims, int64_t n) {
  dims.insert(dims.begin(), n);
  return torch::from_blob(const_cast<float*>(values.data()), dims, torch::kFloat32).clone();
}

}  // namespace

Model::Model(std::unique_ptr<ModelImpl> impl) : m_impl(std::move(impl)) {}
Model::~Model() = default;

std::unique_ptr<Model> Model::open(const std::string& path, const std::string& device) {
  auto impl = std::make_unique<ModelImpl>();
  impl->device = torch::Device(resolveDevice(device));
  impl->loaded = api::loadModel(path, impl->device, {});
  const api::LoadedModel& m = impl->loaded;
  ModelInfo& info = impl->info;
  info.path = path;
  info.file = m.file;
  info.method = m.method ? m.config.method : "torchscript";
  const MethodInfo* method = m.method ? &methodInfo(m.config.method) : nullptr;
  info.multiStep = !method || !method->oneStep();
  info.maxSteps = method ? method->maxSamplingSteps() : 0;
  info.points = m.shape.kind == "points";
  info.sampleShape = perSample(m.shape);
  info.noiseShape = m.method && !m.method->latentShape().empty() ? m.method->latentShape() : info.sampleShape;
  info.numClasses = m.method ? m.method->numClasses() : m.shape.numClasses;
  info.iteration = m.meta.iteration;
  if (!info.multiStep) info.teacher = m.config.teacher_model;
  info.sampler = m.config.sampler.sampler;
  info.samplerSteps = m.config.sampler.steps;
  info.sigmaMax = m.config.sampler.sigma_max;
  info.sigmaData = m.config.teacher.sigma_data;
  for (const char* name : {"teacher", "fake_score"})
    if (impl->field(name)) info.fields.emplace_back(name);
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

const ModelInfo& Model::info() const { return m_impl->info; }

std::string Model::device() const { return m_impl->device.str(); }

namespace {
std::vector<float> noiseValues(const std::vector<int64_t>& shape, uint64_t seed, int64_t first, int64_t n) {
  if (first < 0 || n < 0) throw Error("noise: first and n must be >= 0");
  if (n == 0) return {};
  auto z = api::sampleNoise(shape, seed, first, n).contiguous();
  return std::vector<float>(z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
}
}  // namespace

std::vector<float> Model::noise(uint64_t seed, int64_t first, int64_t n) const {
  return noiseValues(m_impl->info.noiseShape, seed, first, n);
}

std::vector<float> Model::stepNoise(uint64_t seed, int64_t first, int64_t n) const {
  return noiseValues(m_impl->info.sampleShape, api::stepNoiseSeed(seed), first, n);
}

GenerateResult Model::generate(const GenerateRequest& r) {
  const ModelInfo& info = m_impl->info;
  auto& m = m_impl->loaded;
  const torch::Device device = m_impl->device;
  if (r.n <= 0) throw Error("generate: n must be >= 1");
  if (static_cast<int64_t>(r.noise.size()) != r.n * info.noiseSize())
    throw Error("generate: " + std::to_string(r.noise.size()) + " noise values for " + std::to_string(r.n) +
                " samples; expected " + std::to_string(r.n * info.noiseSize()) + " (" +
                std::to_string(info.noiseSize()) + " per sample)");
  torch::Tensor labels;
  if (info.numClasses > 0) {
    if (!r.labels.empty() && static_cast<int64_t>(r.labels.size()) != r.n)
      throw Error("generate: " + std::to_string(r.labels.size()) + " labels for " + std::to_string(r.n) + " samples");
    for (int64_t c : r.labels)
      if (c < 0 || c >= info.numClasses)
        throw Error("generate: class " + std::to_string(c) + " is outside 0.." + std::to_string(info.numClasses - 1));
    labels = r.labels.empty() ? torch::zeros({r.n}, torch::kLong) : torch::tensor(r.labels, torch::kLong);
    labels = labels.to(device);
  } else if (!r.labels.empty()) {
    throw Error("generate: the model is unconditional; give no labels");
  }
  SamplerConfig sampler = m.config.sampler;
  if (!r.sampler.empty()) sampler.sampler = r.sampler;
  if (sampler.sampler != "heun" && sampler.sampler != "euler")
    throw Error("generate: sampler '" + sampler.sampler + "': expected heun or euler");
  if (info.multiStep) {
    if (r.steps < 0)
      throw Error("generate: steps must be >= 1 (0 = the configured " + std::to_string(sampler.steps) + ")");
    if (r.steps > 0) sampler.steps = r.steps;
  } else if (r.steps < 0 || r.steps > info.maxSteps) {
    throw Error("generate: " + info.method + " samples in " + (info.maxSteps == 2 ? "1 or 2 steps" : "1 step") +
                ", not " + std::to_string(r.steps));
  }
  // Inference only: no autograd bookkeeping (version counters, views) on any tensor of the call.
  c10::InferenceMode guard;
  GenerateResult result;
  const double start = nowSec();
  auto noise = fromValues(r.noise, info.noiseShape, r.n).to(device);
  training::GenerateOptions g;
  g.sampler = sampler;
  if (info.multiStep) {
    g.onStep = [&](const diffusion::StepInfo& s) {
      if (r.shouldStop && r.shouldStop()) throw Cancelled("generate: cancelled");
      if (r.keepDenoised) {
        result.denoised.push_back(
            io::toSampleSet(s.denoised->to(torch::kCPU), labels.defined() ? labels.to(torch::kCPU) : torch::Tensor()));
        result.sigmas.push_back(s.sigma);
      }
    };
  } else {
    if (r.shouldStop && r.shouldStop()) throw Cancelled("generate: cancelled");
    g.steps = r.steps;
    if (r.steps == 2) {
      const int64_t size = product(info.sampleShape);
      if (!r.stepNoise.empty() && static_cast<int64_t>(r.stepNoise.size()) != r.n * size)
        throw Error("generate: " + std::to_string(r.stepNoise.size()) + " second-step noise values; expected " +
                    std::to_string(r.n * size));
      g.stepNoise = r.stepNoise.empty() ? api::sampleNoise(info.sampleShape, api::stepNoiseSeed(0), 0, r.n)
                                        : fromValues(r.stepNoise, info.sampleShape, r.n);
    }
  }
  auto x = training::generateSamples(m.method.get(), m.scripted.get(), noise, labels, g, &result.nfe);
  result.samples = io::toSampleSet(x.to(torch::kCPU), labels.defined() ? labels.to(torch::kCPU) : torch::Tensor());
  result.seconds = nowSec() - start;
  return result;
}

std::vector<float> Model::denoiseDirection(const std::string& field, const std::vector<float>& points, double sigma) {
  const ModelInfo& info = m_impl->info;
  if (!info.points || info.sampleShape.size() != 1 || info.sampleShape[0] != 2)
    throw Error("score field: only for 2-D point models (this one is " + m_impl->loaded.shape.text() + ")");
  nets::Denoiser* d = m_impl->field(field);
  if (!d) throw Error("score field '" + field + "': this " + info.method + " model has no such network");
  if (points.size() % 2 != 0)
    throw Error("score field: expected x,y pairs, got " + std::to_string(points.size()) + " values");
  if (!(sigma > 0)) throw Error("score field: sigma must be > 0");
  const int64_t n = static_cast<int64_t>(points.size() / 2);
  torch::NoGradGuard guard;
  d->setTraining(false);
  auto x = fromValues(points, {2}, n).to(m_impl->device);
  torch::Tensor labels;
  if (d->shape().numClasses > 0)
    labels = torch::zeros({n}, torch::TensorOptions().dtype(torch::kLong).device(m_impl->device));
  auto dir = (d->denoise(x, torch::full({n}, sigma, x.options()), labels) - x).to(torch::kCPU).contiguous();
  return std::vector<float>(dir.data_ptr<float>(), dir.data_ptr<float>() + dir.numel());
}

}  // namespace onestep
