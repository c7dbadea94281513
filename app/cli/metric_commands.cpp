// The metric commands: `energy`, `fid`, `fid-stats`, `train-features` and `sweep-nfe`.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli_common.h"
#include "onestep/error.h"
#include "onestep/metrics.h"
#include "onestep/runtime.h"
#include "progress.h"

namespace onestep::cli {
namespace {

using Json = nlohmann::json;

int runEnergy(const Args& a) {
  const int64_t n = a.getInt("n", 2000);
  const uint64_t seed = a.getSeed();
  setThreads(0);
  // The sets open as for `fid` (an NPZ contributes its first n, a data spec draws n); only points apply.
  SetOptions o = setOptions(a);
  o.extractor = "raw";
  o.n = n;
  o.seed = seed;
  auto openPoints = [&](const std::string& spec) {
    auto set = openMetricSet(spec, o);
    if (!set.points) throw Error("energy: '" + spec + "' is not a point set (the energy distance is for [N,D] points)");
    return set;
  };
  const auto setA = openPoints(a.positional()[0]);
  o.seed = seed + 1;
  const auto setB = openPoints(a.positional()[1]);
  requireModelForSampling(a, {&setA, &setB});
  const auto& x = *setA.points;
  const auto& y = *setB.points;
  const double e = energyDistance(x, y);
  if (a.has("json")) {
    std::cout << Json{{"energy_distance", e}, {"n_a", x.count()}, {"n_b", y.count()}}.dump() << "\n";
  } else {
    std::printf("energy distance %.6g (n = %lld vs %lld)\n", e, static_cast<long long>(x.count()),
                static_cast<long long>(y.count()));
  }
  return 0;
}

MetricSet openSetWithProgress(const std::string& spec, const SetOptions& o, bool quiet) {
  std::unique_ptr<ProgressBar> bar;
  return openMetricSet(spec, o, [&](int64_t done, int64_t total) {
    if (quiet || total < 2000) return;
    if (!bar)
      bar = std::make_unique<ProgressBar>(spec.size() > 24 ? "…" + spec.substr(spec.size() - 23) : spec, total, true);
    bar->update(done, "");
    if (done >= total) bar->finish();
  });
}

Json reportJson(const MetricReport& r) {
  Json j{{"fid", r.fid}, {"features", r.extractor}, {"n_a", r.countA}, {"n_b", r.countB}};
  if (r.kid) j["kid"] = *r.kid;
  if (r.precision) j["precision"] = *r.precision;
  if (r.recall) j["recall"] = *r.recall;
  if (r.energy) j["energy_distance"] = *r.energy;
  return j;
}

int runFid(const Args& a) {
  setThreads(static_cast<int>(a.getInt("threads", 0)));
  auto o = setOptions(a);
  const bool quiet = a.has("quiet") || a.has("json");
  auto setA = openSetWithProgress(a.positional()[0], o, quiet);
  // The second set follows the first's extractor, so "auto" cannot pick different features for the two.
  if (o.extractor == "auto" && !setA.extractor.empty()) o.extractor = setA.extractor;
  o.seed += 1;  // a data spec on both sides gives two independent draws
  auto setB = openSetWithProgress(a.positional()[1], o, quiet);
  requireModelForSampling(a, {&setA, &setB});
  auto r = compareSets(setA, setB, !a.has("no-kid"), !a.has("no-pr"));
  if (a.has("json")) {
    std::cout << reportJson(r).dump() << "\n";
    return 0;
  }
  std::printf("FID %.6g  (%s features, n = %lld vs %lld)\n", r.fid, r.extractor.c_str(),
              static_cast<long long>(r.countA), static_cast<long long>(r.countB));
  if (r.kid) std::printf("KID %.6g\n", *r.kid);
  if (r.precision) std::printf("precision %.4f  recall %.4f\n", *r.precision, *r.recall);
  if (r.energy) std::printf("energy distance %.6g\n", *r.energy);
  if (!r.kid && setA.source == "stats")
    std::printf("(KID and precision/recall need samples on both sides, not statistics)\n");
  return 0;
}

int runFidStats(const Args& a) {
  a.require({"out"});
  if (a.positional().empty()) throw UsageError("'fid-stats' needs a SET");
  setThreads(static_cast<int>(a.getInt("threads", 0)));
  auto options = setOptions(a);
  options.shippedStats = false;  // always computed, so the shipped statistics can be remade by this command
  auto set = openSetWithProgress(a.positional()[0], options, a.has("quiet"));
  requireModelForSampling(a, {&set});
  saveStats(a.get("out"), set.stats);
  if (a.has("json")) {
    std::cout << Json{{"out", a.get("out")},
                      {"dim", set.stats.dim},
                      {"n", set.stats.count},
                      {"features", set.stats.extractor}}
                     .dump()
              << "\n";
  } else {
    std::fprintf(stderr, "wrote %s: mu [%lld], sigma [%lld, %lld] from %lld samples (%s features)\n",
                 a.get("out").c_str(), static_cast<long long>(set.stats.dim), static_cast<long long>(set.stats.dim),
                 static_cast<long long>(set.stats.dim), static_cast<long long>(set.stats.count),
                 set.stats.extractor.c_str());
  }
  return 0;
}

int runTrainFeatures(const Args& a) {
  a.require({"out"});
  setThreads(static_cast<int>(a.getInt("threads", 0)));
  FeatureTrainOptions o;
  o.data = a.get("data", o.data);
  o.epochs = static_cast<int>(a.getInt("epochs", o.epochs));
  o.batch = a.getInt("batch", o.batch);
  o.lr = a.getDouble("lr", o.lr);
  o.seed = a.getSeed();
  o.device = a.get("device", "auto");
  auto r = trainBuiltinFeatures(a.get("out"), o, [&](const std::string& line) {
    if (!a.has("quiet")) std::cerr << line << "\n";
  });
  if (a.has("json")) {
    std::cout << Json{{"out", a.get("out")}, {"test_accuracy", r.testAccuracy}, {"seconds", r.seconds}}.dump() << "\n";
  } else {
    std::fprintf(stderr, "wrote %s (test accuracy %.2f%%, %.0f s)\n", a.get("out").c_str(), 100 * r.testAccuracy,
                 r.seconds);
  }
  return 0;
}

int runSweepNfe(const Args& a) {
  a.require({"model"});
  setThreads(static_cast<int>(a.getInt("threads", 0)));
  SweepOptions o;
  o.sampler = a.get("sampler", "heun");
  if (a.has("nfe")) {
    o.nfe.clear();
    std::stringstream list(a.get("nfe"));
    for (std::string part; std::getline(list, part, ',');) {
      try {
        o.nfe.push_back(std::stoi(part));
      } catch (const std::exception&) {
        throw UsageError("--nfe '" + a.get("nfe") + "': expected a comma-separated list of integers");
      }
    }
  }
  o.reference = a.get("ref", "");
  o.set = setOptions(a);
  o.set.steps = 0;
  if (o.set.n <= 0) o.set.n = 2000;
  const bool json = a.has("json");
  if (!json) std::printf("%5s %6s %12s %14s %10s\n", "NFE", "steps", "FID", "energy", "seconds");
  auto points = sweepNfe(a.get("model"), o, [&](const NfePoint& p) {
    if (json) return;
    std::printf("%5d %6d %12.6g %14s %10.2f\n", p.nfe, p.steps, p.fid,
                p.energy ? std::to_string(*p.energy).c_str() : "-", p.seconds);
    std::fflush(stdout);
  });
  if (json) {
    Json rows = Json::array();
    for (const auto& p : points) {
      Json j{{"nfe", p.nfe}, {"steps", p.steps}, {"fid", p.fid}, {"seconds", p.seconds}};
      if (p.energy) j["energy_distance"] = *p.energy;
      rows.push_back(j);
    }
    std::cout << Json{{"model", a.get("model")}, {"sampler", o.sampler}, {"n", o.set.n}, {"points", rows}}.dump()
              << "\n";
  }
  return 0;
}

}  // namespace

std::vector<Command> metricCommands() {
  return {
      Command{{"energy",
               "SET_A SET_B [--n N] [--seed S] [--steps K] [--t-mid T]",
               "Energy distance between two point sets: NPZ files of [N,D] points, data specs drawn with --seed and\n"
               "--seed+1, or 2-D models/runs (sampled with the same seeds).",
               {{"n", "N", "samples per set (default 2000; an NPZ contributes its first N)"},
                {"seed", "S", "seed for data specs and model noise (default 0)"},
                sharedOption("model-steps"),
                sharedOption("model-t-mid"),
                sharedOption("json")},
               {"SET_A", "SET_B"},
               false,
               "  onestep energy teacher.npz toy:8gaussians --seed 100\n"
               "  onestep energy toy:8gaussians toy:8gaussians   # the noise floor\n"
               "  onestep energy runs/ect-8g toy:8gaussians --steps 2 --t-mid 0.2\n"},
              runEnergy},
      Command{
          {"fid",
           "SET_A SET_B [--features raw|builtin|inception:FILE] [--n N] [--steps K] [--t-mid T] [--json]",
           "FID between two sets (A the reference), with KID, precision/recall where both sides have samples and the\n"
           "energy distance for points. A SET is an NPZ of samples (arr_0: [N,D] points or uint8 NHWC images), a "
           "folder\n"
           "of images, a statistics NPZ (mu, sigma), a data spec (fashion-mnist, toy:moons, ...) or a model/run "
           "(sampled).\n"
           "fashion-mnist?split=test with builtin features uses the shipped statistics of the whole test split.",
           {{"features", "NAME",
             "auto (default: raw for points, builtin for 28x28 grey), raw, builtin[:FILE], inception:FILE"},
            {"n", "N", "samples per set (default: all of a file or folder, 10000 from data or a model)"},
            {"seed", "S", "seed of data draws and model noise (set B uses S+1; default 0)"},
            sharedOption("model-steps"),
            sharedOption("model-t-mid"),
            {"no-kid", "", "skip KID"},
            {"no-pr", "", "skip precision/recall"},
            sharedOption("device"),
            sharedOption("threads"),
            sharedOption("quiet"),
            {"json", "", "print one JSON object: fid, kid, precision, recall, energy_distance"}},
           {"SET_A", "SET_B"},
           false,
           "  onestep fid fashion-mnist?split=test runs/sid-fmnist --n 10000\n"
           "  onestep fid toy:8gaussians samples.npz --json\n"
           "  onestep fid ref-stats.npz images/ --features inception:inception-2015-12-05.pt\n"},
          runFid},
      Command{{"fid-stats",
               "SET --out stats.npz [--features ...] [--n N]",
               "Write a set's feature statistics as an NPZ with mu and sigma (the layout of EDM's fid-refs).",
               {{"out", "FILE.npz", "statistics file to write"},
                sharedOption("features"),
                {"n", "N", "samples (default: all of a file or folder, 10000 from data or a model)"},
                {"seed", "S", "seed of data draws and model noise (default 0)"},
                sharedOption("model-steps"),
                sharedOption("model-t-mid"),
                sharedOption("device"),
                sharedOption("threads"),
                sharedOption("quiet"),
                sharedOption("json")},
               {"SET"},
               false,
               "  onestep fid-stats fashion-mnist?split=test --out fmnist-test.npz\n"},
              runFidStats},
      Command{{"train-features",
               "--data fashion-mnist --out FILE [--epochs E]",
               "Train the built-in feature extractor (a small CNN classifier for 28x28 grey images) on the data's "
               "training\n"
               "split and report its test-split accuracy. Use it with --features builtin:FILE.",
               {{"data", "SPEC", "labelled 28x28 grey images with 10 classes (default fashion-mnist)"},
                {"out", "FILE", "extractor file to write"},
                {"epochs", "E", "passes over the training split (default 6)"},
                {"batch", "B", "batch size (default 128)"},
                {"lr", "LR", "Adam peak learning rate, cosine decay (default 2e-3)"},
                {"seed", "S", "seed (default 0)"},
                sharedOption("device"),
                sharedOption("threads"),
                {"quiet", "", "no per-epoch lines"},
                sharedOption("json")},
               {},
               false,
               "  onestep train-features --data fashion-mnist --out resources/features/fashion-mnist-cnn.pt\n"},
              runTrainFeatures},
      Command{
          {"sweep-nfe",
           "--model RUN_DIR --sampler heun --nfe 1,3,5,9,17,35 [--json]",
           "FID of a teacher's samples at several NFE against a reference (default: the run's data; for Fashion-MNIST\n"
           "the test split's shipped statistics), to set a one-step generator's FID against the teacher's curve.",
           {{"model", "PATH", "teacher run directory, checkpoint or TorchScript denoiser"},
            {"sampler", "NAME", "heun (NFE odd: 2N-1) or euler (default heun)"},
            {"nfe", "LIST", "NFE values (default 1,3,5,9,17,35)"},
            {"ref", "SET", "reference set (default: the run's data)"},
            sharedOption("features"),
            {"n", "N", "samples per point (default 2000)"},
            {"seed", "S", "noise seed (default 0)"},
            sharedOption("device"),
            sharedOption("threads"),
            {"json", "", "print one JSON object with a row per NFE"}},
           {},
           false,
           "  onestep sweep-nfe --model runs/teacher-8g --nfe 1,3,5,9,17,35\n"},
          runSweepNfe},
  };
}

}  // namespace onestep::cli
