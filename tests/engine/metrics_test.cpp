// Metrics: the Fréchet distance against closed forms (also on singular covariances), statistics files, the
// shipped built-in extractor (accuracy and its shipped statistics), TorchScript Inception plumbing, and periodic
// evaluation inside a run. Values against scipy/numpy are checked in tests/cli/metrics_test.sh.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "core/util.h"
#include "onestep/data.h"
#include "onestep/error.h"
#include "onestep/metrics.h"
#include "onestep/run.h"
#include "onestep/runtime.h"
#include "test_util.h"

namespace onestep {
namespace {

FeatureStats gaussian(std::vector<double> mu, std::vector<double> sigma) {
  FeatureStats s;
  s.dim = static_cast<int64_t>(mu.size());
  s.mu = std::move(mu);
  s.sigma = std::move(sigma);
  return s;
}

bool haveFashionMnist() { return isFile("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"); }

TEST(Frechet, IdenticalStatisticsGiveZero) {
  auto a = gaussian({1, -2, 0.5}, {2, 0.3, 0, 0.3, 1, 0.2, 0, 0.2, 0.5});
  EXPECT_NEAR(frechetDistance(a, a), 0.0, 1e-10);
}

TEST(Frechet, MatchesTheClosedFormForGaussians) {
  // Diagonal covariances: |mu_a - mu_b|^2 + sum (s_a + s_b - 2 sqrt(s_a s_b)).
  auto a = gaussian({0, 0}, {4, 0, 0, 1});
  auto b = gaussian({3, 4}, {1, 0, 0, 9});
  EXPECT_NEAR(frechetDistance(a, b), 25 + (4 + 1 - 4) + (1 + 9 - 6), 1e-9);
  // Identity against a full covariance: tr(S) + d - 2 tr(S^(1/2)); S = [[2,1],[1,2]] has eigenvalues 3 and 1.
  auto i = gaussian({0, 0}, {1, 0, 0, 1});
  auto s = gaussian({0, 0}, {2, 1, 1, 2});
  EXPECT_NEAR(frechetDistance(i, s), 4 + 2 - 2 * (std::sqrt(3.0) + 1), 1e-9);
}

TEST(Frechet, StableOnSingularCovariances) {
  // Rank-1 covariances (a point set on a line): the value stays real, finite and exact.
  auto a = gaussian({0, 0}, {1, 0, 0, 0});
  auto b = gaussian({0, 0}, {4, 0, 0, 1e-14});
  EXPECT_NEAR(frechetDistance(a, b), 1 + 4 - 2 * 2, 1e-6);
  auto zero = gaussian({1, 1}, {0, 0, 0, 0});
  EXPECT_NEAR(frechetDistance(zero, zero), 0.0, 1e-12);
}

TEST(Frechet, FromFeaturesAndDimensionChecks) {
  Features f;
  f.count = 4;
  f.dim = 1;
  f.values = {1, 2, 3, 4};
  auto s = computeStats(f);
  EXPECT_DOUBLE_EQ(s.mu[0], 2.5);
  EXPECT_NEAR(s.sigma[0], 5.0 / 3.0, 1e-12);  // unbiased
  EXPECT_THROW(frechetDistance(s, gaussian({0, 0}, {1, 0, 0, 1})), Error);
  Features one = f;
  one.count = 1;
  one.values = {1};
  EXPECT_THROW(computeStats(one), Error);
}

TEST(Kid, SameDistributionNearZeroShiftedFar) {
  torch::manual_seed(3);
  auto toFeatures = [](const torch::Tensor& t) {
    Features f;
    f.count = t.size(0);
    f.dim = t.size(1);
    auto c = t.contiguous();
    f.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return f;
  };
  auto x = toFeatures(torch::randn({800, 8})), y = toFeatures(torch::randn({800, 8}));
  auto z = toFeatures(torch::randn({800, 8}) + 1.0);
  const double same = kernelDistance(x, y, 20, 500, 1), shifted = kernelDistance(x, z, 20, 500, 1);
  EXPECT_LT(std::abs(same), 0.01);
  EXPECT_GT(shifted, 0.5);
  auto pr = precisionRecall(x, y);
  EXPECT_GT(pr.precision, 0.8);
  EXPECT_GT(pr.recall, 0.8);
  auto far = precisionRecall(x, z);
  EXPECT_LT(far.precision, pr.precision);
}

TEST(StatsFile, RoundTripAndMalformedFilesNameTheProblem) {
  test::TempDir dir;
  auto a = gaussian({1, 2}, {2, 0.5, 0.5, 1});
  a.count = 10;
  a.extractor = "builtin";
  saveStats(dir / "s.npz", a);
  EXPECT_TRUE(isStatsFile(dir / "s.npz"));
  auto b = loadStats(dir / "s.npz");
  EXPECT_EQ(b.mu, a.mu);
  EXPECT_EQ(b.sigma, a.sigma);
  EXPECT_EQ(b.count, 10);
  EXPECT_EQ(b.extractor, "builtin");

  const std::string bytes = test::readBytes(dir / "s.npz");
  test::writeBytes(dir / "cut.npz", bytes.substr(0, bytes.size() / 2));
  try {
    loadStats(dir / "cut.npz");
    FAIL() << "a truncated file was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.npz"), std::string::npos) << e.what();
  }
  EXPECT_THROW(loadStats(dir / "missing.npz"), Error);
}

TEST(BuiltinFeatures, ShippedExtractorReachesTheAccuracyBar) {
  if (!haveFashionMnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  setThreads(0);  // the 10 000 test images through the network: all cores, as the CLI runs it
  const double acc = builtinAccuracy(resourcePath("features/fashion-mnist-cnn.pt"), "fashion-mnist?split=test", "cpu");
  std::printf("built-in extractor test accuracy: %.4f\n", acc);
  EXPECT_GE(acc, 0.89);
}

TEST(BuiltinFeatures, ShippedStatisticsAreThoseOfTheTestSplit) {
  if (!haveFashionMnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  setThreads(0);
  auto shipped = loadStats(resourcePath("features/fashion-mnist-test-stats.npz"));
  auto images = drawData("fashion-mnist?split=test", 10000, 0);
  auto fresh = computeStats(extractFeatures(images, "builtin", "cpu"), "builtin");
  ASSERT_EQ(shipped.dim, fresh.dim);
  EXPECT_EQ(shipped.count, 10000);
  EXPECT_EQ(shipped.extractor, "builtin");
  EXPECT_LT(frechetDistance(shipped, fresh), 1e-6);
  // And a fresh training-split sample scores far below the same images shuffled into noise.
  auto train = drawData("fashion-mnist", 2000, 1);
  const double real = frechetDistance(shipped, computeStats(extractFeatures(train, "builtin", "cpu")));
  for (auto& p : train.pixels) p = static_cast<uint8_t>(255 - p);
  const double inverted = frechetDistance(shipped, computeStats(extractFeatures(train, "builtin", "cpu")));
  EXPECT_LT(real * 10, inverted);
}

TEST(InceptionFeatures, CallsTheTorchScriptLikeTheReferenceTools) {
  if (!test::pythonTorchAvailable()) GTEST_SKIP() << "python3-torch is not installed";
  test::TempDir dir;
  // A stand-in with the reference detector's interface: forward(img uint8 [N,3,H,W], return_features=False).
  std::ofstream(dir / "make.py") << R"(import sys, torch
class Detector(torch.nn.Module):
    def forward(self, img: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        assert img.dtype == torch.uint8 and img.shape[1] == 3
        x = img.float()
        f = torch.cat([x.mean(dim=(2, 3)), x.std(dim=(2, 3)), x[:, :, ::7, ::7].flatten(1)], 1)
        return f if return_features else f[:, :1]
torch.jit.script(Detector()).save(sys.argv[1])
)";
  ASSERT_EQ(test::shell(std::string(ONESTEP_PYTHON) + " " + (dir / "make.py") + " " + (dir / "det.pt")), 0);
  SampleSet s;
  s.kind = SampleSet::Kind::Images;
  s.shape = {5, 28, 28, 1};
  s.pixels.resize(std::size_t{5} * 28 * 28);
  for (std::size_t i = 0; i < s.pixels.size(); ++i) s.pixels[i] = static_cast<uint8_t>((i * 37) % 251);
  auto f = extractFeatures(s, "inception:" + (dir / "det.pt"), "cpu");
  ASSERT_EQ(f.count, 5);
  ASSERT_EQ(f.dim, 3 + 3 + 3 * 16);
  // Grey repeated to three channels: the three channel means agree and equal the image mean.
  double mean0 = 0;
  for (int i = 0; i < 28 * 28; ++i) mean0 += s.pixels[static_cast<std::size_t>(i)];
  mean0 /= 28 * 28;
  EXPECT_NEAR(f.values[0], mean0, 1e-3);
  EXPECT_FLOAT_EQ(f.values[1], f.values[0]);
  EXPECT_FLOAT_EQ(f.values[2], f.values[0]);
  EXPECT_THROW(extractFeatures(s, "inception:" + (dir / "missing.pt"), "cpu"), Error);
  EXPECT_THROW(resolveExtractor("inception:x.pt", drawData("toy:moons", 10, 0)), Error);
}

TEST(RunEvaluation, LogsMetricsWithoutChangingTheTrajectory) {
  test::TempDir dir;
  auto runFor = [&](const std::string& name, int64_t evalEvery) {
    RunConfig c;
    c.data = "toy:moons";
    c.steps = 20;
    c.batch = 128;
    c.snapshot_every = 0;
    c.log_every = 5;
    c.eval_every = evalEvery;
    c.eval_count = 300;
    c.net.hidden = 32;
    auto run = Run::create(dir / name, c);
    int evals = 0;
    TrainCallbacks cb;
    cb.onEval = [&](int64_t, const std::map<std::string, double>& v) {
      ++evals;
      EXPECT_TRUE(v.count("fid") && v.count("energy") && v.count("kid") && v.count("precision"));
    };
    train(*run, cb);
    return std::make_pair(run->preview(50), evals);
  };
  auto [withEval, evals] = runFor("eval", 10);
  auto [without, none] = runFor("plain", 0);
  EXPECT_EQ(evals, 2);
  EXPECT_EQ(none, 0);
  EXPECT_EQ(withEval.points, without.points);  // evaluations leave every random stream as it was

  std::ifstream in(dir / "eval/metrics.jsonl");
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (!j.contains("fid")) continue;
    ++lines;
    EXPECT_TRUE(j["iteration"] == 10 || j["iteration"] == 20);
    EXPECT_GT(j["fid"].get<double>(), 0.0);
    EXPECT_EQ(j["eval_n"].get<double>(), 300.0);
  }
  EXPECT_EQ(lines, 2);
}

}  // namespace
}  // namespace onestep
