// The onestep subcommands. Each returns the process exit code; errors are thrown (onestep::Error, UsageError).
// They are the library onestep_cli, which the onestep executable and the CLI's tests link.
#pragma once
#include <string>
#include <vector>

#include "args.h"

namespace onestep::cli {

struct Command {
  CommandSpec spec;
  int (*run)(const Args& args);
};

// Runs one command line (without the program name): prints help, usage errors (exit 2), errors (exit 1) or the
// command's output, and returns the exit status.
int runCommandLine(const std::vector<std::string>& args);

// What `onestep version` (and --version) prints, for the top-level help and the manual page.
extern const char* const kVersionSummary;

// Every subcommand, in the order of the top-level help. Built on each call: the method list (onestep/methods.h)
// that some help texts name can grow before it.
std::vector<Command> commands();
// The command named `name` in `all`, or null.
const Command* findCommand(const std::vector<Command>& all, const std::string& name);

// The command families, each in its own file.
std::vector<Command> trainingCommands();  // train-teacher, distill (training_commands.cpp)
std::vector<Command> sampleCommands();    // data, sample, info, timelapse, export (sample_commands.cpp)
std::vector<Command> metricCommands();    // energy, fid, fid-stats, train-features, sweep-nfe (metric_commands.cpp)
Command modelsCommand();                  // models (models_command.cpp)
Command benchCommand();                   // bench (bench_command.cpp)

}  // namespace onestep::cli
