// Data sources, named by one spec string each.
//
//   toy:8gaussians | toy:moons | toy:swissroll | toy:checkerboard | toy:rings   generated, seeded
//   fashion-mnist[:DIR]         IDX .gz files (default /usr/share/datasets/fashion-mnist)
//   mnist:DIR                   IDX files (.gz or plain)
//   cifar10:DIR                 the CIFAR-10 binary batches (data_batch_*.bin, test_batch.bin)
//   folder:DIR                  images read with OpenCV, resized and centre-cropped
// Options follow a '?': split=train|test (IDX, CIFAR-10), size=N and channels=1|3 (folder).
// Example: "fashion-mnist?split=test", "folder:/data/faces?size=64".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "onestep/samples.h"

namespace onestep {

// What a data source holds.
struct DataInfo {
  std::string spec;         // the spec as given
  std::string kind;         // "points" or "images"
  int64_t count = 0;        // samples held; 0 for generated toys (unbounded)
  int dim = 0;              // Points: coordinates per sample
  int channels = 0;         // Images: C
  int height = 0;           // Images: H
  int width = 0;            // Images: W
  int numClasses = 0;       // label classes; 0 when unlabelled
  std::string description;  // one human line
};

// Opens the source named by spec and says what it holds; throws Error naming the spec or file.
DataInfo describeData(const std::string& spec);

// Draws n samples from the source, reproducibly for a given seed
// (toys: fresh draws; datasets: n distinct items, or all of them in a seeded order when n exceeds the set).
SampleSet drawData(const std::string& spec, int64_t n, uint64_t seed);

// The data specs that need no files, for menus and help texts.
std::vector<std::string> builtinDataSpecs();

}  // namespace onestep
