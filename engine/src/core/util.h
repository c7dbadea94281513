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
// Seconds since an arbitrary steady epoch.
double nowSec();

}  // namespace onestep
