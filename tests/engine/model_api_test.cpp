// onestep::Model on tiny CPU runs: what it says it is, samples equal to sampleModel's from the same seed,
// the denoised strip, argument errors, cancellation, and the 2-D score field.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "api/model.h"
#include "onestep/error.h"
#include "onestep/metrics.h"
#include "onestep/model.h"
#include "onestep/run.h"
#include "onestep/runtime.h"
#include "onestep/sampling.h"
#include "test_util.h"

using namespace onestep;
using test::errorOf;
using test::sharedTeacher;

namespace {

// A run of `config` with one checkpoint at iteration 0 (no training): enough to load and sample.
std::string untrainedRun(const test::TempDir& dir, const std::string& name, RunConfig config) {
  config.snapshot_every = 0;
  config.steps = 10;
  auto run = Run::create(dir / name, config);
  run->saveCheckpoint();
  return dir / name;
}

std::string untrainedDistillation(const test::TempDir& dir, const std::string& method) {
  RunConfig c;
  c.method = method;
  c.teacher_model = sharedTeacher();
  c.data = "toy:8gaussians";
  return untrainedRun(dir, method, c);
}

float maxAbsDifference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

// Points on a circle of radius `radius` around the origin (x, y pairs).
std::vector<float> circle(int n, double radius) {
  std::vector<float> p;
  for (int i = 0; i < n; ++i) {
    const double a = 2 * M_PI * (i + 0.5) / n;
    p.push_back(static_cast<float>(radius * std::cos(a)));
    p.push_back(static_cast<float>(radius * std::sin(a)));
  }
  return p;
}

class ModelApi : public ::testing::Test {
 protected:
  void SetUp() override { setThreads(0); }
};

}  // namespace

TEST_F(ModelApi, TeacherRunSaysWhatItIs) {
  auto m = Model::open(sharedTeacher(), "cpu");
  const ModelInfo& i = m->info();
  const RunConfig defaults;
  EXPECT_EQ(i.path, sharedTeacher());
  EXPECT_NE(i.file.find("/checkpoints/ckpt-000001000.pt"), std::string::npos) << i.file;
  EXPECT_EQ(i.method, "teacher");
  EXPECT_TRUE(i.multiStep);
  EXPECT_EQ(i.maxSteps, 0);
  EXPECT_TRUE(i.points);
  EXPECT_EQ(i.sampleShape, std::vector<int64_t>{2});
  EXPECT_EQ(i.noiseShape, std::vector<int64_t>{2});
  EXPECT_EQ(i.noiseSize(), 2);
  EXPECT_EQ(i.numClasses, 0);
  EXPECT_EQ(i.iteration, 1000);
  EXPECT_TRUE(i.teacher.empty());
  EXPECT_EQ(i.sampler, defaults.sampler.sampler);
  EXPECT_EQ(i.samplerSteps, defaults.sampler.steps);
  EXPECT_DOUBLE_EQ(i.sigmaMax, defaults.sampler.sigma_max);
  EXPECT_DOUBLE_EQ(i.sigmaData, defaults.teacher.sigma_data);
  EXPECT_EQ(i.fields, std::vector<std::string>{"teacher"});
  EXPECT_EQ(m->device(), "cpu");
  // Errors of the loader pass through, naming the path.
  EXPECT_NE(errorOf([] { Model::open("/nonexistent/run"); }).find("/nonexistent/run"), std::string::npos);
}

// The studio's samples are the CLI's: the same seed and index give the same noise and the same sample.
TEST_F(ModelApi, TeacherSamplesEqualSampleModelForTheSameSeed) {
  auto m = Model::open(sharedTeacher(), "cpu");
  for (const std::string sampler : {"heun", "euler"}) {
    SampleOptions o;
    o.n = 12;
    o.seed = 9;
    o.steps = 6;
    o.sampler = sampler;
    o.device = "cpu";
    auto want = sampleModel(sharedTeacher(), o);
    GenerateRequest r;
    r.n = 12;
    r.noise = m->noise(9, 0, 12);
    r.steps = 6;
    r.sampler = sampler;
    auto got = m->generate(r);
    EXPECT_EQ(got.samples.shape, want.samples.shape);
    EXPECT_EQ(got.samples.points, want.samples.points) << sampler;
    EXPECT_EQ(got.nfe, want.nfe);
    EXPECT_GE(got.seconds, 0.0);
  }
  // Noise of a later range is the same slice of the seed's sequence.
  const auto all = m->noise(9, 0, 12), part = m->noise(9, 5, 3);
  EXPECT_EQ(part, std::vector<float>(all.begin() + 10, all.begin() + 16));
  EXPECT_TRUE(m->noise(9, 0, 0).empty());
}

// The denoised strip: one set per step, at decreasing noise levels; the last step (to sigma 0) lands on it.
TEST_F(ModelApi, KeepDenoisedGivesOneSetPerStep) {
  auto m = Model::open(sharedTeacher(), "cpu");
  GenerateRequest r;
  r.n = 7;
  r.noise = m->noise(3, 0, 7);
  r.steps = 5;
  auto plain = m->generate(r);
  EXPECT_TRUE(plain.denoised.empty());
  r.keepDenoised = true;
  auto g = m->generate(r);
  EXPECT_EQ(g.samples.points, plain.samples.points);
  ASSERT_EQ(g.denoised.size(), 5u);
  ASSERT_EQ(g.sigmas.size(), 5u);
  EXPECT_NEAR(g.sigmas[0], m->info().sigmaMax, 1e-9);
  for (std::size_t i = 1; i < g.sigmas.size(); ++i) EXPECT_LT(g.sigmas[i], g.sigmas[i - 1]);
  for (const auto& d : g.denoised) EXPECT_EQ(d.shape, (std::vector<int64_t>{7, 2}));
  EXPECT_LT(maxAbsDifference(g.denoised.back().points, g.samples.points), 1e-4f);
}

TEST_F(ModelApi, BadRequestsSayWhatWasExpected) {
  auto m = Model::open(sharedTeacher(), "cpu");
  GenerateRequest r;
  r.n = 2;
  r.noise = {0.1f, 0.2f, 0.3f};
  EXPECT_NE(errorOf([&] { m->generate(r); }).find("expected 4 (2 per sample)"), std::string::npos);
  r.noise = m->noise(1, 0, 2);
  r.n = 0;
  EXPECT_NE(errorOf([&] { m->generate(r); }).find("n must be >= 1"), std::string::npos);
  r.n = 2;
  r.labels = {1, 2};
  EXPECT_NE(errorOf([&] { m->generate(r); }).find("unconditional"), std::string::npos);
  r.labels.clear();
  r.steps = -1;
  EXPECT_NE(errorOf([&] { m->generate(r); }).find("steps must be >= 1"), std::string::npos);
  r.steps = 4;
  r.sampler = "ddim";
  EXPECT_NE(errorOf([&] { m->generate(r); }).find("expected heun or euler"), std::string::npos);
  EXPECT_NE(errorOf([&] { m->noise(1, 0, -1); }).find(">= 0"), std::string::npos);

  // A one-step generator takes 1 step; a consistency model 1 or 2.
  test::TempDir dir;
  auto sid = Model::open(untrainedDistillation(dir, "sid"), "cpu");
  GenerateRequest g;
  g.noise = sid->noise(1, 0, 1);
  g.steps = 2;
  EXPECT_NE(errorOf([&] { sid->generate(g); }).find("sid samples in 1 step, not 2"), std::string::npos);
  auto ect = Model::open(untrainedDistillation(dir, "ect"), "cpu");
  g.steps = 3;
  EXPECT_NE(errorOf([&] { ect->generate(g); }).find("ect samples in 1 or 2 steps, not 3"), std::string::npos);
  g.steps = 2;
  g.stepNoise = {1.0f};
  EXPECT_NE(errorOf([&] { ect->generate(g); }).find("expected 2"), std::string::npos);
}

// A class-conditional model: labels are checked, and given labels sample as the CLI's --class does.
TEST_F(ModelApi, ConditionalLabelsAreCheckedAndUsed) {
  test::TempDir dir;
  RunConfig c;
  c.data = "toy:8gaussians";
  c.net.class_cond = true;
  const std::string path = untrainedRun(dir, "cond", c);
  auto m = Model::open(path, "cpu");
  EXPECT_EQ(m->info().numClasses, 8);
  GenerateRequest r;
  r.n = 3;
  r.noise = m->noise(2, 0, 3);
  r.steps = 3;
  r.labels = {1};
  EXPECT_NE(errorOf([&] { m->generate(r); }).find("1 labels for 3 samples"), std::string::npos);
  r.labels = {0, 8, 1};
  EXPECT_NE(errorOf([&] { m->generate(r); }).find("class 8 is outside 0..7"), std::string::npos);
  r.labels = {5, 5, 5};
  auto got = m->generate(r);
  EXPECT_EQ(got.samples.labels, r.labels);
  SampleOptions o;
  o.device = "cpu";  // as the models opened here, also where CUDA is the default
  o.n = 3;
  o.seed = 2;
  o.steps = 3;
  o.classLabel = 5;
  EXPECT_EQ(got.samples.points, sampleModel(path, o).samples.points);
}

TEST_F(ModelApi, ShouldStopCancels) {
  auto m = Model::open(sharedTeacher(), "cpu");
  GenerateRequest r;
  r.n = 4;
  r.noise = m->noise(1, 0, 4);
  r.steps = 10;
  int polls = 0;
  r.shouldStop = [&] { return ++polls == 3; };
  EXPECT_THROW(m->generate(r), Cancelled);
  EXPECT_EQ(polls, 3);  // polled per step; stopped at the third

  test::TempDir dir;
  auto sid = Model::open(untrainedDistillation(dir, "sid"), "cpu");
  GenerateRequest g;
  g.noise = sid->noise(1, 0, 1);
  g.shouldStop = [] { return true; };
  EXPECT_THROW(sid->generate(g), Cancelled);

  // sampleModel polls between batches.
  SampleOptions o;
  o.device = "cpu";  // as the models opened here, also where CUDA is the default
  o.n = 12;
  o.batch = 4;
  o.steps = 2;
  int batches = 0, checks = 0;
  o.shouldStop = [&] { return ++checks == 3; };
  EXPECT_THROW(sampleModel(sharedTeacher(), o, [&](int64_t, int64_t) { ++batches; }), Cancelled);
  EXPECT_EQ(batches, 2);
}

TEST_F(ModelApi, SidRunSaysWhatItIsAndSamplesAsTheCli) {
  test::TempDir dir;
  const std::string path = untrainedDistillation(dir, "sid");
  auto m = Model::open(path, "cpu");
  const ModelInfo& i = m->info();
  EXPECT_EQ(i.method, "sid");
  EXPECT_FALSE(i.multiStep);
  EXPECT_EQ(i.maxSteps, 1);
  EXPECT_EQ(i.iteration, 0);
  EXPECT_EQ(i.teacher, sharedTeacher());
  EXPECT_EQ(i.noiseShape, std::vector<int64_t>{2});
  EXPECT_EQ(i.fields, (std::vector<std::string>{"teacher", "fake_score"}));

  SampleOptions o;
  o.device = "cpu";  // as the models opened here, also where CUDA is the default
  o.n = 10;
  o.seed = 4;
  auto want = sampleModel(path, o);
  GenerateRequest r;
  r.n = 10;
  r.noise = m->noise(4, 0, 10);
  auto got = m->generate(r);
  EXPECT_EQ(got.samples.points, want.samples.points);
  EXPECT_EQ(got.nfe, 1);

  // At iteration 0 the fake score is a copy of the teacher, and the teacher is the teacher run's EMA network.
  auto teacher = Model::open(sharedTeacher(), "cpu");
  const auto points = circle(16, 1.5);
  const auto direction = m->denoiseDirection("teacher", points, 0.7);
  EXPECT_EQ(direction, teacher->denoiseDirection("teacher", points, 0.7));
  EXPECT_LT(maxAbsDifference(m->denoiseDirection("fake_score", points, 0.7), direction), 1e-6f);
}

// ECT: 1 and 2 steps as the CLI samples them; an empty stepNoise is the CLI's seed 0, and Model::stepNoise
// gives the CLI's second-step noise for any seed and sample range.
TEST_F(ModelApi, ConsistencyModelSamplesOneAndTwoStepsAsTheCli) {
  test::TempDir dir;
  const std::string path = untrainedDistillation(dir, "ect");
  auto m = Model::open(path, "cpu");
  EXPECT_EQ(m->info().method, "ect");
  EXPECT_EQ(m->info().maxSteps, 2);
  EXPECT_EQ(m->info().fields, std::vector<std::string>{"teacher"});
  for (const uint64_t seed : {0ULL, 5ULL})
    for (const int steps : {1, 2}) {
      SampleOptions o;
      o.device = "cpu";  // as the models opened here, also where CUDA is the default
      o.n = 6;
      o.seed = seed;
      o.steps = steps;
      auto want = sampleModel(path, o);
      GenerateRequest r;
      r.n = 6;
      r.noise = m->noise(seed, 0, 6);
      r.steps = steps;
      if (steps == 2 && seed != 0) r.stepNoise = m->stepNoise(seed, 0, 6);
      auto got = m->generate(r);
      EXPECT_EQ(got.samples.points, want.samples.points) << "seed " << seed << ", " << steps << " steps";
      EXPECT_EQ(got.nfe, steps);
    }
  // Samples 2..5 alone, as the CLI's samples of those indices.
  SampleOptions o;
  o.device = "cpu";  // as the models opened here, also where CUDA is the default
  o.n = 6;
  o.seed = 9;
  o.steps = 2;
  auto want = sampleModel(path, o);
  GenerateRequest r;
  r.n = 4;
  r.noise = m->noise(9, 2, 4);
  r.stepNoise = m->stepNoise(9, 2, 4);
  r.steps = 2;
  auto got = m->generate(r);
  // (the same values up to rounding: a batch of 4 takes another matrix-multiply path than one of 6)
  EXPECT_LT(maxAbsDifference(got.samples.points,
                             std::vector<float>(want.samples.points.begin() + 4, want.samples.points.end())),
            1e-5f);
  EXPECT_NE(m->stepNoise(9, 0, 2), m->noise(9, 0, 2));
}

TEST_F(ModelApi, ScoreFieldPointsTowardsTheData) {
  auto m = Model::open(sharedTeacher(), "cpu");
  // Far from the 8 Gaussians (radius 0.8), D(x; sigma) - x points back towards them.
  const auto points = circle(24, 3.0);
  const auto direction = m->denoiseDirection("teacher", points, 1.0);
  ASSERT_EQ(direction.size(), points.size());
  for (std::size_t i = 0; i < points.size(); i += 2)
    EXPECT_GT(-(direction[i] * points[i] + direction[i + 1] * points[i + 1]), 0.0f) << "point " << i / 2;

  // The same as the teacher's EMA denoiser called directly.
  auto loaded = api::loadModel(sharedTeacher(), torch::kCPU, {});
  torch::NoGradGuard guard;
  auto x = torch::tensor(points).reshape({-1, 2});
  auto want = (loaded.method->denoiser()->denoise(x, torch::full({x.size(0)}, 1.0), torch::Tensor()) - x).reshape({-1});
  std::vector<float> wantValues(want.data_ptr<float>(), want.data_ptr<float>() + want.numel());
  EXPECT_LT(maxAbsDifference(direction, wantValues), 1e-6f);

  const std::vector<float> odd = {1.0f, 2.0f, 3.0f};
  EXPECT_NE(errorOf([&] { m->denoiseDirection("fake_score", points, 1.0); }).find("no such network"),
            std::string::npos);
  EXPECT_NE(errorOf([&] { m->denoiseDirection("teacher", odd, 1.0); }).find("x,y pairs"), std::string::npos);
  EXPECT_NE(errorOf([&] { m->denoiseDirection("teacher", points, 0.0); }).find("sigma must be > 0"), std::string::npos);
}

// An 8x8 grey image teacher (a folder of four images, untrained): image shapes, the CLI's samples, no field.
TEST_F(ModelApi, ImageModel) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "images");
  for (int k = 0; k < 4; ++k) {
    cv::Mat img(8, 8, CV_8UC1);
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) img.at<uint8_t>(y, x) = static_cast<uint8_t>((x * 30 + y * 3 + k * 40) % 256);
    cv::imwrite(dir / ("images/" + std::to_string(k) + ".png"), img);
  }
  RunConfig c;
  c.data = "folder:" + (dir / "images") + "?size=8&channels=1";
  const std::string path = untrainedRun(dir, "run", c);
  auto m = Model::open(path, "cpu");
  const ModelInfo& i = m->info();
  EXPECT_FALSE(i.points);
  EXPECT_EQ(i.sampleShape, (std::vector<int64_t>{1, 8, 8}));
  EXPECT_EQ(i.noiseSize(), 64);
  SampleOptions o;
  o.device = "cpu";  // as the models opened here, also where CUDA is the default
  o.n = 3;
  o.seed = 6;
  o.steps = 2;
  o.sampler = "euler";
  auto want = sampleModel(path, o);
  GenerateRequest r;
  r.n = 3;
  r.noise = m->noise(6, 0, 3);
  r.steps = 2;
  r.sampler = "euler";
  r.keepDenoised = true;
  auto got = m->generate(r);
  EXPECT_EQ(got.samples.kind, SampleSet::Kind::Images);
  EXPECT_EQ(got.samples.shape, (std::vector<int64_t>{3, 8, 8, 1}));
  EXPECT_EQ(got.samples.pixels, want.samples.pixels);
  ASSERT_EQ(got.denoised.size(), 2u);
  EXPECT_EQ(got.denoised[0].shape, got.samples.shape);
  const std::string e = errorOf([&] { m->denoiseDirection("teacher", std::vector<float>(2, 0.0f), 1.0); });
  EXPECT_NE(e.find("only for 2-D point models"), std::string::npos) << e;
}

// A model file names no data: its sweep needs a reference, or a run (dataRun) whose data to use, and then it
// scores exactly as the run directory itself.
TEST_F(ModelApi, SweepOfAModelFileTakesItsDataFromAGivenRun) {
  const std::string file = Model::open(sharedTeacher(), "cpu")->info().file;
  ASSERT_FALSE(std::filesystem::is_directory(file)) << file;
  SweepOptions o;
  o.nfe = {1, 3};
  o.set.n = 200;
  o.set.seed = 4;
  const std::string e = errorOf([&] { sweepNfe(file, o); });
  EXPECT_NE(e.find("give --ref SET for a model file"), std::string::npos) << e;
  const auto fromRun = sweepNfe(sharedTeacher(), o);
  o.dataRun = sharedTeacher();
  const auto fromFile = sweepNfe(file, o);
  ASSERT_EQ(fromFile.size(), 2u);
  ASSERT_EQ(fromRun.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(fromFile[i].nfe, fromRun[i].nfe);
    EXPECT_DOUBLE_EQ(fromFile[i].fid, fromRun[i].fid);
  }
  o.set.steps = 2;  // Heun, 2 steps = 3 NFE: the sweep's second point
  const NfePoint point = scoreModel(file, o);
  EXPECT_EQ(point.nfe, 3);
  EXPECT_DOUBLE_EQ(point.fid, fromRun[1].fid);
}

// An exported teacher: EMA weights and config only, a fraction of a checkpoint's size, sampling exactly as the
// run and usable as a distillation teacher; a generator exports the same way; existing files and other extensions
// are refused.
TEST_F(ModelApi, ExportedTeacherSamplesAsItsRunAndTeaches) {
  test::TempDir dir;
  const std::string out = dir / "teacher.pt";
  const ExportSummary s = exportModel(sharedTeacher(), out);
  EXPECT_EQ(s.iteration, Model::open(sharedTeacher(), "cpu")->info().iteration);
  EXPECT_GT(s.iteration, 0);
  EXPECT_EQ(s.bytes, static_cast<int64_t>(std::filesystem::file_size(out)));
  EXPECT_LT(s.bytes, static_cast<int64_t>(std::filesystem::file_size(s.file)) / 2);
  SampleOptions o;
  o.device = "cpu";  // as the models opened here, also where CUDA is the default
  o.n = 50;
  o.seed = 11;
  o.steps = 5;
  EXPECT_EQ(sampleModel(out, o).samples.points, sampleModel(sharedTeacher(), o).samples.points);
  SampleOptions online = o;  // the online weights of an exported teacher are its EMA weights
  online.ema = false;
  EXPECT_EQ(sampleModel(out, online).samples.points, sampleModel(sharedTeacher(), o).samples.points);
  RunConfig c;
  c.method = "sid";
  c.teacher_model = out;
  c.steps = 2;
  c.snapshot_every = 0;
  c.eval_every = 0;
  auto run = Run::create(dir / "sid", c);
  EXPECT_EQ(train(*run).iteration, 2);
  // A generator exports too, and samples from the file exactly as from its run.
  const ExportSummary g = exportModel(dir / "sid", dir / "sid.pt");
  EXPECT_EQ(g.iteration, 2);
  SampleOptions one;
  one.n = 50;
  one.seed = 11;
  EXPECT_EQ(sampleModel(dir / "sid.pt", one).samples.points, sampleModel(dir / "sid", one).samples.points);
  std::string e = errorOf([&] { exportModel(sharedTeacher(), out); });
  EXPECT_NE(e.find("exists already"), std::string::npos) << e;
  e = errorOf([&] { exportModel(sharedTeacher(), dir / "teacher.bin"); });
  EXPECT_NE(e.find("must end in .pt"), std::string::npos) << e;
}
