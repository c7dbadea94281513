#include "onestep/sampling.h"

#include <ctime>
#include <filesystem>
#include <functional>
#include <numeric>

#include "api/model.h"
#include "core/util.h"
#include "data/source.h"
#include "diffusion/edm.h"
#include "io/samples.h"
#include "onestep/error.h"
#include "onestep/methods.h"
#include "onestep/run_dir.h"
#include "onestep/runtime.h"
#include "onestep/shipped.h"

namespace onestep::api {

uint64_t mixSeed(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t stepNoiseSeed(uint64_t seed) { return mixSeed(seed ^ 0x5733f2ULL); }

torch::Tensor sampleNoise(const std::vector<int64_t>& perSample, uint64_t seed, int64_t first, int64_t n) {
  std::vector<int64_t> one = {1};
  one.insert(one.end(), perSample.begin(), perSample.end());
  std::vector<torch::Tensor> parts;
  parts.reserve(static_cast<std::size_t>(n));
  for (int64_t i = first; i < first + n; ++i) {
    auto gen = data::makeGenerator(mixSeed(seed ^ mixSeed(static_cast<uint64_t>(i))));
    parts.push_back(torch::randn(one, gen, torch::kFloat32));
  }
  return torch::cat(parts);
}

}  // namespace onestep::api

namespace onestep {

SampleResult sampleModel(const std::string& model, const SampleOptions& options, const SampleProgress& progress) {
  if (options.n <= 0) throw Error("sample: n must be >= 1");
  if (options.batch <= 0) throw Error("sample: batch must be >= 1");
  if (options.steps < 0) throw Error("sample: steps must be >= 1 (or 0 for the model's own)");
  if (options.tMid < 0) throw Error("sample: t_mid must be positive, or 0 for the run's ct.t_mid");
  const torch::Device device(resolveDevice(options.device));
  auto m = api::loadModel(model, device, options.shape);
  SamplerConfig sampler = m.config.sampler;
  if (!options.sampler.empty()) sampler.sampler = options.sampler;
  if (options.steps > 0) sampler.steps = options.steps;
  if (sampler.sampler != "heun" && sampler.sampler != "euler")
    throw Error("sampler '" + sampler.sampler + "': expected heun or euler");
  if (options.tMid > 0) {
    const bool twoStep = m.method && methodInfo(m.config.method).maxSamplingSteps() >= 2;
    if (!twoStep)
      throw Error("sample: t_mid is the intermediate time of ECT/SCT two-step sampling; '" + model + "' is " +
                  (m.method ? "a " + m.config.method + " run" : "a TorchScript file"));
    if (options.steps != 2) throw Error("sample: t_mid applies to two-step sampling; give steps 2 with it");
  }
  const int classes = m.method ? m.method->numClasses() : m.shape.numClasses;
  // The generator's input noise (a latent vector for Score Mismatching, else sample-shaped).
  auto sampleDims = m.shape.batchShape(1);
  sampleDims.erase(sampleDims.begin());
  auto noiseDims = m.method && !m.method->latentShape().empty() ? m.method->latentShape() : sampleDims;
  // Every sample is held until the call returns (as floats, then gathered into one tensor).
  const double elements = std::accumulate(sampleDims.begin(), sampleDims.end(), 1.0, std::multiplies<double>());
  checkFitsInMemory("sample: n " + std::to_string(options.n), options.n, 2 * 4 * elements);
  if (options.classLabel >= 0 && options.classLabel >= classes)
    throw Error("class " + std::to_string(options.classLabel) + ": the model has " + std::to_string(classes) +
                " classes" + (classes == 0 ? " (it is unconditional)" : ""));

  SampleResult result;
  std::vector<torch::Tensor> outs, labelParts;
  const double start = nowSec();
  for (int64_t first = 0; first < options.n; first += options.batch) {
    if (options.shouldStop && options.shouldStop()) throw Cancelled("sample: cancelled");
    const int64_t b = std::min(options.batch, options.n - first);
    auto noise = api::sampleNoise(noiseDims, options.seed, first, b).to(device);
    torch::Tensor labels;
    if (classes > 0) {
      if (options.classLabel >= 0) {
        labels = torch::full({b}, options.classLabel, torch::kLong);
      } else {
        auto gen = data::makeGenerator(api::mixSeed(options.seed + 0x1abe1ULL + static_cast<uint64_t>(first)));
        labels = torch::randint(classes, {b}, gen, torch::kLong);
      }
      labelParts.push_back(labels);
      labels = labels.to(device);
    }
    training::GenerateOptions g;
    g.sampler = sampler;
    g.ema = options.ema;
    g.steps = options.steps;
    g.tMid = options.tMid;
    // A second generator step re-noises with its own per-sample noise, also a function of (seed, i) only.
    if (options.steps == 2) g.stepNoise = api::sampleNoise(sampleDims, api::stepNoiseSeed(options.seed), first, b);
    auto x = training::generateSamples(m.method.get(), m.scripted.get(), noise, labels, g, &result.nfe);
    outs.push_back(x.to(torch::kCPU));
    if (progress) progress(first + b, options.n);
  }
  result.seconds = nowSec() - start;
  result.samples = io::toSampleSet(torch::cat(outs), labelParts.empty() ? torch::Tensor() : torch::cat(labelParts));
  return result;
}

std::vector<std::pair<std::string, std::string>> sampleProvenance(const std::string& model,
                                                                  const SampleOptions& options, int nfe) {
  char created[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::vector<std::pair<std::string, std::string>> text = {
      {"Software", "OneStep Studio " + version()},
      {"Model", model},
      {"Seed", std::to_string(options.seed)},
      {"NFE", std::to_string(nfe)},
      {"Steps", options.steps > 0 ? std::to_string(options.steps) : "default"},
      {"Created", created}};
  // The run's settings on one line (whitespace runs collapsed).
  std::string settings;
  for (char c : readRunConfigText(model)) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (settings.empty() || settings.back() == ' ')) continue;
    settings.push_back(space ? ' ' : c);
  }
  while (!settings.empty() && settings.back() == ' ') settings.pop_back();
  if (!settings.empty()) text.emplace_back("Settings", settings);
  return text;
}

namespace {

// How an exported generator names its teacher: a shipped model's name when the path is one, else the absolute path.
std::string teacherReference(const std::string& teacher) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string file = resolveModelPath(teacher);
  const fs::path canonical = fs::weakly_canonical(fs::path(file), ec);
  if (ec) return teacher;
  for (const auto& shipped : shippedModels())
    if (fs::weakly_canonical(fs::path(shipped.file), ec) == canonical && !ec) return shipped.name;
  return canonical.string();
}

}  // namespace

ExportSummary exportModel(const std::string& model, const std::string& out) {
  if (out.size() < 4 || out.compare(out.size() - 3, 3, ".pt") != 0)
    throw Error("export: the output '" + out + "' must end in .pt");
  if (std::filesystem::exists(out)) throw Error("export: '" + out + "' exists already (nothing is overwritten)");
  const torch::Device cpu(torch::kCPU);
  auto m = api::loadModel(model, cpu, {});
  if (m.kind != "checkpoint") throw Error("export: '" + model + "' is a TorchScript file already; use it as it is");
  if (m.method->exportable())
    throw Error("export: '" + model +
                "' distils a TorchScript teacher; its generator is the run's generator.pt already");
  training::CheckpointMeta meta = m.meta;
  if (!m.config.teacher_model.empty()) {
    // A generator keeps naming its teacher (Compare and the score fields load it). A shipped teacher is named by
    // its name, so the file works wherever the shipped models are; any other teacher by its absolute path.
    RunConfig config = m.config;
    config.teacher_model = teacherReference(config.teacher_model);
    meta.configJson = configToJson(config);
  }
  training::writeCheckpoint(out, meta, *m.method, cpu, /*forSampling=*/true);
  ExportSummary s;
  s.file = m.file;
  s.iteration = m.meta.iteration;
  s.bytes = static_cast<int64_t>(std::filesystem::file_size(out));
  return s;
}

}  // namespace onestep
