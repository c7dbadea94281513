// Atomic file writes: a temporary file beside the target, fsync, rename, fsync of the directory.
#pragma once
#include <functional>
#include <string>

namespace onestep::io {

// Writes bytes to path atomically; throws Error naming the path on failure (no partial file remains).
void writeFileAtomic(const std::string& path, const std::string& bytes);

// Lets `produce` write a file at a temporary path, then fsyncs it and renames it to path.
// On failure the temporary file is removed and the Error names path.
void produceFileAtomic(const std::string& path, const std::function<void(const std::string& tempPath)>& produce);

// Creates a directory (and parents); throws Error naming it when that fails.
void makeDirs(const std::string& dir);

}  // namespace onestep::io
