// The onestep subcommands. Each returns the process exit code; errors are thrown (onestep::Error, UsageError).
#pragma once
#include <string>
#include <vector>

#include "args.h"

namespace onestep::cli {

struct Command {
  CommandSpec spec;
  int (*run)(const Args& args);
};

// Every subcommand, in the order of the top-level help.
const std::vector<Command>& commands();

// `onestep models` (models_command.cpp).
Command modelsCommand();

}  // namespace onestep::cli
