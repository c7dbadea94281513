// The run-directory readers the studio and the CLI use on a directory they did not write: config.json and
// metrics.jsonl (both from the input) through readRunConfig, readMetrics, the best-evaluation scan and `onestep info`.
#include "fuzz_input.h"
#include "onestep/run_dir.h"
#include "onestep/sampling.h"
#include "train/checkpoint.h"

ONESTEP_FUZZ_TARGET(run_dir) {
  onestep::fuzz::writeInput("config.json", data, size);
  onestep::fuzz::writeInput("metrics.jsonl", data, size);
  const std::string& dir = onestep::fuzz::workDir();
  onestep::fuzz::readOrRefuse([&] { onestep::readRunConfig(dir); });
  onestep::fuzz::readOrRefuse([&] { onestep::readMetrics(dir); });
  onestep::fuzz::readOrRefuse([&] { onestep::training::bestEvaluation(dir); });
  onestep::fuzz::readOrRefuse([&] { onestep::describe(dir); });
}
