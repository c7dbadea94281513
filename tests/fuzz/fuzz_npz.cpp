// NPZ archives through the readers that take them from users: sample sets (`onestep metrics`, `onestep info`) and
// feature statistics (FID references). The bytes are written to a file, as a user's would be.
#include "fuzz_input.h"
#include "io/npz.h"
#include "onestep/metrics.h"
#include "onestep/samples.h"

ONESTEP_FUZZ_TARGET(npz) {
  const std::string path = onestep::fuzz::writeInput("input.npz", data, size);
  onestep::fuzz::readOrRefuse([&] { onestep::io::readNpz(path); });
  onestep::fuzz::readOrRefuse([&] { onestep::readSamplesNpz(path); });
  onestep::fuzz::readOrRefuse([&] { onestep::loadStats(path); });
}
