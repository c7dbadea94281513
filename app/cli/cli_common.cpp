// What several onestep commands share (cli_common.h).
#include "cli_common.h"

#include <atomic>
#include <csignal>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "progress.h"

namespace onestep::cli {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void onInterrupt(int) { g_interrupted.store(true); }

}  // namespace

bool interrupted() { return g_interrupted.load(); }

void installInterruptHandler() {
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  // A --nproc worker starts with them blocked (launcher.cpp): from here on they stop it cleanly.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  sigprocmask(SIG_UNBLOCK, &stopSignals, nullptr);
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

OptionSpec sharedOption(const std::string& name) {
  static const std::vector<OptionSpec> kShared = {
      {"device", "D", "auto, cpu, cuda or cuda:N (default auto)"},
      {"threads", "T", "LibTorch threads (default: all cores)"},
      {"nproc", "N",
       "data parallel: N worker processes on this machine, each with a share of every batch and of the cores "
       "(default 1; leave it out under torchrun's RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)"},
      {"json", "", "print the result as JSON on stdout"},
      {"quiet", "", "no progress bar"},
      {"resume", "", "continue the run in RUN_DIR from its latest checkpoint (refused where RUN_DIR holds no run)"},
      {"resume-or-start", "", "continue the run in RUN_DIR, or start it there when RUN_DIR holds none (for scripts)"},
      {"features", "NAME", "auto, raw, builtin[:FILE], inception:FILE"},
      {"model-steps", "K", "model sets: sampler/generator steps (default: the model's)"},
      {"model-t-mid", "T", "model sets, ect/sct with --steps 2: the intermediate time (default: the run's ct.t_mid)"},
  };
  for (OptionSpec o : kShared) {
    if (o.name != name) continue;
    if (o.name.rfind("model-", 0) == 0) o.name = o.name.substr(6);
    return o;
  }
  throw std::logic_error("no shared option '" + name + "'");
}

SetOptions setOptions(const Args& a) {
  SetOptions o;
  o.extractor = a.get("features", "auto");
  o.n = a.getInt("n", 0);
  o.seed = a.getSeed();
  o.device = a.get("device", "auto");
  o.steps = static_cast<int>(a.getInt("steps", 0));
  o.tMid = a.getDouble("t-mid", 0);
  return o;
}

void requireModelForSampling(const Args& a, std::initializer_list<const MetricSet*> sets) {
  for (const auto* s : sets)
    if (s->source == "model") return;
  for (const char* opt : {"steps", "t-mid"})
    if (a.has(opt))
      throw UsageError(std::string("--") + opt + " applies to a model or run set, and no set here is one");
}

}  // namespace onestep::cli
