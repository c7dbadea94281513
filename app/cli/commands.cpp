#include "commands.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "onestep/config.h"
#include "onestep/data.h"
#include "onestep/error.h"
#include "onestep/metrics.h"
#include "onestep/run.h"
#include "onestep/runtime.h"
#include "onestep/sampling.h"
#include "onestep/samples.h"
#include "onestep/timelapse.h"
#include "progress.h"

namespace onestep::cli {
namespace {

using Json = nlohmann::json;

std::atomic<bool> g_interrupted{false};
extern "C" void onInterrupt(int) { g_interrupted.store(true); }

// Ctrl-C stops a long job at the next iteration, after which a checkpoint is written.
void installInterruptHandler() {
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
}

std::vector<int64_t> parseShape(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream s(text);
  std::string part;
  while (std::getline(s, part, ',')) {
    try {
      out.push_back(std::stoll(part));
    } catch (const std::exception&) {
      throw UsageError("--shape '" + text + "': expected D or C,H,W");
    }
  }
  if (out.size() != 1 && out.size() != 3) throw UsageError("--shape '" + text + "': expected D or C,H,W");
  return out;
}

std::string formatLosses(const std::map<std::string, double>& losses) {
  std::string s;
  char buf[64];
  for (const auto& [k, v] : losses) {
    if (k == "lr") continue;
    std::snprintf(buf, sizeof buf, "  %s %.4g", k.c_str(), v);
    s += buf;
  }
  return s;
}

// ---- data -------------------------------------------------------------------------------------------

int runData(const Args& a) {
  a.require({"data", "out"});
  const int64_t n = a.getInt("n", 10000);
  auto samples = drawData(a.get("data"), n, static_cast<uint64_t>(a.getInt("seed", 0)));
  writeSamples(samples, a.get("out"));
  if (a.has("json")) {
    std::cout << Json{{"out", a.get("out")}, {"n", samples.count()}, {"shape", samples.shape},
                      {"labels", !samples.labels.empty()}}.dump() << "\n";
  } else {
    std::cerr << "wrote " << samples.count() << " samples of " << a.get("data") << " to " << a.get("out") << "\n";
  }
  return 0;
}

// ---- train-teacher ----------------------------------------------------------------------------------

// Shared by train-teacher and distill: create or resume a run directory, then train it with a progress bar.
int runTraining(const Args& a, const std::string& method) {
  a.require({"out"});
  const std::string out = a.get("out");
  // Settings named on the command line, in order; --set comes last so it can override anything.
  std::vector<std::pair<std::string, std::string>> settings;
  for (const char* opt : {"data", "steps", "batch", "seed", "device", "threads"})
    if (a.has(opt)) settings.emplace_back(opt, a.get(opt));
  if (a.has("lr")) settings.emplace_back("teacher.lr", a.get("lr"));
  if (a.has("teacher")) settings.emplace_back("teacher_model", a.get("teacher"));
  for (const auto& kv : a.all("set")) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--set '" + kv + "': expected key=value");
    settings.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }

  std::unique_ptr<Run> run;
  const bool existing = a.has("resume") && std::filesystem::exists(std::filesystem::path(out) / "config.json");
  if (existing) {
    if (a.has("config")) throw UsageError("--config cannot be combined with --resume of an existing run");
    std::vector<std::pair<std::string, std::string>> overrides;
    for (const auto& kv : settings)
      if (kv.first != "data" && kv.first != "teacher_model") overrides.push_back(kv);  // an unchanged --data is fine; a changed one is refused
    run = Run::resume(out, overrides);
    if (a.has("data") && a.get("data") != run->config().data)
      throw Error("--resume: run '" + out + "' trains on '" + run->config().data + "', not '" + a.get("data") + "'");
    std::cerr << "resuming " << out << " at iteration " << run->iteration() << " of " << run->config().steps << "\n";
  } else {
    RunConfig config = a.has("config") ? loadConfigFile(a.get("config")) : RunConfig{};
    config.method = method;
    for (const auto& [k, v] : settings) applySetting(config, k, v);
    if (method == "smm" && !config.teacher_model.empty())
      throw UsageError("--method smm trains from scratch and takes no --teacher");
    if (method != "teacher" && method != "smm" && config.teacher_model.empty())
      throw UsageError("--method " + method + " needs --teacher RUN_DIR|CHECKPOINT|FILE.pt");
    run = Run::create(out, config);
  }
  const auto& c = run->config();
  std::cerr << c.method << " on " << c.data << " · " << c.net.arch << " · batch " << c.batch << " · device " << run->device()
            << " · " << threads() << " threads → " << out << "\n";

  installInterruptHandler();
  ProgressBar bar("train", c.steps, !a.has("quiet"));
  TrainCallbacks cb;
  cb.shouldStop = [] { return g_interrupted.load(); };
  cb.stopRequested = cb.shouldStop;
  cb.onProgress = [&](const TrainProgress& p) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f it/s", p.itPerSec);
    bar.update(p.iteration, rate + formatLosses(p.losses));
  };
  const std::string resume =
      "onestep " + (method == "teacher" ? std::string("train-teacher") : "distill --method " + method) + " --out " + out +
      " --resume";
  TrainSummary s;
  try {
    s = train(*run, cb);
  } catch (const Error& e) {
    bar.finish();
    // train() checkpoints the last good iteration before it reports a failure: if it could, say how to go on.
    if (run->iteration() == 0 || run->checkpointIteration() != run->iteration()) throw;
    throw Error(std::string(e.what()) + "\nthe run is kept at iteration " + std::to_string(run->iteration()) + " of " +
                std::to_string(c.steps) + "; continue with: " + resume + " [--set key=value]");
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  if (a.has("json")) {
    std::cout << Json{{"out", out}, {"iteration", s.iteration}, {"stopped", s.stopped}, {"wall_s", s.wallSec},
                      {"checkpoint", s.checkpoint}, {"losses", s.lastLosses},
                      {"best", s.bestIteration < 0 ? Json(nullptr)
                                                   : Json{{"iteration", s.bestIteration}, {s.bestMetric, s.bestValue},
                                                          {"checkpoint", s.bestCheckpoint}}}}.dump() << "\n";
  } else {
    std::cerr << (s.stopped ? "stopped" : "done") << " at iteration " << s.iteration << " after " << s.wallSec
              << " s; checkpoint " << s.checkpoint << "\n";
    if (s.bestIteration >= 0 && s.bestIteration != s.iteration && !s.bestCheckpoint.empty())
      std::cerr << "best evaluation: " << s.bestMetric << " " << s.bestValue << " at iteration " << s.bestIteration
                << "; its checkpoint is kept: " << s.bestCheckpoint << "\n";
    if (s.stopped) std::cerr << "continue with: " << resume << "\n";
  }
  return s.stopped ? 130 : 0;
}

int runTrainTeacher(const Args& a) { return runTraining(a, "teacher"); }

int runDistill(const Args& a) {
  a.require({"method"});
  const std::string method = a.get("method");
  if (method != "sid" && method != "smm" && method != "ect" && method != "sct")
    throw UsageError("--method '" + method + "': expected sid, smm, ect or sct");
  return runTraining(a, method);
}

// ---- sample -----------------------------------------------------------------------------------------

int runSample(const Args& a) {
  a.require({"model", "out"});
  SampleOptions o;
  o.n = a.getInt("n", 64);
  o.seed = static_cast<uint64_t>(a.getInt("seed", 0));
  o.sampler = a.get("sampler", "");
  o.steps = static_cast<int>(a.getInt("steps", 0));
  o.tMid = a.getDouble("t-mid", 0);
  o.classLabel = a.getInt("class", -1);
  o.ema = !a.has("no-ema");
  o.device = a.get("device", "auto");
  o.batch = a.getInt("batch", 256);
  if (a.has("shape")) o.shape = parseShape(a.get("shape"));
  setThreads(static_cast<int>(a.getInt("threads", 0)));
  ProgressBar bar("sample", o.n, !a.has("quiet") && o.n > o.batch);
  auto r = sampleModel(a.get("model"), o, [&](int64_t done, int64_t) { bar.update(done, ""); });
  bar.finish();
  writeSamples(r.samples, a.get("out"));
  const double msPer = 1000.0 * r.seconds / static_cast<double>(o.n);
  if (a.has("json")) {
    std::cout << Json{{"out", a.get("out")}, {"n", o.n}, {"nfe", r.nfe}, {"seconds", r.seconds},
                      {"ms_per_sample", msPer}}.dump() << "\n";
  } else {
    std::fprintf(stderr, "wrote %lld samples to %s (NFE %d, %.3f s, %.3f ms/sample)\n", static_cast<long long>(o.n),
                 a.get("out").c_str(), r.nfe, r.seconds, msPer);
  }
  return 0;
}

// ---- info -------------------------------------------------------------------------------------------

int runInfo(const Args& a) {
  if (a.has("settings")) {
    RunConfig c;
    if (a.has("json")) {
      std::cout << configToJson(c) << "\n";
      return 0;
    }
    for (const auto& s : listSettings(c))
      std::printf("%-24s %-10s %-7s %s\n", s.key.c_str(), s.value.c_str(), s.type.c_str(), s.help.c_str());
    return 0;
  }
  if (a.positional().empty()) throw UsageError("'info' needs a PATH or data SPEC (or --settings)");
  setThreads(0);
  std::cout << describe(a.positional()[0]) << "\n";
  return 0;
}

int runTimelapse(const Args& a) {
  a.require({"out"});
  const std::string out = a.get("out");
  TimelapseOptions options;
  options.fps = a.getDouble("fps", 8.0);
  options.maxSide = static_cast<int>(a.getInt("max-side", 640));
  options.caption = !a.has("no-caption");
  const auto frames = runSnapshots(a.positional()[0]);
  writeTimelapse(frames, out, options);
  std::printf("wrote %s (%zu frames at %g fps)\n", out.c_str(), frames.size(), options.fps);
  return 0;
}

int runExport(const Args& a) {
  a.require({"model", "out"});
  const ExportSummary s = exportModel(a.get("model"), a.get("out"));
  std::printf("wrote %s (%.1f MB; iteration %lld of %s, EMA weights only)\n", a.get("out").c_str(),
              static_cast<double>(s.bytes) / 1e6, static_cast<long long>(s.iteration), s.file.c_str());
  return 0;
}

// ---- fid, fid-stats, train-features, sweep-nfe ------------------------------------------------------

SetOptions setOptions(const Args& a) {
  SetOptions o;
  o.extractor = a.get("features", "auto");
  o.n = a.getInt("n", 0);
  o.seed = static_cast<uint64_t>(a.getInt("seed", 0));
  o.device = a.get("device", "auto");
  o.steps = static_cast<int>(a.getInt("steps", 0));
  o.tMid = a.getDouble("t-mid", 0);
  return o;
}

// --steps and --t-mid say how a model set is sampled; with no model among the sets they would mean nothing.
void requireModelForSampling(const Args& a, std::initializer_list<const MetricSet*> sets) {
  for (const auto* s : sets)
    if (s->source == "model") return;
  for (const char* opt : {"steps", "t-mid"})
    if (a.has(opt))
      throw UsageError(std::string("--") + opt + " applies to a model or run set, and no set here is one");
}

// ---- energy -----------------------------------------------------------------------------------------

int runEnergy(const Args& a) {
  const int64_t n = a.getInt("n", 2000);
  const uint64_t seed = static_cast<uint64_t>(a.getInt("seed", 0));
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
    if (!bar) bar = std::make_unique<ProgressBar>(spec.size() > 24 ? "…" + spec.substr(spec.size() - 23) : spec, total, true);
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
  if (!r.kid && setA.source == "stats") std::printf("(KID and precision/recall need samples on both sides, not statistics)\n");
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
    std::cout << Json{{"out", a.get("out")}, {"dim", set.stats.dim}, {"n", set.stats.count},
                      {"features", set.stats.extractor}}.dump() << "\n";
  } else {
    std::fprintf(stderr, "wrote %s: mu [%lld], sigma [%lld, %lld] from %lld samples (%s features)\n", a.get("out").c_str(),
                 static_cast<long long>(set.stats.dim), static_cast<long long>(set.stats.dim),
                 static_cast<long long>(set.stats.dim), static_cast<long long>(set.stats.count), set.stats.extractor.c_str());
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
  o.seed = static_cast<uint64_t>(a.getInt("seed", 0));
  o.device = a.get("device", "auto");
  auto r = trainBuiltinFeatures(a.get("out"), o, [&](const std::string& line) {
    if (!a.has("quiet")) std::cerr << line << "\n";
  });
  if (a.has("json")) {
    std::cout << Json{{"out", a.get("out")}, {"test_accuracy", r.testAccuracy}, {"seconds", r.seconds}}.dump() << "\n";
  } else {
    std::fprintf(stderr, "wrote %s (test accuracy %.2f%%, %.0f s)\n", a.get("out").c_str(), 100 * r.testAccuracy, r.seconds);
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
    std::cout << Json{{"model", a.get("model")}, {"sampler", o.sampler}, {"n", o.set.n}, {"points", rows}}.dump() << "\n";
  }
  return 0;
}

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {{"data",
        "--data SPEC --out FILE.npz|FILE.png|DIR [--n N] [--seed S]",
        "Export real samples of a data source: arr_0 float32 [N,2] for 2-D toys, uint8 NHWC images; arr_1 labels.",
        {{"data", "SPEC", "data spec: toy:8gaussians, fashion-mnist, mnist:DIR, cifar10:DIR, folder:DIR"},
         {"n", "N", "number of samples (default 10000)"},
         {"seed", "S", "seed (default 0)"},
         {"out", "PATH", ".npz, .png (grid or scatter) or a directory of PNGs"},
         {"json", "", "print the result as JSON on stdout"}},
        {},
        false,
        "  onestep data --data toy:moons --n 5000 --out moons.npz\n"
        "  onestep data --data fashion-mnist?split=test --n 64 --out real.png\n"},
       runData},
      {{"train-teacher",
        "--data SPEC --out RUN_DIR [options]",
        "Train an EDM teacher denoiser into a run directory (config.json, metrics.jsonl, checkpoints/, snapshots/).\n"
        "Ctrl-C stops after the current iteration and writes a checkpoint; --resume continues it.",
        {{"data", "SPEC", "data spec (default toy:8gaussians)"},
         {"out", "RUN_DIR", "run directory to create (or to continue with --resume)"},
         {"steps", "N", "iterations in total (default 3000)"},
         {"batch", "B", "samples per iteration (default: 512 points, 64 images)"},
         {"lr", "LR", "Adam learning rate (default: 1e-3 MLP, 2e-4 UNet)"},
         {"seed", "S", "seed of every noise source (default 0)"},
         {"device", "D", "auto, cpu, cuda or cuda:N (default auto)"},
         {"threads", "T", "LibTorch threads (default: all cores)"},
         {"config", "FILE", "JSON config file (see `onestep info --settings --json`)"},
         {"set", "KEY=VALUE", "any setting, e.g. --set net.hidden=128 (repeatable)", true},
         {"resume", "", "continue the run in RUN_DIR from its latest checkpoint (or start it)"},
         {"quiet", "", "no progress bar"},
         {"json", "", "print the result as JSON on stdout"}},
        {},
        false,
        "  onestep train-teacher --data toy:8gaussians --out runs/teacher-8g\n"
        "  onestep train-teacher --data fashion-mnist --out runs/fmnist --steps 20000 --set net.class_cond=true\n"
        "  onestep train-teacher --out runs/fmnist --resume --steps 40000\n"},
       runTrainTeacher},
      {{"distill",
        "--method sid|smm|ect|sct [--teacher RUN_DIR|CHECKPOINT|FILE.pt] --data SPEC --out RUN_DIR [options]",
        "Train a one-step generator in a run directory; sample it with `onestep sample` (1 step; 2 for ect/sct).\n"
        "  sid  Score identity Distillation: data-free, generator and fake score start from the teacher\n"
        "  smm  Score Mismatching: generator and score net from scratch on the data (no teacher)\n"
        "  ect  Easy Consistency Tuning: the teacher tuned into a consistency model on the data\n"
        "  sct  Stable Consistency Tuning: ECT with a reference-batch target (sct.ref_batch)\n"
        "Ctrl-C stops after the current iteration and writes a checkpoint; --resume continues it, and\n"
        "--resume --set KEY=VALUE changes a setting (e.g. a learning rate) from there on.",
        {{"method", "NAME", "sid, smm, ect or sct"},
         {"teacher", "PATH", "the teacher (sid, ect, sct): run directory, checkpoint or TorchScript denoiser"},
         {"data", "SPEC", "data spec giving the sample shape (default toy:8gaussians)"},
         {"out", "RUN_DIR", "run directory to create (or to continue with --resume)"},
         {"steps", "N", "iterations in total (default 3000)"},
         {"batch", "B", "samples per iteration (default: 512 points, 64 images)"},
         {"seed", "S", "seed of every noise source (default 0)"},
         {"device", "D", "auto, cpu, cuda or cuda:N (default auto)"},
         {"threads", "T", "LibTorch threads (default: all cores)"},
         {"config", "FILE", "JSON config file"},
         {"set", "KEY=VALUE", "any setting, e.g. --set sid.alpha=1.0 (repeatable; see onestep info --settings)", true},
         {"resume", "", "continue the run in RUN_DIR from its latest checkpoint (or start it)"},
         {"quiet", "", "no progress bar"},
         {"json", "", "print the result as JSON on stdout"}},
        {},
        false,
        "  onestep distill --method sid --teacher runs/teacher-8g --data toy:8gaussians --out runs/sid-8g\n"
        "  onestep distill --method ect --teacher runs/teacher-8g --data toy:8gaussians --out runs/ect-8g\n"
        "  onestep distill --method smm --data toy:8gaussians --out runs/smm-8g --steps 2000\n"
        "  onestep sample --model runs/sid-8g --n 2000 --out sid.png      # one step\n"
        "  onestep sample --model runs/ect-8g --steps 2 --out ect.png     # two steps\n"},
       runDistill},
      {{"sample",
        "--model RUN_DIR|CHECKPOINT|FILE.pt --out PATH [options]",
        "Sample a trained model: .npz (as `data`), .png (a grid or scatter) or a directory (one PNG per sample).\n"
        "Sample i's noise depends only on (seed, i), so the same seed gives the same noise for any model.",
        {{"model", "PATH", "run directory, checkpoint, or TorchScript denoiser forward(x, sigma[, labels])"},
         {"n", "N", "number of samples (default 64)"},
         {"seed", "S", "noise seed (default 0)"},
         {"out", "PATH", ".npz, .png or a directory"},
         {"sampler", "NAME", "heun or euler (default: the run's, heun)"},
         {"steps", "K", "teachers: schedule steps (default 18 = 35 NFE with Heun); generators: 1, or 2 for ect/sct"},
         {"t-mid", "T", "ect/sct with --steps 2: the intermediate time (default: the run's ct.t_mid)"},
         {"class", "C", "class label for conditional models (default: random)"},
         {"no-ema", "", "use the online weights instead of the EMA"},
         {"device", "D", "auto, cpu, cuda"},
         {"threads", "T", "LibTorch threads (default: all cores)"},
         {"batch", "B", "samples per batch (default 256)"},
         {"shape", "D|C,H,W", "sample shape of a TorchScript file without img_* / dim attributes"},
         {"quiet", "", "no progress bar"},
         {"json", "", "print the result as JSON on stdout"}},
        {},
        false,
        "  onestep sample --model runs/teacher-8g --n 2000 --out teacher.npz\n"
        "  onestep sample --model runs/fmnist --n 64 --sampler euler --steps 40 --out grid.png\n"
        "  onestep sample --model runs/ect-8g --steps 2 --t-mid 0.4 --out ect.npz\n"},
       runSample},
      {{"info",
        "PATH|SPEC | --settings",
        "Describe a run directory, checkpoint, TorchScript file, NPZ or data spec as JSON; or list every setting.",
        {{"settings", "", "list every setting with its default and meaning"},
         {"json", "", "with --settings: the default config as JSON"}},
        {"PATH|SPEC"},
        true,
        "  onestep info runs/teacher-8g\n  onestep info fashion-mnist\n  onestep info --settings\n"},
       runInfo},
      {{"energy",
        "SET_A SET_B [--n N] [--seed S] [--steps K] [--t-mid T]",
        "Energy distance between two point sets: NPZ files of [N,D] points, data specs drawn with --seed and\n"
        "--seed+1, or 2-D models/runs (sampled with the same seeds).",
        {{"n", "N", "samples per set (default 2000; an NPZ contributes its first N)"},
         {"seed", "S", "seed for data specs and model noise (default 0)"},
         {"steps", "K", "model sets: sampler/generator steps (default: the model's)"},
         {"t-mid", "T", "model sets, ect/sct with --steps 2: the intermediate time (default: the run's ct.t_mid)"},
         {"json", "", "print the result as JSON on stdout"}},
        {"SET_A", "SET_B"},
        false,
        "  onestep energy teacher.npz toy:8gaussians --seed 100\n"
        "  onestep energy toy:8gaussians toy:8gaussians   # the noise floor\n"
        "  onestep energy runs/ect-8g toy:8gaussians --steps 2 --t-mid 0.2\n"},
       runEnergy},
      {{"fid",
        "SET_A SET_B [--features raw|builtin|inception:FILE] [--n N] [--steps K] [--t-mid T] [--json]",
        "FID between two sets (A the reference), with KID, precision/recall where both sides have samples and the\n"
        "energy distance for points. A SET is an NPZ of samples (arr_0: [N,D] points or uint8 NHWC images), a folder\n"
        "of images, a statistics NPZ (mu, sigma), a data spec (fashion-mnist, toy:moons, ...) or a model/run (sampled).\n"
        "fashion-mnist?split=test with builtin features uses the shipped statistics of the whole test split.",
        {{"features", "NAME", "auto (default: raw for points, builtin for 28x28 grey), raw, builtin[:FILE], inception:FILE"},
         {"n", "N", "samples per set (default: all of a file or folder, 10000 from data or a model)"},
         {"seed", "S", "seed of data draws and model noise (set B uses S+1; default 0)"},
         {"steps", "K", "model sets: sampler/generator steps (default: the model's)"},
         {"t-mid", "T", "model sets, ect/sct with --steps 2: the intermediate time (default: the run's ct.t_mid)"},
         {"no-kid", "", "skip KID"},
         {"no-pr", "", "skip precision/recall"},
         {"device", "D", "auto, cpu, cuda"},
         {"threads", "T", "LibTorch threads (default: all cores)"},
         {"quiet", "", "no progress bars"},
         {"json", "", "print one JSON object: fid, kid, precision, recall, energy_distance"}},
        {"SET_A", "SET_B"},
        false,
        "  onestep fid fashion-mnist?split=test runs/sid-fmnist --n 10000\n"
        "  onestep fid toy:8gaussians samples.npz --json\n"
        "  onestep fid ref-stats.npz images/ --features inception:inception-2015-12-05.pt\n"},
       runFid},
      {{"fid-stats",
        "SET --out stats.npz [--features ...] [--n N]",
        "Write a set's feature statistics as an NPZ with mu and sigma (the layout of EDM's fid-refs).",
        {{"out", "FILE.npz", "statistics file to write"},
         {"features", "NAME", "auto, raw, builtin[:FILE], inception:FILE"},
         {"n", "N", "samples (default: all of a file or folder, 10000 from data or a model)"},
         {"seed", "S", "seed of data draws and model noise (default 0)"},
         {"steps", "K", "model sets: sampler/generator steps"},
         {"t-mid", "T", "model sets, ect/sct with --steps 2: the intermediate time"},
         {"device", "D", "auto, cpu, cuda"},
         {"threads", "T", "LibTorch threads"},
         {"quiet", "", "no progress bar"},
         {"json", "", "print the result as JSON on stdout"}},
        {"SET"},
        false,
        "  onestep fid-stats fashion-mnist?split=test --out fmnist-test.npz\n"},
       runFidStats},
      {{"train-features",
        "--data fashion-mnist --out FILE [--epochs E]",
        "Train the built-in feature extractor (a small CNN classifier for 28x28 grey images) on the data's training\n"
        "split and report its test-split accuracy. Use it with --features builtin:FILE.",
        {{"data", "SPEC", "labelled 28x28 grey images with 10 classes (default fashion-mnist)"},
         {"out", "FILE", "extractor file to write"},
         {"epochs", "E", "passes over the training split (default 6)"},
         {"batch", "B", "batch size (default 128)"},
         {"lr", "LR", "Adam peak learning rate, cosine decay (default 2e-3)"},
         {"seed", "S", "seed (default 0)"},
         {"device", "D", "auto, cpu, cuda"},
         {"threads", "T", "LibTorch threads"},
         {"quiet", "", "no per-epoch lines"},
         {"json", "", "print the result as JSON on stdout"}},
        {},
        false,
        "  onestep train-features --data fashion-mnist --out resources/features/fashion-mnist-cnn.pt\n"},
       runTrainFeatures},
      {{"sweep-nfe",
        "--model RUN_DIR --sampler heun --nfe 1,3,5,9,17,35 [--json]",
        "FID of a teacher's samples at several NFE against a reference (default: the run's data; for Fashion-MNIST\n"
        "the test split's shipped statistics), to set a one-step generator's FID against the teacher's curve.",
        {{"model", "PATH", "teacher run directory, checkpoint or TorchScript denoiser"},
         {"sampler", "NAME", "heun (NFE odd: 2N-1) or euler (default heun)"},
         {"nfe", "LIST", "NFE values (default 1,3,5,9,17,35)"},
         {"ref", "SET", "reference set (default: the run's data)"},
         {"features", "NAME", "auto, raw, builtin[:FILE], inception:FILE"},
         {"n", "N", "samples per point (default 2000)"},
         {"seed", "S", "noise seed (default 0)"},
         {"device", "D", "auto, cpu, cuda"},
         {"threads", "T", "LibTorch threads"},
         {"json", "", "print one JSON object with a row per NFE"}},
        {},
        false,
        "  onestep sweep-nfe --model runs/teacher-8g --nfe 1,3,5,9,17,35\n"},
       runSweepNfe},
      {{"timelapse",
        "RUN_DIR --out FILE.gif|FILE.avi [--fps F] [--max-side PX]",
        "The run's snapshot grids over training (snapshots/iter-*.png) as an animated GIF or an MJPEG AVI.",
        {{"out", "FILE", "*.gif or *.avi (written atomically)"},
         {"fps", "F", "frames per second (default 8)"},
         {"max-side", "PX", "larger frames are scaled down to this (default 640)"},
         {"no-caption", "", "do not write the iteration into each frame"}},
        {"RUN_DIR"},
        false,
        "  onestep timelapse runs/sid-8g --out sid-8g.gif\n"},
       runTimelapse},
      {{"export",
        "--model RUN_DIR|CHECKPOINT --out FILE.pt",
        "A teacher or a one-step generator as one small checkpoint for sampling (and a teacher for distilling from):\n"
        "its config and EMA weights, without the optimiser and online weights. It cannot be resumed. A generator\n"
        "keeps naming its teacher (by its shipped name, or by absolute path), which Compare loads beside it.",
        {{"model", "PATH", "a run directory (its latest checkpoint) or checkpoint of a teacher, sid, ect, sct or smm run"},
         {"out", "FILE", "*.pt, written atomically; an existing file is refused"}},
        {},
        false,
        "  onestep export --model runs/teacher-8g --out teacher-8g.pt\n"
        "  onestep export --model runs/sid-fmnist --out fashion-mnist-sid.pt\n"
        "  onestep distill --method sid --teacher teacher-8g.pt --data toy:8gaussians --out runs/sid-8g\n"},
       runExport},
      modelsCommand(),
  };
  return kCommands;
}

}  // namespace onestep::cli
