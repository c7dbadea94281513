// Checkpoint files: method state, metadata (config, sample shape, counters) and RNG state, written atomically.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nets/denoiser.h"
#include "train/method.h"

namespace onestep::training {

// What a checkpoint says about itself.
struct CheckpointMeta {
  std::string method;       // config.method
  int64_t iteration = 0;    // iterations done
  int64_t samples = 0;      // training samples consumed
  double elapsed = 0;       // wall seconds of training so far
  std::string configJson;   // the run's config.json at the time
  nets::SampleShape shape;  // the sample shape of the model
};

// The format tag inside every checkpoint.
constexpr const char* kCheckpointFormat = "onestep-checkpoint/1";

// A checkpoint's bytes: meta, the method's state and the default generators' states (CPU, and CUDA for a CUDA
// device). forSampling: the method's sampling state only (Method::saveForSampling), for exported models.
std::string checkpointBytes(const CheckpointMeta& meta, const Method& method, torch::Device device,
                            bool forSampling = false);
// Writes checkpointBytes to path atomically.
void writeCheckpoint(const std::string& path, const CheckpointMeta& meta, const Method& method, torch::Device device,
                     bool forSampling = false);
// Reads meta and opens the archive; throws Error naming the file when it is missing, truncated or not a checkpoint.
CheckpointMeta readCheckpoint(const std::string& path, torch::serialize::InputArchive& archive);
// The same from checkpointBytes held in memory (a data-parallel group's rank 0 sends them); `what` names them.
CheckpointMeta readCheckpointBytes(const std::string& bytes, const std::string& what,
                                   torch::serialize::InputArchive& archive);
// Restores the default generators' states saved by writeCheckpoint.
void restoreRng(torch::serialize::InputArchive& archive, torch::Device device);
// Adam's state from an archive, moved to its parameters' device: Adam::load leaves it where the archive was read
// (readCheckpoint reads on the CPU), and the first step after a resume on CUDA then mixed devices and threw.
void loadAdam(torch::optim::Adam& optimizer, torch::serialize::InputArchive& archive);

// Checkpoint files of a run directory, oldest first (checkpoints/ckpt-NNNNNNNNN.pt).
std::vector<std::string> listCheckpoints(const std::string& runDir);
// Path of the checkpoint for an iteration.
std::string checkpointPath(const std::string& runDir, int64_t iteration);

// The run's best evaluation in metrics.jsonl: the lowest energy distance where evaluations have one (points),
// else the lowest FID. iteration -1 when there is none.
struct BestEvaluation {
  int64_t iteration = -1;
  std::string metric;
  double value = 0.0;
};
BestEvaluation bestEvaluation(const std::string& runDir);

std::string shapeToJson(const nets::SampleShape& shape);
nets::SampleShape shapeFromJson(const std::string& json);

}  // namespace onestep::training
