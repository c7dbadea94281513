// Conversions between tensors and the public SampleSet.
#pragma once
#include <torch/torch.h>

#include "onestep/samples.h"

namespace onestep::io {

// Float samples ([N,D] points, or [N,C,H,W] images in [-1, 1]) and optional labels into a SampleSet.
SampleSet toSampleSet(const torch::Tensor& x, const torch::Tensor& labels);
// Points of a SampleSet as a float64 tensor [N,D]; throws Error for images.
torch::Tensor pointsOf(const SampleSet& s);
// Images of a SampleSet as uint8 [N,C,H,W].
torch::Tensor imagesOf(const SampleSet& s);

}  // namespace onestep::io
