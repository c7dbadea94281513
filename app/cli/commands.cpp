// The command line: the table of onestep subcommands, assembled from the command families (training_commands.cpp,
// sample_commands.cpp, metric_commands.cpp, models_command.cpp), and the dispatch of one command line to them.
#include "commands.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iterator>

#include "launcher.h"
#include "onestep/error.h"
#include "onestep/parallel.h"
#include "onestep/runtime.h"

namespace onestep::cli {

const char* const kVersionSummary = "print the engine and LibTorch versions, the default device and every device";

namespace {

void printUsage(FILE* to) {
  std::fprintf(to, "usage: onestep COMMAND [options]   (onestep COMMAND --help for details)\n\ncommands:\n");
  for (const auto& c : commands()) {
    std::string summary = c.spec.summary.substr(0, c.spec.summary.find('\n'));
    std::fprintf(to, "  %-15s %s\n", c.spec.name.c_str(), summary.c_str());
  }
  std::fprintf(to, "  %-15s %s\n", "version", kVersionSummary);
}

}  // namespace

int runCommandLine(const std::vector<std::string>& args) {
  // A malformed command line gets one line on stderr, as every other error does; --help gives the rest.
  if (args.empty()) {
    std::fprintf(stderr, "usage: onestep COMMAND [options]   (onestep --help lists the commands)\n");
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printUsage(stdout);
    return 0;
  }
  if (args[0] == "version" || args[0] == "--version") {
    std::string devices;
    for (const auto& d : availableDevices()) devices += (devices.empty() ? "" : ", ") + d;
    const std::string group = parallel::backends();
    std::printf("onestep %s (LibTorch %s, device %s; devices: %s; data parallel: %s)\n", version().c_str(),
                torchVersion().c_str(), resolveDevice("auto").c_str(), devices.c_str(),
                group.empty() ? "none" : group.c_str());
    return 0;
  }
  setCommandLine(args);
  const auto all = commands();
  if (const Command* found = findCommand(all, args[0])) {
    const Command& c = *found;
    try {
      Args parsed(c.spec, {args.begin() + 1, args.end()});
      if (parsed.help()) {
        std::printf("%s", helpText(c.spec).c_str());
        return 0;
      }
      setThreads(0);  // Debian's LibTorch starts with one thread; commands may lower it again
      return c.run(parsed);
    } catch (const UsageError& e) {
      std::fprintf(stderr, "onestep %s: %s (usage: onestep %s --help)\n", c.spec.name.c_str(), e.what(),
                   c.spec.name.c_str());
      return 2;
    } catch (const parallel::PeerError&) {
      return 1;  // another process of the data-parallel group has said what failed
    } catch (const Error& e) {
      std::fprintf(stderr, "onestep %s: %serror: %s\n", c.spec.name.c_str(), rankPrefix().c_str(), e.what());
      return 1;
    } catch (const std::exception& e) {
      // A fault the engine did not name (a LibTorch error carries a stack trace after its first line).
      const std::string text = e.what();
      std::fprintf(stderr, "onestep %s: %sinternal error: %s\n", c.spec.name.c_str(), rankPrefix().c_str(),
                   text.substr(0, text.find('\n')).c_str());
      return 3;
    }
  }
  std::fprintf(stderr, "onestep: unknown command '%s' (onestep --help lists the commands)\n", args[0].c_str());
  return 2;
}

std::vector<Command> commands() {
  std::vector<Command> all;
  for (auto family :
       {trainingCommands(), sampleCommands(), metricCommands(), std::vector<Command>{modelsCommand(), benchCommand()}})
    std::move(family.begin(), family.end(), std::back_inserter(all));
  // The order of the top-level help: a user's path from data to a trained, measured and shipped model.
  static const char* const kOrder[] = {"data",      "train-teacher", "distill",   "sample",         "info",
                                       "energy",    "fid",           "fid-stats", "train-features", "sweep-nfe",
                                       "timelapse", "export",        "models",    "bench"};
  auto rank = [](const Command& c) {
    return std::find_if(std::begin(kOrder), std::end(kOrder), [&](const char* n) { return c.spec.name == n; }) -
           std::begin(kOrder);
  };
  std::stable_sort(all.begin(), all.end(), [&](const Command& a, const Command& b) { return rank(a) < rank(b); });
  return all;
}

const Command* findCommand(const std::vector<Command>& all, const std::string& name) {
  for (const auto& c : all)
    if (c.spec.name == name) return &c;
  return nullptr;
}

}  // namespace onestep::cli
