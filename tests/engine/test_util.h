// Helpers shared by the engine tests: scratch directories and small files.
#pragma once
#include <string>

#include "onestep/error.h"

namespace onestep::test {

// A fresh empty directory under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return m_path; }
  std::string operator/(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

void writeBytes(const std::string& path, const std::string& bytes);
std::string readBytes(const std::string& path);
// True if /usr/bin/python3 can import torch (Debian's python3-torch).
bool pythonTorchAvailable();
// Runs a shell command; returns its exit status.
int shell(const std::string& command);

// The message of the onestep::Error that f throws; empty if it throws none.
template <class F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A 1000-step 8-Gaussians teacher run directory: ctest trains it once (the engine.teacher fixture,
// ONESTEP_TEST_TEACHER); a test binary run by hand trains its own, once per process.
std::string sharedTeacher();

}  // namespace onestep::test
