// Training methods as data: one descriptor per method, in one list that the engine, the CLI and the studio read.
// A method is its own file (a descriptor and a factory, engine/src/train/) plus one line in the list in
// engine/src/train/methods.cpp, and its settings section in config.h (docs/architecture.md, "Adding a method").
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "onestep/config.h"

namespace onestep {

struct MethodInfo {
  std::string name;           // config.method and --method: "sid"
  std::string title;          // for menus: "SiD — Score identity Distillation"
  std::string summary;        // one line for help texts and the About box
  std::string reference;      // the paper it follows, for the About box: "Zhou et al., ICML 2024"
  bool needsTeacher = false;  // distils a teacher (teacher_model, --teacher); false: trains from the data alone
  // Settings sections the method reads ("sid" for sid.*), shown beside the common settings by the studio.
  std::vector<std::string> sections;
  // Generator steps its model samples with: {1} one-step, {1, 2} consistency models (the second step's time is
  // ct.t_mid); empty for a denoiser sampled by the teacher's multi-step sampler.
  std::vector<int> samplingSteps;
  // Settings that define its networks: a run of this method cannot change them (beside data, method, seed,
  // teacher_model and net.*, which no run can change).
  std::vector<std::string> fixedSettings;
  // A setting that starts a new run from a model of this method instead of the teacher ("sid.init"); empty if none.
  std::string startSetting;
  // Samples per evaluation of images when eval_count is auto (a teacher's 35-NFE samples are costly).
  int64_t imageEvalCount = 1000;
  // Fills the method's automatic settings (0, "auto") for points or images. Runs for every method, since
  // config.json holds every section; may be empty.
  std::function<void(RunConfig&, bool points)> resolveAuto;
  // Checks the method's settings; throws Error naming the setting and what is expected. Runs for every method
  // (config.json holds every section); may be empty.
  std::function<void(const RunConfig&)> validate;

  bool oneStep() const { return !samplingSteps.empty(); }  // makes a one-step (or few-step) generator
  int maxSamplingSteps() const { return samplingSteps.empty() ? 0 : samplingSteps.back(); }
};

// Every registered method: the teacher first, then the one-step methods, in the order of menus and help.
const std::vector<MethodInfo>& methods();
// The method named `name`, or null.
const MethodInfo* findMethod(const std::string& name);
// The method named `name`; throws Error "method 'x' is not known (expected teacher, sid, ...)".
const MethodInfo& methodInfo(const std::string& name);
// The names of the methods (one-step ones only when `oneStepOnly`) joined for a message: "sid, smm, ect or sct",
// or with `separator` between all ("sid|smm|ect|sct").
std::string methodNames(bool oneStepOnly, const std::string& separator = "");

}  // namespace onestep
