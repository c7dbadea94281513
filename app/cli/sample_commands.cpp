// The commands on samples and models: `data`, `sample`, `info`, `timelapse` and `export`.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "cli_common.h"
#include "onestep/config.h"
#include "onestep/data.h"
#include "onestep/error.h"
#include "onestep/methods.h"
#include "onestep/runtime.h"
#include "onestep/samples.h"
#include "onestep/sampling.h"
#include "onestep/timelapse.h"
#include "progress.h"

namespace onestep::cli {
namespace {

using Json = nlohmann::json;

int runData(const Args& a) {
  a.require({"data", "out"});
  const int64_t n = a.getInt("n", 10000);
  auto samples = drawData(a.get("data"), n, a.getSeed());
  writeSamples(samples, a.get("out"));
  if (a.has("json")) {
    std::cout << Json{{"out", a.get("out")},
                      {"n", samples.count()},
                      {"shape", samples.shape},
                      {"labels", !samples.labels.empty()}}
                     .dump()
              << "\n";
  } else {
    std::cerr << "wrote " << samples.count() << " samples of " << a.get("data") << " to " << a.get("out") << "\n";
  }
  return 0;
}

int runSample(const Args& a) {
  a.require({"model", "out"});
  SampleOptions o;
  o.n = a.getInt("n", 64);
  o.seed = a.getSeed();
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
  SampleWriteOptions write;
  write.text = sampleProvenance(a.get("model"), o, r.nfe);
  writeSamples(r.samples, a.get("out"), write);
  const double msPer = 1000.0 * r.seconds / static_cast<double>(o.n);
  if (a.has("json")) {
    std::cout
        << Json{{"out", a.get("out")}, {"n", o.n}, {"nfe", r.nfe}, {"seconds", r.seconds}, {"ms_per_sample", msPer}}
               .dump()
        << "\n";
  } else {
    std::fprintf(stderr, "wrote %lld samples to %s (NFE %d, %.3f s, %.3f ms/sample)\n", static_cast<long long>(o.n),
                 a.get("out").c_str(), r.nfe, r.seconds, msPer);
  }
  return 0;
}

// `info --methods`: the registered methods (onestep/methods.h), as a table or JSON.
int printMethods(bool json) {
  if (json) {
    Json rows = Json::array();
    for (const auto& m : methods())
      rows.push_back({{"name", m.name},
                      {"title", m.title},
                      {"summary", m.summary},
                      {"needs_teacher", m.needsTeacher},
                      {"sampling_steps", m.samplingSteps},
                      {"sections", m.sections},
                      {"fixed_settings", m.fixedSettings}});
    std::cout << rows.dump(1) << "\n";
    return 0;
  }
  std::printf("%-8s %-8s %-8s %-16s %s\n", "method", "teacher", "steps", "settings", "what it does");
  for (const auto& m : methods()) {
    std::string steps, sections;
    for (int k : m.samplingSteps) steps += (steps.empty() ? "" : ",") + std::to_string(k);
    for (const auto& name : m.sections) sections += (sections.empty() ? "" : ",") + name + ".*";
    std::printf("%-8s %-8s %-8s %-16s %s: %s\n", m.name.c_str(), m.needsTeacher ? "needed" : "-",
                steps.empty() ? "sampler" : steps.c_str(), sections.c_str(), m.title.c_str(), m.summary.c_str());
  }
  return 0;
}

int runInfo(const Args& a) {
  if (a.has("methods")) return printMethods(a.has("json"));
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
  if (a.positional().empty()) throw UsageError("'info' needs a PATH or data SPEC (or --settings, --methods)");
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

}  // namespace

std::vector<Command> sampleCommands() {
  return {
      Command{
          {"data",
           "--data SPEC --out FILE.npz|FILE.png|DIR [--n N] [--seed S]",
           "Export real samples of a data source: arr_0 float32 [N,2] for 2-D toys, uint8 NHWC images; arr_1 labels.",
           {{"data", "SPEC", "data spec: toy:8gaussians, fashion-mnist, mnist:DIR, cifar10:DIR, folder:DIR"},
            {"n", "N", "number of samples (default 10000)"},
            {"seed", "S", "seed (default 0)"},
            {"out", "PATH", ".npz, .png (grid or scatter) or a directory of PNGs"},
            sharedOption("json")},
           {},
           false,
           "  onestep data --data toy:moons --n 5000 --out moons.npz\n"
           "  onestep data --data fashion-mnist?split=test --n 64 --out real.png\n"},
          runData},
      Command{
          {"sample",
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
            sharedOption("device"),
            sharedOption("threads"),
            {"batch", "B", "samples per batch (default 256)"},
            {"shape", "D|C,H,W", "sample shape of a TorchScript file without img_* / dim attributes"},
            sharedOption("quiet"),
            sharedOption("json")},
           {},
           false,
           "  onestep sample --model runs/teacher-8g --n 2000 --out teacher.npz\n"
           "  onestep sample --model runs/fmnist --n 64 --sampler euler --steps 40 --out grid.png\n"
           "  onestep sample --model runs/ect-8g --steps 2 --t-mid 0.4 --out ect.npz\n"},
          runSample},
      Command{
          {"info",
           "PATH|SPEC | --settings | --methods",
           "Describe a run directory, checkpoint, TorchScript file, NPZ or data spec as JSON; or list every setting,\n"
           "or every training method.",
           {{"settings", "", "list every setting with its default and meaning"},
            {"methods", "", "list the training methods: what each needs, its sampling steps and settings sections"},
            {"json", "", "with --settings: the default config as JSON; with --methods: the list as JSON"}},
           {"PATH|SPEC"},
           true,
           "  onestep info runs/teacher-8g\n  onestep info fashion-mnist\n  onestep info --settings\n  onestep info "
           "--methods\n"},
          runInfo},
      Command{{"timelapse",
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
      Command{
          {"export",
           "--model RUN_DIR|CHECKPOINT --out FILE.pt",
           "A teacher or a one-step generator as one small checkpoint for sampling (and a teacher for distilling "
           "from):\n"
           "its config and EMA weights, without the optimiser and online weights. It cannot be resumed. A generator\n"
           "keeps naming its teacher (by its shipped name, or by absolute path), which Compare loads beside it.",
           {{"model", "PATH",
             "a run directory (its latest checkpoint) or checkpoint of a teacher, sid, ect, sct or smm run"},
            {"out", "FILE", "*.pt, written atomically; an existing file is refused"}},
           {},
           false,
           "  onestep export --model runs/teacher-8g --out teacher-8g.pt\n"
           "  onestep export --model runs/sid-fmnist --out fashion-mnist-sid.pt\n"
           "  onestep distill --method sid --teacher teacher-8g.pt --data toy:8gaussians --out runs/sid-8g\n"},
          runExport},
  };
}

}  // namespace onestep::cli
