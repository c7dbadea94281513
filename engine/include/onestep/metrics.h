// Sample-quality metrics: FID (Fréchet distance of feature statistics), KID, precision/recall and, for 2-D
// points, the energy distance; feature extractors; reference statistics in EDM's fid-refs NPZ layout.
//
// Feature extractors, named by one string:
//   raw             the values themselves: 2-D points, or flattened pixels (0..255)
//   builtin         the project's small classifier for 28x28 grey images (128-d; resources/features)
//   inception:FILE  a user-provided TorchScript inception-2015-12-05.pt (2048-d, uint8 NCHW input)
//   auto            raw for points, builtin for 28x28 grey images, raw for other images
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "onestep/samples.h"

namespace onestep {

// Features of a sample set, one row per sample.
struct Features {
  int64_t count = 0;
  int64_t dim = 0;
  std::vector<float> values;  // row-major count*dim
};

// Gaussian statistics of features, in float64.
struct FeatureStats {
  int64_t dim = 0;
  int64_t count = 0;          // samples the statistics came from (0 = unknown)
  std::vector<double> mu;     // [dim]
  std::vector<double> sigma;  // [dim*dim], unbiased covariance
  std::string extractor;      // the extractor that made the features ("" = unknown, e.g. EDM's fid-refs)
};

// Called with (done, total) as long work proceeds.
using MetricProgress = std::function<void(int64_t done, int64_t total)>;

// Picks the concrete extractor for `samples` when `extractor` is "auto"; checks a named one applies.
std::string resolveExtractor(const std::string& extractor, const SampleSet& samples);
// Runs the extractor over the samples (in batches). Throws Error naming the extractor and the mismatch.
Features extractFeatures(const SampleSet& samples, const std::string& extractor, const std::string& device = "auto",
                         const MetricProgress& progress = {});

// Mean and unbiased covariance (float64). Needs at least 2 samples.
FeatureStats computeStats(const Features& features, const std::string& extractor = "");
// ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)), in float64, stable on nearly singular covariances.
double frechetDistance(const FeatureStats& a, const FeatureStats& b);
// Kernel Inception Distance: unbiased MMD^2 with the kernel (x.y/d + 1)^3, averaged over `subsets` random
// subsets of min(n_a, n_b, maxSubset) samples each (the reference implementation's estimator).
double kernelDistance(const Features& a, const Features& b, int subsets = 100, int64_t maxSubset = 1000,
                      uint64_t seed = 0);
// Improved precision and recall (k-NN manifolds): precision = share of `fake` inside the real manifold,
// recall = share of `real` inside the fake manifold.
struct PrecisionRecall {
  double precision = 0;
  double recall = 0;
};
PrecisionRecall precisionRecall(const Features& real, const Features& fake, int k = 3);

// Statistics NPZ: `mu` (float64 [D]) and `sigma` (float64 [D,D]), as EDM's fid-refs; this tool also writes
// `extractor` and `count`. Loading checks shapes and values and names the file in every error.
void saveStats(const std::string& path, const FeatureStats& stats);
FeatureStats loadStats(const std::string& path);
// True when the path is an NPZ holding `mu` and `sigma` (rather than samples).
bool isStatsFile(const std::string& path);

// An evaluation set named by one string: an NPZ of samples (arr_0), a folder of images, a statistics NPZ,
// a data spec (fashion-mnist, toy:moons, ...) or a model (run directory / checkpoint / TorchScript: sampled).
struct SetOptions {
  std::string extractor = "auto";
  int64_t n = 0;      // samples to draw/use; 0 = all of a file or folder, 10000 from data or a model
  uint64_t seed = 0;  // seed of data draws and model noise
  std::string device = "auto";
  int steps = 0;             // model sampling: generator/sampler steps (0 = the model's default)
  std::string sampler;       // model sampling: teacher sampler ("" = the run's)
  double tMid = 0;           // model sampling: ECT/SCT two-step intermediate time (0 = the run's ct.t_mid)
  bool shippedStats = true;  // fashion-mnist?split=test with builtin features: use the shipped statistics
};

struct MetricSet {
  std::string name;                  // the string it was opened from
  std::string source;                // "samples", "folder", "stats", "data" or "model"
  std::string extractor;             // concrete extractor of the features/statistics
  std::optional<Features> features;  // absent for a statistics file
  FeatureStats stats;
  std::optional<SampleSet> points;  // 2-D (or N-D) point sets, for the energy distance
};

// Opens a set and computes its features and statistics. `extractor` "auto" follows the samples; a
// statistics file keeps its own and must agree with a named one.
MetricSet openMetricSet(const std::string& spec, const SetOptions& options, const MetricProgress& progress = {});

// What comparing two sets gives. kid/precision/recall need features on both sides; energy needs points.
struct MetricReport {
  double fid = 0;
  std::optional<double> kid, precision, recall, energy;
  std::string extractor;
  int64_t countA = 0, countB = 0;
};
// Compares set a (reference) with set b (generated). Throws Error when their extractors or dims differ.
MetricReport compareSets(const MetricSet& a, const MetricSet& b, bool withKid = true, bool withPrecisionRecall = true);

// The built-in feature extractor: a small CNN classifier trained on Fashion-MNIST's training split.
struct FeatureTrainOptions {
  std::string data = "fashion-mnist";  // spec of the training split (the test split is used for accuracy)
  int epochs = 6;
  int64_t batch = 128;
  double lr = 2e-3;
  uint64_t seed = 0;
  std::string device = "auto";
};
struct FeatureTrainResult {
  double testAccuracy = 0;  // on the data's test split
  double seconds = 0;
};
// Trains the classifier and writes it (atomically) to `out`; progress reports (epoch, epochs) and a message.
FeatureTrainResult trainBuiltinFeatures(const std::string& out, const FeatureTrainOptions& options,
                                        const std::function<void(const std::string&)>& log = {});
// Accuracy of a built-in extractor file on a labelled data spec (e.g. "fashion-mnist?split=test").
double builtinAccuracy(const std::string& modelFile, const std::string& dataSpec, const std::string& device = "auto");
// Where the shipped extractor and its reference statistics live ($ONESTEP_RESOURCES or the install/source tree).
std::string resourcePath(const std::string& relative);

// FID (and energy distance for points) of a teacher at several NFE against a reference set.
struct NfePoint {
  int nfe = 0;
  int steps = 0;
  double fid = 0;
  std::optional<double> energy;
  double seconds = 0;  // sampling wall time
};
struct SweepOptions {
  std::string sampler = "heun";
  std::vector<int> nfe = {1, 3, 5, 9, 17, 35};
  std::string reference;  // set spec; "" = the run's data (shipped statistics for Fashion-MNIST)
  std::string dataRun;    // the run whose data is that default reference; "" = the model itself (a model file,
                          // such as a TorchScript teacher, names no data: give its student's run here)
  SetOptions set;         // n, seed, device, extractor of the generated sets
};
std::vector<NfePoint> sweepNfe(const std::string& model, const SweepOptions& options,
                               const std::function<void(const NfePoint&)>& onPoint = {});
// Any model (a generator too) at options.set.steps (0 = its default), scored against the reference sweepNfe
// would use: the point to draw beside a teacher's curve. Its nfe is the model's evaluations per sample.
NfePoint scoreModel(const std::string& model, const SweepOptions& options);

}  // namespace onestep
