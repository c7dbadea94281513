// The engine's side of data parallelism (onestep/parallel.h): how a training step takes its share of a batch and
// how the processes of a group agree. In one process every function here is the identity or plain LibTorch, so a
// run in one process is exactly what it was before data parallelism existed.
//
// The rule that makes N processes train the model one process trains: every rank draws the random numbers of the
// whole batch from its default generator (all ranks seeded alike, so they draw the same numbers) and keeps its rows;
// the loss of a share is its mean; gradients are averaged over the ranks. With equal shares that is the whole
// batch's mean gradient, so the optimiser steps are those of one process, within float rounding.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "data/source.h"

namespace onestep::dist {

int rank();       // 0 outside a group
int worldSize();  // 1 outside a group
inline bool active() { return worldSize() > 1; }
inline bool writer() { return rank() == 0; }  // the one rank that writes the run directory

// This rank's share of a batch of `batch` samples (a multiple of worldSize: validateConfig checks it).
int64_t localBatch(int64_t batch);
// This rank's rows of a tensor whose first dimension is the whole batch.
torch::Tensor shard(const torch::Tensor& whole);

// Random draws for this rank's share, shaped for the share: the whole batch's draw (first dimension times
// worldSize) from the default generator, and this rank's rows of it.
torch::Tensor randn(std::vector<int64_t> shareShape, const torch::TensorOptions& options = {});
torch::Tensor randnLike(const torch::Tensor& share);
torch::Tensor rand(std::vector<int64_t> shareShape, const torch::TensorOptions& options = {});
torch::Tensor randint(int64_t high, std::vector<int64_t> shareShape, const torch::TensorOptions& options = {});
// Dropout with probability p (training only): the whole batch's mask drawn, this rank's rows kept, so that every
// rank's rows get their own mask and N processes draw the masks of one. Used by the networks instead of
// torch::dropout, in one process too.
torch::Tensor dropout(const torch::Tensor& share, double p, bool training);
// A training batch from `data`: the whole batch drawn (the same on every rank), this rank's share returned (and
// its labels in *labels when the data has them). *whole, when given, receives the whole batch.
torch::Tensor sampleShare(data::DataSource& data, int64_t batch, torch::Tensor* labels, torch::Tensor* whole = nullptr,
                          torch::Tensor* wholeLabels = nullptr);

// Averages the gradients of `parameters` over the ranks: flattened into buckets of up to 32 MB, one all-reduce
// each. Parameters without a gradient are left out (the same ones on every rank: they all run the same graph).
void averageGradients(const std::vector<torch::Tensor>& parameters);
// The mean of each value over the ranks (losses: every rank then logs and checks the same numbers).
std::vector<double> average(std::vector<double> values);
double average(double value);
// True on every rank when `flag` is true on any (a stop asked of one process stops all at the same iteration).
bool anyRank(bool flag);
// Rank 0's `bytes` on every rank (the others' argument is ignored).
std::string broadcast(const std::string& bytes);

}  // namespace onestep::dist
