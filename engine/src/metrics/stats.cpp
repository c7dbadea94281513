// Distances between feature sets: Fréchet distance of Gaussian statistics (FID), KID, precision/recall, and the
// statistics NPZ layout of EDM's fid-refs (mu, sigma).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/util.h"
#include "io/npz.h"
#include "onestep/error.h"
#include "onestep/metrics.h"

namespace onestep {
namespace {

torch::Tensor asTensor(const Features& f) {
  if (f.count <= 0 || f.dim <= 0 || static_cast<int64_t>(f.values.size()) != f.count * f.dim)
    throw Error("features: " + std::to_string(f.values.size()) + " values do not make " + std::to_string(f.count) +
                " rows of " + std::to_string(f.dim));
  return torch::from_blob(const_cast<float*>(f.values.data()), {f.count, f.dim}, torch::kFloat32);
}

torch::Tensor doubles(const std::vector<double>& v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<double*>(v.data()), shape, torch::kFloat64).clone();
}

// Symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues from rounding → 0).
torch::Tensor psdSqrt(const torch::Tensor& m) {
  auto [values, vectors] = torch::linalg_eigh((m + m.t()) / 2);
  return (vectors * values.clamp_min(0).sqrt().unsqueeze(0)).mm(vectors.t());
}

// Radius of each row's k-th nearest neighbour within `x` (itself excluded), in chunks to bound memory.
torch::Tensor knnRadii(const torch::Tensor& x, int k) {
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += 1000) {
    auto d = torch::cdist(x.slice(0, i, std::min(i + 1000, x.size(0))), x);
    parts.push_back(std::get<0>(d.kthvalue(k + 1, 1)));  // the 1st smallest is the row itself (0)
  }
  return torch::cat(parts);
}

// Share of `query` rows within radius[j] of some `manifold` row j.
double coverage(const torch::Tensor& manifold, const torch::Tensor& radii, const torch::Tensor& query) {
  int64_t inside = 0;
  for (int64_t i = 0; i < query.size(0); i += 1000) {
    auto d = torch::cdist(query.slice(0, i, std::min(i + 1000, query.size(0))), manifold);
    inside += (d <= radii.unsqueeze(0)).any(1).sum().item<int64_t>();
  }
  return static_cast<double>(inside) / static_cast<double>(query.size(0));
}

// (x.y/d + 1)^3 for all pairs of rows, cubed by multiplication in place (pow is several times slower).
torch::Tensor cubicKernel(const torch::Tensor& x, const torch::Tensor& y, double d) {
  auto k = torch::addmm(torch::ones({1}, x.options()), x, y.t(), 1.0, 1.0 / d);
  auto sq = k * k;
  return sq.mul_(k);
}

std::string extractorFamily(const std::string& e) { return e.rfind("inception", 0) == 0 ? "inception" : e; }

}  // namespace

FeatureStats computeStats(const Features& features, const std::string& extractor) {
  auto x = asTensor(features).to(torch::kFloat64);
  if (features.count < 2) throw Error("statistics: need at least 2 samples, got " + std::to_string(features.count));
  auto mu = x.mean(0);
  auto centred = x - mu;
  auto sigma = centred.t().mm(centred) / static_cast<double>(features.count - 1);
  FeatureStats s;
  s.dim = features.dim;
  s.count = features.count;
  s.extractor = extractorFamily(extractor);
  s.mu.assign(mu.data_ptr<double>(), mu.data_ptr<double>() + s.dim);
  sigma = sigma.contiguous();
  s.sigma.assign(sigma.data_ptr<double>(), sigma.data_ptr<double>() + s.dim * s.dim);
  return s;
}

double frechetDistance(const FeatureStats& a, const FeatureStats& b) {
  if (a.dim != b.dim)
    throw Error("FID: feature dimensions differ (" + std::to_string(a.dim) + " vs " + std::to_string(b.dim) + ")");
  const int64_t d = a.dim;
  auto muA = doubles(a.mu, {d}), muB = doubles(b.mu, {d});
  auto sA = doubles(a.sigma, {d, d}), sB = doubles(b.sigma, {d, d});
  // tr((S_a S_b)^(1/2)) = tr((R S_b R)^(1/2)) with R = S_a^(1/2): S_a S_b is similar to the symmetric PSD
  // R S_b R, whose eigenvalues are real and >= 0 — no complex parts to discard on nearly singular inputs.
  auto r = psdSqrt(sA);
  auto m = r.mm(sB).mm(r);
  auto traceSqrt = torch::linalg_eigvalsh((m + m.t()) / 2).clamp_min(0).sqrt().sum().item<double>();
  auto diff = muA - muB;
  const double value =
      diff.dot(diff).item<double>() + sA.trace().item<double>() + sB.trace().item<double>() - 2.0 * traceSqrt;
  if (!std::isfinite(value)) throw Error("FID: not finite (statistics contain NaN or Inf)");
  return std::max(value, 0.0);
}

double kernelDistance(const Features& a, const Features& b, int subsets, int64_t maxSubset, uint64_t seed) {
  if (a.dim != b.dim) throw Error("KID: feature dimensions differ");
  if (subsets < 1) throw Error("KID: subsets must be >= 1");
  auto x = asTensor(a).to(torch::kFloat64), y = asTensor(b).to(torch::kFloat64);
  const int64_t m = std::min({a.count, b.count, maxSubset});
  if (m < 2) throw Error("KID: needs at least 2 samples on each side");
  const double d = static_cast<double>(a.dim);
  std::mt19937_64 rng(seed);
  auto pick = [&](int64_t n) {
    std::vector<int64_t> idx(static_cast<std::size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    for (int64_t i = 0; i < m; ++i) {  // partial Fisher-Yates: m distinct indices
      std::uniform_int_distribution<int64_t> u(i, n - 1);
      std::swap(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(u(rng))]);
    }
    idx.resize(static_cast<std::size_t>(m));
    return torch::tensor(idx, torch::kInt64);
  };
  double total = 0;
  for (int s = 0; s < subsets; ++s) {
    auto xs = x.index_select(0, pick(a.count)), ys = y.index_select(0, pick(b.count));
    auto kxx = cubicKernel(xs, xs, d), kyy = cubicKernel(ys, ys, d), kxy = cubicKernel(xs, ys, d);
    const double within = ((kxx.sum() - kxx.diagonal().sum()) + (kyy.sum() - kyy.diagonal().sum())).item<double>();
    total += within / static_cast<double>(m - 1) - 2.0 * kxy.sum().item<double>() / static_cast<double>(m);
  }
  return total / subsets / static_cast<double>(m);
}

PrecisionRecall precisionRecall(const Features& real, const Features& fake, int k) {
  if (real.dim != fake.dim) throw Error("precision/recall: feature dimensions differ");
  if (k < 1 || real.count <= k || fake.count <= k)
    throw Error("precision/recall: needs more than k = " + std::to_string(k) + " samples on each side");
  auto r = asTensor(real), f = asTensor(fake);
  PrecisionRecall pr;
  pr.precision = coverage(r, knnRadii(r, k), f);
  pr.recall = coverage(f, knnRadii(f, k), r);
  return pr;
}

void saveStats(const std::string& path, const FeatureStats& s) {
  if (static_cast<int64_t>(s.mu.size()) != s.dim || static_cast<int64_t>(s.sigma.size()) != s.dim * s.dim)
    throw Error("statistics for '" + path + "': mu/sigma do not match dim " + std::to_string(s.dim));
  auto arr = [](const std::string& dtype, std::vector<int64_t> shape, const void* data, std::size_t bytes) {
    io::NpyArray a;
    a.dtype = dtype;
    a.shape = std::move(shape);
    a.data.assign(static_cast<const char*>(data), bytes);
    return a;
  };
  std::vector<std::pair<std::string, io::NpyArray>> members = {
      {"mu", arr("<f8", {s.dim}, s.mu.data(), s.mu.size() * sizeof(double))},
      {"sigma", arr("<f8", {s.dim, s.dim}, s.sigma.data(), s.sigma.size() * sizeof(double))},
      {"count", arr("<i8", {}, &s.count, sizeof(int64_t))}};
  if (!s.extractor.empty())
    members.emplace_back(
        "extractor", arr("|u1", {static_cast<int64_t>(s.extractor.size())}, s.extractor.data(), s.extractor.size()));
  io::writeNpz(path, members);
}

bool isStatsFile(const std::string& path) {
  if (extensionOf(path) != ".npz" || !isFile(path)) return false;
  try {
    auto all = io::readNpz(path);
    return all.count("mu") && all.count("sigma");
  } catch (const Error&) {
    return false;
  }
}

FeatureStats loadStats(const std::string& path) {
  auto all = io::readNpz(path);
  const std::string what = "statistics '" + path + "'";
  if (!all.count("mu") || !all.count("sigma")) throw Error(what + ": expected NPZ members 'mu' and 'sigma'");
  const auto& mu = all.at("mu");
  const auto& sigma = all.at("sigma");
  if (mu.shape.size() != 1 || mu.shape[0] < 1) throw Error(what + ": 'mu' must be a vector [D]");
  const int64_t d = mu.shape[0];
  if (sigma.shape != std::vector<int64_t>{d, d})
    throw Error(what + ": 'sigma' must be [" + std::to_string(d) + ", " + std::to_string(d) + "] to match 'mu'");
  auto toDoubles = [&](const io::NpyArray& a, const std::string& name) {
    std::vector<double> out(static_cast<std::size_t>(a.count()));
    if (a.dtype == "<f8") {
      std::copy_n(reinterpret_cast<const double*>(a.data.data()), out.size(), out.begin());
    } else if (a.dtype == "<f4") {  // NOLINT(bugprone-branch-clone): the same copy, from float instead of double
      std::copy_n(reinterpret_cast<const float*>(a.data.data()), out.size(), out.begin());
    } else {
      throw Error(what + ": '" + name + "' has dtype " + a.dtype + " (expected float64 or float32)");
    }
    for (double v : out)
      if (!std::isfinite(v)) throw Error(what + ": '" + name + "' contains NaN or Inf");
    return out;
  };
  FeatureStats s;
  s.dim = d;
  s.mu = toDoubles(mu, "mu");
  s.sigma = toDoubles(sigma, "sigma");
  if (all.count("count") && all.at("count").dtype == "<i8" && all.at("count").count() == 1)
    s.count = *reinterpret_cast<const int64_t*>(all.at("count").data.data());
  if (all.count("extractor") && all.at("extractor").dtype == "|u1") s.extractor = all.at("extractor").data;
  return s;
}

MetricReport compareSets(const MetricSet& a, const MetricSet& b, bool withKid, bool withPrecisionRecall) {
  const std::string ea = extractorFamily(a.extractor), eb = extractorFamily(b.extractor);
  if (!ea.empty() && !eb.empty() && ea != eb)
    throw Error("'" + a.name + "' has " + ea + " features but '" + b.name + "' has " + eb +
                " features; compare sets made with the same --features");
  if (a.stats.dim != b.stats.dim)
    throw Error("'" + a.name + "' has " + std::to_string(a.stats.dim) + "-d features but '" + b.name + "' has " +
                std::to_string(b.stats.dim) + "-d");
  MetricReport r;
  r.extractor = ea.empty() ? eb : ea;
  r.countA = a.features ? a.features->count : a.stats.count;
  r.countB = b.features ? b.features->count : b.stats.count;
  r.fid = frechetDistance(a.stats, b.stats);
  if (a.features && b.features) {
    if (withKid) r.kid = kernelDistance(*a.features, *b.features);
    if (withPrecisionRecall && a.features->count > 3 && b.features->count > 3) {
      auto pr = precisionRecall(*a.features, *b.features);
      r.precision = pr.precision;
      r.recall = pr.recall;
    }
  }
  if (a.points && b.points) r.energy = energyDistance(*a.points, *b.points);
  return r;
}

}  // namespace onestep
