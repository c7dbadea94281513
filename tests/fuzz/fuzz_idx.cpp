// IDX files (MNIST, Fashion-MNIST), plain or gzip: the header's dimensions against the (decompressed) length.
#include "data/source.h"
#include "fuzz_input.h"

ONESTEP_FUZZ_TARGET(idx) {
  const std::string path = onestep::fuzz::writeInput("input-idx-ubyte", data, size);
  onestep::fuzz::readOrRefuse([&] { onestep::data::readIdxImages(path); });
  onestep::fuzz::readOrRefuse([&] { onestep::data::readIdxLabels(path); });
}
