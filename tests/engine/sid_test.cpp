// SiD on a small 2-D teacher: the one-step generator improves far beyond its initialisation, the teacher
// is untouched, and the method saves and resumes through the run directory.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/model.h"
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

// The TorchScript round trip: a teacher scripted by Python, distilled with SiD; the generator comes back as
// generator.pt that Python loads and calls as G(sigma_init * z, sigma_init), matching the C++ samples.
TEST(Sid, TorchScriptTeacherGivesAGeneratorPythonCanCall) {
  if (!test::pythonTorchAvailable()) GTEST_SKIP() << "python3-torch not installed";
  setThreads(0);
  test::TempDir dir;
  test::writeBytes(
      dir / "make.py",
      "import torch, sys\n"
      "torch.manual_seed(0)\n"
      "class D(torch.nn.Module):\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "        self.dim = 2\n"
      "        self.net = torch.nn.Sequential(torch.nn.Linear(3, 32), torch.nn.SiLU(), torch.nn.Linear(32, 2))\n"
      "    def forward(self, x, sigma):\n"
      "        s = sigma.reshape(-1, 1).expand(x.shape[0], 1)\n"
      "        c_skip = 0.25 / (s * s + 0.25)\n"
      "        c_out = s * 0.5 / torch.sqrt(s * s + 0.25)\n"
      "        c_in = 1 / torch.sqrt(s * s + 0.25)\n"
      "        return c_skip * x + c_out * self.net(torch.cat([c_in * x, torch.log(s) / 4], 1))\n"
      "torch.jit.script(D()).save(sys.argv[1])\n");
  ASSERT_EQ(test::shell(std::string(ONESTEP_PYTHON) + " " + (dir / "make.py") + " " + (dir / "teacher.pt")), 0);
  const std::string teacherBefore = test::readBytes(dir / "teacher.pt");

  RunConfig c;
  c.method = "sid";
  c.teacher_model = dir / "teacher.pt";
  c.steps = 5;
  c.batch = 64;
  c.snapshot_every = 0;
  auto run = Run::create(dir / "sid", c);
  train(*run);
  ASSERT_TRUE(std::filesystem::exists(dir / "sid/generator.pt"));
  EXPECT_EQ(test::readBytes(dir / "teacher.pt"), teacherBefore);

  // C++ samples (EMA generator, one step) and the noise they came from, as text for Python.
  SampleOptions o;
  o.n = 16;
  o.seed = 4;
  auto r = sampleModel(dir / "sid", o);
  auto z = api::sampleNoise({2}, 4, 0, 16);
  std::string zText, xText;
  for (int64_t i = 0; i < 32; ++i) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g\n", z.reshape({-1})[i].item<double>());
    zText += buf;
    std::snprintf(buf, sizeof buf, "%.9g\n", r.samples.points[static_cast<std::size_t>(i)]);
    xText += buf;
  }
  test::writeBytes(dir / "z.txt", zText);
  test::writeBytes(dir / "x.txt", xText);
  test::writeBytes(dir / "check.py",
                   "import torch, sys\n"
                   "d = sys.argv[1]\n"
                   "G = torch.jit.load(d + '/sid/generator.pt')\n"
                   "z = torch.tensor([float(v) for v in open(d + '/z.txt')]).reshape(16, 2)\n"
                   "want = torch.tensor([float(v) for v in open(d + '/x.txt')]).reshape(16, 2)\n"
                   "with torch.no_grad():\n"
                   "    x = G(2.5 * z, torch.tensor(2.5))\n"
                   "err = (x - want).abs().max().item()\n"
                   "print('max abs difference', err)\n"
                   "sys.exit(0 if err < 1e-4 else 1)\n");
  EXPECT_EQ(test::shell(std::string(ONESTEP_PYTHON) + " " + (dir / "check.py") + " " + dir.path()), 0);
}
