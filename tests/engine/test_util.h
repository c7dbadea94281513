// Helpers shared by the engine tests: scratch directories and small files.
#pragma once
#include <string>

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

}  // namespace onestep::test
