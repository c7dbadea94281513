// What several onestep commands share: Ctrl-C handling, the options they all take (one help text each), the
// parsing of --shape and the opening of metric sets with a progress bar.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "onestep/metrics.h"

namespace onestep::cli {

// Ctrl-C (or SIGTERM) stops a long job at the next iteration, after which a checkpoint is written.
void installInterruptHandler();
// True once Ctrl-C was pressed.
bool interrupted();

// An option several commands take, with its one help text: device, threads, json, quiet, resume, features,
// model-steps and model-t-mid (--steps and --t-mid of model sets). Throws std::logic_error for another name.
OptionSpec sharedOption(const std::string& name);

// --shape D or C,H,W.
std::vector<int64_t> parseShape(const std::string& text);

// The options of a metric set (--features, --n, --seed, --device, --steps, --t-mid).
SetOptions setOptions(const Args& a);
// --steps and --t-mid say how a model set is sampled; with no model among the sets they would mean nothing.
void requireModelForSampling(const Args& a, std::initializer_list<const MetricSet*> sets);
// Opens a metric set, with a progress bar for long ones unless `quiet`.
MetricSet openSetWithProgress(const std::string& spec, const SetOptions& o, bool quiet);

}  // namespace onestep::cli
