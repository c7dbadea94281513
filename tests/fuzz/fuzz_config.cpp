// Settings from outside: a config JSON file (`--config`, a run's config.json) and `--set KEY=VALUE` lines, then
// the same validation a run gets before it starts; also data spec strings. The input is taken whole as JSON, and
// line by line as settings and data specs.
#include <sstream>

#include "data/source.h"
#include "fuzz_input.h"
#include "onestep/config.h"

ONESTEP_FUZZ_TARGET(config) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  onestep::fuzz::readOrRefuse([&] {
    auto config = onestep::configFromJson(text, "fuzz input");
    onestep::validateConfig(onestep::resolvedConfig(config));
    onestep::configFromJson(onestep::configToJson(config), "fuzz input again");
  });
  std::istringstream lines(text);
  std::string line;
  onestep::RunConfig config;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos)
      onestep::fuzz::readOrRefuse([&] { onestep::applySetting(config, line.substr(0, eq), line.substr(eq + 1)); });
    onestep::fuzz::readOrRefuse([&] { onestep::data::parseSpec(line); });
  }
  onestep::fuzz::readOrRefuse([&] { onestep::validateConfig(onestep::resolvedConfig(config)); });
}
