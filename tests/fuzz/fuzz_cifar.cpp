// CIFAR-10 binary batches: a test split whose one file is the input, opened as a data spec and sampled from.
#include "data/source.h"
#include "fuzz_input.h"

ONESTEP_FUZZ_TARGET(cifar) {
  onestep::fuzz::writeInput("test_batch.bin", data, size);
  onestep::fuzz::readOrRefuse([&] {
    auto source = onestep::data::openData("cifar10:" + onestep::fuzz::workDir() + "?split=test");
    auto gen = onestep::data::makeGenerator(0);
    torch::Tensor labels;
    source->sample(2, gen, &labels);
  });
}
