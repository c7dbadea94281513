// Loading a trained model for sampling: a run directory, a checkpoint, or a TorchScript denoiser.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nets/denoiser.h"
#include "train/checkpoint.h"
#include "train/method.h"

namespace onestep::api {

struct LoadedModel {
  std::string kind;                            // "checkpoint" or "torchscript"
  std::string file;                            // the file actually loaded
  RunConfig config;                            // the run's config (defaults for a TorchScript file)
  training::CheckpointMeta meta;                  // checkpoint metadata (checkpoints only)
  nets::SampleShape shape;                     // per-sample shape
  std::unique_ptr<training::Method> method;       // checkpoints
  std::unique_ptr<nets::Denoiser> scripted;    // TorchScript files
};

// True when the file is a OneStep checkpoint (not merely any TorchScript archive).
bool isCheckpointFile(const std::string& path);
// Loads a model onto the device; throws Error naming the path and what was expected.
LoadedModel loadModel(const std::string& path, torch::Device device, const std::vector<int64_t>& shapeFallback);

// 64-bit mix (splitmix64) for deriving per-sample seeds.
uint64_t mixSeed(uint64_t x);
// The seed of the second step's noise of 2-step consistency samples drawn with noise seed `seed`.
uint64_t stepNoiseSeed(uint64_t seed);
// Standard-normal noise for samples [first, first+n) of a seed: sample i's noise depends on (seed, i) only,
// so any batch size or sample count gives the same noise for the same sample.
// perSample is one sample's noise shape, e.g. {2} or {1, 28, 28}.
torch::Tensor sampleNoise(const std::vector<int64_t>& perSample, uint64_t seed, int64_t first, int64_t n);

}  // namespace onestep::api
