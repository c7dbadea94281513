// The CLI's documents generated from its command table (commands.h), so that they cannot drift from --help: the
// manual page onestep(1) and the bash completion script. onestep-docgen (docgen_main.cpp) writes them at build time.
#pragma once
#include <string>
#include <vector>

#include "commands.h"

namespace onestep::cli {

struct ManPageOptions {
  std::string date;        // the page's date (the package changelog's newest entry), "YYYY-MM-DD"; may be empty
  bool withStudio = true;  // the package holds onestep-studio, which the page then refers to
};

// onestep(1) in man(7) markup: every command with its synopsis, summary, every option of its --help and its
// examples, then the environment, files and exit statuses.
std::string manPage(const std::vector<Command>& all, const ManPageOptions& options);

// A bash completion script for onestep: command names, each command's options, and for option values and
// positional sets the one-step methods, devices, samplers, feature extractors, built-in data specs and shipped
// model names (as they are when it is generated), else file names. Uses bash-completion's word splitting where it
// is loaded, so that "toy:moons" and "fashion-mnist?split=test" complete as one word.
std::string bashCompletion(const std::vector<Command>& all);

// `text` for a man page: backslashes, dots and apostrophes that would start a request, quotes, backquotes and
// carets escaped, "-" as \-, and every non-ASCII character as groff's \[uXXXX] (U+FFFD for bytes that are not
// UTF-8).
std::string roffEscape(const std::string& text);

}  // namespace onestep::cli
