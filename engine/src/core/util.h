// Small helpers shared inside the engine.
#pragma once
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace onestep {
namespace parallel {
struct Environment;
}

// Reads a whole file; throws Error naming `what` and the path.
std::string readFile(const std::string& path, const std::string& what);
// True if path names an existing regular file / directory.
bool isFile(const std::string& path);
bool isDir(const std::string& path);
// Lower-cased file extension with the dot (".png"), or "".
std::string extensionOf(const std::string& path);
// The first line of an exception's message, for an Error that names the input at fault: a c10::Error without its
// C++ backtrace, another exception (the TorchScript parser's, Gloo's, a standard one) as it says it; at most 300
// characters.
std::string firstLine(const std::exception& e);
// Splits on a separator, keeping empty fields.
std::vector<std::string> split(const std::string& s, char sep);
// Parses "1,2,2" into integers; throws Error naming `what`.
std::vector<int> parseIntList(const std::string& s, const std::string& what);
// The folder of the running executable (/proc/self/exe), or "" where it cannot be read. Installed files are found
// beside it: bin/../share/onestep.
std::string executableDir();
// `dir` (a folder of the source tree, compiled in) for a program run from its build tree; "" for an installed one,
// which must never fall back on the paths of the machine it was built on.
std::string sourceTreeFallback(const std::string& dir);
// A process's exclusive hold on a directory: an open-file-description lock (fcntl F_OFD_SETLK, which NFS passes
// between machines) on DIR/.lock, held while any holder lives; the kernel releases it when the process ends,
// however it ends. Holders in one process share it. Where the filesystem cannot lock, nothing is held.
class DirectoryLock {
 public:
  // Holds `dir`; null when another process holds it.
  static std::shared_ptr<DirectoryLock> acquire(const std::string& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  DirectoryLock(std::string key, int fd) : m_key(std::move(key)), m_fd(fd) {}
  std::string m_key;
  int m_fd;
};
// True when another process holds a DirectoryLock on `dir`.
bool directoryLockedElsewhere(const std::string& dir);
// Records the data-parallel group this process has joined (dist/group.cpp), for onestep/parallel.h's rank() etc.
void setGroupIdentity(const parallel::Environment& environment);
// Seconds since an arbitrary steady epoch.
double nowSec();
// Refuses, before any work, a request whose `count` items of `bytesEach` bytes cannot fit in the memory this machine
// has available now (MemAvailable); the Error names the request (`what`, e.g. "sample: n 100000000000"), the
// memory it needs and the memory there is. Does nothing where the available memory cannot be read.
void checkFitsInMemory(const std::string& what, int64_t count, double bytesEach);

}  // namespace onestep
