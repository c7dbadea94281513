#include "fuzz_input.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "onestep/runtime.h"

namespace onestep::fuzz {

namespace {

struct ScratchDir {
  ScratchDir()
      : path((std::filesystem::temp_directory_path() / ("onestep-fuzz-" + std::to_string(::getpid()))).string()) {
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string path;
};

}  // namespace

const std::string& workDir() {
  static const ScratchDir dir;
  return dir.path;
}

std::string writeInput(const std::string& name, const uint8_t* data, std::size_t size) {
  const std::string path = workDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

namespace {

std::map<std::string, Target>& targets() {
  static std::map<std::string, Target> all;
  return all;
}

Target chosen = nullptr;

}  // namespace

bool registerTarget(const char* name, Target target) {
  targets()[name] = target;
  return true;
}

}  // namespace onestep::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  using onestep::fuzz::targets;
  std::string name = std::filesystem::path((*argv)[0]).filename().string();
  if (const char* env = std::getenv("ONESTEP_FUZZ_TARGET")) name = env;
  if (name.rfind("fuzz_", 0) == 0) name = name.substr(5);
  auto it = targets().find(name);
  if (it == targets().end()) {
    std::string known;
    for (const auto& [k, v] : targets()) known += " " + k;
    std::fprintf(stderr,
                 "onestep_fuzz: no target '%s'; run it as fuzz_NAME or with ONESTEP_FUZZ_TARGET=NAME, NAME one of:%s\n",
                 name.c_str(), known.c_str());
    std::exit(2);
  }
  onestep::fuzz::chosen = it->second;
  onestep::setThreads(1);  // one input at a time, in one thread: reproducible and without thread-pool noise
  (void)argc;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  onestep::fuzz::chosen(data, size);
  return 0;
}
