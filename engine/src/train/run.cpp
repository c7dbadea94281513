// A run directory and its training loop: config.json, metrics.jsonl, checkpoints/, snapshots/ (docs/architecture.md).
#include "onestep/run.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/util.h"
#include "data/source.h"
#include "io/atomic_file.h"
#include "io/samples.h"
#include "onestep/error.h"
#include "onestep/metrics.h"
#include "onestep/runtime.h"
#include "train/checkpoint.h"
#include "train/losses.h"
#include "train/method.h"

namespace onestep {

namespace {

// The CPU and (on CUDA) the device's default random generators, saved together and restored on demand.
class RandomState {
 public:
  explicit RandomState(const torch::Device& device) : m_cpu(torch::kCPU) {
    if (device.is_cuda()) m_device = std::make_unique<training::RngSnapshot>(device);
  }
  void restore() {
    m_cpu.restore();
    if (m_device) m_device->restore();
  }

 private:
  training::RngSnapshot m_cpu;
  std::unique_ptr<training::RngSnapshot> m_device;
};

// Settings that define a run's networks and data; changing them would need a new run. A live run (`live`)
// also keeps its device and evaluation noise; a resumed one may move to another device.
void checkUnchangeable(const RunConfig& before, const RunConfig& after, bool live) {
  auto a = nlohmann::json::parse(configToJson(before)), b = nlohmann::json::parse(configToJson(after));
  std::vector<const char*> keys = {"data", "method", "seed", "teacher_model", "net"};
  if (live) keys.insert(keys.end(), {"device", "threads", "snapshot_count"});
  for (const char* key : keys)
    if (a[key] != b[key])
      throw Error(std::string("setting '") + key + "' of a run cannot change (start a new run with --out)");
  for (const char* key : {"latent", "gen_hidden", "gen_depth", "levels", "beta_min", "beta_max"})
    if (a["smm"][key] != b["smm"][key])
      throw Error(std::string("setting 'smm.") + key + "' of a run cannot change (start a new run with --out)");
  if (a["sid"]["init"] != b["sid"]["init"])
    throw Error("setting 'sid.init' of a run cannot change (start a new run with --out)");
  if (a["ct"]["dropout"] != b["ct"]["dropout"])
    throw Error("setting 'ct.dropout' of a run cannot change (start a new run with --out)");
}

}  // namespace

class RunImpl {
 public:
  std::string dir;
  RunConfig config;
  nets::SampleShape shape;
  bool shapeKnown = false;  // resuming: the checkpoint's shape must match the data's
  torch::Device device{torch::kCPU};
  std::unique_ptr<data::DataSource> data;
  std::unique_ptr<training::Method> method;
  int64_t iteration = 0;
  int64_t samples = 0;
  int64_t checkpointed = -1;  // iteration of the newest checkpoint written or resumed from
  double elapsedBase = 0;   // wall seconds of earlier sessions
  double openedAt = 0;      // nowSec() when this session began
  torch::Tensor evalNoise;      // fixed evaluation noise for snapshots and previews
  torch::Tensor evalStepNoise;  // fixed noise of a second generator step (consistency models)
  torch::Tensor evalLabels;
  std::unique_ptr<MetricSet> evalReference;  // opened at the first evaluation

  // The data the evaluations compare with: the whole Fashion-MNIST test split (shipped statistics), or
  // eval_count points of a toy, or up to 10000 items of any other dataset; drawn with a seed of their own.
  void openEvalReference() {
    SetOptions o;
    o.extractor = config.eval_features;
    o.device = config.device;
    o.seed = config.seed ^ 0xe7a1ULL;
    std::string spec = config.data;
    auto parsed = data::parseSpec(spec);
    if (parsed.kind == "fashion-mnist" && parsed.path.empty()) {
      spec = "fashion-mnist?split=test";
    } else if (data->info().kind == "points") {
      o.n = std::max<int64_t>(config.eval_count, 2000);
    }
    evalReference = std::make_unique<MetricSet>(openMetricSet(spec, o));
  }

  // Opens data, builds the method and the evaluation noise for `config` (already resolved and validated).
  void build() {
    setThreads(config.threads);
    device = torch::Device(resolveDevice(config.device));
    data = data::openData(config.data);
    auto dataShape = training::shapeOf(data->info());
    if (shapeKnown && !(shape == dataShape))
      throw Error("run '" + dir + "': its model is for " + shape.text() + " but data '" + config.data + "' gives " +
                  dataShape.text());
    shape = dataShape;
    training::resolveAutoSettings(config, shape);  // settings set back to 0 (auto) by a --resume override
    method = training::makeMethod(config, shape, device, data.get());
    // The evaluation noise depends on the seed only, so snapshots of one run are comparable over time.
    auto gen = data::makeGenerator(config.seed ^ 0x5eed0e7a1ULL);
    auto noiseShape = shape.batchShape(config.snapshot_count);
    auto latent = method->latentShape();
    if (!latent.empty()) {
      noiseShape = {config.snapshot_count};
      noiseShape.insert(noiseShape.end(), latent.begin(), latent.end());
    }
    evalNoise = torch::randn(noiseShape, gen, torch::kFloat32);
    if (method->numClasses() > 0)
      evalLabels = torch::randint(method->numClasses(), {config.snapshot_count}, gen, torch::kLong);
    evalStepNoise = torch::randn(shape.batchShape(config.snapshot_count), gen, torch::kFloat32);
    openedAt = nowSec();
  }

  void writeConfig() { io::writeFileAtomic(dir + "/config.json", configToJson(config) + "\n"); }

  // Drops metrics lines past `lastIteration` (work lost with a newer, unreadable or absent checkpoint).
  void trimMetrics(int64_t lastIteration) {
    const std::string path = dir + "/metrics.jsonl";
    if (!isFile(path)) return;
    std::ifstream in(path);
    std::string line, kept;
    bool dropped = false;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      try {
        auto j = nlohmann::json::parse(line);
        if (j.value("iteration", int64_t{0}) > lastIteration) {
          dropped = true;
          continue;
        }
      } catch (const std::exception&) {
        dropped = true;  // a half-written last line from a killed process
        continue;
      }
      kept += line + "\n";
    }
    if (dropped) io::writeFileAtomic(path, kept);
  }
};

Run::Run(std::unique_ptr<RunImpl> impl) : m_impl(std::move(impl)) {}
Run::~Run() = default;

std::unique_ptr<Run> Run::create(const std::string& dir, const RunConfig& config) {
  if (isFile(dir + "/config.json"))
    throw Error("run directory '" + dir + "' already holds a run (use --resume to continue it, or another --out)");
  if (isFile(dir)) throw Error("run directory '" + dir + "': exists and is a file");
  auto impl = std::make_unique<RunImpl>();
  impl->dir = dir;
  impl->config = config;
  validateConfig(impl->config);
  // Open the data first: a bad spec fails before anything is written.
  {
    auto probe = data::openData(config.data);
    training::resolveAutoSettings(impl->config, training::shapeOf(probe->info()));
  }
  validateConfig(impl->config);
  torch::manual_seed(impl->config.seed);
  impl->build();  // a teacher or network that does not fit fails before anything is written
  if (!impl->config.sid.init.empty()) impl->method->startFrom(impl->config.sid.init);  // also before any write
  io::makeDirs(dir + "/checkpoints");
  io::makeDirs(dir + "/snapshots");
  impl->writeConfig();
  return std::unique_ptr<Run>(new Run(std::move(impl)));
}

std::unique_ptr<Run> Run::resume(const std::string& dir,
                                 const std::vector<std::pair<std::string, std::string>>& overrides) {
  if (!isFile(dir + "/config.json")) throw Error("run directory '" + dir + "': no config.json (not a run)");
  auto impl = std::make_unique<RunImpl>();
  impl->dir = dir;
  impl->config = loadConfigFile(dir + "/config.json");
  const RunConfig before = impl->config;
  for (const auto& [key, value] : overrides) applySetting(impl->config, key, value);
  checkUnchangeable(before, impl->config, /*live=*/false);
  validateConfig(impl->config);

  // Latest readable checkpoint; a damaged newer one is reported and skipped, never deleted.
  auto checkpoints = training::listCheckpoints(dir);
  torch::serialize::InputArchive archive;
  std::string used, skipped;
  training::CheckpointMeta meta;
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    try {
      meta = training::readCheckpoint(*it, archive);
      used = *it;
      break;
    } catch (const Error& e) {
      skipped += std::string(skipped.empty() ? "" : "; ") + e.what();
    }
  }
  if (!checkpoints.empty() && used.empty())
    throw Error("run directory '" + dir + "': no readable checkpoint (" + skipped + ")");
  torch::manual_seed(impl->config.seed);
  if (!used.empty()) {
    impl->shape = meta.shape;
    impl->shapeKnown = true;
  }
  impl->build();
  if (!used.empty()) {
    try {
      torch::serialize::InputArchive state;
      archive.read("state", state);
      impl->method->load(state);
    } catch (const c10::Error& e) {
      std::string msg = e.what_without_backtrace();
      throw Error("checkpoint '" + used + "': does not fit the run's network (" + msg.substr(0, msg.find('\n')) + ")");
    }
    training::restoreRng(archive, impl->device);
    impl->iteration = meta.iteration;
    impl->samples = meta.samples;
    impl->checkpointed = meta.iteration;
    impl->elapsedBase = meta.elapsed;
  }
  impl->trimMetrics(impl->iteration);
  impl->writeConfig();
  if (!skipped.empty()) std::fprintf(stderr, "warning: skipped damaged checkpoint(s): %s\n", skipped.c_str());
  return std::unique_ptr<Run>(new Run(std::move(impl)));
}

std::map<std::string, double> Run::step() {
  // A step that throws leaves the method unchanged; rewinding the random generators as well makes the run's
  // state (and so a checkpoint written now) exactly that of the last good iteration.
  RandomState rngs(m_impl->device);
  std::map<std::string, double> losses;
  try {
    losses = m_impl->method->step(m_impl->samples);
  } catch (...) {
    rngs.restore();
    throw;
  }
  m_impl->iteration += 1;
  m_impl->samples += m_impl->method->batchSize();
  return losses;
}

std::string Run::saveCheckpoint() {
  auto& r = *m_impl;
  training::CheckpointMeta meta{r.config.method, r.iteration, r.samples, elapsedSec(), configToJson(r.config), r.shape};
  const std::string path = training::checkpointPath(r.dir, r.iteration);
  training::writeCheckpoint(path, meta, *r.method, r.device);
  r.checkpointed = r.iteration;
  // A TorchScript generator is also saved as TorchScript, for Python: G(sigma_init * z, sigma_init).
  if (auto* g = r.method->exportable()) g->saveTorchScript(r.dir + "/generator.pt");
  // Keep the newest keep_checkpoints files, and the best evaluation's checkpoint besides them: a method that gets
  // worse with more training (ECT on images past its fourth stage) must not rotate its best state away.
  auto all = training::listCheckpoints(r.dir);
  const auto best = training::bestEvaluation(r.dir);
  const std::string keep = best.iteration >= 0 ? training::checkpointPath(r.dir, best.iteration) : std::string();
  for (std::size_t i = 0; i + static_cast<std::size_t>(r.config.keep_checkpoints) < all.size(); ++i) {
    if (all[i] == keep) continue;
    std::error_code ec;
    std::filesystem::remove(all[i], ec);
  }
  return path;
}

void Run::logMetrics(const std::map<std::string, double>& values) {
  nlohmann::json j;
  j["iteration"] = m_impl->iteration;
  j["samples"] = m_impl->samples;
  j["wall_s"] = std::round(elapsedSec() * 1000) / 1000;
  for (const auto& [k, v] : values) j[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  std::ofstream out(m_impl->dir + "/metrics.jsonl", std::ios::app);
  if (!out) throw Error("metrics file '" + m_impl->dir + "/metrics.jsonl': cannot be written");
  out << j.dump() << "\n";
}

SampleSet Run::preview(int64_t n, int steps) {
  auto& r = *m_impl;
  n = n <= 0 ? r.config.snapshot_count : std::min<int64_t>(n, r.config.snapshot_count);
  training::GenerateOptions options;
  options.sampler = r.config.sampler;
  options.steps = steps;
  options.stepNoise = r.evalStepNoise.slice(0, 0, n);
  int nfe = 0;
  auto labels = r.evalLabels.defined() ? r.evalLabels.slice(0, 0, n) : torch::Tensor();
  auto x = r.method->generate(r.evalNoise.slice(0, 0, n), labels.defined() ? labels.to(r.device) : labels, options, &nfe);
  return io::toSampleSet(x.to(torch::kCPU), labels);
}

std::string Run::writeSnapshot() {
  auto& r = *m_impl;
  char name[48];
  std::snprintf(name, sizeof name, "/snapshots/iter-%09lld.png", static_cast<long long>(r.iteration));
  const std::string path = r.dir + name;
  auto samples = preview(0, 0);
  samples.labels.clear();
  writeSamples(samples, path);
  return path;
}

std::map<std::string, double> Run::evaluate(const std::function<bool()>& stopRequested) {
  auto& r = *m_impl;
  const double start = nowSec();
  RandomState rngs(r.device);
  if (!r.evalReference) r.openEvalReference();
  // Fixed noise (and labels) from the seed alone, generated batch by batch.
  auto latent = r.method->latentShape();
  std::vector<int64_t> perSample = latent;
  if (perSample.empty()) {
    perSample = r.shape.batchShape(1);
    perSample.erase(perSample.begin());
  }
  auto gen = data::makeGenerator(r.config.seed ^ 0xe7a15eedULL);
  std::vector<torch::Tensor> outs, labelParts;
  const int64_t n = r.config.eval_count, batch = std::max<int64_t>(r.config.batch, 100);
  for (int64_t first = 0; first < n; first += batch) {
    if (stopRequested && stopRequested()) {  // abandoned: nothing logged, the random streams as they were
      rngs.restore();
      return {};
    }
    const int64_t b = std::min(batch, n - first);
    std::vector<int64_t> shape = {b};
    shape.insert(shape.end(), perSample.begin(), perSample.end());
    auto noise = torch::randn(shape, gen, torch::kFloat32).to(r.device);
    torch::Tensor labels;
    if (r.method->numClasses() > 0) {
      labels = torch::randint(r.method->numClasses(), {b}, gen, torch::kLong);
      labelParts.push_back(labels);
      labels = labels.to(r.device);
    }
    training::GenerateOptions options;
    options.sampler = r.config.sampler;
    int nfe = 0;
    outs.push_back(r.method->generate(noise, labels, options, &nfe).to(torch::kCPU));
  }
  auto samples = io::toSampleSet(torch::cat(outs), labelParts.empty() ? torch::Tensor() : torch::cat(labelParts));
  MetricSet generated;
  generated.name = "samples of run '" + r.dir + "'";
  generated.extractor = r.evalReference->extractor.empty() ? resolveExtractor(r.config.eval_features, samples)
                                                           : r.evalReference->extractor;
  if (generated.extractor == "inception") generated.extractor = r.config.eval_features;
  generated.features = extractFeatures(samples, generated.extractor, r.config.device);
  generated.stats = computeStats(*generated.features, generated.extractor);
  if (samples.kind == SampleSet::Kind::Points) generated.points = samples;
  auto report = compareSets(*r.evalReference, generated);
  rngs.restore();
  std::map<std::string, double> values = {{"fid", report.fid}};
  if (report.kid) values["kid"] = *report.kid;
  if (report.precision) values["precision"] = *report.precision;
  if (report.recall) values["recall"] = *report.recall;
  if (report.energy) values["energy"] = *report.energy;
  values["eval_n"] = static_cast<double>(n);
  values["eval_s"] = nowSec() - start;
  return values;
}

void Run::changeSettings(const std::vector<std::pair<std::string, std::string>>& settings) {
  auto& r = *m_impl;
  RunConfig next = r.config;
  for (const auto& [key, value] : settings) applySetting(next, key, value);
  training::resolveAutoSettings(next, r.shape);  // a setting changed to 0 (auto) gets its value for this data
  checkUnchangeable(r.config, next, /*live=*/true);
  validateConfig(next);
  r.method->reconfigure(next);
  r.config = next;
  r.writeConfig();
  nlohmann::json j;
  j["iteration"] = r.iteration;
  j["samples"] = r.samples;
  j["wall_s"] = std::round(elapsedSec() * 1000) / 1000;
  nlohmann::json set = nlohmann::json::object();
  for (const auto& [key, value] : settings) set[key] = value;
  j["set"] = set;
  std::ofstream out(r.dir + "/metrics.jsonl", std::ios::app);
  out << j.dump() << "\n";
}

const RunConfig& Run::config() const { return m_impl->config; }
const std::string& Run::dir() const { return m_impl->dir; }
int64_t Run::iteration() const { return m_impl->iteration; }
int64_t Run::samplesSeen() const { return m_impl->samples; }
int64_t Run::checkpointIteration() const { return m_impl->checkpointed; }
double Run::elapsedSec() const { return m_impl->elapsedBase + (nowSec() - m_impl->openedAt); }
std::string Run::device() const { return m_impl->device.str(); }

TrainSummary train(Run& run, const TrainCallbacks& cb) {
  const RunConfig& c = run.config();
  TrainSummary summary;
  const double start = nowSec();
  int64_t lastSaved = run.iteration();
  auto message = [&](const std::string& m) {
    if (cb.onMessage) cb.onMessage(m);
  };
  auto save = [&] {
    summary.checkpoint = run.saveCheckpoint();
    lastSaved = run.iteration();
    message("checkpoint " + summary.checkpoint);
  };
  if (run.iteration() == 0 && c.snapshot_every > 0) run.writeSnapshot();

  // Evaluations: every eval_every iterations, or (auto) once training has run 9x the last evaluation's cost
  // (at least 30 s before the first, 10 s after) since the previous one, so they take at most ~10% of the time;
  // one more at the end.
  double trainedSinceEval = 0, lastEvalCost = 0;
  int64_t lastEval = -1;
  // Returns false when a stop request abandoned it (an evaluation can take seconds; stop must not wait).
  auto evaluate = [&] {
    auto values = run.evaluate(cb.stopRequested);
    if (values.empty()) return false;
    run.logMetrics(values);
    // A new best evaluation gets its checkpoint now, so the rotation has it to keep (evaluations are timed, and
    // checkpoint_every rarely falls on them).
    if (run.iteration() != lastSaved && training::bestEvaluation(run.dir()).iteration == run.iteration()) save();
    lastEvalCost = values["eval_s"];
    trainedSinceEval = 0;
    lastEval = run.iteration();
    char line[128];
    std::snprintf(line, sizeof line, "eval at %lld: fid %.4g (%.1f s)", static_cast<long long>(lastEval), values["fid"],
                  lastEvalCost);
    message(line);
    if (cb.onEval) cb.onEval(lastEval, values);
    return true;
  };
  auto evalDue = [&](int64_t it) {
    if (c.eval_every > 0) return it % c.eval_every == 0;
    return c.eval_every == -1 && trainedSinceEval >= std::max(lastEval < 0 ? 30.0 : 10.0, 9 * lastEvalCost);
  };

  double rate = 0, lastTime = nowSec();
  // Everything after a successful step: timing, log, snapshot, evaluation, checkpoint, progress. False = stop.
  auto afterStep = [&](const std::map<std::string, double>& losses) {
    const double now = nowSec();
    const double inst = 1.0 / std::max(now - lastTime, 1e-9);
    trainedSinceEval += now - lastTime;
    lastTime = now;
    rate = rate == 0 ? inst : 0.9 * rate + 0.1 * inst;  // smoothed iterations per second
    const int64_t it = run.iteration();
    summary.lastLosses = losses;
    if (it % c.log_every == 0 || it == c.steps) {
      auto values = losses;
      values["it_per_s"] = rate;
      run.logMetrics(values);
    }
    if (c.snapshot_every > 0 && it % c.snapshot_every == 0) run.writeSnapshot();
    if (evalDue(it)) {
      if (!evaluate()) return false;
      lastTime = nowSec();  // the evaluation is not training time
    }
    if (it % c.checkpoint_every == 0 && it != lastSaved) save();
    if (cb.onProgress) cb.onProgress(TrainProgress{it, c.steps, run.samplesSeen(), rate, run.elapsedSec(), losses});
    return true;
  };

  while (run.iteration() < c.steps) {
    if (cb.shouldStop && cb.shouldStop()) {
      summary.stopped = true;
      break;
    }
    try {
      if (!afterStep(run.step())) {
        summary.stopped = true;
        break;
      }
    } catch (const std::exception&) {
      // A failed step changed nothing, and a failed snapshot, log line or evaluation came after a good one:
      // keep what the run had reached (if that save fails too, the first error is the one reported), then report.
      if (run.iteration() != lastSaved) {
        try {
          save();
        } catch (const std::exception&) {
        }
      }
      throw;
    }
  }
  const bool finished = run.iteration() >= c.steps && !summary.stopped;
  if (finished && lastEval != run.iteration() && (c.eval_every > 0 || (c.eval_every == -1 && trainedSinceEval >= (lastEval < 0 ? 30.0 : 10.0)))) {
    if (run.iteration() != lastSaved) save();  // the final evaluation can fail or be abandoned: the run is kept
    if (!evaluate()) summary.stopped = true;
  }
  if (run.iteration() != lastSaved || training::listCheckpoints(run.dir()).empty()) save();
  const auto best = training::bestEvaluation(run.dir());
  summary.bestIteration = best.iteration;
  summary.bestMetric = best.metric;
  summary.bestValue = best.value;
  const std::string bestPath = best.iteration >= 0 ? training::checkpointPath(run.dir(), best.iteration) : "";
  if (!bestPath.empty() && isFile(bestPath)) summary.bestCheckpoint = bestPath;
  summary.iteration = run.iteration();
  summary.wallSec = nowSec() - start;
  return summary;
}

}  // namespace onestep
