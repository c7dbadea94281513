// `onestep models`: the shipped models by name (the engine's models.json), as a table or JSON.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "commands.h"
#include "onestep/shipped.h"

namespace onestep::cli {
namespace {

std::string figure(const ShippedModel& m) {
  char buf[96];
  if (m.metric == "fid") {
    if (m.value10k > 0)
      std::snprintf(buf, sizeof buf, "FID %.2f (10k: %.2f)", m.value, m.value10k);
    else
      std::snprintf(buf, sizeof buf, "FID %.2f", m.value);
  } else {
    std::snprintf(buf, sizeof buf, "energy %.4f", m.value);
  }
  return buf;
}

int runModels(const Args& a) {
  const auto models = shippedModels();
  const std::string dir = shippedModelsDir();
  if (a.has("json")) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& m : models)
      rows.push_back({{"name", m.name},
                      {"kind", m.kind},
                      {"method", m.method},
                      {"data", m.data},
                      {"nfe", m.nfe},
                      {"metric", m.metric},
                      {"value", m.value},
                      {"eval_n", m.evalN},
                      {"value_10k", m.value10k > 0 ? nlohmann::json(m.value10k) : nlohmann::json(nullptr)},
                      {"bytes", m.bytes},
                      {"file", m.file},
                      {"command", m.command}});
    std::cout << nlohmann::json{{"dir", dir}, {"models", rows}}.dump(1) << "\n";
    return 0;
  }
  if (models.empty()) {
    std::fprintf(stderr, "no shipped models found (%s); set ONESTEP_MODELS_DIR to a folder with models.json\n",
                 dir.empty() ? "no models folder" : ("no files listed in " + dir + "/models.json").c_str());
    return 1;
  }
  std::printf("%-20s %-9s %-7s %-16s %4s %-26s %8s\n", "NAME", "KIND", "METHOD", "DATA", "NFE", "MEASURED", "SIZE");
  for (const auto& m : models)
    std::printf("%-20s %-9s %-7s %-16s %4d %-26s %5lld KiB\n", m.name.c_str(), m.kind.c_str(), m.method.c_str(),
                m.data.c_str(), m.nfe, figure(m).c_str(), static_cast<long long>(m.bytes / 1024));
  std::printf(
      "\nin %s; every --model and --teacher takes a NAME; `onestep models --json` gives the commands that made them\n",
      dir.c_str());
  return 0;
}

}  // namespace

Command modelsCommand() {
  return {
      {"models",
       "[--json]",
       "List the shipped models: the names every --model and --teacher accepts (a path always wins over a name).\n"
       "A teacher is named after its data (fashion-mnist, 8gaussians), a generator data-method (fashion-mnist-sid).\n"
       "FID: built-in features against the test split; energy: energy distance to the data (models/README.md).",
       {{"json", "", "one JSON object: the folder and a row per model with its figure and the command that made it"}},
       {},
       false,
       "  onestep models\n"
       "  onestep sample --model fashion-mnist-sid --n 64 --out g.png\n"
       "  onestep distill --method sid --teacher fashion-mnist --data fashion-mnist --out runs/sid-fmnist\n"},
      runModels};
}

}  // namespace onestep::cli
