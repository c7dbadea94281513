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
// How a run's files (config.json, the config inside each checkpoint) name its teacher: a shipped name as it is,
// any path relative to the run directory, so that the run resumes and samples from any working directory and
// keeps working when moved together with its teacher.
std::string storedTeacher(const std::string& teacher, const std::string& runDir);
// The teacher a run's files name, as a path usable from the working directory: a relative path is taken from the
// run directory; where nothing is there, from the working directory (runs written before paths were stored so).
std::string resolveStoredTeacher(const std::string& stored, const std::string& runDir);
// The run directory of a checkpoint file (the folder above checkpoints/), or the folder of any other file.
std::string runDirectoryOf(const std::string& file);

// Loads a model onto the device; throws Error naming the path and what was expected.
LoadedModel loadModel(const std::string& path, torch::Device device, const std::vector<int64_t>& shapeFallback);

}  // namespace onestep::training
