// onestep: the headless CLI over the engine. Argument parsing only; the work is in the engine.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"
#include "onestep/error.h"
#include "onestep/runtime.h"

namespace {

void printUsage(FILE* to) {
  std::fprintf(to, "usage: onestep COMMAND [options]   (onestep COMMAND --help for details)\n\ncommands:\n");
  for (const auto& c : onestep::cli::commands()) {
    std::string summary = c.spec.summary.substr(0, c.spec.summary.find('\n'));
    std::fprintf(to, "  %-15s %s\n", c.spec.name.c_str(), summary.c_str());
  }
  std::fprintf(to, "  %-15s %s\n", "version", "print the engine, LibTorch and device");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printUsage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "version" || args[0] == "--version") {
    std::printf("onestep %s (LibTorch %s, device %s)\n", onestep::version().c_str(), onestep::torchVersion().c_str(),
                onestep::resolveDevice("auto").c_str());
    return 0;
  }
  for (const auto& c : onestep::cli::commands()) {
    if (c.spec.name != args[0]) continue;
    try {
      onestep::cli::Args parsed(c.spec, {args.begin() + 1, args.end()});
      if (parsed.help()) {
        std::printf("%s", onestep::cli::helpText(c.spec).c_str());
        return 0;
      }
      onestep::setThreads(0);  // Debian's LibTorch starts with one thread; commands may lower it again
      return c.run(parsed);
    } catch (const onestep::cli::UsageError& e) {
      std::fprintf(stderr, "onestep %s: %s\nusage: onestep %s %s\n", c.spec.name.c_str(), e.what(), c.spec.name.c_str(),
                   c.spec.synopsis.c_str());
      return 2;
    } catch (const onestep::Error& e) {
      std::fprintf(stderr, "onestep %s: error: %s\n", c.spec.name.c_str(), e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "onestep %s: internal error: %s\n", c.spec.name.c_str(), e.what());
      return 3;
    }
  }
  std::fprintf(stderr, "onestep: unknown command '%s'\n", args[0].c_str());
  printUsage(stderr);
  return 2;
}
