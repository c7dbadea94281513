// The methods' losses and schedules on tiny tensors against values worked out by hand (docs/methods.md).
#include <gtest/gtest.h>

#include <cmath>

#include "nets/mlp.h"
#include "test_util.h"
#include "train/losses.h"
#include "train/radam.h"

using namespace onestep;
using namespace onestep::training;

namespace {
double val(const torch::Tensor& t, int64_t i = 0) { return t.reshape({-1})[i].item<double>(); }
}  // namespace

TEST(Losses, SidGeneratorLossByHand) {
  // w = mean(|1-0.5|, |2-1|) = 0.75; diff = (0.5, 1); y_r - x = (-0.5, -1);
  // sum diff * ((y_r - x) - 1.2 diff) = 0.5 * (-1.1) + 1 * (-2.2) = -2.75; / w = -3.6667.
  auto x = torch::tensor({{1.0, 2.0}});
  auto yr = torch::tensor({{0.5, 1.0}});
  auto yf = torch::tensor({{0.0, 0.0}});
  EXPECT_NEAR(val(sidGeneratorLoss(x, yr, yf, 1.2)), -2.75 / 0.75, 1e-5);
  // Per sample: a second row with alpha 0 gives sum diff * (y_r - x) / w = (0.5*-0.5 + 1*-1) / 0.75.
  auto two = sidGeneratorLoss(torch::cat({x, x}), torch::cat({yr, yr}), torch::cat({yf, yf}), 0.0);
  ASSERT_EQ(two.numel(), 2);
  EXPECT_NEAR(val(two, 1), -1.25 / 0.75, 1e-5);
  // w is clamped at 1e-5 where the teacher reproduces x: -alpha * diff^2 / 1e-5 = -1 * 1e-6 / 1e-5.
  auto z = torch::zeros({1, 2});
  EXPECT_NEAR(val(sidGeneratorLoss(z, z, torch::tensor({{0.001, 0.0}}), 1.0)), -0.1, 1e-6);
  // w is not differentiated: the gradient wrt x of (y_r - x)-term is -diff / w only.
  auto xg = x.clone().requires_grad_(true);
  sidGeneratorLoss(xg, yr, yf, 0.0).sum().backward();
  EXPECT_NEAR(val(xg.grad(), 0), -0.5 / 0.75, 1e-5);
  EXPECT_NEAR(val(xg.grad(), 1), -1.0 / 0.75, 1e-5);
}

TEST(Losses, EctRMappingByHand) {
  // t = 1, stage 0: 1 + 8 sigmoid(-1) = 3.151529, / 2^1 -> ratio 1 - 1.5757645 < 0, so r = 0 (clamped).
  // t = 10, stage 2: 1 + 8 sigmoid(-10) = 1.00036319, / 2^3 -> ratio 0.87495460, r = 8.7495460.
  auto r = ectR(torch::tensor({1.0, 10.0}, torch::kFloat64), 0, 8, 1, 2);
  EXPECT_EQ(val(r, 0), 0.0);
  EXPECT_NEAR(val(ectR(torch::tensor({10.0}, torch::kFloat64), 2, 8, 1, 2)), 8.7495460, 1e-6);
  // Later stages bring r closer to t.
  auto t = torch::tensor({0.5, 2.0, 20.0}, torch::kFloat64);
  auto r1 = ectR(t, 1, 8, 1, 2), r4 = ectR(t, 4, 8, 1, 2);
  EXPECT_TRUE((r4 >= r1).all().item<bool>());
  EXPECT_TRUE((r4 < t).all().item<bool>());
}

TEST(Losses, EctGapIsExactWhereTMinusRCancels) {
  // Where r is clamped to 0 the gap is t; otherwise t (1 + k sigmoid(-b t)) / q^(stage+1), as t - r in float64.
  auto t64 = torch::tensor({1.0, 10.0}, torch::kFloat64);
  auto gap = ectGap(t64, 0, 8, 1, 2);
  EXPECT_EQ(val(gap, 0), 1.0);
  EXPECT_NEAR(val(gap, 1), val(t64 - ectR(t64, 0, 8, 1, 2), 1), 1e-12);
  EXPECT_NEAR(val(ectGap(torch::tensor({10.0}, torch::kFloat64), 2, 8, 1, 2)), 10.0 - 8.7495460, 1e-6);
  // In float32 at stage 30, t - r rounds to 0 (a loss weight of 1/0); the gap keeps its value.
  auto t32 = torch::tensor({10.0f});
  EXPECT_EQ(val(t32 - ectR(t32, 30, 8, 1, 2)), 0.0);
  const double expected = 10.0 * (1 + 8 / (1 + std::exp(10.0))) / std::pow(2.0, 31);
  EXPECT_NEAR(val(ectGap(t32, 30, 8, 1, 2)) / expected, 1.0, 1e-5);
}

TEST(Losses, ConsistencyLossByHand) {
  auto dT = torch::tensor({{3.0, 4.0}}), dR = torch::zeros({1, 2});
  // d = 25: L2 norm 5, weighted by 1/(t - r) = 1/1.
  EXPECT_NEAR(val(consistencyLoss(dT, dR, torch::tensor({1.0}), 0.0)), 5.0, 1e-6);
  // Pseudo-Huber with c = 1: sqrt(26) - 1, weighted by 1/(t - r) = 1/2.
  EXPECT_NEAR(val(consistencyLoss(dT, dR, torch::tensor({2.0}), 1.0)), (std::sqrt(26.0) - 1) / 2, 1e-6);
}

TEST(Losses, SctReferenceBatchTarget) {
  // Two references a = (0, 0), b = (2, 0); x_t = (0.5, 0), t = 1: logits -0.125 and -1.125,
  // w_b = 1 / (1 + e) = 0.2689414, x0_hat = (0.5378828, 0).
  auto refs = torch::tensor({{0.0, 0.0}, {2.0, 0.0}});
  auto xt = torch::tensor({{0.5, 0.0}});
  auto x0 = sctDenoised(xt, torch::tensor({1.0}), refs, {});
  EXPECT_NEAR(val(x0, 0), 2 * (1 / (1 + std::exp(1.0))), 1e-6);
  EXPECT_NEAR(val(x0, 1), 0.0, 1e-7);
  // A mask that excludes b leaves a alone; tiny t (huge logits) stays finite.
  auto only = torch::tensor({{true, false}});
  EXPECT_NEAR(val(sctDenoised(xt, torch::tensor({1.0}), refs, only), 0), 0.0, 1e-7);
  auto sharp = sctDenoised(xt, torch::tensor({0.001}), refs, {});
  EXPECT_TRUE(torch::isfinite(sharp).all().item<bool>());
  EXPECT_NEAR(val(sharp, 0), 0.0, 1e-6);
  // With the sample's own x0 as the only reference, SCT's x_r equals ECT's x0 + r eps.
  auto y = torch::tensor({{0.3, -0.2}}), eps = torch::tensor({{1.5, 0.5}});
  const double t = 0.8, r = 0.5;
  auto xT = y + t * eps;
  auto xR = xT + (r - t) / t * (xT - sctDenoised(xT, torch::tensor({t}), y, {}));
  EXPECT_TRUE(torch::allclose(xR, y + r * eps, 1e-6, 1e-6));
}

TEST(Losses, ScoreMismatchingNoiseLevels) {
  auto s = smmSigmas(10, 1e-4, 0.02);
  ASSERT_EQ(s.numel(), 10);
  EXPECT_NEAR(val(s, 0), 0.01, 1e-6);  // sqrt(1 - (1 - 1e-4))
  double prod = 1;
  for (int i = 0; i < 10; ++i) prod *= 1 - (1e-4 + i * (0.02 - 1e-4) / 9);
  EXPECT_NEAR(val(s, 9), std::sqrt(1 - prod), 1e-6);
  EXPECT_LT(val(s, 9), 0.32);
  EXPECT_NEAR(val(squaredError(torch::tensor({{1.0, 2.0}}), torch::tensor({{0.0, 4.0}}))), 5.0, 1e-6);
}

TEST(Losses, RngSnapshotRepeatsTheDropoutMask) {
  torch::manual_seed(1);
  auto net = nets::Mlp(2, 32, 2, 0, 0.5);
  net->train();
  {
    torch::NoGradGuard guard;  // the output layer starts at zero; give every weight a value
    for (auto& p : net->parameters()) p.normal_();
  }
  auto x = torch::randn({8, 2}), c = torch::zeros({8});
  RngSnapshot rng(torch::kCPU);
  auto a = net->forwardRaw(x, c, {});
  auto b = net->forwardRaw(x, c, {});
  EXPECT_FALSE(torch::equal(a, b)) << "dropout must draw a new mask without the snapshot";
  rng.restore();
  auto again = net->forwardRaw(x, c, {});
  EXPECT_TRUE(torch::equal(a, again));
}

TEST(Losses, RAdamMatchesPyTorch) {
  // Step 1 is plain (bias-corrected) momentum: p - lr * g.
  auto p = torch::tensor({1.0, -2.0}).requires_grad_(true);
  RAdam opt({p}, 0.1);
  p.mutable_grad() = torch::tensor({2.0, 0.5});
  opt.step();
  EXPECT_NEAR(val(p, 0), 0.8, 1e-6);
  EXPECT_NEAR(val(p, 1), -2.05, 1e-6);
  if (!test::pythonTorchAvailable()) GTEST_SKIP() << "python3-torch not installed (first step checked)";
  // Twelve steps with varying gradients, compared with torch.optim.RAdam (rectification starts at step 6).
  auto q = torch::tensor({1.0, -2.0}, torch::kFloat64).requires_grad_(true);
  RAdam opt2({q}, 0.05);
  for (int i = 0; i < 12; ++i) {
    q.mutable_grad() = torch::tensor({std::sin(i + 1.0), std::cos(2.0 * i)}, torch::kFloat64);
    opt2.step();
  }
  test::TempDir dir;
  test::writeBytes(dir / "radam.py",
                   "import torch, math\n"
                   "q = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)\n"
                   "o = torch.optim.RAdam([q], lr=0.05)\n"
                   "for i in range(12):\n"
                   "    q.grad = torch.tensor([math.sin(i + 1.0), math.cos(2.0 * i)], dtype=torch.float64)\n"
                   "    o.step()\n"
                   "print('%.12f %.12f' % (q[0].item(), q[1].item()))\n");
  const std::string out = dir / "out.txt";
  ASSERT_EQ(test::shell(std::string(ONESTEP_PYTHON) + " " + (dir / "radam.py") + " > " + out), 0);
  double a = 0, b = 0;
  ASSERT_EQ(std::sscanf(test::readBytes(out).c_str(), "%lf %lf", &a, &b), 2);
  EXPECT_NEAR(val(q, 0), a, 1e-9);
  EXPECT_NEAR(val(q, 1), b, 1e-9);
}
