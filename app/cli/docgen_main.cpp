// onestep-docgen: writes onestep(1) or the bash completion from the CLI's command table (docgen.h). The build runs
// it (packaging/CMakeLists.txt); it is not installed.
//   onestep-docgen man OUT [--date YYYY-MM-DD] [--cli-only]
//   onestep-docgen completion OUT
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>

#include "docgen.h"

int main(int argc, char** argv) {
  using namespace onestep::cli;
  const std::string kind = argc >= 3 ? argv[1] : "";
  ManPageOptions options;
  bool ok = kind == "man" || kind == "completion";
  for (int i = 3; ok && i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--date" && i + 1 < argc && kind == "man")
      options.date = argv[++i];
    else if (arg == "--cli-only" && kind == "man")
      options.withStudio = false;
    else
      ok = false;
  }
  if (!ok) {
    std::fprintf(stderr, "usage: onestep-docgen man OUT [--date YYYY-MM-DD] [--cli-only] | completion OUT\n");
    return 2;
  }
  std::string text;
  try {
    const auto all = commands();
    text = kind == "man" ? manPage(all, options) : bashCompletion(all);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onestep-docgen: %s\n", e.what());
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "onestep-docgen: cannot write '%s'\n", argv[2]);
    return 1;
  }
  return 0;
}
