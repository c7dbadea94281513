// What the API shares: model loading (train/model_file.h) and the per-sample noise of sampling.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "train/model_file.h"

namespace onestep::api {

// Model loading lives in train/ (a teacher and sid.init load models too); the API uses it under these names.
using training::isCheckpointFile;
using training::LoadedModel;
using training::loadModel;

// 64-bit mix (splitmix64) for deriving per-sample seeds.
uint64_t mixSeed(uint64_t x);
// The seed of the second step's noise of 2-step consistency samples drawn with noise seed `seed`.
uint64_t stepNoiseSeed(uint64_t seed);
// Standard-normal noise for samples [first, first+n) of a seed: sample i's noise depends on (seed, i) only,
// so any batch size or sample count gives the same noise for the same sample.
// perSample is one sample's noise shape, e.g. {2} or {1, 28, 28}.
torch::Tensor sampleNoise(const std::vector<int64_t>& perSample, uint64_t seed, int64_t first, int64_t n);

}  // namespace onestep::api
