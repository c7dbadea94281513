// Evaluation sets named by one string (files, folders, statistics, data specs, models) and the FID-versus-NFE
// sweep of a teacher sampler.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>

#include "core/util.h"
#include "data/source.h"
#include "diffusion/edm.h"
#include "io/samples.h"
#include "onestep/data.h"
#include "onestep/error.h"
#include "onestep/methods.h"
#include "onestep/metrics.h"
#include "onestep/sampling.h"
#include "onestep/shipped.h"

namespace onestep {
namespace {

constexpr int64_t kDefaultDraw = 10000;

// Every image file of a folder (sorted by name), as they are: all must share one size; grey if all are grey.
SampleSet readImageFolder(const std::string& dir, int64_t n) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string ext = extensionOf(e.path().string());
    if (e.is_regular_file() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".webp"))
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error("folder '" + dir + "': no images (.png, .jpg, .bmp, .webp)");
  if (n > 0 && static_cast<int64_t>(files.size()) > n) files.resize(static_cast<std::size_t>(n));
  std::vector<cv::Mat> mats;
  bool allGrey = true;
  for (const auto& f : files) {
    cv::Mat m = cv::imread(f, cv::IMREAD_UNCHANGED);
    if (m.empty()) throw Error("image '" + f + "': unreadable");
    if (m.depth() != CV_8U) throw Error("image '" + f + "': expected 8-bit pixels");
    if (!mats.empty() && (m.rows != mats[0].rows || m.cols != mats[0].cols))
      throw Error("image '" + f + "': " + std::to_string(m.cols) + "x" + std::to_string(m.rows) + ", but '" + files[0] +
                  "' is " + std::to_string(mats[0].cols) + "x" + std::to_string(mats[0].rows) +
                  " (a set's images must share one size)");
    allGrey = allGrey && m.channels() == 1;
    mats.push_back(m);
  }
  const int c = allGrey ? 1 : 3, h = mats[0].rows, w = mats[0].cols;
  SampleSet s;
  s.kind = SampleSet::Kind::Images;
  s.shape = {static_cast<int64_t>(mats.size()), h, w, c};
  s.pixels.resize(static_cast<std::size_t>(mats.size()) * h * w * c);
  for (std::size_t i = 0; i < mats.size(); ++i) {
    cv::Mat m = mats[i];
    if (c == 3) {
      if (m.channels() == 1)
        cv::cvtColor(m, m, cv::COLOR_GRAY2RGB);
      else if (m.channels() == 4)
        cv::cvtColor(m, m, cv::COLOR_BGRA2RGB);
      else
        cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
    }
    m = m.isContinuous() ? m : m.clone();
    std::copy_n(m.data, static_cast<std::size_t>(h) * w * c, s.pixels.data() + i * static_cast<std::size_t>(h) * w * c);
  }
  return s;
}

SampleSet firstN(SampleSet s, int64_t n) {
  if (n <= 0 || n >= s.count()) return s;
  const std::size_t per = s.kind == SampleSet::Kind::Points ? s.points.size() / static_cast<std::size_t>(s.count())
                                                            : s.pixels.size() / static_cast<std::size_t>(s.count());
  s.shape[0] = n;
  if (s.kind == SampleSet::Kind::Points)
    s.points.resize(per * static_cast<std::size_t>(n));
  else
    s.pixels.resize(per * static_cast<std::size_t>(n));
  if (!s.labels.empty()) s.labels.resize(static_cast<std::size_t>(n));
  return s;
}

bool isModelPath(const std::string& path) {
  if (isDir(path)) return isFile(path + "/config.json");
  const std::string ext = extensionOf(path);
  return isFile(path) && (ext == ".pt" || ext == ".ckpt" || ext == ".pth");
}

// The whole Fashion-MNIST test split through the shipped extractor: its statistics ship in resources/.
bool isShippedReference(const std::string& spec, const std::string& extractor, int64_t n) {
  if (extractor != "builtin" || n > 0) return false;
  try {
    auto p = data::parseSpec(spec);
    return p.kind == "fashion-mnist" && p.path.empty() && p.options.size() == 1 && p.options.count("split") &&
           p.options.at("split") == "test";
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

MetricSet openMetricSet(const std::string& spec, const SetOptions& options, const MetricProgress& progress) {
  MetricSet set;
  set.name = spec;
  SampleSet samples;
  const std::string shipped = shippedModelForSet(spec);  // "fashion-mnist-sid": a shipped model by name
  if (!shipped.empty() || isModelPath(spec)) {
    set.source = "model";
    SampleOptions so;
    so.n = options.n > 0 ? options.n : kDefaultDraw;
    so.seed = options.seed;
    so.device = options.device;
    so.steps = options.steps;
    so.sampler = options.sampler;
    so.tMid = options.tMid;
    samples = sampleModel(shipped.empty() ? spec : shipped, so, progress).samples;
  } else if (isDir(spec)) {
    set.source = "folder";
    samples = readImageFolder(spec, options.n);
  } else if (isFile(spec)) {
    if (extensionOf(spec) != ".npz")
      throw Error("set '" + spec +
                  "': expected an NPZ of samples or statistics, a folder of images, a data spec or a model");
    if (isStatsFile(spec)) {
      set.source = "stats";
      set.stats = loadStats(spec);
      if (options.extractor != "auto" && !set.stats.extractor.empty() &&
          set.stats.extractor != (options.extractor.rfind("inception", 0) == 0 ? "inception" : options.extractor))
        throw Error("statistics '" + spec + "' were made with " + set.stats.extractor + " features, not " +
                    options.extractor);
      set.extractor = set.stats.extractor;
      return set;
    }
    set.source = "samples";
    samples = firstN(readSamplesNpz(spec), options.n);
  } else {
    set.source = "data";
    if (spec.find('/') != std::string::npos && spec.find(':') == std::string::npos)
      throw Error("set '" + spec +
                  "': not found (expected an NPZ of samples or statistics, a folder of images, a model "
                  "or a data spec)");
    DataInfo info;
    try {
      info = describeData(spec);
    } catch (const Error& e) {
      throw Error("set '" + spec + "': not a file, folder or model, and not a data spec (" + e.what() + ")");
    }
    const bool points = info.kind == "points";
    const std::string extractor =
        options.extractor == "auto"
            ? (points ? "raw" : (info.height == 28 && info.width == 28 && info.channels == 1 ? "builtin" : "raw"))
            : options.extractor;
    if (options.shippedStats && isShippedReference(spec, extractor, options.n)) {
      const std::string stats = resourcePath("features/fashion-mnist-test-stats.npz");
      if (isFile(stats)) {
        set.stats = loadStats(stats);
        set.extractor = "builtin";
        // The features as well when the data is installed (KID, precision/recall); the statistics are enough for FID.
        if (info.count > 0) {
          auto all = drawData(spec, info.count, options.seed);
          set.features = extractFeatures(all, "builtin", options.device, progress);
        }
        return set;
      }
    }
    int64_t n = options.n > 0 ? options.n : kDefaultDraw;
    if (info.count > 0 && options.n <= 0) n = std::min(n, info.count);
    samples = drawData(spec, n, options.seed);
  }
  set.extractor = resolveExtractor(options.extractor, samples);
  set.features = extractFeatures(samples, set.extractor, options.device, progress);
  set.stats = computeStats(*set.features, set.extractor);
  if (samples.kind == SampleSet::Kind::Points) set.points = std::move(samples);
  return set;
}

namespace {

// The reference set of a sweep: options.reference, or the run's data (Fashion-MNIST: its whole test split).
MetricSet sweepReference(const std::string& model, const SweepOptions& options) {
  std::string reference = options.reference;
  SetOptions refOptions = options.set;
  if (reference.empty()) {
    const std::string run = options.dataRun.empty() ? model : options.dataRun;
    const std::string cfg = isDir(run) ? run + "/config.json" : "";
    if (cfg.empty())
      throw Error("sweep-nfe / score: give --ref SET for a model file (only a run directory names its data)");
    reference = loadConfigFile(cfg).data;
    if (reference.rfind("fashion-mnist", 0) == 0 && reference.find(':') == std::string::npos) {
      reference = "fashion-mnist?split=test";  // the standard reference: the whole test split
      refOptions.n = 0;
    }
  }
  refOptions.seed = options.set.seed + 1000003;  // data draws independent of the model's noise
  auto ref = openMetricSet(reference, refOptions);
  return ref;
}

// The extractor of the generated sets: the reference's, unless it is Inception (then the one asked for).
std::string sweepExtractor(const MetricSet& ref, const SweepOptions& options) {
  return ref.extractor.empty() || ref.extractor == "inception" ? options.set.extractor : ref.extractor;
}

}  // namespace

NfePoint scoreModel(const std::string& model, const SweepOptions& options) {
  if (!isModelPath(model))
    throw Error("score: model '" + model + "': expected a run directory, checkpoint or .pt file");
  auto ref = sweepReference(model, options);
  SetOptions so = options.set;
  so.extractor = sweepExtractor(ref, options);
  const double start = nowSec();
  auto gen = openMetricSet(model, so);
  const SampleResult probe = sampleModel(model, [&] {
    SampleOptions o;
    o.n = 1;
    o.steps = so.steps;
    o.device = so.device;
    return o;
  }());
  NfePoint p;
  p.nfe = probe.nfe;
  p.steps = so.steps;
  p.seconds = nowSec() - start;
  auto report = compareSets(ref, gen, false, false);
  p.fid = report.fid;
  p.energy = report.energy;
  return p;
}

std::vector<NfePoint> sweepNfe(const std::string& model, const SweepOptions& options,
                               const std::function<void(const NfePoint&)>& onPoint) {
  if (options.sampler != "heun" && options.sampler != "euler")
    throw Error("sweep-nfe: sampler '" + options.sampler + "': expected heun or euler");
  if (options.nfe.empty()) throw Error("sweep-nfe: no NFE values");
  for (int nfe : options.nfe) {
    if (nfe < 1) throw Error("sweep-nfe: NFE " + std::to_string(nfe) + " must be >= 1");
    if (options.sampler == "heun" && nfe % 2 == 0)
      throw Error("sweep-nfe: Heun with N steps makes 2N-1 evaluations, so NFE " + std::to_string(nfe) +
                  " is impossible (use odd values: 1, 3, 5, 9, 17, 35)");
  }
  if (!isModelPath(model))
    throw Error("sweep-nfe: model '" + model + "': expected a run directory, checkpoint or .pt file");
  if (isDir(model) && methodInfo(loadConfigFile(model + "/config.json").method).oneStep())
    throw Error("sweep-nfe: '" + model + "' is a " + loadConfigFile(model + "/config.json").method +
                " run; the sweep is for a teacher's sampler (score a generator with `onestep fid`)");
  auto ref = sweepReference(model, options);
  std::vector<NfePoint> out;
  for (int nfe : options.nfe) {
    SetOptions so = options.set;
    so.sampler = options.sampler;
    so.steps = options.sampler == "heun" ? (nfe + 1) / 2 : nfe;
    so.extractor = sweepExtractor(ref, options);
    const double start = nowSec();
    auto gen = openMetricSet(model, so);
    NfePoint p;
    p.nfe = nfe;
    p.steps = so.steps;
    p.seconds = nowSec() - start;
    auto report = compareSets(ref, gen, false, false);
    p.fid = report.fid;
    p.energy = report.energy;
    out.push_back(p);
    if (onPoint) onPoint(p);
  }
  return out;
}

}  // namespace onestep
