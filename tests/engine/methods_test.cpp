// Every one-step method (SiD, Score Mismatching, ECT, SCT) on 8 Gaussians: it learns, it leaves the teacher
// alone, gradients reach its generator through frozen networks, seeds reproduce runs, resume continues the
// same trajectory, and settings change between iterations.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/source.h"
#include "onestep/data.h"
#include "onestep/error.h"
#include "onestep/run.h"
#include "onestep/runtime.h"
#include "onestep/sampling.h"
#include "test_util.h"
#include "train/method.h"

using namespace onestep;
using test::errorOf;
using test::sharedTeacher;

namespace {

RunConfig methodConfig(const std::string& method, int64_t steps) {
  RunConfig c;
  c.method = method;
  if (method != "smm") c.teacher_model = sharedTeacher();
  c.data = "toy:8gaussians";
  c.steps = steps;
  c.snapshot_every = 0;
  c.log_every = 5;
  c.checkpoint_every = 1000000;
  c.batch = 256;
  c.seed = 11;
  return c;
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  out.reserve(params.size());
  for (const auto& p : params) out.push_back(p.detach().clone());
  return out;
}

bool sameValues(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

std::vector<float> values(const SampleSet& s) { return s.points; }

// The error a default config with key = value gets from validation ("" if none).
std::string settingError(const std::string& key, const std::string& value) {
  return errorOf([&] {
    RunConfig c;
    applySetting(c, key, value);
    validateConfig(c);
  });
}

// A method on the given data, its auto settings resolved (c is updated), on the CPU.
std::unique_ptr<training::Method> methodOn(RunConfig& c, data::DataSource& source) {
  auto shape = training::shapeOf(source.info());
  training::resolveAutoSettings(c, shape);
  return training::makeMethod(c, shape, torch::kCPU, &source);
}

// A data source that counts the training batches drawn from it.
class CountingSource : public data::DataSource {
 public:
  explicit CountingSource(std::unique_ptr<data::DataSource> inner) : m_inner(std::move(inner)) {}
  const DataInfo& info() const override { return m_inner->info(); }
  torch::Tensor sample(int64_t n, at::Generator& gen, torch::Tensor* labels) override {
    ++batches;
    return m_inner->sample(n, gen, labels);
  }
  torch::Tensor draw(int64_t n, at::Generator& gen, torch::Tensor* labels) override {
    return m_inner->draw(n, gen, labels);
  }
  int batches = 0;

 private:
  std::unique_ptr<data::DataSource> m_inner;
};

class Methods : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { setThreads(0); }
};

}  // namespace

// The quality bar in small: the one-step generator ends far closer to the data than it starts.
TEST_P(Methods, OneStepSamplesApproachTheData) {
  const std::string method = GetParam();
  test::TempDir dir;
  // Score Mismatching trains from scratch and needs more iterations; the consistency methods' default
  // learning rate suits long runs, a larger one shows the learning in a few hundred iterations. SCT's
  // whole-batch score-identity target starts slower than ECT's (on this teacher and seed: 0.15 after 300
  // iterations, 0.028 after 500, 0.005 after 800), so it gets 500.
  auto c = methodConfig(method, method == "smm" ? 1000 : method == "sct" ? 500 : 300);
  c.batch = method == "smm" ? 256 : 512;
  c.ct.lr = 1e-3;
  c.ct.q = 2;  // ECT's coarser schedule: fewer, larger Δt steps suit a short run
  c.ct.stage_samples = 128000;
  auto run = Run::create(dir / "run", c);
  auto data = drawData("toy:8gaussians", 1000, 77);
  const double before = energyDistance(run->preview(), data);
  auto s = train(*run);
  EXPECT_EQ(s.iteration, c.steps);
  const double after = energyDistance(run->preview(), data);
  std::printf("%s 1-NFE energy distance: initial %.4f, after %lld iterations %.4f\n", method.c_str(), before,
              static_cast<long long>(c.steps), after);
  EXPECT_LT(after, before / 4);
  EXPECT_LT(after, method == "sid" ? 0.05 : 0.1);
  // The run directory samples in one step through the public API; metrics.jsonl has the losses and it/s.
  SampleOptions o;
  o.n = 100;
  auto r = sampleModel(dir / "run", o);
  EXPECT_EQ(r.nfe, 1);
  std::ifstream in(dir / "run/metrics.jsonl");
  std::string line, last;
  while (std::getline(in, line))
    if (line.find("\"fid\"") == std::string::npos) last = line;  // the last training line
  EXPECT_NE(last.find("it_per_s"), std::string::npos);
  EXPECT_NE(last.find(method == "ect" || method == "sct" ? "\"loss\"" : "loss_gen"), std::string::npos) << last;
}

// Frozen networks stay as loaded; gradients reach the generator through their inputs.
TEST_P(Methods, TeacherUnchangedAndGradientsReachTheGenerator) {
  const std::string method = GetParam();
  auto c = methodConfig(method, 3);
  auto source = data::openData(c.data);
  torch::manual_seed(3);
  auto m = methodOn(c, *source);
  auto teacher = copies(m->parameters("teacher"));
  auto generator = copies(m->parameters("generator"));
  ASSERT_FALSE(generator.empty());
  EXPECT_EQ(teacher.empty(), method == "smm");
  for (int i = 0; i < 3; ++i) m->step(i * c.batch);
  EXPECT_TRUE(sameValues(teacher, copies(m->parameters("teacher"))));
  for (const auto& p : m->parameters("teacher"))
    EXPECT_FALSE(p.grad().defined()) << "teacher parameters take no gradient";
  EXPECT_FALSE(sameValues(generator, copies(m->parameters("generator"))));
  double gradNorm = 0;
  for (const auto& p : m->parameters("generator"))
    if (p.grad().defined()) gradNorm += p.grad().square().sum().item<double>();
  EXPECT_GT(gradNorm, 0.0);
}

// The same seed gives the same run, bit for bit; another seed does not.
TEST_P(Methods, IdenticalSeedsGiveIdenticalRuns) {
  const std::string method = GetParam();
  test::TempDir dir;
  auto c = methodConfig(method, 12);
  auto a = Run::create(dir / "a", c);
  train(*a);
  auto b = Run::create(dir / "b", c);
  train(*b);
  EXPECT_EQ(values(a->preview(64)), values(b->preview(64)));
  c.seed = 12;
  auto d = Run::create(dir / "d", c);
  train(*d);
  EXPECT_NE(values(a->preview(64)), values(d->preview(64)));
}

// Stopping at a checkpoint and resuming gives the same result as an uninterrupted run.
TEST_P(Methods, ResumeContinuesTheSameTrajectory) {
  const std::string method = GetParam();
  test::TempDir dir;
  auto c = methodConfig(method, 20);
  auto whole = Run::create(dir / "whole", c);
  train(*whole);
  c.steps = 10;
  auto half = Run::create(dir / "half", c);
  train(*half);
  half.reset();
  auto resumed = Run::resume(dir / "half", {{"steps", "20"}});
  EXPECT_EQ(resumed->iteration(), 10);
  train(*resumed);
  EXPECT_EQ(values(whole->preview(64)), values(resumed->preview(64)));
}

INSTANTIATE_TEST_SUITE_P(AllMethods, Methods, ::testing::Values("sid", "smm", "ect", "sct"),
                         [](const auto& info) { return info.param; });

// SiD and Score Mismatching step two networks per iteration. A first network's learning rate so large that the
// generator's loss is no longer finite fails the iteration after that network has stepped; the iteration is
// undone as a whole (parameters, optimiser state, random streams), so lowering the rate again continues exactly
// as if it had never been tried.
class TwoNetworkMethods : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { setThreads(0); }
};

TEST_P(TwoNetworkMethods, AFailedIterationIsUndoneAsAWhole) {
  // smm2: two score-net steps per iteration, the second of which fails.
  const std::string method = GetParam() == "sid" ? "sid" : "smm";
  const std::string key = method == "sid" ? "sid.lr_f" : "smm.lr_s";
  const std::string expected =
      GetParam() == "smm2" ? "score-net loss is not finite at score-net step 2 of 2" : "generator loss is not finite";
  test::TempDir dir;
  auto c = methodConfig(method, 6);
  if (GetParam() == "smm2") c.smm.score_steps = 2;
  auto whole = Run::create(dir / "whole", c);
  train(*whole);

  // The rate is raised between iterations 3 and 4 (as the studio applies an edit); the fourth fails, and
  // train() checkpoints what the run had reached before it reports the failure.
  auto run = Run::create(dir / "run", c);
  TrainCallbacks cb;
  bool raised = false;
  cb.shouldStop = [&] {
    if (run->iteration() == 3 && !raised) run->changeSettings({{key, "1e30"}});
    raised = raised || run->iteration() == 3;
    return false;
  };
  const std::string error = errorOf([&] { train(*run, cb); });
  EXPECT_NE(error.find(expected + "; the iteration was undone"), std::string::npos) << error;
  EXPECT_EQ(run->iteration(), 3);
  EXPECT_EQ(run->checkpointIteration(), 3);
  run.reset();
  // Continued from that checkpoint with the rate back at its default, the run is the uninterrupted one: the
  // generator's later steps go through the first network, its optimiser state and the random streams, so any
  // of them kept as the failed iteration left them would make the two part.
  auto resumed = Run::resume(dir / "run", {{key, "0"}});
  EXPECT_EQ(resumed->iteration(), 3);
  train(*resumed);
  EXPECT_EQ(values(whole->preview(64)), values(resumed->preview(64)));
}

INSTANTIATE_TEST_SUITE_P(SidAndSmm, TwoNetworkMethods, ::testing::Values("sid", "smm", "smm2"),
                         [](const auto& info) { return info.param; });

// An undo point puts back the parameters and every part of Adam's state (step count, both moments and
// amsgrad's maximum; beta1 0.9, so the first moment carries over between steps), drops the state a first step
// created, and stays valid for a second restore.
TEST(UndoPoint, PutsBackParametersAndAdamState) {
  torch::manual_seed(1);
  std::vector<torch::Tensor> params{torch::randn({3, 4}).requires_grad_(true), torch::randn({5}).requires_grad_(true)};
  torch::optim::Adam adam(params, torch::optim::AdamOptions(0.1).betas({0.9, 0.99}).amsgrad(true));
  auto stepOnce = [&] {
    adam.zero_grad();
    (params[0].pow(3).sum() + params[1].sin().sum()).backward();
    adam.step();
  };
  // Every state tensor by key, with the step count as a tensor.
  auto state = [&] {
    std::map<training::OptimizerStateKey, std::vector<torch::Tensor>> out;
    for (const auto& [key, entry] : adam.state()) {
      const auto& s = static_cast<const torch::optim::AdamParamState&>(*entry);
      out[key] = {torch::tensor(s.step()), s.exp_avg().clone(), s.exp_avg_sq().clone(), s.max_exp_avg_sq().clone()};
    }
    return out;
  };
  auto sameState = [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [key, tensors] : a)
      if (!b.count(key) || !sameValues(tensors, b.at(key))) return false;
    return true;
  };
  training::UndoPoint undo;
  const auto initial = copies(params);
  undo.capture(params, adam);
  stepOnce();
  ASSERT_EQ(adam.state().size(), 2u);
  undo.restore(params, adam);
  EXPECT_TRUE(adam.state().empty());
  EXPECT_TRUE(sameValues(initial, copies(params)));

  stepOnce();
  stepOnce();
  const auto weights = copies(params);
  const auto moments = state();
  undo.capture(params, adam);
  stepOnce();
  ASSERT_FALSE(sameState(moments, state()));
  undo.restore(params, adam);
  EXPECT_TRUE(sameValues(weights, copies(params)));
  EXPECT_TRUE(sameState(moments, state()));
  stepOnce();
  stepOnce();
  undo.restore(params, adam);
  EXPECT_TRUE(sameValues(weights, copies(params)));
  EXPECT_TRUE(sameState(moments, state()));
}

TEST(MethodSettings, ChangeBetweenIterationsIsAppliedSavedAndLogged) {
  setThreads(0);
  test::TempDir dir;
  auto c = methodConfig("sid", 4);
  auto run = Run::create(dir / "run", c);
  run->step();
  run->changeSettings({{"sid.alpha", "0.5"}, {"sid.lr_g", "2e-5"}});
  EXPECT_DOUBLE_EQ(run->config().sid.alpha, 0.5);
  run->step();
  EXPECT_NE(test::readBytes(dir / "run/config.json").find("\"alpha\": 0.5"), std::string::npos);
  EXPECT_NE(test::readBytes(dir / "run/metrics.jsonl").find("\"set\":{\"sid.alpha\":\"0.5\",\"sid.lr_g\":\"2e-5\"}"),
            std::string::npos)
      << test::readBytes(dir / "run/metrics.jsonl");
  // Settings that define the run, and bad values, are refused and change nothing.
  EXPECT_THROW(run->changeSettings({{"data", "toy:moons"}}), Error);
  EXPECT_THROW(run->changeSettings({{"net.hidden", "64"}}), Error);
  EXPECT_THROW(run->changeSettings({{"sid.alpha", "-1"}}), Error);
  EXPECT_THROW(run->changeSettings({{"sid.alpha", "abc"}}), Error);
  EXPECT_DOUBLE_EQ(run->config().sid.alpha, 0.5);
  // 0 (auto) takes the value for the run's data, as when the run was created.
  EXPECT_DOUBLE_EQ(run->config().sid.lr_g, 2e-5);
  run->changeSettings({{"sid.lr_g", "0"}});
  EXPECT_DOUBLE_EQ(run->config().sid.lr_g, 1e-4);
  // Resume with a changed setting continues with it.
  run->saveCheckpoint();
  run.reset();
  auto resumed = Run::resume(dir / "run", {{"sid.alpha", "0.8"}, {"sid.lr_f", "0"}});
  EXPECT_DOUBLE_EQ(resumed->config().sid.alpha, 0.8);
  EXPECT_DOUBLE_EQ(resumed->config().sid.lr_f, 1e-4);
}

// The consistency methods' auto schedule: ECT's q = 2 for images (4 stages), a smoother 1.5 with shorter stages
// (11) for points.
TEST(MethodSettings, ConsistencyScheduleAutoDependsOnTheData) {
  setThreads(0);
  test::TempDir dir;
  auto run = Run::create(dir / "run", methodConfig("ect", 1));
  EXPECT_DOUBLE_EQ(run->config().ct.q, 1.5);
  EXPECT_DOUBLE_EQ(run->config().ct.stage_samples, 40000);
  EXPECT_EQ(run->config().ct.stages, 11);
  // Images: q = 2 and 128 000-image stages as ECT's reference, held at stage 3 (ECT drifted past it).
  RunConfig images = methodConfig("ect", 1);
  images.data = "fashion-mnist";
  EXPECT_DOUBLE_EQ(resolvedConfig(images).ct.q, 2.0);
  EXPECT_DOUBLE_EQ(resolvedConfig(images).ct.stage_samples, 128000);
  EXPECT_EQ(resolvedConfig(images).ct.stages, 4);
  EXPECT_DOUBLE_EQ(RunConfig().ct.q, 0.0);
  EXPECT_NE(settingError("ct.q", "1").find("ct.q must be > 1"), std::string::npos);
  // SCT's reference batch: 4096 extra samples for points unless set; 0 (the batch alone) is kept as given.
  EXPECT_EQ(RunConfig().sct.ref_batch, -1);
  EXPECT_EQ(Run::create(dir / "sct", methodConfig("sct", 1))->config().sct.ref_batch, 4096);
  RunConfig alone = methodConfig("sct", 1);
  alone.sct.ref_batch = 0;
  EXPECT_EQ(Run::create(dir / "sct-alone", alone)->config().sct.ref_batch, 0);
  EXPECT_NE(settingError("sct.ref_batch", "-2").find("sct.ref_batch must be in 0..65536"), std::string::npos);
}

// The stage stops growing at ct.stages (t - r stops shrinking); -1 lets it grow for as long as the run goes.
TEST(MethodSettings, ConsistencyStageStopsAtTheLastStage) {
  setThreads(0);
  test::TempDir dir;
  for (int64_t stages : {3, -1}) {
    auto c = methodConfig("ect", 6);
    c.log_every = 1;
    c.ct.stage_samples = static_cast<double>(c.batch);  // one stage per iteration
    c.ct.stages = stages;
    const std::string name = "run" + std::to_string(stages);
    auto run = Run::create(dir / name, c);
    train(*run);
    std::ifstream in(dir / (name + "/metrics.jsonl"));
    std::string line, last;
    while (std::getline(in, line))
      if (line.find("\"stage\"") != std::string::npos) last = line;
    // Iteration 6 starts after 5 stages' samples: stage 5 without a limit, the last (2) with 3 stages.
    EXPECT_NE(last.find(stages == 3 ? "\"stage\":2.0" : "\"stage\":5.0"), std::string::npos) << last;
  }
}

// Far past the stage where t - r cancels in float32 (stage 30 from the second iteration), training goes on with
// a finite loss: the loss weight uses the exact gap, where 1/(t - r) would be infinite and stop the run.
TEST(MethodSettings, ConsistencyLossStaysFiniteAtTinyStages) {
  setThreads(0);
  test::TempDir dir;
  auto c = methodConfig("ect", 3);
  c.ct.q = 2;
  c.ct.stages = -1;
  c.ct.stage_samples = static_cast<double>(c.batch) / 30.5;  // iteration 2 starts at stage 30
  auto run = Run::create(dir / "run", c);
  EXPECT_EQ(train(*run).iteration, 3);
}

// SiD's training noise levels are EDM's, whatever sampler the run previews its teacher with.
TEST(MethodSettings, SidTrainingIgnoresThePreviewSampler) {
  setThreads(0);
  test::TempDir dir;
  std::vector<std::vector<float>> previews;
  for (double sigmaMax : {80.0, 20.0}) {
    auto c = methodConfig("sid", 2);
    c.sampler.sigma_max = sigmaMax;
    c.eval_every = 0;
    const std::string name = "run" + std::to_string(previews.size());
    auto run = Run::create(dir / name, c);
    train(*run);
    previews.push_back(values(run->preview(64)));
  }
  EXPECT_EQ(previews[0], previews[1]);
}

// Score Mismatching's two stabilisers: smm.score_steps score-net steps (each on a fresh real batch) per
// generator step, and smm.lr_halflife, which halves both learning rates every so many samples.
TEST(MethodSettings, SmmScoreStepsAndLearningRateHalfLife) {
  setThreads(0);
  for (int steps : {1, 3}) {
    auto c = methodConfig("smm", 2);
    c.smm.score_steps = steps;
    CountingSource source(data::openData(c.data));
    auto m = methodOn(c, source);
    m->step(0);
    m->step(c.batch);
    EXPECT_EQ(source.batches, 2 * steps);
  }
  // A half-life of one sample leaves both learning rates at 0.5^256 of their value after the first
  // iteration (batch 256): the second changes no parameter. Without a half-life it trains both nets.
  for (double halflife : {1.0, 0.0}) {
    auto c = methodConfig("smm", 2);
    c.batch = 256;
    c.smm.lr_halflife = halflife;
    auto source = data::openData(c.data);
    torch::manual_seed(5);
    auto m = methodOn(c, *source);
    auto generator = copies(m->parameters("generator"));
    auto scoreNet = copies(m->parameters("score"));
    m->step(0);
    EXPECT_FALSE(sameValues(generator, copies(m->parameters("generator"))));
    EXPECT_FALSE(sameValues(scoreNet, copies(m->parameters("score"))));
    generator = copies(m->parameters("generator"));
    scoreNet = copies(m->parameters("score"));
    m->step(c.batch);
    EXPECT_EQ(sameValues(generator, copies(m->parameters("generator"))), halflife > 0) << "half-life " << halflife;
    EXPECT_EQ(sameValues(scoreNet, copies(m->parameters("score"))), halflife > 0) << "half-life " << halflife;
  }
  EXPECT_NE(settingError("smm.score_steps", "0").find("smm.score_steps must be in 1..100"), std::string::npos);
  EXPECT_NE(settingError("smm.lr_halflife", "-1").find("smm.lr_halflife must be >= 0"), std::string::npos);
}

// SCT's class restriction belongs to class-conditional models: 8 Gaussians is labelled (one class per mode),
// but its teacher is unconditional, so same_class must not narrow the reference batch there (it would make
// the target only know the sample's own mode). ECT and SCT differ, so the SCT target is in use.
TEST(MethodSettings, SctClassRestrictionOnlyForConditionalModels) {
  setThreads(0);
  test::TempDir dir;
  std::vector<std::vector<float>> previews;
  for (const std::string name : {"sct-same", "sct-all", "ect"}) {
    auto c = methodConfig(name == "ect" ? "ect" : "sct", 3);
    c.sct.same_class = name == "sct-same";
    auto run = Run::create(dir / name, c);
    train(*run);
    previews.push_back(values(run->preview(64)));
  }
  EXPECT_EQ(previews[0], previews[1]);
  EXPECT_NE(previews[1], previews[2]);
}

TEST(MethodSampling, ConsistencyModelsSampleInOneOrTwoStepsGeneratorsInOne) {
  setThreads(0);
  test::TempDir dir;
  auto ect = Run::create(dir / "ect", methodConfig("ect", 5));
  train(*ect);
  // Previews come from fixed evaluation noise: equal when repeated, different for two steps.
  EXPECT_EQ(values(ect->preview(32, 2)), values(ect->preview(32, 2)));
  EXPECT_NE(values(ect->preview(32, 1)), values(ect->preview(32, 2)));
  SampleOptions o;
  o.n = 50;
  o.steps = 2;
  EXPECT_EQ(sampleModel(dir / "ect", o).nfe, 2);
  // The two-step intermediate time can be chosen when sampling: the run's own t_mid reproduces the default.
  const auto twoSteps = sampleModel(dir / "ect", o).samples.points;
  o.tMid = ect->config().ct.t_mid;
  EXPECT_EQ(sampleModel(dir / "ect", o).samples.points, twoSteps);
  o.tMid = 0.3;
  EXPECT_NE(sampleModel(dir / "ect", o).samples.points, twoSteps);
  o.tMid = ect->config().ct.sigma_max;  // must lie strictly inside (sigma_min, sigma_max)
  EXPECT_THROW(sampleModel(dir / "ect", o), Error);
  o.tMid = -0.3;  // 0 means the run's own; a negative time is refused
  EXPECT_THROW(sampleModel(dir / "ect", o), Error);
  o.tMid = 0.3;
  o.steps = 1;  // t_mid means nothing in one step
  EXPECT_THROW(sampleModel(dir / "ect", o), Error);
  o.tMid = 0;
  o.steps = 3;
  EXPECT_THROW(sampleModel(dir / "ect", o), Error);
  auto sid = Run::create(dir / "sid", methodConfig("sid", 1));
  train(*sid);
  o.steps = 2;
  EXPECT_THROW(sampleModel(dir / "sid", o), Error);
  o.steps = 1;
  o.tMid = 0.3;
  EXPECT_THROW(sampleModel(dir / "sid", o), Error);
  o.tMid = 0;
  // A distillation without a teacher, or with a teacher of another shape, is refused by name.
  auto c = methodConfig("ect", 1);
  c.teacher_model = "";
  EXPECT_THROW(Run::create(dir / "none", c), Error);
  c.teacher_model = sharedTeacher();
  c.data = "fashion-mnist";
  try {
    Run::create(dir / "shape", c);
    FAIL() << "a 2-D teacher must be refused for images";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("images[1x28x28]"), std::string::npos) << e.what();
  }
}

// ECT/SCT tune a class-conditional teacher on the data's labels: data with other classes, or none, is refused
// by name (it would otherwise index past the teacher's class embedding, or silently tune it unconditionally).
TEST(MethodSettings, ConsistencyRefusesDataWithOtherClassesThanTheTeacher) {
  setThreads(0);
  test::TempDir dir;
  RunConfig t;
  t.data = "toy:8gaussians";  // 8 classes: the mode of each point
  t.steps = 2;
  t.batch = 16;
  t.snapshot_every = 0;
  t.eval_every = 0;
  t.net.hidden = 16;
  t.net.class_cond = true;
  train(*Run::create(dir / "teacher", t));
  RunConfig c = t;
  c.method = "ect";
  c.teacher_model = dir / "teacher";
  c.net.class_cond = false;
  EXPECT_NO_THROW(Run::create(dir / "same", c));
  c.data = "toy:moons";
  std::string e = errorOf([&] { Run::create(dir / "moons", c); });
  EXPECT_NE(e.find("conditional on 8 classes but the data 'toy:moons' has 2 classes"), std::string::npos) << e;
  c.method = "sct";
  c.data = "toy:swissroll";
  e = errorOf([&] { Run::create(dir / "swissroll", c); });
  EXPECT_NE(e.find("has no labels"), std::string::npos) << e;
}

// On images: the convolutional generator of Score Mismatching, and ECT/SCT (SCT's class-restricted reference
// batch) on a tiny class-conditional UNet teacher, a few iterations each, sampling the right shape.
TEST(MethodImages, EveryMethodRunsOnFashionMnist) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  setThreads(0);
  test::TempDir dir;
  RunConfig t;
  t.data = "fashion-mnist";
  t.steps = 2;
  t.batch = 4;
  t.snapshot_every = 0;
  t.snapshot_count = 4;
  t.net.channels = 8;
  t.net.channel_mult = "1,2";
  t.net.class_cond = true;
  train(*Run::create(dir / "teacher", t));
  for (const std::string method : {"sid", "smm", "ect", "sct"}) {
    RunConfig c = t;
    c.method = method;
    c.teacher_model = method == "smm" ? "" : dir / "teacher";
    c.net.class_cond = method == "smm";
    c.smm.gen_hidden = 8;
    if (method == "sct") {  // the auto reference batch for images, before the small one that keeps this test fast
      EXPECT_EQ(Run::create(dir / "sct-auto", c)->config().sct.ref_batch, 256);
    }
    c.sct.ref_batch = 8;
    auto run = Run::create(dir / method, c);
    auto s = train(*run);
    EXPECT_EQ(s.iteration, 2) << method;
    auto p = run->preview(4);
    EXPECT_EQ(p.shape, (std::vector<int64_t>{4, 28, 28, 1})) << method;
    EXPECT_EQ(p.labels.size(), 4u) << method << " is class-conditional";
  }
}
