// Generated 2-D toy distributions, scaled to roughly [-1, 1] like images (sigma_data = 0.5 suits both).
#include <cmath>

#include "data/source.h"
#include "onestep/error.h"

namespace onestep::data {
namespace {

constexpr double kPi = 3.14159265358979323846;

torch::Tensor uniform(int64_t n, at::Generator& g) { return torch::rand({n}, g, torch::kFloat32); }
torch::Tensor normal(const std::vector<int64_t>& shape, at::Generator& g) {
  return torch::randn(shape, g, torch::kFloat32);
}

class ToySource : public DataSource {
 public:
  ToySource(std::string name, DataInfo info) : m_name(std::move(name)), m_info(std::move(info)) {}
  const DataInfo& info() const override { return m_info; }

  torch::Tensor sample(int64_t n, at::Generator& g, torch::Tensor* labels) override {
    torch::Tensor lab;
    torch::Tensor x = generate(n, g, lab);
    if (labels) *labels = lab;
    return x;
  }
  torch::Tensor draw(int64_t n, at::Generator& g, torch::Tensor* labels) override { return sample(n, g, labels); }

 private:
  torch::Tensor generate(int64_t n, at::Generator& g, torch::Tensor& lab) {
    if (m_name == "8gaussians") {
      // Eight components on a circle of radius 0.8, each with standard deviation 0.05.
      lab = torch::randint(8, {n}, g, torch::kLong);
      auto angle = lab.to(torch::kFloat32) * (2.0 * kPi / 8.0);
      auto centre = torch::stack({torch::cos(angle), torch::sin(angle)}, 1) * 0.8;
      return centre + normal({n, 2}, g) * 0.05;
    }
    if (m_name == "moons") {
      // Two interleaving half circles (as scikit-learn's make_moons, noise 0.05), centred and scaled by 0.6.
      lab = torch::randint(2, {n}, g, torch::kLong);
      auto t = uniform(n, g) * kPi;
      auto upper = lab.eq(0).to(torch::kFloat32);
      auto x = upper * torch::cos(t) + (1 - upper) * (1 - torch::cos(t));
      auto y = upper * torch::sin(t) + (1 - upper) * (0.5 - torch::sin(t));
      auto p = torch::stack({x, y}, 1) + normal({n, 2}, g) * 0.05;
      return (p - torch::tensor({0.5f, 0.25f})) * 0.6;
    }
    if (m_name == "swissroll") {
      auto t = (1.0 + 2.0 * uniform(n, g)) * (1.5 * kPi);
      auto p = torch::stack({t * torch::cos(t), t * torch::sin(t)}, 1) * (0.9 / (4.5 * kPi));
      lab = torch::Tensor();
      return p + normal({n, 2}, g) * 0.02;
    }
    if (m_name == "checkerboard") {
      // Eight unit squares of a 4x4 board on [-2, 2]^2, scaled by 0.45.
      // One draw per statement: the operands of one expression are evaluated in an order the compiler chooses, and
      // the same seed must give the same board from every compiler.
      auto x1 = uniform(n, g) * 4 - 2;
      auto row = torch::randint(2, {n}, g, torch::kFloat32);  // drawn before u, as GCC did when they shared one
      auto u = uniform(n, g);
      auto x2 = u - row * 2;
      x2 = x2 + torch::remainder(torch::floor(x1), 2);
      lab = torch::Tensor();
      return torch::stack({x1, x2}, 1) * 0.45;
    }
    if (m_name == "rings") {
      // Four concentric rings (radii 0.225 .. 0.9), equally likely, radial noise 0.02.
      lab = torch::randint(4, {n}, g, torch::kLong);
      auto radius = (lab.to(torch::kFloat32) + 1) * 0.225;
      auto angle = uniform(n, g) * (2 * kPi);
      auto p = torch::stack({torch::cos(angle), torch::sin(angle)}, 1) * radius.unsqueeze(1);
      return p + normal({n, 2}, g) * 0.02;
    }
    throw Error("toy '" + m_name + "' is not known");
  }

  std::string m_name;
  DataInfo m_info;
};

}  // namespace

std::unique_ptr<DataSource> makeToy(const ParsedSpec& spec) {
  struct Entry {
    const char* name;
    int classes;
    const char* text;
  };
  static const Entry kToys[] = {
      {"8gaussians", 8, "eight Gaussians on a circle"},
      {"moons", 2, "two interleaving moons"},
      {"swissroll", 0, "a 2-D swiss roll"},
      {"checkerboard", 0, "a 4x4 checkerboard"},
      {"rings", 4, "four concentric rings"},
  };
  for (const auto& t : kToys) {
    if (spec.path == t.name) {
      if (!spec.options.empty()) throw Error("data spec '" + spec.text + "': toys take no options");
      DataInfo info;
      info.spec = spec.text;
      info.kind = "points";
      info.dim = 2;
      info.numClasses = t.classes;
      info.description = std::string("2-D toy: ") + t.text + " (generated, unbounded)";
      return std::make_unique<ToySource>(t.name, info);
    }
  }
  throw Error("data spec '" + spec.text +
              "': unknown toy (expected toy:8gaussians, toy:moons, toy:swissroll, toy:checkerboard or toy:rings)");
}

}  // namespace onestep::data
