// A training method: owns its networks and optimisers, performs one iteration per call, samples its model.
// Adding a method is one new file (its Method, a factory and a MethodEntry) plus a line in the list in methods.cpp
// (docs/architecture.md, "Adding a method").
#pragma once
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "data/source.h"
#include "diffusion/edm.h"
#include "nets/denoiser.h"
#include "onestep/config.h"
#include "onestep/methods.h"

namespace onestep::training {

// How to generate with a method's model.
struct GenerateOptions {
  SamplerConfig sampler;  // the teacher's sampler (multi-step methods)
  bool ema = true;        // use the EMA weights
  int steps = 0;          // generator steps (consistency models: 1 or 2); 0 = the method's default
  double tMid = 0;        // consistency models' two-step intermediate time; 0 = the config's ct.t_mid
  torch::Tensor
      stepNoise;  // noise of a second generator step, like `noise` (undefined: drawn from the default generator)
  diffusion::StepCallback onStep;  // multi-step samplers: called after each step (it may throw Cancelled)
};

class Method {
 public:
  virtual ~Method() = default;
  // One iteration on a batch from the data source; returns named scalar losses.
  // Throws Error on a non-finite loss; a step that throws leaves every network's parameters and optimiser
  // state as it found them (a method whose iteration steps two networks undoes the first with an UndoPoint).
  virtual std::map<std::string, double> step(int64_t samplesBefore) = 0;
  // Samples per iteration.
  virtual int64_t batchSize() const = 0;
  // Network, EMA and optimiser state under stable keys.
  virtual void save(torch::serialize::OutputArchive& archive) const = 0;
  virtual void load(torch::serialize::InputArchive& archive) = 0;
  // Only what sampling needs (an exported model: no optimiser, no online weights); load() must accept it.
  // Methods without a smaller form save everything.
  virtual void saveForSampling(torch::serialize::OutputArchive& archive) const { save(archive); }
  // Maps standard-normal noise [N, ...] (and labels, possibly undefined) to samples; sets *nfe.
  virtual torch::Tensor generate(const torch::Tensor& noise, const torch::Tensor& labels,
                                 const GenerateOptions& options, int* nfe) = 0;
  // Applies a changed config between iterations (learning rates and other live settings).
  virtual void reconfigure(const RunConfig& config) = 0;
  // The denoiser this method's model samples with (a teacher's EMA network); null for generators.
  virtual nets::Denoiser* denoiser() { return nullptr; }
  // A denoiser the method holds, by role: "teacher" (the frozen teacher, or a teacher run's own EMA network),
  // "fake_score" (SiD); null when it has none. For inspection (score fields), not for training.
  virtual nets::Denoiser* network(const std::string& role) { return role == "teacher" ? denoiser() : nullptr; }
  // The parameters of one of the method's networks ("teacher", "generator", "ema" (SiD's EMA generator),
  // "fake_score", "score"; empty if
  // the method has no such network): for tests and inspection.
  virtual std::vector<torch::Tensor> parameters(const std::string& role) = 0;
  // Per-sample shape of the generator's input noise; empty = the sample shape (denoisers, SiD, ECT, SCT).
  virtual std::vector<int64_t> latentShape() const { return {}; }
  // Classes the model is conditioned on (0 = unconditional).
  virtual int numClasses() const = 0;
  // A new run's networks start from another model of the same method (sid.init) instead of the teacher; methods
  // without such a start refuse. Throws Error naming the model when it is not one that fits.
  virtual void startFrom(const std::string& model);
  // A generator that is a TorchScript module (SiD on a TorchScript teacher), to be saved as generator.pt
  // for Python; null otherwise.
  virtual nets::Denoiser* exportable() { return nullptr; }
};

// The frozen teacher denoiser of a distillation: a copy of a teacher run's EMA network or a TorchScript
// denoiser, on `device`; its shape must equal `shape`. Throws Error naming the path.
std::unique_ptr<nets::Denoiser> loadTeacher(const std::string& path, const nets::SampleShape& shape,
                                            torch::Device device);

// A check of a method's validate(): throws Error("config: " + what) unless ok.
void requireSetting(bool ok, const std::string& what);

// Sets the learning rate of every parameter group.
void setLearningRate(torch::optim::Adam& optimizer, double lr);
// nan_to_num on every gradient (the reference implementations do this before each optimiser step).
void sanitiseGradients(const std::vector<torch::Tensor>& parameters);

// A network's parameters and Adam state (step count and moments), copied before it steps, so that an iteration
// failing afterwards (a non-finite generator loss once the score net has stepped) can put them back and leave
// the method unchanged. Not copied: buffers (the networks trained here change none), gradients (zeroed before
// every use) and the learning rate (set before every step). The copies are reused from one iteration to the
// next; they hold three times the network's parameters.
// The key of an optimiser's state: a parameter's name in LibTorch 1.x, its address in LibTorch 2.x.
using OptimizerStateKey = std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state().begin()->first)>;

class UndoPoint {
 public:
  void capture(const std::vector<torch::Tensor>& parameters, const torch::optim::Adam& optimizer);
  void restore(const std::vector<torch::Tensor>& parameters, torch::optim::Adam& optimizer) const;

 private:
  std::vector<torch::Tensor> m_values;
  std::map<OptimizerStateKey, torch::optim::AdamParamState> m_state;
};

// One EMA step by half-life in samples (EDM's training_loop.py): returns beta for a batch of `batch` samples.
double emaBeta(double halflifeSamples, double rampup, int64_t samplesAfter, int64_t batch);

// Fills the config's "auto" settings for the data shape (arch, batch, lr, snapshot count).
void resolveAutoSettings(RunConfig& config, const nets::SampleShape& shape);

// The one sampling path of the front ends and of runs (sampleModel, Model::generate, a run's previews, snapshots
// and evaluations): `method`'s model when there is one, else `denoiser` (a TorchScript file) with the teacher's
// sampler of options.sampler. Without gradients; sets *nfe.
torch::Tensor generateSamples(Method* method, nets::Denoiser* denoiser, const torch::Tensor& noise,
                              const torch::Tensor& labels, const GenerateOptions& options, int* nfe);

// Builds the method named by config.method. `data` may be null when the method is only used for sampling.
std::unique_ptr<Method> makeMethod(const RunConfig& config, const nets::SampleShape& shape, torch::Device device,
                                   data::DataSource* data);

// The sample shape a data source yields.
nets::SampleShape shapeOf(const DataInfo& info);

// A method as the registry holds it: its descriptor (onestep/methods.h) and the factory of its Method.
using MethodFactory = std::function<std::unique_ptr<Method>(const RunConfig& config, const nets::SampleShape& shape,
                                                            torch::Device device, data::DataSource* data)>;
struct MethodEntry {
  MethodInfo info;
  MethodFactory make;
};

// Adds a method to the list that methods() and makeMethod read, or replaces the one of the same name. The built-in
// methods are listed in methods.cpp; this is for tests and extensions, called before any run starts (the list is
// not guarded against concurrent change).
void registerMethod(MethodEntry entry);

// The built-in methods, each defined in its own file.
MethodEntry teacherMethod();  // EDM denoising score matching (teacher.cpp)
MethodEntry sidMethod();      // Score identity Distillation (sid.cpp)
MethodEntry smmMethod();      // Score Mismatching (smm.cpp)
MethodEntry ectMethod();      // Easy Consistency Tuning (consistency.cpp)
MethodEntry sctMethod();      // Stable Consistency Tuning (consistency.cpp)

}  // namespace onestep::training
