// Image decoding for image-folder datasets: one file of any format OpenCV reads, opened as a folder data spec, grey
// and colour, then sampled from. The first byte picks the size and channels, the rest is the file.
#include <filesystem>

#include "data/source.h"
#include "fuzz_input.h"

ONESTEP_FUZZ_TARGET(image) {
  if (size < 1) return;
  const int channels = (data[0] & 1) ? 3 : 1, imageSize = 4 << ((data[0] >> 1) & 3);
  const std::string dir = onestep::fuzz::workDir() + "/images";
  std::filesystem::create_directories(dir);
  onestep::fuzz::writeInput("images/input.png", data + 1, size - 1);
  onestep::fuzz::readOrRefuse([&] {
    auto source = onestep::data::openData("folder:" + dir + "?size=" + std::to_string(imageSize) +
                                          "&channels=" + std::to_string(channels));
    auto gen = onestep::data::makeGenerator(0);
    source->sample(1, gen, nullptr);
  });
}
