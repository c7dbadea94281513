// A run in memory over its run directory: creating and resuming it, one iteration, checkpoints, previews, snapshots
// and settings changes (docs/architecture.md). Evaluations are in run_eval.cpp, the training loop in train_loop.cpp.
#include "onestep/run.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/util.h"
#include "data/source.h"
#include "dist/dist.h"
#include "io/atomic_file.h"
#include "io/samples.h"
#include "nets/denoiser.h"
#include "onestep/error.h"
#include "onestep/methods.h"
#include "onestep/metrics.h"
#include "onestep/parallel.h"
#include "onestep/run_dir.h"
#include "onestep/runtime.h"
#include "train/checkpoint.h"
#include "train/losses.h"
#include "train/method.h"
#include "train/model_file.h"
#include "train/run_files.h"
#include "train/run_impl.h"

namespace onestep {
namespace {

// Settings that define a run's networks and data; changing them would need a new run. A live run (`live`)
// also keeps its device and evaluation noise; a resumed one may move to another device.
void checkUnchangeable(const RunConfig& before, const RunConfig& after, bool live) {
  auto a = nlohmann::json::parse(configToJson(before)), b = nlohmann::json::parse(configToJson(after));
  std::vector<const char*> keys = {"data", "method", "seed", "teacher_model", "net"};
  if (live) keys.insert(keys.end(), {"device", "threads", "snapshot_count"});
  for (const char* key : keys)
    if (a[key] != b[key])
      throw Error(std::string("setting '") + key + "' of a run cannot change (start a new run with --out)");
  // The settings that define the run's method's networks.
  for (const auto& key : methodInfo(before.method).fixedSettings) {
    std::string path = "/" + key;
    std::replace(path.begin(), path.end(), '.', '/');
    const nlohmann::json::json_pointer pointer(path);
    auto at = [&](const nlohmann::json& j) { return j.contains(pointer) ? j.at(pointer) : nlohmann::json(); };
    if (at(a) != at(b)) throw Error("setting '" + key + "' of a run cannot change (start a new run with --out)");
  }
}

}  // namespace

void RunImpl::build() {
  setThreads(config.threads);
  device = torch::Device(dist::rankDevice(resolveDevice(config.device)));
  data = data::openData(config.data);
  auto dataShape = training::shapeOf(data->info());
  if (shapeKnown && !(shape == dataShape))
    throw Error("run '" + dir + "': its model is for " + shape.text() + " but data '" + config.data + "' gives " +
                dataShape.text());
  shape = dataShape;
  training::resolveAutoSettings(config, shape);  // settings set back to 0 (auto) by a --resume override
  validateConfig(config);                        // the automatic values too (a batch that must split evenly)
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

void RunImpl::writeConfig() { io::writeFileAtomic(dir + "/config.json", storedConfigJson() + "\n"); }

std::string RunImpl::storedConfigJson() const {
  RunConfig stored = config;
  stored.teacher_model = training::storedTeacher(config.teacher_model, dir);
  return configToJson(stored);
}

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
  impl->lockDirectory();
  if (isFile(dir + "/config.json"))  // another process started a run here meanwhile
    throw Error("run directory '" + dir + "' already holds a run (use --resume to continue it, or another --out)");
  io::makeDirs(dir + "/snapshots");
  impl->writeConfig();
  return std::unique_ptr<Run>(new Run(std::move(impl)));
}

std::unique_ptr<Run> Run::resume(const std::string& dir,
                                 const std::vector<std::pair<std::string, std::string>>& overrides) {
  if (!isFile(dir + "/config.json")) throw Error("run directory '" + dir + "': no config.json (not a run)");
  auto impl = std::make_unique<RunImpl>();
  impl->dir = dir;
  impl->lockDirectory();              // before anything is read: the files may be changing under another process
  impl->config = readRunConfig(dir);  // its teacher resolved from the run directory
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
  if (!used.empty()) impl->restore(archive, meta, "checkpoint '" + used + "'");
  training::trimMetrics(dir, impl->iteration);
  impl->writeConfig();
  if (!skipped.empty()) std::fprintf(stderr, "warning: skipped damaged checkpoint(s): %s\n", skipped.c_str());
  return std::unique_ptr<Run>(new Run(std::move(impl)));
}

std::unique_ptr<Run> Run::open(const RunSetup& setup, bool* resumed) {
  return dist::active() ? openInGroup(setup, resumed) : openHere(setup, resumed);
}

std::unique_ptr<Run> Run::openHere(const RunSetup& setup, bool* resumed) {
  const bool existing = setup.opening != RunOpening::New && isRunDirectory(setup.dir);
  if (resumed) *resumed = existing;
  if (setup.opening == RunOpening::Resume && !existing)
    throw Error("run directory '" + setup.dir + "': no config.json (not a run to resume)");
  if (!existing) {
    RunConfig config = setup.configFile.empty() ? RunConfig{} : loadConfigFile(setup.configFile);
    for (const auto& [key, value] : setup.settings) applySetting(config, key, value);
    return create(setup.dir, config);
  }
  if (!setup.configFile.empty())
    throw Error("config file '" + setup.configFile +
                "': a resumed run keeps its own config.json (give settings instead)");
  // Checked before anything is written: a refused resume leaves the run as it was.
  const RunConfig own = readRunConfig(setup.dir);
  std::vector<std::pair<std::string, std::string>> overrides;
  for (const auto& [key, value] : setup.settings) {
    if (key == "data" && value != own.data)
      throw Error("resume: run '" + setup.dir + "' trains on '" + own.data + "', not '" + value + "'");
    if (key == "method" && value != own.method)
      throw Error("resume: run '" + setup.dir + "' is a " + own.method + " run, not " + value);
    if (key != "data" && key != "method" && key != "teacher_model") overrides.emplace_back(key, value);
  }
  return resume(setup.dir, overrides);
}

std::unique_ptr<Run> Run::openInGroup(const RunSetup& setup, bool* resumed) {
  // Rank 0 opens the run directory as one process would; every other rank receives the run's config and complete
  // state (networks, optimiser moments, counters, random generators) from it and never touches the directory.
  // A failure on rank 0 reaches the others as an Error too, so no process waits for a run that is not coming.
  std::string sent;
  std::unique_ptr<Run> run;
  bool wasResumed = false;
  if (dist::writer()) {
    try {
      run = openHere(setup, &wasResumed);
      const auto& c = run->m_impl->config;  // validateConfig has checked that its batch splits evenly
      auto& r = *run->m_impl;
      const std::string config = configToJson(c);
      training::CheckpointMeta meta{c.method, r.iteration, r.samples, r.elapsedBase, config, r.shape};
      sent = std::string("K") + (wasResumed ? "1" : "0") + std::to_string(config.size()) + "\n" + config +
             training::checkpointBytes(meta, *r.method, r.device);
    } catch (const std::exception& e) {   // any failure: the others must hear of it rather than wait
      const std::string what = e.what();  // a LibTorch error's first line (a stack trace follows)
      sent = "E" + what.substr(0, what.find('\n'));
    }
  }
  const std::string got = dist::broadcast(sent);
  if (got.empty() || got[0] != 'K') {
    const std::string message = got.empty() ? std::string("no reply") : got.substr(1);
    if (dist::writer()) throw Error(message);
    throw parallel::PeerError("rank 0 could not open run '" + setup.dir + "': " + message);
  }
  if (resumed) *resumed = got[1] == '1';
  if (dist::writer()) return run;

  const std::size_t newline = got.find('\n');
  const std::size_t configSize = std::stoul(got.substr(2, newline - 2));
  auto impl = std::make_unique<RunImpl>();
  impl->dir = setup.dir;
  impl->writer = false;
  impl->config = configFromJson(got.substr(newline + 1, configSize), "rank 0's config");
  torch::serialize::InputArchive archive;
  const auto meta = training::readCheckpointBytes(got.substr(newline + 1 + configSize), "rank 0's state", archive);
  torch::manual_seed(impl->config.seed);
  impl->shape = meta.shape;
  impl->shapeKnown = true;
  impl->build();
  impl->restore(archive, meta, "rank 0's state");
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

void RunImpl::restore(torch::serialize::InputArchive& archive, const training::CheckpointMeta& meta,
                      const std::string& what) {
  try {
    torch::serialize::InputArchive state;
    archive.read("state", state);
    method->load(state);
  } catch (const c10::Error& e) {
    throw Error(what + ": does not fit the run's network (" + firstLine(e) + ")");
  }
  training::restoreRng(archive, device);
  iteration = meta.iteration;
  samples = meta.samples;
  checkpointed = meta.iteration;
  elapsedBase = meta.elapsed;
}

void RunImpl::lockDirectory() {
  lock = DirectoryLock::acquire(dir);
  if (!lock)
    throw Error("run directory '" + dir +
                "' is in use: another process is training it (stop that run, or wait for it to end, then --resume)");
}

void RunImpl::requireWriter(const char* what) const {
  if (!writer)
    throw Error(std::string(what) + ": rank " + std::to_string(dist::rank()) +
                " of a data-parallel group does not write the run directory (rank 0 does)");
}

std::string Run::saveCheckpoint() {
  auto& r = *m_impl;
  r.requireWriter("checkpoint");
  training::CheckpointMeta meta{r.config.method, r.iteration, r.samples, elapsedSec(), r.storedConfigJson(), r.shape};
  std::string path = training::checkpointPath(r.dir, r.iteration);
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
  m_impl->requireWriter("metrics");
  training::appendMetrics(m_impl->dir, m_impl->iteration, m_impl->samples, elapsedSec(), values);
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
  auto x = training::generateSamples(r.method.get(), nullptr, r.evalNoise.slice(0, 0, n),
                                     labels.defined() ? labels.to(r.device) : labels, options, &nfe);
  return io::toSampleSet(x.to(torch::kCPU), labels);
}

std::string Run::writeSnapshot() {
  auto& r = *m_impl;
  r.requireWriter("snapshot");
  std::string path = training::snapshotPath(r.dir, r.iteration);
  auto samples = preview(0, 0);
  samples.labels.clear();
  writeSamples(samples, path);
  return path;
}

void Run::changeSettings(const std::vector<std::pair<std::string, std::string>>& settings) {
  auto& r = *m_impl;
  r.requireWriter("settings change");
  RunConfig next = r.config;
  for (const auto& [key, value] : settings) applySetting(next, key, value);
  training::resolveAutoSettings(next, r.shape);  // a setting changed to 0 (auto) gets its value for this data
  checkUnchangeable(r.config, next, /*live=*/true);
  validateConfig(next);
  r.method->reconfigure(next);
  r.config = next;
  r.writeConfig();
  training::appendSettingsChange(r.dir, r.iteration, r.samples, elapsedSec(), settings);
}

const RunConfig& Run::config() const { return m_impl->config; }
const std::string& Run::dir() const { return m_impl->dir; }
int64_t Run::iteration() const { return m_impl->iteration; }
int64_t Run::samplesSeen() const { return m_impl->samples; }
int64_t Run::checkpointIteration() const { return m_impl->checkpointed; }
double Run::elapsedSec() const { return m_impl->elapsedBase + (nowSec() - m_impl->openedAt); }
std::string Run::device() const { return m_impl->device.str(); }

}  // namespace onestep
