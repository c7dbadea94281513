// Checkpoints and exported models, the header check alone: whether a file of the input's bytes is a checkpoint of
// this program (isCheckpointFile, which every model-taking command asks first). The `model` target goes on to load
// what passes (tens of inputs a second); this one reaches a million executions in hours, not days.
#include "fuzz_input.h"
#include "train/model_file.h"

ONESTEP_FUZZ_TARGET(model_header) {
  onestep::training::isCheckpointFile(onestep::fuzz::writeInput("model.pt", data, size));
}
