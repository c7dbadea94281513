// onestep: the headless CLI over the engine. The commands are the library onestep_cli (commands.h).
#include <string>
#include <vector>

#include "commands.h"

int main(int argc, char** argv) { return onestep::cli::runCommandLine({argv + 1, argv + argc}); }
