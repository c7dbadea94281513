// A run directory's files (docs/architecture.md, "The run directory"): the readers every front end uses
// (onestep/run_dir.h) and the writers of run.cpp (run_files.h).
#include "train/run_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

#include "core/util.h"
#include "io/atomic_file.h"
#include "onestep/error.h"
#include "onestep/run_dir.h"
#include "train/checkpoint.h"
#include "train/model_file.h"

namespace onestep {

namespace fs = std::filesystem;

bool isRunDirectory(const std::string& dir) { return isFile(dir + "/config.json"); }

bool runInUse(const std::string& dir) { return directoryLockedElsewhere(dir); }

RunConfig readRunConfig(const std::string& dir) {
  if (!isRunDirectory(dir)) throw Error("'" + dir + "' is not a run directory (no config.json)");
  RunConfig config = loadConfigFile(dir + "/config.json");
  config.teacher_model = training::resolveStoredTeacher(config.teacher_model, dir);
  return config;
}

std::string readRunConfigText(const std::string& dir) {
  if (!isRunDirectory(dir)) return {};
  std::ifstream in(dir + "/config.json");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool isBookkeepingKey(const std::string& key) {
  static const char* const kKeys[] = {"iteration", "samples", "wall_s", "lr", "it_per_s", "stage", "r_over_t"};
  return key.rfind("eval_", 0) == 0 ||
         std::any_of(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; });
}

std::vector<MetricsLine> readMetrics(const std::string& dir) {
  std::vector<MetricsLine> out;
  std::ifstream in(dir + "/metrics.jsonl");
  std::string text;
  while (std::getline(in, text)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const std::exception&) {
      continue;  // a half-written last line from a killed process
    }
    if (!j.is_object()) continue;
    MetricsLine line;
    // A line this program did not write may hold any type under any key: only numbers are taken.
    const auto number = [&](const char* key) {
      auto it = j.find(key);
      return it != j.end() && it->is_number() && std::isfinite(it->get<double>()) ? it->get<double>() : 0.0;
    };
    const auto count = [&](const char* key) {
      const double v = number(key);
      return v >= 0 && v < 9e18 ? static_cast<int64_t>(v) : int64_t{0};
    };
    line.iteration = count("iteration");
    line.samples = count("samples");
    line.wallSec = number("wall_s");
    line.evaluation = j.contains("fid") || j.contains("energy");
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "set" && it->is_object()) {
        for (auto s = it->begin(); s != it->end(); ++s)
          line.settings.emplace_back(s.key(), s->is_string() ? s->get<std::string>() : s->dump());
        continue;
      }
      if (!it->is_number() || it.key() == "iteration" || it.key() == "samples" || it.key() == "wall_s") continue;
      const double v = it->get<double>();
      if (!std::isfinite(v)) continue;
      (isBookkeepingKey(it.key()) ? line.info : line.curves)[it.key()] = v;
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<std::string> listCheckpoints(const std::string& dir) { return training::listCheckpoints(dir); }

std::vector<Snapshot> listSnapshots(const std::string& dir) {
  static const std::regex pattern("^iter-(\\d+)\\.png$");
  std::vector<Snapshot> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(dir) / "snapshots", ec)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && std::regex_match(name, m, pattern))
      out.push_back({std::stoll(m[1].str()), entry.path().string()});
  }
  std::sort(out.begin(), out.end(), [](const Snapshot& a, const Snapshot& b) { return a.iteration < b.iteration; });
  return out;
}

}  // namespace onestep

namespace onestep::training {

namespace {

// One line in one write: a line the disk takes only part of (full, or past a size limit) is cut off again, so the
// file never holds a torn line that a later one would run into.
void appendLine(const std::string& dir, const nlohmann::json& j) {
  const std::string path = dir + "/metrics.jsonl", line = j.dump() + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("metrics file '" + path + "': cannot be opened for writing (" + std::strerror(errno) + ")");
  struct stat st {};
  const off_t before = ::fstat(fd, &st) == 0 ? st.st_size : -1;
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int err = errno;
  if (n != static_cast<ssize_t>(line.size())) {
    if (n > 0 && before >= 0 && ::ftruncate(fd, before) != 0) {
      // the torn line stays; trimMetrics drops it on resume
    }
    ::close(fd);
    throw Error("metrics file '" + path + "': cannot be written (" +
                (n < 0 ? std::string(std::strerror(err)) : "the disk took only part of a line") + ")");
  }
  ::close(fd);
}

nlohmann::json lineHead(int64_t iteration, int64_t samples, double wallSec) {
  nlohmann::json j;
  j["iteration"] = iteration;
  j["samples"] = samples;
  j["wall_s"] = std::round(wallSec * 1000) / 1000;
  return j;
}

}  // namespace

void appendMetrics(const std::string& dir, int64_t iteration, int64_t samples, double wallSec,
                   const std::map<std::string, double>& values) {
  auto j = lineHead(iteration, samples, wallSec);
  for (const auto& [k, v] : values) j[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  appendLine(dir, j);
}

void appendSettingsChange(const std::string& dir, int64_t iteration, int64_t samples, double wallSec,
                          const std::vector<std::pair<std::string, std::string>>& settings) {
  auto j = lineHead(iteration, samples, wallSec);
  nlohmann::json set = nlohmann::json::object();
  for (const auto& [key, value] : settings) set[key] = value;
  j["set"] = set;
  appendLine(dir, j);
}

void trimMetrics(const std::string& dir, int64_t lastIteration) {
  const std::string path = dir + "/metrics.jsonl";
  if (!isFile(path)) return;
  std::ifstream in(path);
  std::string line, kept;
  bool dropped = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      auto j = nlohmann::json::parse(line);
      if (j.value("iteration", int64_t{0}) > lastIteration) {
        dropped = true;
        continue;
      }
    } catch (const std::exception&) {
      dropped = true;  // a half-written last line from a killed process
      continue;
    }
    kept += line + "\n";
  }
  if (dropped) io::writeFileAtomic(path, kept);
}

std::string snapshotPath(const std::string& dir, int64_t iteration) {
  char name[48];
  std::snprintf(name, sizeof name, "/snapshots/iter-%09lld.png", static_cast<long long>(iteration));
  return dir + name;
}

}  // namespace onestep::training
