// Sampling a trained model (run directory, checkpoint or TorchScript denoiser) and describing files.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "onestep/samples.h"

namespace onestep {

// What to sample and how.
struct SampleOptions {
  int64_t n = 64;                    // number of samples
  uint64_t seed = 0;                 // seeds the initial noise (generated on the CPU, so equal across devices)
  std::string sampler = "";          // "heun" | "euler"; empty = the run's configured sampler
  int steps = 0;                     // schedule steps N; 0 = the run's configured steps
  double tMid = 0;                   // ECT/SCT two-step sampling: intermediate time; 0 = the run's ct.t_mid
  int64_t classLabel = -1;           // class for conditional models; -1 = uniformly random classes
  bool ema = true;                   // use the EMA weights where the model has them
  std::string device = "auto";       // "auto", "cpu", "cuda"
  int64_t batch = 256;               // samples per network call batch
  std::vector<int64_t> shape;        // per-sample shape [C,H,W] or [D] for a TorchScript file without metadata
  std::function<bool()> shouldStop;  // polled between batches; true abandons the call (throws Cancelled)
};

// What a sampling call did.
struct SampleResult {
  SampleSet samples;   // the samples
  int nfe = 0;         // network evaluations per sample
  double seconds = 0;  // wall time of the sampling (without loading)
};

// Called after each batch with (samples done, total).
using SampleProgress = std::function<void(int64_t done, int64_t total)>;

// Where samples came from, as the text chunks of their PNG files (the CLI's `sample --out DIR` and the studio's
// export write the same): Software, Model, Seed, NFE, Steps, Created (UTC) and, for a run directory, Settings (its
// config.json on one line).
std::vector<std::pair<std::string, std::string>> sampleProvenance(const std::string& model,
                                                                  const SampleOptions& options, int nfe);

// Samples from a run directory (latest checkpoint), a checkpoint file, or a TorchScript denoiser file.
SampleResult sampleModel(const std::string& model, const SampleOptions& options, const SampleProgress& progress = {});

// A teacher or a generator (run directory or checkpoint) as one small file for sampling (and a teacher for
// distilling from): its config and EMA weights, without the optimiser, online weights or anything needed to
// resume. A generator's config keeps its teacher: by shipped name when it is one, else by absolute path. The
// file is a checkpoint that every command taking a model or --teacher accepts. Written atomically; an existing
// file is refused.
struct ExportSummary {
  std::string file;       // the checkpoint that was read
  int64_t iteration = 0;  // its iteration
  int64_t bytes = 0;      // size of the written file
};
ExportSummary exportModel(const std::string& model, const std::string& out);

// Describes a run directory, checkpoint, TorchScript file or data spec as pretty JSON text.
std::string describe(const std::string& pathOrSpec);

}  // namespace onestep
