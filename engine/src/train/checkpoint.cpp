#include "train/checkpoint.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util.h"
#include "io/atomic_file.h"
#include "io/zip_read.h"
#include "onestep/error.h"

namespace onestep::training {

std::string shapeToJson(const nets::SampleShape& s) {
  nlohmann::json j = {{"kind", s.kind},     {"dim", s.dim},     {"channels", s.channels},
                      {"height", s.height}, {"width", s.width}, {"num_classes", s.numClasses}};
  return j.dump();
}

nets::SampleShape shapeFromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text);
  nets::SampleShape s;
  s.kind = j.at("kind").get<std::string>();
  s.dim = j.at("dim").get<int>();
  s.channels = j.at("channels").get<int>();
  s.height = j.at("height").get<int>();
  s.width = j.at("width").get<int>();
  s.numClasses = j.at("num_classes").get<int>();
  return s;
}

namespace {

// The metadata of an opened checkpoint archive; `what` names it in errors ("checkpoint 'PATH'").
CheckpointMeta readMeta(torch::serialize::InputArchive& archive, const std::string& what) {
  c10::IValue v;
  if (!archive.try_read("format", v) || !v.isString() || v.toStringRef() != kCheckpointFormat)
    throw Error(what + ": not a OneStep checkpoint (no '" + std::string(kCheckpointFormat) +
                "' tag); a TorchScript denoiser is used with --model FILE.pt");
  CheckpointMeta meta;
  try {
    archive.read("method", v);
    meta.method = v.toStringRef();
    archive.read("iteration", v);
    meta.iteration = v.toInt();
    archive.read("samples", v);
    meta.samples = v.toInt();
    archive.read("elapsed", v);
    meta.elapsed = v.toDouble();
    archive.read("config", v);
    meta.configJson = v.toStringRef();
    archive.read("shape", v);
    meta.shape = shapeFromJson(v.toStringRef());
  } catch (const std::exception& e) {
    throw Error(what + ": metadata is damaged (" + std::string(e.what()).substr(0, 200) + ")");
  }
  return meta;
}

}  // namespace

std::string checkpointBytes(const CheckpointMeta& meta, const Method& method, torch::Device device, bool forSampling) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kCheckpointFormat)));
  archive.write("method", c10::IValue(meta.method));
  archive.write("iteration", c10::IValue(meta.iteration));
  archive.write("samples", c10::IValue(meta.samples));
  archive.write("elapsed", c10::IValue(meta.elapsed));
  archive.write("config", c10::IValue(meta.configJson));
  archive.write("shape", c10::IValue(shapeToJson(meta.shape)));
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    archive.write("rng_cpu", gen.get_state());
  }
  if (device.is_cuda()) {
    auto gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    archive.write("rng_cuda", gen.get_state());
  }
  torch::serialize::OutputArchive state;
  if (forSampling) {
    method.saveForSampling(state);
  } else {
    method.save(state);
  }
  archive.write("state", state);
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void writeCheckpoint(const std::string& path, const CheckpointMeta& meta, const Method& method, torch::Device device,
                     bool forSampling) {
  io::writeFileAtomic(path, checkpointBytes(meta, method, device, forSampling));
}

CheckpointMeta readCheckpoint(const std::string& path, torch::serialize::InputArchive& archive) {
  if (!isFile(path)) throw Error("checkpoint '" + path + "': not found");
  io::ZipReader(path, "checkpoint '" + path + "'").verify();
  try {
    archive.load_from(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw Error("checkpoint '" + path + "': unreadable or truncated (" + firstLine(e) + ")");
  }
  return readMeta(archive, "checkpoint '" + path + "'");
}

CheckpointMeta readCheckpointBytes(const std::string& bytes, const std::string& what,
                                   torch::serialize::InputArchive& archive) {
  try {
    std::istringstream in(bytes);
    archive.load_from(in, torch::kCPU);
  } catch (const std::exception& e) {
    throw Error(what + ": unreadable (" + firstLine(e) + ")");
  }
  return readMeta(archive, what);
}

void restoreRng(torch::serialize::InputArchive& archive, torch::Device device) {
  torch::Tensor state;
  if (archive.try_read("rng_cpu", state)) {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  }
  if (device.is_cuda() && archive.try_read("rng_cuda", state)) {
    auto gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  }
}

void loadAdam(torch::optim::Adam& optimizer, torch::serialize::InputArchive& archive) {
  optimizer.load(archive);
  torch::Device device(torch::kCPU);
  for (const auto& group : optimizer.param_groups())
    if (!group.params().empty()) device = group.params().front().device();
  if (device.is_cpu()) return;
  for (auto& entry : optimizer.state()) {
    auto& s = static_cast<torch::optim::AdamParamState&>(*entry.second);
    s.exp_avg(s.exp_avg().to(device));
    s.exp_avg_sq(s.exp_avg_sq().to(device));
    if (s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(s.max_exp_avg_sq().to(device));
  }
}

std::vector<std::string> listCheckpoints(const std::string& runDir) {
  std::vector<std::string> out;
  const std::string dir = runDir + "/checkpoints";
  if (!isDir(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.rfind("ckpt-", 0) == 0 && extensionOf(name) == ".pt")
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());  // zero-padded iteration numbers sort in order
  return out;
}

std::string checkpointPath(const std::string& runDir, int64_t iteration) {
  char name[48];
  std::snprintf(name, sizeof name, "/checkpoints/ckpt-%09lld.pt", static_cast<long long>(iteration));
  return runDir + name;
}

BestEvaluation bestEvaluation(const std::string& runDir) {
  BestEvaluation best[2];  // [0]: fid, [1]: energy
  best[0].metric = "fid";
  best[1].metric = "energy";
  std::ifstream in(runDir + "/metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"fid\"") == std::string::npos) continue;  // training lines: skip without parsing
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      continue;  // a half-written last line
    }
    for (auto& b : best) {
      auto v = j.find(b.metric);
      if (v == j.end() || !v->is_number() || !std::isfinite(v->get<double>())) continue;
      auto at = j.find("iteration");  // a line this program did not write may hold anything there
      if (at == j.end() || !at->is_number_integer() || at->get<int64_t>() < 0) continue;
      if (b.iteration < 0 || v->get<double>() < b.value) {
        b.iteration = at->get<int64_t>();
        b.value = v->get<double>();
      }
    }
  }
  return best[1].iteration >= 0 ? best[1] : best[0];
}

}  // namespace onestep::training
