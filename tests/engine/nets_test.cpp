// Native networks (MLP, UNet) and the TorchScript adapter behind one denoiser interface.
#include <gtest/gtest.h>

#include "nets/denoiser.h"
#include "onestep/error.h"
#include "onestep/sampling.h"
#include "test_util.h"

using namespace onestep;

namespace {

nets::SampleShape images(int c, int h, int classes = 0) {
  nets::SampleShape s;
  s.kind = "images";
  s.channels = c;
  s.height = s.width = h;
  s.numClasses = classes;
  return s;
}

nets::SampleShape points(int d, int classes = 0) {
  nets::SampleShape s;
  s.dim = d;
  s.numClasses = classes;
  return s;
}

}  // namespace

TEST(Nets, MlpAndUnetStartAsCSkipTimesXAndKeepShape) {
  NetConfig mlp;
  mlp.arch = "mlp";
  mlp.hidden = 32;
  auto dm = nets::makeNativeDenoiser(mlp, points(2), 0.5);
  auto x = torch::randn({5, 2});
  auto sigma = torch::full({5}, 1.0);
  // Zero-initialised output layers: D = c_skip x = 0.25/1.25 x.
  EXPECT_TRUE(torch::allclose(dm->denoise(x, sigma, {}), x * 0.2, 1e-6, 1e-6));

  NetConfig unet;
  unet.arch = "unet";
  unet.channels = 8;
  unet.channel_mult = "1,2";
  auto du = nets::makeNativeDenoiser(unet, images(1, 12), 0.5);
  auto xi = torch::randn({2, 1, 12, 12});
  auto out = du->denoise(xi, torch::full({2}, 1.0), {});
  EXPECT_EQ(out.sizes(), xi.sizes());
  EXPECT_TRUE(torch::allclose(out, xi * 0.2, 1e-5, 1e-5));
  EXPECT_GT(nets::parameterCount(*du), 1000);
}

TEST(Nets, WrongShapesAndArchitecturesAreRefused) {
  NetConfig unet;
  unet.arch = "unet";
  unet.channel_mult = "1,2,2";
  EXPECT_THROW(nets::makeNativeDenoiser(unet, images(1, 30), 0.5), Error);  // 30 not divisible by 4
  EXPECT_THROW(nets::makeNativeDenoiser(unet, points(2), 0.5), Error);
  NetConfig mlp;
  mlp.arch = "mlp";
  EXPECT_THROW(nets::makeNativeDenoiser(mlp, images(1, 28), 0.5), Error);
  mlp.class_cond = true;
  EXPECT_THROW(nets::makeNativeDenoiser(mlp, points(2, 0), 0.5), Error);
}

TEST(Nets, ClassConditioningChangesTheOutputAfterTraining) {
  NetConfig mlp;
  mlp.arch = "mlp";
  mlp.hidden = 16;
  mlp.class_cond = true;
  auto d = nets::makeNativeDenoiser(mlp, points(2, 3), 0.5);
  {
    torch::NoGradGuard g;
    for (auto& p : d->parameters()) p.add_(torch::randn_like(p) * 0.1);
  }
  auto x = torch::randn({1, 2}).repeat({3, 1});
  auto out = d->denoise(x, torch::full({3}, 1.0), torch::tensor({0, 1, 2}, torch::kLong));
  EXPECT_FALSE(torch::allclose(out[0], out[1]));
}

TEST(Nets, CloneIsDeepAndEmaMovesTowardsOnline) {
  NetConfig mlp;
  mlp.arch = "mlp";
  mlp.hidden = 8;
  auto a = nets::makeNativeDenoiser(mlp, points(2), 0.5);
  auto b = a->clone();
  {
    torch::NoGradGuard g;
    for (auto& p : a->parameters()) p.add_(1.0);
  }
  auto pa = a->parameters(), pb = b->parameters();
  EXPECT_FALSE(torch::equal(pa[0], pb[0])) << "clone shares storage";
  auto before = pb[0].clone();
  nets::emaUpdate(*b, *a, 0.75);
  EXPECT_TRUE(torch::allclose(pb[0], 0.75 * before + 0.25 * pa[0]));
}

TEST(Nets, TorchScriptDenoiserFromPythonIsUsedLikeANativeOne) {
  if (!test::pythonTorchAvailable()) GTEST_SKIP() << "python3-torch not installed";
  test::TempDir dir;
  // An exact Gaussian denoiser with EDM's attribute convention, scripted by Debian's python3-torch.
  std::string script = dir / "make.py";
  test::writeBytes(script,
                   "import torch, sys\n"
                   "class D(torch.nn.Module):\n"
                   "    def __init__(self):\n"
                   "        super().__init__()\n"
                   "        self.img_channels = 1\n"
                   "        self.img_resolution = 4\n"
                   "        self.scale = torch.nn.Parameter(torch.tensor(0.25))\n"
                   "    def forward(self, x, sigma):\n"
                   "        s = sigma.reshape(-1, 1, 1, 1)\n"
                   "        return x * self.scale / (self.scale + s * s)\n"
                   "class Bad(torch.nn.Module):\n"
                   "    def __init__(self):\n"
                   "        super().__init__()\n"
                   "        self.dim = 2\n"
                   "    def forward(self, x, sigma):\n"
                   "        return x[:, :1]\n"
                   "torch.jit.script(D()).save(sys.argv[1])\n"
                   "torch.jit.script(Bad()).save(sys.argv[2])\n");
  ASSERT_EQ(test::shell(std::string(ONESTEP_PYTHON) + " " + script + " " + (dir / "d.pt") + " " + (dir / "bad.pt")), 0);
  auto d = nets::loadScriptedDenoiser(dir / "d.pt", {});
  EXPECT_TRUE(d->isTorchScript());
  EXPECT_EQ(d->shape().text(), "images[1x4x4]");
  auto x = torch::ones({2, 1, 4, 4});
  auto out = d->denoise(x, torch::full({2}, 0.5), {});
  EXPECT_TRUE(torch::allclose(out, x * 0.5));
  // A clone owns its parameters; saving/loading through an archive restores them.
  auto c = d->clone();
  {
    torch::NoGradGuard g;
    c->parameters()[0].fill_(1.0);
  }
  EXPECT_FLOAT_EQ(d->parameters()[0].item<float>(), 0.25f);
  torch::serialize::OutputArchive out2;
  d->save(out2);
  std::stringstream buf;
  out2.save_to(buf);
  torch::serialize::InputArchive in;
  in.load_from(buf);
  c->load(in);
  EXPECT_FLOAT_EQ(c->parameters()[0].item<float>(), 0.25f);
  // Sampling the scripted denoiser through the public API; a module of the wrong output shape is refused.
  SampleOptions so;
  so.n = 3;
  so.steps = 4;
  auto r = sampleModel(dir / "d.pt", so);
  EXPECT_EQ(r.samples.shape, (std::vector<int64_t>{3, 4, 4, 1}));
  EXPECT_EQ(r.nfe, 7);
  try {
    sampleModel(dir / "bad.pt", so);
    FAIL() << "a denoiser returning the wrong shape must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected the input's shape"), std::string::npos) << e.what();
  }
  // Wrong files are refused with their name.
  test::writeBytes(dir / "junk.pt", "garbage");
  EXPECT_THROW(nets::loadScriptedDenoiser(dir / "junk.pt", {}), Error);
  EXPECT_THROW(nets::loadScriptedDenoiser(dir / "nope.pt", {}), Error);
}
