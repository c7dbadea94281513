// EDM preconditioning, the Karras schedule, the samplers (checked against an exact Gaussian denoiser), the loss.
#include <gtest/gtest.h>

#include "diffusion/edm.h"
#include "nets/denoiser.h"

using namespace onestep;

namespace {

// Records what preconditioning feeds the raw network and returns a constant.
struct RecordingNet : nets::RawNet {
  torch::Tensor lastX, lastNoise;
  float out = 0;
  torch::Tensor forwardRaw(const torch::Tensor& x, const torch::Tensor& c, const torch::Tensor&) override {
    lastX = x;
    lastNoise = c;
    return torch::full_like(x, out);
  }
};

// The exact denoiser of N(0, s^2 I) data: E[y | y + sigma n = x] = x s^2 / (s^2 + sigma^2).
diffusion::DenoiseFn gaussianDenoiser(double s) {
  return [s](const torch::Tensor& x, const torch::Tensor& sigma) {
    auto sig = sigma.reshape({-1, 1});
    return x * (s * s) / (s * s + sig * sig);
  };
}

}  // namespace

TEST(Precondition, CoefficientsMatchEdmTable1) {
  RecordingNet net;
  const double sd = 0.5;
  auto x = torch::full({3, 2}, 2.0);
  auto sigma = torch::tensor({0.5, 1.0, 80.0});
  net.out = 0;
  auto d0 = nets::edmPrecondition(net, x, sigma, {}, sd);
  net.out = 1;
  auto d1 = nets::edmPrecondition(net, x, sigma, {}, sd);
  for (int i = 0; i < 3; ++i) {
    double s = sigma[i].item<double>();
    double cSkip = sd * sd / (s * s + sd * sd), cOut = s * sd / std::sqrt(s * s + sd * sd),
           cIn = 1 / std::sqrt(s * s + sd * sd);
    EXPECT_NEAR(d0[i][0].item<double>(), 2 * cSkip, 1e-6);                // F = 0 -> c_skip x
    EXPECT_NEAR((d1 - d0)[i][1].item<double>(), cOut, 1e-6);              // F = 1 adds c_out
    EXPECT_NEAR(net.lastX[i][0].item<double>(), 2 * cIn, 1e-6);           // F sees c_in x
    EXPECT_NEAR(net.lastNoise[i].item<double>(), std::log(s) / 4, 1e-6);  // c_noise = ln(sigma)/4
  }
  // At sigma = sigma_d: c_skip = 1/2, c_out = sigma_d / sqrt(2).
  EXPECT_NEAR(d0[0][0].item<double>(), 1.0, 1e-6);
  // The unit-variance identity of EDM: c_skip^2 + c_out^2 / sigma_d^2 ... as the effective training target's
  // variance: c_out^2 (sigma^2 + sigma_d^2) = sigma^2 sigma_d^2.
  double s = 3.0, cOut = s * sd / std::sqrt(s * s + sd * sd);
  EXPECT_NEAR(cOut * cOut * (s * s + sd * sd), s * s * sd * sd, 1e-12);
}

TEST(Schedule, KarrasEndPointsAndMonotone) {
  auto t = diffusion::karrasSigmas(18, 0.002, 80, 7);
  ASSERT_EQ(t.size(0), 19);
  EXPECT_NEAR(t[0].item<double>(), 80.0, 1e-9);
  EXPECT_NEAR(t[17].item<double>(), 0.002, 1e-12);
  EXPECT_EQ(t[18].item<double>(), 0.0);
  EXPECT_TRUE((t.slice(0, 1) < t.slice(0, 0, -1)).all().item<bool>());
  // Midpoint formula: t_i = (a + i/(N-1)(b - a))^rho.
  double a = std::pow(80.0, 1 / 7.0), b = std::pow(0.002, 1 / 7.0);
  EXPECT_NEAR(t[9].item<double>(), std::pow(a + 9.0 / 17 * (b - a), 7), 1e-9);
  SamplerConfig heun, euler;
  euler.sampler = "euler";
  EXPECT_EQ(diffusion::samplerNfe(heun), 35);
  EXPECT_EQ(diffusion::samplerNfe(euler), 18);
}

TEST(Sampler, HeunWithTheExactDenoiserRecoversTheGaussian) {
  // For N(0, s^2) data the probability-flow ODE is linear: x(sigma) = x(sigma_max)
  // sqrt(s^2+sigma^2)/sqrt(s^2+sigma_max^2).
  const double s = 0.5, exact = 80 * s / std::sqrt(s * s + 6400.0);
  auto noise = torch::randn({20000, 2}, torch::kFloat64);
  SamplerConfig cfg;
  int calls = 0;
  auto x = diffusion::sampleEdm(gaussianDenoiser(s), noise, cfg, [&](const diffusion::StepInfo& info) {
    EXPECT_EQ(info.index, calls);
    EXPECT_EQ(info.x->sizes(), noise.sizes());
    EXPECT_EQ(info.denoised->sizes(), noise.sizes());
    ++calls;
  });
  EXPECT_EQ(calls, 18);
  ASSERT_TRUE(torch::isfinite(x).all().item<bool>());
  EXPECT_EQ(x.sizes(), noise.sizes());

  auto error = [&](const char* sampler, int steps) {
    SamplerConfig c = cfg;
    c.sampler = sampler;
    c.steps = steps;
    return (diffusion::sampleEdm(gaussianDenoiser(s), noise, c) / noise).mean().item<double>() - exact;
  };
  // Heun is second order: doubling the steps divides the error by about 4; Euler by about 2.
  const double h20 = error("heun", 20), h40 = error("heun", 40), e20 = error("euler", 20), e40 = error("euler", 40);
  EXPECT_GT(h20 / h40, 3.5);
  EXPECT_LT(h20 / h40, 5.5);
  EXPECT_NEAR(e20 / e40, 2.0, 0.3);
  EXPECT_LT(std::abs(h40), std::abs(e40));
  // With many steps the samples have the data's standard deviation.
  SamplerConfig fine = cfg;
  fine.steps = 200;
  EXPECT_NEAR(diffusion::sampleEdm(gaussianDenoiser(s), noise, fine).std().item<double>(), s, 0.01);
}

TEST(Loss, ExactDenoiserGivesTheIrreducibleLossAndZeroDenoiserMore) {
  torch::manual_seed(0);
  const double s = 0.5;
  auto y = torch::randn({20000, 2}) * s;
  auto exact = diffusion::edmLoss(gaussianDenoiser(s), y, -1.2, 1.2, 0.5).mean().item<double>();
  auto zero = diffusion::edmLoss([](const torch::Tensor& x, const torch::Tensor&) { return torch::zeros_like(x); }, y,
                                 -1.2, 1.2, 0.5)
                  .mean()
                  .item<double>();
  // With s = sigma_d the exact denoiser's weighted error is lambda * D * s^2 sigma^2/(s^2+sigma^2) = D = 2 per sample.
  EXPECT_NEAR(exact, 2.0, 0.05);
  EXPECT_GT(zero, exact * 2);
}
