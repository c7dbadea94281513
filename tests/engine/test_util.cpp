#include "test_util.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "onestep/run.h"

namespace onestep::test {

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  m_path = (base / ("onestep-test-" + std::to_string(rd()) + std::to_string(rd()))).string();
  std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool pythonTorchAvailable() {
  static int ok = -1;
  if (ok < 0) ok = shell(std::string(ONESTEP_PYTHON) + " -c 'import torch' >/dev/null 2>&1") == 0;
  return ok == 1;
}

int shell(const std::string& command) {
  int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string sharedTeacher() {
  static std::unique_ptr<TempDir> own;
  static std::string path;
  if (!path.empty()) return path;
  const char* env = std::getenv("ONESTEP_TEST_TEACHER");
  if (env && std::filesystem::exists(std::string(env) + "/config.json")) return path = env;
  own = std::make_unique<TempDir>();
  RunConfig t;
  t.steps = 1000;
  t.snapshot_every = 0;
  auto run = Run::create(*own / "teacher", t);
  train(*run);
  return path = *own / "teacher";
}

}  // namespace onestep::test
