#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "onestep/error.h"

namespace onestep::io {
namespace {

std::string tempPathFor(const std::string& path) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::filesystem::path p(path);
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".tmp-%08llx", static_cast<unsigned long long>(rng() & 0xffffffffULL));
  return (p.parent_path() / ("." + p.filename().string() + suffix)).string();
}

// Flushes a file or directory to the disk. A file whose data the disk refuses (full, or an I/O error) throws: it
// must not replace the good file it was written to replace. A directory's flush is best effort.
void fsyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && !directory && err != EINVAL && err != EROFS)
    throw std::runtime_error(std::string("flushing to the disk failed: ") + std::strerror(err));
}

std::string parentOf(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

void makeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("directory '" + dir + "': cannot be created (" + ec.message() + ")");
}

void produceFileAtomic(const std::string& path, const std::function<void(const std::string&)>& produce) {
  const std::string parent = parentOf(path);
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec))
    throw Error("output '" + path + "': directory '" + parent + "' does not exist");
  const std::string temp = tempPathFor(path);
  try {
    produce(temp);
    fsyncPath(temp, false);
    std::filesystem::rename(temp, path);
  } catch (const std::exception& e) {
    std::filesystem::remove(temp, ec);
    if (dynamic_cast<const Error*>(&e)) throw;
    throw Error("output '" + path + "': cannot be written (" + e.what() + ")");
  }
  fsyncPath(parent, true);
}

void writeFileAtomic(const std::string& path, const std::string& bytes) {
  produceFileAtomic(path, [&](const std::string& temp) {
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw Error("output '" + path + "': cannot be written (" + std::strerror(errno) + ")");
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        std::string why = std::strerror(errno);
        ::close(fd);
        throw Error("output '" + path + "': write failed (" + why + ")");
      }
      done += static_cast<std::size_t>(w);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0)
      throw Error("output '" + path + "': write failed (" + std::strerror(errno) + ")");
  });
}

}  // namespace onestep::io
