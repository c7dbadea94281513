// onestep-docgen: writes onestep(1) or the bash completion from the CLI's command table (docgen.h). The build runs
// it; it is not installed.
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>

#include "docgen.h"

int main(int argc, char** argv) {
  using namespace onestep::cli;
  if (argc != 3 || (std::strcmp(argv[1], "man") != 0 && std::strcmp(argv[1], "completion") != 0)) {
    std::fprintf(stderr, "usage: onestep-docgen man|completion OUT\n");
    return 2;
  }
  std::string text;
  try {
    const auto all = commands();
    text = std::strcmp(argv[1], "man") == 0 ? manPage(all) : bashCompletion(all);
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
