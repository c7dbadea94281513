// Shipped models by name: the models folder and its models.json (the set lookup that tells data from a model is in
// api/shipped_sets.cpp, above the data sources).
#include "onestep/shipped.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/util.h"
#include "onestep/error.h"

#ifndef ONESTEP_SOURCE_MODELS_DIR
#define ONESTEP_SOURCE_MODELS_DIR ""
#endif

namespace onestep {
namespace {

namespace fs = std::filesystem;

std::string absolute(const std::string& dir) { return fs::absolute(fs::path(dir)).lexically_normal().string(); }

}  // namespace

std::string shippedModelsDir() {
  if (const char* env = std::getenv("ONESTEP_MODELS_DIR"); env && *env)
    return isDir(env) ? absolute(env) : std::string();
  std::vector<std::string> candidates;
  if (const std::string exe = executableDir(); !exe.empty()) candidates.push_back(exe + "/../share/onestep/models");
  candidates.push_back(sourceTreeFallback(ONESTEP_SOURCE_MODELS_DIR));
  for (const auto& dir : candidates)
    if (!dir.empty() && isFile(dir + "/models.json")) return absolute(dir);
  return {};
}

std::vector<ShippedModel> shippedModels() {
  std::vector<ShippedModel> out;
  const std::string dir = shippedModelsDir();
  if (dir.empty() || !isFile(dir + "/models.json")) return out;
  const std::string listPath = dir + "/models.json";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(readFile(listPath, "shipped models list"));
  } catch (const nlohmann::json::exception& e) {
    throw Error("shipped models list '" + listPath + "': not valid JSON (" + e.what() + ")");
  }
  if (!j.contains("models") || !j["models"].is_array())
    throw Error("shipped models list '" + listPath + "': expected an object with a \"models\" array");
  for (const auto& row : j["models"]) {
    ShippedModel m;
    try {
      m.name = row.at("name").get<std::string>();
      m.file = dir + "/" + row.at("file").get<std::string>();
      m.kind = row.at("kind").get<std::string>();
      m.method = row.at("method").get<std::string>();
      m.data = row.at("data").get<std::string>();
      m.nfe = row.at("nfe").get<int>();
      m.metric = row.at("metric").get<std::string>();
      m.value = row.at("value").get<double>();
      m.evalN = row.at("eval_n").get<int64_t>();
      m.value10k = row.value("value_10k", 0.0);
      m.command = row.at("command").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      throw Error("shipped models list '" + listPath + "': a row lacks a field or has the wrong type (" + e.what() +
                  ")");
    }
    if (!isFile(m.file)) continue;  // listed but not installed: not offered
    m.bytes = static_cast<int64_t>(fs::file_size(m.file));
    out.push_back(std::move(m));
  }
  return out;
}

bool findShippedModel(const std::string& name, ShippedModel* out) {
  for (auto& m : shippedModels())
    if (m.name == name) {
      if (out) *out = std::move(m);
      return true;
    }
  return false;
}

std::string resolveModelPath(const std::string& pathOrName) {
  std::error_code ec;
  if (pathOrName.empty() || fs::exists(pathOrName, ec)) return pathOrName;  // a path always wins
  if (pathOrName.find('/') != std::string::npos) return pathOrName;
  ShippedModel m;
  try {
    if (findShippedModel(pathOrName, &m)) return m.file;
  } catch (const Error&) {
    // A damaged list must not hide what the user wrote: the load that follows names it.
  }
  return pathOrName;
}

namespace {

// The data a spec names, without its options and surrounding spaces.
std::string dataOf(const std::string& spec) {
  std::string data = spec.substr(0, spec.find('?'));
  const auto first = data.find_first_not_of(" \t"), last = data.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : data.substr(first, last - first + 1);
}

}  // namespace

std::string shippedTeacherFor(const std::string& dataSpec) {
  for (const auto& m : shippedModels())
    if (m.kind == "teacher" && m.data == dataOf(dataSpec)) return m.file;
  return {};
}

std::string shippedGeneratorFor(const std::string& dataSpec, const std::string& method) {
  for (const auto& m : shippedModels())
    if (m.kind == "generator" && m.method == method && m.data == dataOf(dataSpec)) return m.file;
  return {};
}

}  // namespace onestep
