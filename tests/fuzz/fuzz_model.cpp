// Checkpoints and exported models: the header checks that decide what a file is and whether it fits
// (isCheckpointFile, loadModel), on a file of the input's bytes.
#include "fuzz_input.h"
#include "train/model_file.h"

ONESTEP_FUZZ_TARGET(model) {
  const std::string path = onestep::fuzz::writeInput("model.pt", data, size);
  onestep::training::isCheckpointFile(path);
  onestep::fuzz::readOrRefuse([&] { onestep::training::loadModel(path, torch::kCPU, {}); });
}
