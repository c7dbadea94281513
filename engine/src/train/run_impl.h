// The state behind onestep::Run, shared by the files that implement it: run.cpp (creating, resuming, stepping,
// checkpoints, previews), run_eval.cpp (evaluations) and train_loop.cpp (train()).
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>

#include "core/util.h"
#include "data/source.h"
#include "nets/denoiser.h"
#include "onestep/config.h"
#include "onestep/metrics.h"
#include "train/checkpoint.h"
#include "train/losses.h"
#include "train/method.h"

namespace onestep {

// The CPU and (on CUDA) the device's default random generators, saved together and restored on demand.
class RandomState {
 public:
  explicit RandomState(const torch::Device& device) : m_cpu(torch::kCPU) {
    if (device.is_cuda()) m_device = std::make_unique<training::RngSnapshot>(device);
  }
  void restore() {
    m_cpu.restore();
    if (m_device) m_device->restore();
  }

 private:
  training::RngSnapshot m_cpu;
  std::unique_ptr<training::RngSnapshot> m_device;
};

// A run in memory: its directory, config, data, method and the fixed evaluation noise.
class RunImpl {
 public:
  std::string dir;
  RunConfig config;
  nets::SampleShape shape;
  bool shapeKnown = false;  // resuming: the checkpoint's shape must match the data's
  torch::Device device{torch::kCPU};
  std::unique_ptr<data::DataSource> data;
  std::unique_ptr<training::Method> method;
  int64_t iteration = 0;
  int64_t samples = 0;
  int64_t checkpointed = -1;    // iteration of the newest checkpoint written or resumed from
  double elapsedBase = 0;       // wall seconds of earlier sessions
  double openedAt = 0;          // nowSec() when this session began
  torch::Tensor evalNoise;      // fixed evaluation noise for snapshots and previews
  torch::Tensor evalStepNoise;  // fixed noise of a second generator step (consistency models)
  torch::Tensor evalLabels;
  std::unique_ptr<MetricSet> evalReference;  // opened at the first evaluation
  bool writer = true;  // false on the ranks other than 0 of a data-parallel group: they never write `dir`
  std::shared_ptr<DirectoryLock> lock;  // a writer's hold on `dir`: no second process trains the same run

  // Loads a checkpoint's state into the built method and takes its counters and random streams; `what` names the
  // checkpoint in the Error when its networks do not fit.
  void restore(torch::serialize::InputArchive& archive, const training::CheckpointMeta& meta, const std::string& what);
  // Takes the run directory's lock before the first write; throws Error when another process holds it.
  void lockDirectory();

  // Throws Error unless this process writes the run directory; `what` names the write refused.
  void requireWriter(const char* what) const;

  // The data the evaluations compare with (run_eval.cpp).
  void openEvalReference();

  // Opens data, builds the method and the evaluation noise for `config` (already resolved and validated).
  void build();
  // Writes config.json atomically.
  void writeConfig();
  // The config as the run's files hold it: the teacher named from the run directory (storedTeacher).
  std::string storedConfigJson() const;
};

}  // namespace onestep
