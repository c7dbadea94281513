// A small command-line parser for the onestep subcommands: --name VALUE, --name=VALUE, flags, positionals.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace onestep::cli {

// One option of a command.
struct OptionSpec {
  std::string name;     // without dashes, e.g. "steps"
  std::string value;    // placeholder for the value ("N"); empty for a flag
  std::string help;     // one line
  bool repeat = false;  // may be given several times (--set a=1 --set b=2)
};

// A command's syntax, for parsing and for --help.
struct CommandSpec {
  std::string name;                     // "train-teacher"
  std::string synopsis;                 // "--data SPEC --out RUN_DIR [options]"
  std::string summary;                  // one line
  std::vector<OptionSpec> options;      // besides --help
  std::vector<std::string> positional;  // names of positional arguments
  bool positionalOptional = false;      // the positionals may all be left out
  std::string examples;                 // lines shown after the options
};

// Thrown for malformed command lines; main prints it with the usage line.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  Args(const CommandSpec& spec, const std::vector<std::string>& argv);
  bool help() const { return m_help; }
  bool has(const std::string& name) const { return m_values.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> all(const std::string& name) const;
  int64_t getInt(const std::string& name, int64_t fallback) const;
  // A seed: a whole number >= 0 (the option's fallback 0).
  uint64_t getSeed(const std::string& name = "seed") const;
  double getDouble(const std::string& name, double fallback) const;
  const std::vector<std::string>& positional() const { return m_positional; }
  // Throws UsageError if any of the named options is missing.
  void require(const std::vector<std::string>& names) const;

 private:
  const CommandSpec& m_spec;
  std::map<std::string, std::vector<std::string>> m_values;
  std::vector<std::string> m_positional;
  bool m_help = false;
};

// The --help text of a command.
std::string helpText(const CommandSpec& spec);

}  // namespace onestep::cli
