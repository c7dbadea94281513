// Teacher training end to end on tiny seeded CPU runs: learning, quality, checkpoints, exact resume, failures.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "onestep/data.h"
#include "onestep/error.h"
#include "onestep/run.h"
#include "onestep/run_dir.h"
#include "onestep/runtime.h"
#include "onestep/sampling.h"
#include "test_util.h"

using namespace onestep;

namespace {

RunConfig toyConfig(int64_t steps) {
  RunConfig c;
  c.data = "toy:8gaussians";
  c.steps = steps;
  c.batch = 256;
  c.seed = 5;
  c.net.hidden = 64;
  c.net.depth = 3;
  c.snapshot_every = 0;
  c.log_every = 5;
  c.checkpoint_every = 10;
  c.keep_checkpoints = 5;
  return c;
}

// The training lines of metrics.jsonl (evaluation lines, which carry "fid", are left out).
std::vector<nlohmann::json> trainingLines(const std::string& dir) {
  std::vector<nlohmann::json> out;
  std::ifstream in(dir + "/metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    if (!j.contains("fid")) out.push_back(j);
  }
  return out;
}

std::string checkpointFile(const std::string& run, int64_t iteration) {
  char name[48];
  std::snprintf(name, sizeof name, "/checkpoints/ckpt-%09lld.pt", static_cast<long long>(iteration));
  return run + name;
}

SampleSet samplePoints(const std::string& model, int64_t n, int64_t batch = 256) {
  SampleOptions o;
  o.n = n;
  o.seed = 11;
  o.batch = batch;
  return sampleModel(model, o).samples;
}

// A finished 20-iteration toy teacher run in DIR/r (checkpoints at 10 and 20); returns the newest checkpoint.
std::string finishedToyRun(const test::TempDir& dir) {
  train(*Run::create(dir / "r", toyConfig(20)));
  return dir / "r/checkpoints/ckpt-000000020.pt";
}

}  // namespace

TEST(Teacher, LearnsEightGaussiansCloseToTheNoiseFloor) {
  setThreads(0);
  test::TempDir dir;
  // A smaller budget than the README's figure (3000 steps at batch 512): 1200 steps at batch 512.
  RunConfig c = toyConfig(1200);
  c.batch = 512;
  c.net.hidden = 256;
  c.net.depth = 4;
  c.log_every = 1;
  c.checkpoint_every = 10000;
  auto run = Run::create(dir / "run", c);
  run->saveCheckpoint();  // iteration 0: the untrained model
  const int64_t n = 1500;
  auto data = drawData("toy:8gaussians", n, 123);
  const double floor = energyDistance(drawData("toy:8gaussians", n, 124), data);
  const double before = energyDistance(samplePoints(dir / "run", n), data);

  auto summary = train(*run);
  EXPECT_EQ(summary.iteration, 1200);
  EXPECT_FALSE(summary.stopped);
  const double after = energyDistance(samplePoints(dir / "run", n), data);
  std::printf("energy distance: untrained %.4f, trained %.4f, floor %.4f\n", before, after, floor);
  EXPECT_LT(after, before / 5);
  EXPECT_LT(after, 3 * floor + 0.002);

  // The loss falls: the mean over the last 200 iterations is well below that of the first 10.
  auto m = trainingLines(dir / "run");
  ASSERT_EQ(m.size(), 1200u);
  double first = 0, last = 0;
  for (int i = 0; i < 10; ++i) first += m[i]["loss"].get<double>() / 10;
  for (int i = 0; i < 200; ++i) last += m[m.size() - 1 - i]["loss"].get<double>() / 200;
  EXPECT_LT(last, 0.85 * first);
  EXPECT_GT(m.back()["it_per_s"].get<double>(), 0);
}

TEST(Teacher, ResumeContinuesExactlyTheSameTrajectory) {
  setThreads(2);
  test::TempDir dir;
  RunConfig c = toyConfig(20);
  auto whole = Run::create(dir / "whole", c);
  train(*whole);

  c.steps = 10;
  auto firstHalf = Run::create(dir / "split", c);
  train(*firstHalf);
  firstHalf.reset();
  auto secondHalf = Run::resume(dir / "split", {{"steps", "20"}});
  EXPECT_EQ(secondHalf->iteration(), 10);
  train(*secondHalf);
  EXPECT_EQ(secondHalf->iteration(), 20);

  auto a = samplePoints(dir / "whole", 64), b = samplePoints(dir / "split", 64);
  EXPECT_EQ(a.points, b.points) << "resumed run diverged from the uninterrupted one";
  auto ma = trainingLines(dir / "whole"), mb = trainingLines(dir / "split");
  ASSERT_EQ(ma.size(), mb.size());
  for (std::size_t i = 0; i < ma.size(); ++i) EXPECT_EQ(ma[i]["loss"], mb[i]["loss"]) << "line " << i;
}

TEST(Teacher, RotationKeepsTheBestEvaluationsCheckpoint) {
  setThreads(2);
  test::TempDir dir;
  RunConfig c = toyConfig(8);
  c.keep_checkpoints = 2;
  c.eval_every = 0;
  auto ckpt = [&](const char* run, int it) { return std::filesystem::exists(checkpointFile(dir / run, it)); };
  // FID only (images): the lowest FID, iteration 2, outlives the rotation; energy, where present, decides (points).
  for (const char* name : {"fid", "energy"}) {
    auto run = Run::create(dir / name, c);
    for (int it = 1; it <= 6; ++it) {
      run->step();
      std::map<std::string, double> eval = {{"fid", it == 2 ? 1.0 : 5.0 + it}};
      if (std::string(name) == "energy") eval["energy"] = it == 3 ? 0.001 : 0.1;
      run->logMetrics(eval);
      run->saveCheckpoint();
    }
    const int best = std::string(name) == "energy" ? 3 : 2;
    for (int it = 1; it <= 6; ++it) EXPECT_EQ(ckpt(name, it), it == best || it >= 5) << name << ", iteration " << it;
    run.reset();
    auto resumed = Run::resume(dir / name, {{"steps", "7"}});
    auto summary = train(*resumed);
    EXPECT_EQ(summary.bestIteration, best) << name;
    EXPECT_EQ(summary.bestMetric, name);
    EXPECT_EQ(summary.bestCheckpoint, checkpointFile(dir / name, best));
  }
}

// Evaluations fall between checkpoints (checkpoint_every 100, an evaluation every 3 iterations): each new best
// evaluation is checkpointed when it is made, so the run keeps it.
TEST(Teacher, ANewBestEvaluationIsCheckpointedAtOnce) {
  setThreads(2);
  test::TempDir dir;
  RunConfig c = toyConfig(10);
  c.eval_every = 3;
  c.eval_count = 200;
  c.checkpoint_every = 100;
  c.keep_checkpoints = 1;
  auto run = Run::create(dir / "run", c);
  double lowest = INFINITY;
  int newBests = 0;
  TrainCallbacks cb;
  cb.onEval = [&](int64_t iteration, const std::map<std::string, double>& values) {
    if (values.at("energy") >= lowest) return;
    lowest = values.at("energy");
    ++newBests;
    EXPECT_TRUE(std::filesystem::exists(checkpointFile(dir / "run", iteration))) << "iteration " << iteration;
  };
  auto summary = train(*run, cb);
  EXPECT_GE(newBests, 1);
  EXPECT_FALSE(summary.bestCheckpoint.empty());
  EXPECT_TRUE(std::filesystem::exists(summary.bestCheckpoint));
}

TEST(Teacher, DamagedLatestCheckpointFallsBackAndTrimsMetrics) {
  test::TempDir dir;
  const std::string latest = finishedToyRun(dir);
  ASSERT_TRUE(std::filesystem::exists(latest));
  std::string bytes = test::readBytes(latest);
  test::writeBytes(latest, bytes.substr(0, bytes.size() / 3));
  auto resumed = Run::resume(dir / "r");
  EXPECT_EQ(resumed->iteration(), 10);
  EXPECT_TRUE(std::filesystem::exists(latest)) << "a damaged checkpoint is kept for the user to inspect";
  for (const auto& line : trainingLines(dir / "r")) EXPECT_LE(line["iteration"].get<int64_t>(), 10);
  // Sampling the damaged file names it.
  try {
    samplePoints(latest, 4);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt-000000020.pt"), std::string::npos) << e.what();
  }
}

// A flipped bit in a tensor, the file's length and zip structure intact: LibTorch alone would load the wrong
// weights; the members' CRCs are checked, so resume falls back and sampling names the damage.
TEST(Teacher, BitFlippedCheckpointIsDamagedNotLoaded) {
  test::TempDir dir;
  const std::string latest = finishedToyRun(dir);
  std::string bytes = test::readBytes(latest);
  const auto name = bytes.find("/data/0");  // the first tensor's local header (the central directory comes last)
  const auto header = bytes.rfind("PK\x03\x04", name);
  ASSERT_NE(name, std::string::npos);
  ASSERT_NE(header, std::string::npos);
  auto u16 = [&](std::size_t at) { return static_cast<uint8_t>(bytes[at]) | static_cast<uint8_t>(bytes[at + 1]) << 8; };
  const std::size_t data = header + 30 + u16(header + 26) + u16(header + 28);
  ASSERT_LT(data, bytes.size());
  bytes[data] = static_cast<char>(bytes[data] ^ 0x10);
  test::writeBytes(latest, bytes);
  EXPECT_EQ(Run::resume(dir / "r")->iteration(), 10);
  try {
    samplePoints(latest, 4);
    FAIL() << "a checkpoint with a flipped bit loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("data/0 is damaged"), std::string::npos) << e.what();
  }
}

TEST(Teacher, NonFiniteLossStopsWithTheLastGoodStateSaved) {
  test::TempDir dir;
  RunConfig c = toyConfig(50);
  c.teacher.lr = 1e30;  // diverges within a few iterations
  c.teacher.lr_rampup = 0;
  auto run = Run::create(dir / "r", c);
  try {
    train(*run);
    FAIL() << "a diverging run must report it";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not finite"), std::string::npos) << e.what();
  }
  const int64_t reached = run->iteration();
  EXPECT_LT(reached, 50);
  auto resumed = Run::resume(dir / "r");
  EXPECT_EQ(resumed->iteration(), reached) << "the last good iteration is in a checkpoint";
}

TEST(Teacher, StopCallbackEndsCleanlyWithACheckpoint) {
  test::TempDir dir;
  auto run = Run::create(dir / "r", toyConfig(100));
  TrainCallbacks cb;
  int progress = 0;
  cb.onProgress = [&](const TrainProgress& p) {
    progress = static_cast<int>(p.iteration);
    EXPECT_EQ(p.total, 100);
    EXPECT_TRUE(p.losses.count("loss"));
  };
  cb.shouldStop = [&] { return progress >= 7; };
  auto s = train(*run, cb);
  EXPECT_TRUE(s.stopped);
  EXPECT_EQ(s.iteration, 7);
  EXPECT_TRUE(std::filesystem::exists(dir / "r/checkpoints/ckpt-000000007.pt"));
  EXPECT_EQ(Run::resume(dir / "r")->iteration(), 7);
}

// A stop request that arrives while an evaluation is under way abandons the evaluation (it can take seconds
// on images) instead of waiting for it: nothing half-measured is logged, and the iterations are checkpointed.
TEST(Teacher, StopDuringAnEvaluationAbandonsIt) {
  setThreads(0);
  test::TempDir dir;
  RunConfig c = toyConfig(20);
  c.eval_every = 3;
  c.eval_count = 2000;
  auto run = Run::create(dir / "r", c);
  TrainCallbacks cb;
  int polls = 0, evals = 0;
  // Only evaluations poll stopRequested (before each of their batches): the one at iteration 3 is asked to stop
  // before its third batch; from then on the loop's own check says stop too.
  cb.stopRequested = [&] { return ++polls > 2; };
  cb.shouldStop = [&] { return polls > 2; };
  cb.onEval = [&](int64_t, const std::map<std::string, double>&) { ++evals; };
  auto s = train(*run, cb);
  EXPECT_TRUE(s.stopped);
  EXPECT_EQ(s.iteration, 3);
  EXPECT_EQ(evals, 0);
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(test::readBytes(dir / "r/metrics.jsonl").find("\"fid\""), std::string::npos);
  EXPECT_EQ(Run::resume(dir / "r")->iteration(), 3);
}

// A failure after a successful iteration (here the snapshot cannot be written) still leaves the iterations
// trained so far in a checkpoint before the error is reported.
TEST(Teacher, FailedSnapshotKeepsTheIterationsInACheckpoint) {
  setThreads(0);
  test::TempDir dir;
  RunConfig c = toyConfig(20);
  c.snapshot_every = 4;
  c.checkpoint_every = 1000;
  auto run = Run::create(dir / "r", c);
  run->step();  // past iteration 0, whose snapshot train() would write before any training
  std::filesystem::remove_all(dir / "r/snapshots");
  test::writeBytes(dir / "r/snapshots", "a file where the snapshot folder was");
  EXPECT_THROW(train(*run), std::exception);
  EXPECT_EQ(Run::resume(dir / "r")->iteration(), 4);
}

TEST(Teacher, RunDirectoryRules) {
  test::TempDir dir;
  auto run = Run::create(dir / "r", toyConfig(1));
  EXPECT_THROW(Run::create(dir / "r", toyConfig(1)), Error) << "an existing run is never overwritten";
  RunConfig bad = toyConfig(1);
  bad.data = "toy:nope";
  EXPECT_THROW(Run::create(dir / "bad", bad), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad")) << "nothing is written for a bad data spec";
  EXPECT_THROW(Run::resume(dir / "r", {{"data", "toy:moons"}}), Error);
  EXPECT_THROW(Run::resume(dir / "r", {{"net.hidden", "7"}}), Error);
  EXPECT_THROW(Run::resume(dir / "nothing"), Error);
  // config.json has every setting with the auto ones filled in.
  auto cfg = loadConfigFile(dir / "r/config.json");
  EXPECT_EQ(cfg.net.arch, "mlp");
  EXPECT_DOUBLE_EQ(cfg.teacher.lr, 1e-3);
  EXPECT_EQ(cfg.snapshot_count, 1000);
}

// Run::open is the one rule of both front ends: new runs from settings, resumes with overrides, and a resume that
// names other data or another method is refused before anything in the run directory changes.
TEST(Teacher, OpenStartsOrResumesByOneRule) {
  test::TempDir dir;
  const std::string run = dir / "r";
  RunSetup setup;
  setup.dir = run;
  setup.settings = {{"data", "toy:8gaussians"}, {"steps", "10"},         {"batch", "256"},
                    {"net.hidden", "32"},       {"snapshot_every", "0"}, {"eval_every", "0"}};
  bool resumed = true;
  train(*Run::open(setup, &resumed));
  EXPECT_FALSE(resumed);
  EXPECT_EQ(readRunConfig(run).net.hidden, 32);
  EXPECT_THROW(Run::open(setup), Error) << "New never overwrites a run";
  const std::string before = readRunConfigText(run);
  RunSetup resume;
  resume.dir = run;
  resume.opening = RunOpening::Resume;
  resume.settings = {{"data", "toy:moons"}};
  EXPECT_NE(test::errorOf([&] { Run::open(resume); }).find("trains on 'toy:8gaussians', not 'toy:moons'"),
            std::string::npos);
  resume.settings = {{"method", "sid"}};
  EXPECT_NE(test::errorOf([&] { Run::open(resume); }).find("is a teacher run, not sid"), std::string::npos);
  EXPECT_EQ(readRunConfigText(run), before) << "a refused resume changes nothing";
  // Its own data and method are accepted; other settings override.
  resume.settings = {{"data", "toy:8gaussians"}, {"method", "teacher"}, {"steps", "20"}};
  auto again = Run::open(resume, &resumed);
  EXPECT_TRUE(resumed);
  EXPECT_EQ(again->iteration(), 10);
  EXPECT_EQ(again->config().steps, 20);
  // Resume needs a run; ResumeOrNew starts one where there is none.
  resume.dir = dir / "fresh";
  EXPECT_NE(test::errorOf([&] { Run::open(resume); }).find("not a run to resume"), std::string::npos);
  resume.opening = RunOpening::ResumeOrNew;
  resume.settings = setup.settings;
  EXPECT_EQ(Run::open(resume, &resumed)->iteration(), 0);
  EXPECT_FALSE(resumed);
}

TEST(Teacher, ImageTeacherOnFashionMnistWithTinyUnet) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  test::TempDir dir;
  RunConfig c;
  c.data = "fashion-mnist";
  c.steps = 3;
  c.batch = 8;
  c.net.channels = 8;
  c.net.channel_mult = "1,2";
  c.net.class_cond = true;
  c.snapshot_every = 3;
  c.snapshot_count = 4;
  auto run = Run::create(dir / "r", c);
  train(*run);
  EXPECT_TRUE(std::filesystem::exists(dir / "r/snapshots/iter-000000000.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "r/snapshots/iter-000000003.png"));
  SampleOptions o;
  o.n = 4;
  o.steps = 2;
  o.classLabel = 3;
  auto r = sampleModel(dir / "r", o);
  EXPECT_EQ(r.samples.shape, (std::vector<int64_t>{4, 28, 28, 1}));
  EXPECT_EQ(r.samples.labels, (std::vector<int64_t>{3, 3, 3, 3}));
  EXPECT_EQ(r.nfe, 3);
  o.classLabel = 10;
  EXPECT_THROW(sampleModel(dir / "r", o), Error);
}

TEST(Sampling, NoiseOfSampleIDependsOnlyOnSeedAndI) {
  test::TempDir dir;
  auto run = Run::create(dir / "r", toyConfig(2));
  train(*run);
  auto big = samplePoints(dir / "r", 10, 256);
  auto small = samplePoints(dir / "r", 4, 3);
  for (std::size_t i = 0; i < small.points.size(); ++i) EXPECT_FLOAT_EQ(small.points[i], big.points[i]);
}
