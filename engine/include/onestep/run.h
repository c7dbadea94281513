// Training runs: one iteration at a time (Run::step) or a whole loop (train), synchronous, with callbacks.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "onestep/config.h"
#include "onestep/samples.h"

namespace onestep {

// Where a training loop stands; passed to the progress callback after every iteration.
struct TrainProgress {
  int64_t iteration = 0;                 // iterations done
  int64_t total = 0;                     // iterations planned
  int64_t samplesSeen = 0;               // training samples (images or points) consumed
  double itPerSec = 0.0;                 // recent iteration rate
  double elapsedSec = 0.0;               // wall time of the run, over all its sessions
  std::map<std::string, double> losses;  // the iteration's named losses
};

// Callbacks of a training loop; any may be empty. They run on the calling thread.
struct TrainCallbacks {
  std::function<void(const TrainProgress&)> onProgress;  // after every iteration
  std::function<bool()> shouldStop;                      // polled every iteration; true stops cleanly
  // Polled inside long work of one iteration (an evaluation's batches); true abandons it and stops the run.
  // Only reads a flag: unlike shouldStop it must not wait, pause or change the run.
  std::function<bool()> stopRequested;
  std::function<void(const std::string&)> onMessage;  // one-line notices (checkpoint written, ...)
  std::function<void(int64_t iteration, const std::map<std::string, double>&)> onEval;  // after each evaluation
};

// How a training loop ended.
struct TrainSummary {
  int64_t iteration = 0;                     // iterations done in total
  bool stopped = false;                      // stopped early by shouldStop
  double wallSec = 0.0;                      // wall time of this call
  std::string checkpoint;                    // path of the last checkpoint written
  std::map<std::string, double> lastLosses;  // losses of the final iteration
  // The run's best evaluation (metrics.jsonl) and its checkpoint, kept apart from keep_checkpoints' rotation;
  // bestIteration -1 when the run has no evaluation, bestCheckpoint empty when that iteration has none.
  int64_t bestIteration = -1;
  std::string bestMetric;
  double bestValue = 0.0;
  std::string bestCheckpoint;
};

class RunImpl;

// How a front end opens a run directory to train it.
enum class RunOpening {
  New,          // start a new run (the directory must not hold one)
  Resume,       // continue the run in the directory (it must hold one)
  ResumeOrNew,  // continue the run in the directory when it holds one, else start it (the CLI's --resume)
};

// What a front end asks to train: the one rule of new and resumed runs that the CLI and the studio share (Run::open).
struct RunSetup {
  std::string dir;                                            // the run directory
  std::vector<std::pair<std::string, std::string>> settings;  // "key" → "value" in order (later ones win)
  RunOpening opening = RunOpening::New;
  std::string configFile;  // a new run's settings before `settings` (a JSON file); refused when resuming
};

// A run directory with its networks and optimiser state in memory. Not thread-safe: use from one thread.
class Run {
 public:
  // Starts a new run in dir (created; must not already hold a run). Fills in defaults, writes config.json.
  static std::unique_ptr<Run> create(const std::string& dir, const RunConfig& config);
  // Opens an existing run at its latest readable checkpoint (or from scratch if it has none) to continue it.
  // `overrides` change settings first (e.g. {"steps", "6000"}); data, method, seed and net.* cannot change.
  static std::unique_ptr<Run> resume(const std::string& dir,
                                     const std::vector<std::pair<std::string, std::string>>& overrides = {});
  // Opens a run as `setup` asks. A new run: the defaults (or configFile) with the settings applied, in order. A
  // resumed run: the settings override its config (Run::resume), except data and method, which may be given only
  // with the run's own values, and teacher_model, which stays the run's own; a refused resume changes nothing in
  // the directory. Sets *resumed when it resumed an existing run. Throws Error naming the directory or setting.
  // In a data-parallel group (onestep/parallel.h) every rank calls it: rank 0 opens the directory and sends the
  // run to the others, which train it with rank 0 and never write (checkpoints, logs, snapshots, settings).
  static std::unique_ptr<Run> open(const RunSetup& setup, bool* resumed = nullptr);
  ~Run();

  // One training iteration; returns its named losses. Throws Error on a non-finite loss (state untouched).
  std::map<std::string, double> step();
  // Writes a checkpoint atomically and returns its path.
  std::string saveCheckpoint();
  // Appends one line to metrics.jsonl (iteration, losses, rate, wall time, extra values).
  void logMetrics(const std::map<std::string, double>& values);
  // Writes snapshots/iter-NNNNNNNNN.png from the fixed evaluation noise; returns its path.
  std::string writeSnapshot();
  // Samples the model (EMA weights) from the first n of the fixed evaluation noise (n <= 0 or above
  // snapshot_count: all of it), so previews at different iterations are comparable. `steps`: generator steps
  // (consistency models 1 or 2; 0 = default).
  SampleSet preview(int64_t n = 0, int steps = 0);
  // Evaluates the model (EMA weights) on eval_count samples from fixed noise against the run's reference data
  // (Fashion-MNIST: the test split's shipped statistics): fid, kid, precision, recall, energy (points) and
  // eval_s. The training trajectory is unaffected (random states are restored). stopRequested is polled between
  // batches: when it returns true the evaluation is abandoned and the map comes back empty.
  std::map<std::string, double> evaluate(const std::function<bool()>& stopRequested = {});
  // Changes settings between iterations (learning rates, sid.alpha, ...): takes effect at the next step, is
  // saved to config.json and logged in metrics.jsonl as {"set": {...}}. Throws Error for a bad value or a
  // setting that defines the run (data, method, seed, teacher, networks); the run is then unchanged.
  void changeSettings(const std::vector<std::pair<std::string, std::string>>& settings);

  const RunConfig& config() const;      // the config in force (defaults filled in)
  const std::string& dir() const;       // the run directory
  int64_t iteration() const;            // iterations done
  int64_t samplesSeen() const;          // training samples consumed
  int64_t checkpointIteration() const;  // iteration of the newest checkpoint written or resumed from; -1: none
  double elapsedSec() const;            // wall time over all sessions of the run
  std::string device() const;           // device in use, e.g. "cpu"

 private:
  explicit Run(std::unique_ptr<RunImpl> impl);
  static std::unique_ptr<Run> openHere(const RunSetup& setup, bool* resumed);
  static std::unique_ptr<Run> openInGroup(const RunSetup& setup, bool* resumed);
  std::unique_ptr<RunImpl> m_impl;
};

// Trains `run` up to config().steps iterations: logs metrics, snapshots and checkpoints as configured,
// writes a final checkpoint (also when stopped early or when an iteration fails, before rethrowing).
TrainSummary train(Run& run, const TrainCallbacks& callbacks = {});

}  // namespace onestep
