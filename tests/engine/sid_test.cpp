// SiD on a small 2-D teacher: the one-step generator improves far beyond its initialisation, the teacher
// is untouched, and the method saves and resumes through the run directory.
#include <gtest/gtest.h>

#include "onestep/data.h"
#include "onestep/run.h"
#include "onestep/runtime.h"
#include "onestep/sampling.h"
#include "test_util.h"

using namespace onestep;

TEST(Sid, OneStepGeneratorApproachesTheTeacherAndTheTeacherIsUnchanged) {
  setThreads(0);
  test::TempDir dir;
  RunConfig t;
  t.data = "toy:8gaussians";
  t.steps = 1000;
  t.snapshot_every = 0;
  auto teacher = Run::create(dir / "teacher", t);
  train(*teacher);
  const std::string teacherBefore = test::readBytes(dir / "teacher/checkpoints/ckpt-000001000.pt");

  RunConfig c;
  c.method = "sid";
  c.teacher_model = dir / "teacher";
  c.data = "toy:8gaussians";
  c.steps = 300;
  c.snapshot_every = 0;
  c.checkpoint_every = 150;
  auto sid = Run::create(dir / "sid", c);
  sid->saveCheckpoint();  // iteration 0: G is the teacher's denoiser applied once
  SampleOptions o;
  o.n = 1500;
  o.seed = 3;
  auto data = drawData("toy:8gaussians", 1500, 77);
  const double before = energyDistance(sampleModel(dir / "sid", o).samples, data);
  auto s = train(*sid);
  EXPECT_EQ(s.iteration, 300);
  EXPECT_TRUE(s.lastLosses.count("loss_fake") && s.lastLosses.count("loss_gen"));
  auto r = sampleModel(dir / "sid", o);
  EXPECT_EQ(r.nfe, 1);
  const double after = energyDistance(r.samples, data);
  std::printf("SiD 1-NFE energy distance: initial %.4f, after 300 iterations %.4f\n", before, after);
  EXPECT_LT(after, before / 5);
  EXPECT_EQ(test::readBytes(dir / "teacher/checkpoints/ckpt-000001000.pt"), teacherBefore);

  // Resume continues from the checkpoint at 300 to a larger budget.
  sid.reset();
  auto resumed = Run::resume(dir / "sid", {{"steps", "310"}});
  EXPECT_EQ(resumed->iteration(), 300);
  EXPECT_EQ(train(*resumed).iteration, 310);
}
