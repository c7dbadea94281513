// Small helpers shared inside the engine.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace onestep {

// Reads a whole file; throws Error naming `what` and the path.
std::string readFile(const std::string& path, const std::string& what);
// True if path names an existing regular file / directory.
bool isFile(const std::string& path);
bool isDir(const std::string& path);
// Lower-cased file extension with the dot (".png"), or "".
std::string extensionOf(const std::string& path);
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
// Seconds since an arbitrary steady epoch.
double nowSec();
// Refuses, before any work, a request whose `count` items of `bytesEach` bytes cannot fit in the memory this machine
// has available now (MemAvailable); the Error names the request (`what`, e.g. "sample: n 100000000000"), the
// memory it needs and the memory there is. Does nothing where the available memory cannot be read.
void checkFitsInMemory(const std::string& what, int64_t count, double bytesEach);

}  // namespace onestep
