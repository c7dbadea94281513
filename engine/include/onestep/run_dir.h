// Reading a run directory (docs/architecture.md, "The run directory"): what the CLI and the studio know of a run's
// files comes from here, and only the engine writes them.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "onestep/config.h"

namespace onestep {

// True when dir holds a run (its config.json).
bool isRunDirectory(const std::string& dir);
// True while another process trains the run in `dir` (it holds the lock on `dir`/.lock from opening the run to
// closing it; the lock goes with the process, however it ends).
bool runInUse(const std::string& dir);
// The run's config.json, its teacher named as a path usable from the working directory (config.json names it from
// the run directory). Throws Error "'DIR' is not a run directory (no config.json)", or one naming the file's fault.
RunConfig readRunConfig(const std::string& dir);
// The run's config.json as text, for a PNG's text chunk or a bug report; empty when dir holds no run.
std::string readRunConfigText(const std::string& dir);

// One line of metrics.jsonl.
struct MetricsLine {
  int64_t iteration = 0;
  int64_t samples = 0;
  double wallSec = 0;
  bool evaluation = false;  // an evaluation (fid, kid, precision, recall, energy); else training losses or a change
  // The values drawn as curves: a training line's losses, an evaluation's metrics; non-finite values are left out.
  std::map<std::string, double> curves;
  // The bookkeeping beside them (lr, it_per_s, stage, r_over_t, eval_n, eval_s), non-finite values left out.
  std::map<std::string, double> info;
  // A settings change ({"set": {...}}), key and value as given.
  std::vector<std::pair<std::string, std::string>> settings;
};

// True for a key of an iteration's values (or a metrics line) that is bookkeeping, not a curve: iteration, samples,
// wall_s, lr, it_per_s, stage, r_over_t and eval_*.
bool isBookkeepingKey(const std::string& key);

// Every readable line of dir's metrics.jsonl, in order; a torn last line (a killed process) is skipped. Empty when
// there is no metrics.jsonl (a new run, or a directory that is not a run).
std::vector<MetricsLine> readMetrics(const std::string& dir);

// The run's checkpoints (checkpoints/ckpt-NNNNNNNNN.pt), oldest first; empty when it has none.
std::vector<std::string> listCheckpoints(const std::string& dir);

// A sample snapshot of a run: snapshots/iter-NNNNNNNNN.png.
struct Snapshot {
  int64_t iteration = 0;
  std::string path;
};
// The run's snapshots by iteration; empty when it has none.
std::vector<Snapshot> listSnapshots(const std::string& dir);

}  // namespace onestep
