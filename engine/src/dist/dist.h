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

// The device of this rank for a resolved device name: in a group on a machine with several GPUs, plain "cuda" is
// the GPU that LOCAL_RANK picks (as torchrun's users expect); any other name is kept.
std::string rankDevice(const std::string& resolved);

// Where one rank of a group runs: its machine (hostname, and the kernel's boot id, which tells apart machines of one
// name as NCCL does) and the GPU it would all-reduce on with NCCL, by PCI bus id (the identity NCCL itself tells
// GPUs apart by): "" where it would not (a CPU run, a build without NCCL, ONESTEP_DIST_BACKEND=gloo). `failure`:
// why this rank could not say, which stops the whole group, as does a backend other than rank 0's.
struct Place {
  std::string host;
  std::string boot;
  std::string backend;  // its ONESTEP_DIST_BACKEND: every rank must ask for the same
  std::string gpu;
  std::string failure;
};
// What the places of every rank (by rank) say about the group: the machines it spans, and whether NCCL can take its
// gradients (it refuses two ranks on one GPU, and every rank must take part): each reason it cannot names its ranks.
struct Spread {
  int machines = 1;
  std::string failure;    // "rank 1 (node1): cannot read ...": a rank could not say where it runs, or differs
  std::string noGpu;      // "rank 1 (node1)": the first rank without a GPU to take NCCL on
  std::string sharedGpu;  // "ranks 0 and 1 are both on GPU 0000:65:00.0 of node0"
  bool nccl() const { return failure.empty() && noGpu.empty() && sharedGpu.empty(); }
};
Spread spreadOf(const std::vector<Place>& places);

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

// A backward pass whose gradients come out averaged over the ranks, the all-reduces overlapped with the pass as in
// PyTorch's DistributedDataParallel. The parameters are split into buckets in reverse order, the order the backward
// pass reaches them: the first of up to 1 MB, so that sending starts early, the others of up to 25 MB
// (ONESTEP_DIST_BUCKET_KB). A hook on
// each parameter copies its gradient into its bucket as the pass produces it; a bucket whose gradients are all in
// starts its all-reduce in Gloo's threads while the pass goes on. Buckets start in their fixed order on every rank,
// whatever order their gradients arrive in, and a bucket with parameters that got no gradient in this pass (the
// same ones on every rank: all run the same graph) starts when the pass ends. In one process backward() is
// loss.backward() and nothing is hooked.
class GradientSync {
 public:
  // kAfterBackward starts every bucket once the pass has ended (no overlap): benchmarks compare the two.
  enum class Mode { kOverlapped, kAfterBackward };
  // bucketBytes 0: the group's (ONESTEP_DIST_BUCKET_KB).
  explicit GradientSync(const std::vector<torch::Tensor>& parameters, Mode mode = Mode::kOverlapped,
                        int64_t bucketBytes = 0);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // loss.backward(); then each parameter that got a gradient holds this pass's gradient averaged over the ranks.
  // The first call also chooses each bucket's all-reduce, with the other ranks (NCCL or Gloo): a collective, which
  // every rank makes at the same point (the constructor makes none: rank 0 builds its methods alone).
  // The gradients must be zero or undefined before (the optimiser's zero_grad()): they are replaced by the
  // average, not added to. A peer that fails throws Error naming this rank.
  void backward(const torch::Tensor& loss);

  struct State;

 private:
  std::shared_ptr<State> m_state;
};
// The mean of each value over the ranks (losses: every rank then logs and checks the same numbers).
std::vector<double> average(std::vector<double> values);
double average(double value);
// True on every rank when `flag` is true on any (a stop asked of one process stops all at the same iteration).
bool anyRank(bool flag);
// Rank 0's `bytes` on every rank (the others' argument is ignored).
std::string broadcast(const std::string& bytes);

}  // namespace onestep::dist
