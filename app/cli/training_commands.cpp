// `onestep train-teacher` and `onestep distill`: create or resume a run directory and train it with a progress bar.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>

#include "cli_common.h"
#include "launcher.h"
#include "onestep/config.h"
#include "onestep/error.h"
#include "onestep/methods.h"
#include "onestep/parallel.h"
#include "onestep/run.h"
#include "onestep/run_dir.h"
#include "onestep/runtime.h"
#include "progress.h"

namespace onestep::cli {
namespace {

using Json = nlohmann::json;

// The names of the methods that `keep` holds for, joined for a help text: "sid, ect, sct".
template <typename Keep>
std::string namesWhere(Keep keep) {
  std::string out;
  for (const auto& m : methods())
    if (keep(m)) out += (out.empty() ? "" : ", ") + m.name;
  return out;
}

// One line per one-step method for distill's help: "  sid  SiD — Score identity Distillation: data-free, ...".
std::string methodLines() {
  std::size_t width = 0;
  for (const auto& m : methods())
    if (m.oneStep()) width = std::max(width, m.name.size());
  std::string out;
  for (const auto& m : methods())
    if (m.oneStep())
      out += "  " + m.name + std::string(width + 2 - m.name.size(), ' ') + m.title + ": " + m.summary + "\n";
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

  RunSetup setup;
  setup.dir = out;
  setup.settings = settings;
  setup.settings.insert(setup.settings.begin(), {"method", method});
  // --resume continues a run and nothing else: a mistyped directory must not start a new run in its place.
  // --resume-or-start is the one command a script repeats until a run is done.
  if (a.has("resume") && a.has("resume-or-start")) throw UsageError("give --resume or --resume-or-start, not both");
  setup.opening = a.has("resume")            ? RunOpening::Resume
                  : a.has("resume-or-start") ? RunOpening::ResumeOrNew
                                             : RunOpening::New;
  setup.configFile = a.get("config");
  if (setup.opening == RunOpening::Resume && !isRunDirectory(out))
    throw Error("--resume: '" + out + "' holds no run (no config.json); to start a new run there, leave out --resume");
  if (setup.opening != RunOpening::New && isRunDirectory(out)) {
    if (a.has("config")) throw UsageError("--config cannot be combined with --resume of an existing run");
  } else {
    // A new run's teacher, from --teacher, --set teacher_model or the config file: checked here as a usage error.
    RunConfig config = a.has("config") ? loadConfigFile(a.get("config")) : RunConfig{};
    for (const auto& [k, v] : setup.settings) applySetting(config, k, v);
    const MethodInfo& info = methodInfo(method);
    if (info.oneStep() && !info.needsTeacher && !config.teacher_model.empty())
      throw UsageError("--method " + method + " trains from scratch and takes no --teacher");
    if (info.needsTeacher && config.teacher_model.empty())
      throw UsageError("--method " + method + " needs --teacher RUN_DIR|CHECKPOINT|FILE.pt");
  }
  // Data parallel: --nproc N starts N workers running this command; a worker (or a process that torchrun or a
  // cluster script started with RANK, WORLD_SIZE, ...) joins the group, and rank 0 alone reports.
  const auto group = parallel::environmentFromVariables();
  if (a.has("nproc")) {
    const int64_t n = a.getInt("nproc", 1);
    if (n < 1 || n > 1024) throw UsageError("--nproc '" + a.get("nproc") + "': expected a number of processes 1..1024");
    if (group.worldSize > 1)
      throw UsageError(
          "--nproc starts a group of its own; in a group started elsewhere (WORLD_SIZE is set) leave it out");
    if (n > 1 && !parallel::unavailable(group).empty()) throw Error(parallel::unavailable(group));
    if (n > 1) return launchWorkers(static_cast<int>(n));
  }
  if (group.worldSize > 1) parallel::join(group);
  struct LeaveGroup {
    ~LeaveGroup() { parallel::leave(std::uncaught_exceptions() > 0); }
  } leaveGroup;  // however the run ends: a failure leaves at once
  const bool lead = parallel::rank() == 0;
  installInterruptHandler();
  bool resumed = false;
  std::unique_ptr<Run> run = Run::open(setup, &resumed);
  const auto& c = run->config();
  const std::string resume = "onestep " +
                             (method == "teacher" ? std::string("train-teacher") : "distill --method " + method) +
                             " --out " + out + " --resume";
  parallel::Placement placement;
  try {
    placement = parallel::placement(run->device());  // every rank, at the same point
  } catch (const parallel::PeerError&) {
    throw;
  } catch (const Error& e) {  // the group refused what rank 0 has opened (and may have just written): keep it
    if (!lead) throw;
    throw Error(std::string(e.what()) + "\nthe run is kept at iteration " + std::to_string(run->iteration()) +
                "; continue with: " + resume);
  }
  if (lead) {
    if (resumed) std::cerr << "resuming " << out << " at iteration " << run->iteration() << " of " << c.steps << "\n";
    std::cerr << c.method << " on " << c.data << " · " << c.net.arch << " · batch " << c.batch << " · device "
              << run->device() << " · " << threads() << (threads() == 1 ? " thread" : " threads");
    if (group.worldSize > 1)
      std::cerr << " × " << group.worldSize << " processes on " << placement.machines
                << (placement.machines == 1 ? " machine" : " machines") << " (gradients over " << placement.gradients
                << ")";
    std::cerr << " → " << out << "\n";
  }

  ProgressBar bar("train", c.steps, !a.has("quiet") && lead);
  TrainCallbacks cb;
  cb.shouldStop = [] { return interrupted(); };
  cb.stopRequested = cb.shouldStop;
  cb.onProgress = [&](const TrainProgress& p) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f it/s", p.itPerSec);
    bar.update(p.iteration, rate + formatLosses(p.losses));
  };
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
  if (!lead) return s.stopped ? 130 : 0;
  if (a.has("json")) {
    std::cout << Json{{"out", out},
                      {"iteration", s.iteration},
                      {"stopped", s.stopped},
                      {"wall_s", s.wallSec},
                      {"checkpoint", s.checkpoint},
                      {"losses", s.lastLosses},
                      {"best", s.bestIteration < 0 ? Json(nullptr)
                                                   : Json{{"iteration", s.bestIteration},
                                                          {s.bestMetric, s.bestValue},
                                                          {"checkpoint", s.bestCheckpoint}}}}
                     .dump()
              << "\n";
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
  const MethodInfo* info = findMethod(method);
  if (!info || !info->oneStep()) throw UsageError("--method '" + method + "': expected " + methodNames(true));
  return runTraining(a, method);
}

}  // namespace

std::vector<Command> trainingCommands() {
  return {
      Command{
          {"train-teacher",
           "--data SPEC --out RUN_DIR [options]",
           "Train an EDM teacher denoiser into a run directory (config.json, metrics.jsonl, checkpoints/, "
           "snapshots/).\n"
           "Ctrl-C stops after the current iteration and writes a checkpoint; --resume continues it.",
           {{"data", "SPEC", "data spec (default toy:8gaussians)"},
            {"out", "RUN_DIR", "run directory to create (or to continue with --resume)"},
            {"steps", "N", "iterations in total (default 3000)"},
            {"batch", "B", "samples per iteration (default: 512 points, 64 images)"},
            {"lr", "LR", "Adam learning rate (default: 1e-3 MLP, 2e-4 UNet)"},
            {"seed", "S", "seed of every noise source (default 0)"},
            sharedOption("device"),
            sharedOption("threads"),
            sharedOption("nproc"),
            {"config", "FILE", "JSON config file (see `onestep info --settings --json`)"},
            {"set", "KEY=VALUE", "any setting, e.g. --set net.hidden=128 (repeatable)", true},
            sharedOption("resume"),
            sharedOption("resume-or-start"),
            sharedOption("quiet"),
            sharedOption("json")},
           {},
           false,
           "  onestep train-teacher --data toy:8gaussians --out runs/teacher-8g\n"
           "  onestep train-teacher --data fashion-mnist --out runs/fmnist --steps 20000 --set net.class_cond=true\n"
           "  onestep train-teacher --out runs/fmnist --resume --steps 40000\n"
           "  onestep train-teacher --data fashion-mnist --out runs/fmnist-dp --nproc 2   # data parallel\n"},
          runTrainTeacher},
      Command{{"distill",
               "--method " + methodNames(true, "|") +
                   " [--teacher RUN_DIR|CHECKPOINT|FILE.pt] --data SPEC --out RUN_DIR [options]",
               "Train a one-step generator in a run directory; sample it with `onestep sample` (1 step; 2 for " +
                   namesWhere([](const MethodInfo& m) { return m.maxSamplingSteps() >= 2; }) + ").\n" + methodLines() +
                   "Ctrl-C stops after the current iteration and writes a checkpoint; --resume continues it, and\n"
                   "--resume --set KEY=VALUE changes a setting (e.g. a learning rate) from there on.",
               {{"method", "NAME", methodNames(true)},
                {"teacher", "PATH", "the teacher (" + namesWhere([](const MethodInfo& m) {
                                      return m.needsTeacher;
                                    }) + "): run directory, checkpoint or TorchScript denoiser"},
                {"data", "SPEC", "data spec giving the sample shape (default toy:8gaussians)"},
                {"out", "RUN_DIR", "run directory to create (or to continue with --resume)"},
                {"steps", "N", "iterations in total (default 3000)"},
                {"batch", "B", "samples per iteration (default: 512 points, 64 images)"},
                {"seed", "S", "seed of every noise source (default 0)"},
                sharedOption("device"),
                sharedOption("threads"),
                sharedOption("nproc"),
                {"config", "FILE", "JSON config file"},
                {"set", "KEY=VALUE", "any setting, e.g. --set sid.alpha=1.0 (repeatable; see onestep info --settings)",
                 true},
                sharedOption("resume"),
                sharedOption("resume-or-start"),
                sharedOption("quiet"),
                sharedOption("json")},
               {},
               false,
               "  onestep distill --method sid --teacher runs/teacher-8g --data toy:8gaussians --out runs/sid-8g\n"
               "  onestep distill --method ect --teacher runs/teacher-8g --data toy:8gaussians --out runs/ect-8g\n"
               "  onestep distill --method smm --data toy:8gaussians --out runs/smm-8g --steps 2000\n"
               "  onestep sample --model runs/sid-8g --n 2000 --out sid.png      # one step\n"
               "  onestep sample --model runs/ect-8g --steps 2 --out ect.png     # two steps\n"},
              runDistill},
  };
}

}  // namespace onestep::cli
