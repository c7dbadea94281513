// The training loop: iterations with logging, snapshots, timed evaluations, checkpoints and the best evaluation
// kept, over the Run API (onestep/run.h).
#include <algorithm>
#include <cstdio>

#include "core/util.h"
#include "dist/dist.h"
#include "onestep/run.h"
#include "train/checkpoint.h"

namespace onestep {

TrainSummary train(Run& run, const TrainCallbacks& cb) {
  const RunConfig& c = run.config();
  // In a data-parallel group every rank steps, and rank 0 alone logs, snapshots, evaluates and checkpoints.
  const bool writer = dist::writer();
  TrainSummary summary;
  const double start = nowSec();
  int64_t lastSaved = run.iteration();
  auto message = [&](const std::string& m) {
    if (cb.onMessage) cb.onMessage(m);
  };
  auto save = [&] {
    if (!writer) return;
    summary.checkpoint = run.saveCheckpoint();
    lastSaved = run.iteration();
    message("checkpoint " + summary.checkpoint);
  };
  if (writer && run.iteration() == 0 && c.snapshot_every > 0) run.writeSnapshot();

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
    if (!writer) return false;
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
    if (writer && (it % c.log_every == 0 || it == c.steps)) {
      auto values = losses;
      values["it_per_s"] = rate;
      run.logMetrics(values);
    }
    if (writer && c.snapshot_every > 0 && it % c.snapshot_every == 0) run.writeSnapshot();
    if (evalDue(it)) {
      if (!evaluate()) return false;
      lastTime = nowSec();  // the evaluation is not training time
    }
    if (it % c.checkpoint_every == 0 && it != lastSaved) save();
    if (cb.onProgress) cb.onProgress(TrainProgress{it, c.steps, run.samplesSeen(), rate, run.elapsedSec(), losses});
    return true;
  };

  // A stop (asked, or an abandoned evaluation) takes effect at the top of an iteration, where the ranks of a
  // group agree on it, so that all stop after the same iteration.
  bool stopHere = false;
  while (run.iteration() < c.steps) {
    try {
      if (cb.shouldStop && cb.shouldStop()) stopHere = true;
      if (dist::anyRank(stopHere)) {
        summary.stopped = true;
        break;
      }
      if (!afterStep(run.step())) stopHere = true;
    } catch (const std::exception&) {
      // A failed step changed nothing, and a failed snapshot, log line, evaluation or agreement of the group came
      // after a good one: keep what the run had reached (if that save fails too, the first error is the one reported),
      // then report.
      if (run.iteration() != lastSaved) {
        try {
          save();
        } catch (const std::exception&) {
        }
      }
      throw;
    }
  }
  if (stopHere) summary.stopped = true;
  const bool finished = run.iteration() >= c.steps && !summary.stopped;
  if (writer && finished && lastEval != run.iteration() &&
      (c.eval_every > 0 || (c.eval_every == -1 && trainedSinceEval >= (lastEval < 0 ? 30.0 : 10.0)))) {
    if (run.iteration() != lastSaved) save();  // the final evaluation can fail or be abandoned: the run is kept
    if (!evaluate()) summary.stopped = true;
  }
  if (writer && (run.iteration() != lastSaved || training::listCheckpoints(run.dir()).empty())) save();
  const auto best = writer ? training::bestEvaluation(run.dir()) : training::BestEvaluation{};
  summary.bestIteration = best.iteration;
  summary.bestMetric = best.metric;
  summary.bestValue = best.value;
  const std::string bestPath = best.iteration >= 0 ? training::checkpointPath(run.dir(), best.iteration) : "";
  if (writer && !bestPath.empty() && isFile(bestPath)) summary.bestCheckpoint = bestPath;
  summary.iteration = run.iteration();
  summary.wallSec = nowSec() - start;
  return summary;
}

}  // namespace onestep
