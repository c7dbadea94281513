// `onestep info`: what a run directory, checkpoint, TorchScript file, NPZ or data spec holds, as JSON.
#include <nlohmann/json.hpp>

#include <fstream>

#include "api/model.h"
#include "core/util.h"
#include "io/npz.h"
#include "onestep/data.h"
#include "onestep/error.h"
#include "onestep/sampling.h"
#include "onestep/shipped.h"

namespace onestep {
namespace {

using Json = nlohmann::json;

// JSON from a file: an Error naming it when the text is not JSON.
Json parseJson(const std::string& text, const std::string& what) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw Error(what + ": not valid JSON (" + std::string(e.what()).substr(0, 200) + ")");
  }
}

Json shapeJson(const nets::SampleShape& s) { return Json::parse(training::shapeToJson(s)); }

Json modelJson(const std::string& path) {
  auto m = api::loadModel(path, torch::kCPU, {});
  Json j;
  j["file"] = m.file;
  j["shape"] = shapeJson(m.shape);
  if (m.kind == "checkpoint") {
    j["kind"] = "checkpoint";
    j["method"] = m.meta.method;
    j["iteration"] = m.meta.iteration;
    j["samples_seen"] = m.meta.samples;
    j["elapsed_s"] = m.meta.elapsed;
    j["config"] = parseJson(m.meta.configJson, "checkpoint '" + path + "': its config");
  } else {
    j["kind"] = "torchscript";
    j["parameters"] = nets::parameterCount(*m.scripted);
  }
  return j;
}

}  // namespace

std::string describe(const std::string& target) {
  Json j;
  if (isDir(target)) {
    if (!isFile(target + "/config.json"))
      throw Error("'" + target + "': a directory without config.json is not a run directory");
    j["kind"] = "run";
    j["dir"] = target;
    j["config"] =
        parseJson(readFile(target + "/config.json", "config file"), "config file '" + target + "/config.json'");
    // config.json names the teacher from the run directory; say where that is from here as well.
    const auto teacher = j["config"].is_object() ? j["config"].find("teacher_model") : j["config"].end();
    if (teacher != j["config"].end() && teacher->is_string() && !teacher->get<std::string>().empty())
      j["teacher"] = training::resolveStoredTeacher(teacher->get<std::string>(), target);
    j["checkpoints"] = training::listCheckpoints(target);
    int64_t lines = 0;
    std::string line, last;
    std::ifstream metrics(target + "/metrics.jsonl");
    while (std::getline(metrics, line))
      if (!line.empty()) {
        ++lines;
        last = line;
      }
    j["metrics_lines"] = lines;
    if (!last.empty()) {
      try {
        j["last_metrics"] = Json::parse(last);
      } catch (const std::exception&) {
      }
    }
    if (!j["checkpoints"].empty()) j["latest"] = modelJson(j["checkpoints"].back().get<std::string>());
  } else if (isFile(target)) {
    if (extensionOf(target) == ".npz") {
      j["kind"] = "npz";
      for (const auto& [name, a] : io::readNpz(target)) j["arrays"][name] = {{"dtype", a.dtype}, {"shape", a.shape}};
    } else {
      j = modelJson(target);
    }
  } else if (const std::string shipped = shippedModelForSet(target); !shipped.empty()) {
    j = modelJson(shipped);  // a shipped model by name
    j["name"] = target;
  } else {
    DataInfo info;
    try {
      info = describeData(target);
    } catch (const Error& e) {
      if (target.find('/') != std::string::npos && target.find(':') == std::string::npos)
        throw Error("'" + target +
                    "': not found (expected a run directory, checkpoint, TorchScript file, NPZ or data spec)");
      throw;
    }
    j = {{"kind", "data"},
         {"spec", info.spec},
         {"type", info.kind},
         {"count", info.count},
         {"dim", info.dim},
         {"channels", info.channels},
         {"height", info.height},
         {"width", info.width},
         {"num_classes", info.numClasses},
         {"description", info.description}};
  }
  return j.dump(2);
}

}  // namespace onestep
