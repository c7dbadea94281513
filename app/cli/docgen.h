// The CLI's documents generated from its command table (commands.h), so that they cannot drift from --help: the
// manual page onestep(1) and the bash completion script. onestep-docgen (docgen_main.cpp) writes them at build time.
#pragma once
#include <string>
#include <vector>

#include "commands.h"

namespace onestep::cli {

// onestep(1) in man(7) markup: every command with its synopsis, summary, every option of its --help and its
// examples, then the environment, files and exit statuses.
std::string manPage(const std::vector<Command>& all);

// A bash completion script for onestep: command names, each command's options, and for option values the methods,
// devices, built-in data specs and shipped model names (as they are when it is generated), else file names.
std::string bashCompletion(const std::vector<Command>& all);

// `text` for a man page: backslashes, leading dots and quotes escaped, "-" as \-, and every non-ASCII character as
// groff's \[uXXXX].
std::string roffEscape(const std::string& text);

}  // namespace onestep::cli
