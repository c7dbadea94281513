// Loading a trained model for sampling or distilling: a run directory, a checkpoint, an exported model, a
// TorchScript denoiser or a shipped name. Training needs it (a teacher, sid.init) and so does the API above it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nets/denoiser.h"
#include "train/checkpoint.h"
#include "train/method.h"

namespace onestep::training {

struct LoadedModel {
  std::string kind;                          // "checkpoint" or "torchscript"
  std::string file;                          // the file actually loaded
  RunConfig config;                          // the run's config (defaults for a TorchScript file)
  CheckpointMeta meta;                       // checkpoint metadata (checkpoints only)
  nets::SampleShape shape;                   // per-sample shape
  std::unique_ptr<Method> method;            // checkpoints
  std::unique_ptr<nets::Denoiser> scripted;  // TorchScript files
};

// True when the file is a OneStep checkpoint (not merely any TorchScript archive).
bool isCheckpointFile(const std::string& path);
// Loads a model onto the device; throws Error naming the path and what was expected.
LoadedModel loadModel(const std::string& path, torch::Device device, const std::vector<int64_t>& shapeFallback);

}  // namespace onestep::training
