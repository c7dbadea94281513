// A trained model held in memory for interactive use (the studio's compare view, latent explorer, 2-D view):
// loaded once, then asked for samples from given noise as often as a slider moves. Torch-free.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "onestep/samples.h"

namespace onestep {

// What a loaded model is.
struct ModelInfo {
  std::string path;                  // the path it was opened from
  std::string file;                  // the checkpoint or TorchScript file actually loaded
  std::string method;                // "teacher", "sid", "smm", "ect", "sct", or "torchscript" (a denoiser file)
  bool multiStep = false;            // a denoiser sampled with the EDM sampler (teacher, TorchScript)
  int maxSteps = 1;                  // generator steps it can take (1; 2 for ECT/SCT; 0 = any, for denoisers)
  bool points = false;               // 2-D (N-D) points rather than images
  std::vector<int64_t> sampleShape;  // per-sample shape: [D] for points, [C, H, W] for images
  std::vector<int64_t> noiseShape;   // per-sample shape of the input noise (a latent vector for Score Mismatching)
  int numClasses = 0;                // 0 = unconditional
  int64_t iteration = 0;             // the checkpoint's iteration (0 for a TorchScript file)
  std::string teacher;               // a distillation run's teacher (as in its config), empty otherwise
  std::string sampler = "heun";      // the configured EDM sampler and its step count (denoisers)
  int samplerSteps = 18;
  double sigmaMax = 80.0;  // the sampler's largest noise level
  double sigmaData = 0.5;
  std::vector<std::string> fields;  // denoisers whose score field can be drawn: "teacher", "fake_score"
  int64_t noiseSize() const;        // values of noise per sample
};

// One generation call.
struct GenerateRequest {
  int64_t n = 1;                     // samples
  std::vector<float> noise;          // n * noiseSize() standard-normal values (Model::noise gives reproducible ones)
  std::vector<int64_t> labels;       // n class labels for conditional models (empty: all class 0)
  std::string sampler;               // denoisers: "heun" | "euler" (empty = the configured one)
  int steps = 0;                     // denoisers: schedule steps N; generators: 1 or 2 (0 = default)
  std::vector<float> stepNoise;      // the second step's noise of a 2-step consistency sample (n * sample size);
                                     // empty = stepNoise(0, 0, n)
  bool keepDenoised = false;         // denoisers: also return D(x_i; t_i) after each step (the denoised strip)
  std::function<bool()> shouldStop;  // polled between network calls; true abandons the call (throws Cancelled)
};

struct GenerateResult {
  SampleSet samples;                // the n outputs
  int nfe = 0;                      // network evaluations per sample
  double seconds = 0;               // wall time of the call
  std::vector<SampleSet> denoised;  // keepDenoised: one set per sampler step
  std::vector<double> sigmas;       // keepDenoised: the noise level of each step
};

class ModelImpl;

class Model {
 public:
  // Opens a run directory (latest checkpoint), a checkpoint or a TorchScript denoiser on a device
  // ("auto", "cpu", "cuda"). Throws Error naming the path and what was expected.
  static std::unique_ptr<Model> open(const std::string& path, const std::string& device = "auto");
  ~Model();

  const ModelInfo& info() const;
  std::string device() const;

  // Standard-normal noise for samples [first, first + n) of a seed: the same values `onestep sample --seed`
  // uses, so a sample here equals the CLI's sample of the same index.
  std::vector<float> noise(uint64_t seed, int64_t first, int64_t n) const;
  // The second step's noise (sample-sized) of a 2-step consistency sample, as `onestep sample --seed --steps 2`
  // draws it for samples [first, first + n): with noise(seed, first, n) it reproduces the CLI's 2-step samples.
  std::vector<float> stepNoise(uint64_t seed, int64_t first, int64_t n) const;

  // Samples from the given noise (EMA weights). Labels: for a conditional model, n labels in 0..classes-1
  // (empty = all class 0). Throws Error for a wrong noise or label count, a step count the model cannot take,
  // or an unknown sampler; throws Cancelled when shouldStop said so.
  GenerateResult generate(const GenerateRequest& request);

  // The denoiser `field` ("teacher", "fake_score") at noise level sigma on 2-D points [n, 2]: returns
  // D(x; sigma) - x for each point (the score times sigma^2). Throws Error for image models or an unknown field.
  std::vector<float> denoiseDirection(const std::string& field, const std::vector<float>& points, double sigma);

 private:
  explicit Model(std::unique_ptr<ModelImpl> impl);
  std::unique_ptr<ModelImpl> m_impl;
};

}  // namespace onestep
