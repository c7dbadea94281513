// Methods as data: a method registered from a test file (tests/support/dummy_method.cpp) is in every list the engine
// keeps, and trains, checkpoints, resumes and samples like a built-in one.
#include <gtest/gtest.h>

#include <algorithm>

#include "dummy_method.h"
#include "onestep/config.h"
#include "onestep/methods.h"
#include "onestep/model.h"
#include "onestep/run.h"
#include "onestep/sampling.h"
#include "test_util.h"

namespace onestep {
namespace {

class Registry : public ::testing::Test {
 protected:
  void SetUp() override { test::registerDummyMethod(); }
};

TEST(MethodList, BuiltInMethodsDescribeThemselves) {
  std::vector<std::string> names;
  for (const auto& m : methods()) names.push_back(m.name);
  for (const char* name : {"teacher", "sid", "smm", "ect", "sct"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  EXPECT_FALSE(methodInfo("teacher").oneStep());
  EXPECT_TRUE(methodInfo("sid").needsTeacher);
  EXPECT_FALSE(methodInfo("smm").needsTeacher);
  EXPECT_EQ(methodInfo("ect").maxSamplingSteps(), 2);
  EXPECT_EQ(methodInfo("sid").maxSamplingSteps(), 1);
  EXPECT_EQ(methodInfo("sct").sections, (std::vector<std::string>{"ct", "sct"}));
  EXPECT_NE(test::errorOf([] { methodInfo("gan"); }).find("method 'gan' is not known (expected sid"),
            std::string::npos);
}

TEST_F(Registry, ADummyMethodIsInEveryList) {
  const MethodInfo* dummy = findMethod("dummy");
  ASSERT_NE(dummy, nullptr);
  EXPECT_EQ(dummy->title, "Dummy — mean matching");
  EXPECT_NE(methodNames(true).find("dummy"), std::string::npos);
  EXPECT_NE(methodNames(false, "|").find("|dummy"), std::string::npos);
  test::registerDummyMethod();  // a second registration replaces the first
  EXPECT_EQ(std::count_if(methods().begin(), methods().end(), [](const MethodInfo& m) { return m.name == "dummy"; }),
            1);
}

TEST_F(Registry, ADummyMethodIsValidatedByItsOwnRule) {
  RunConfig c;
  c.method = "dummy";
  EXPECT_NO_THROW(validateConfig(c));  // no teacher needed
  c.batch = 200000;
  EXPECT_EQ(test::errorOf([&] { validateConfig(c); }), "config: batch must be <= 100000 for the dummy method");
  c.method = "teacher";
  EXPECT_NO_THROW(validateConfig(c));  // its rule is about its own runs
}

TEST_F(Registry, ADummyMethodTrainsResumesAndSamples) {
  test::TempDir tmp;
  RunConfig c;
  c.method = "dummy";
  c.data = "toy:8gaussians";
  c.steps = 60;
  c.batch = 256;
  c.snapshot_every = 0;
  c.eval_every = 0;
  c.checkpoint_every = 30;
  c.teacher.lr = 0.05;
  const std::string dir = tmp / "run";
  {
    auto run = Run::create(dir, c);
    const double first = run->step().at("loss");
    auto summary = train(*run);
    EXPECT_EQ(summary.iteration, 60);
    EXPECT_LT(summary.lastLosses.at("loss"), first);  // it learns
  }
  // Its fixed setting cannot change on resume; another setting can.
  EXPECT_NE(test::errorOf([&] {
              Run::resume(dir, {{"teacher.p_std", "2.0"}});
            }).find("setting 'teacher.p_std' of a run cannot change"),
            std::string::npos);
  auto resumed = Run::resume(dir, {{"steps", "80"}});
  EXPECT_EQ(resumed->iteration(), 60);
  EXPECT_EQ(train(*resumed).iteration, 80);
  // One sampling path reads its descriptor: a one-step model of points.
  auto model = Model::open(dir, "cpu");
  EXPECT_EQ(model->info().method, "dummy");
  EXPECT_FALSE(model->info().multiStep);
  EXPECT_EQ(model->info().maxSteps, 1);
  SampleOptions o;
  o.n = 500;
  o.device = "cpu";
  auto r = sampleModel(dir, o);
  EXPECT_EQ(r.samples.count(), 500);
  EXPECT_EQ(r.nfe, 1);
}

}  // namespace
}  // namespace onestep
