#include "core/util.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <c10/util/Exception.h>

#include "onestep/error.h"

namespace onestep {

std::string firstLine(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10 ? c10->what_without_backtrace() : e.what();
  const auto start = text.find_first_not_of(" \n");
  text = start == std::string::npos ? std::string() : text.substr(start);
  return text.substr(0, std::min(text.find('\n'), std::size_t{300}));
}

std::string readFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(what + " '" + path + "': cannot be opened");
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool isFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

std::string executableDir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  return std::filesystem::path(std::string(buf, static_cast<std::size_t>(n))).parent_path().string();
}

std::string sourceTreeFallback(const std::string& dir) {
#ifdef ONESTEP_BUILD_DIR
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string build = fs::weakly_canonical(fs::path(ONESTEP_BUILD_DIR), ec).string();
  const std::string exe = executableDir();
  if (ec || build.empty() || exe.compare(0, build.size(), build) != 0 ||
      (exe.size() > build.size() && exe[build.size()] != '/'))
    return {};
  return dir;
#else
  return {};
#endif
}

bool isDir(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

std::string extensionOf(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<int> parseIntList(const std::string& s, const std::string& what) {
  std::vector<int> out;
  for (const auto& part : split(s, ',')) {
    try {
      std::size_t used = 0;
      int v = std::stoi(part, &used);
      if (used != part.size() || v <= 0) throw std::invalid_argument(part);
      out.push_back(v);
    } catch (const std::exception&) {
      throw Error(what + " '" + s + "': expected a comma-separated list of positive integers");
    }
  }
  return out;
}

void checkFitsInMemory(const std::string& what, int64_t count, double bytesEach) {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  double kib = -1;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") break;
  if (key != "MemAvailable:" || kib <= 0) return;
  const double need = static_cast<double>(count) * bytesEach, have = kib * 1024.0;
  if (need <= have) return;
  char text[160];
  std::snprintf(text, sizeof text, ": needs about %.3g GB of memory, and this machine has %.3g GB available",
                need / 1e9, have / 1e9);
  throw Error(what + text + " (ask for fewer)");
}

double nowSec() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

namespace {

// This process's holds, by canonical directory: a second holder in the same process shares the first one's lock.
// Entries carry the process that made them: a forked child inherits the map, not the holds.
struct Hold {
  pid_t pid = 0;
  std::weak_ptr<DirectoryLock> lock;
};
std::mutex& lockRegistryMutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, Hold>& lockRegistry() {
  static std::map<std::string, Hold> r;
  return r;
}

std::string lockKey(const std::string& dir) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(dir, ec);
  return ec ? dir : canonical.string();
}

struct flock wholeFile(short type) {
  struct flock l {};
  l.l_type = type;
  l.l_whence = SEEK_SET;
  return l;  // l_start 0, l_len 0: the whole file; l_pid 0, as OFD locks require
}

}  // namespace

std::shared_ptr<DirectoryLock> DirectoryLock::acquire(const std::string& dir) {
  const std::string key = lockKey(dir);
  std::lock_guard<std::mutex> guard(lockRegistryMutex());
  Hold& hold = lockRegistry()[key];
  if (hold.pid == ::getpid())
    if (auto held = hold.lock.lock()) return held;
  const int fd = ::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  std::shared_ptr<DirectoryLock> lock;
  if (fd < 0) {
    lock.reset(new DirectoryLock(key, -1));  // nothing to lock (the writes will say why): nothing held
  } else {
    struct flock l = wholeFile(F_WRLCK);
    if (::fcntl(fd, F_OFD_SETLK, &l) != 0) {
      const bool busy = errno == EAGAIN || errno == EACCES;
      ::close(fd);
      if (busy) return nullptr;
      lock.reset(new DirectoryLock(key, -1));  // the filesystem does not lock
    } else {
      lock.reset(new DirectoryLock(key, fd));
    }
  }
  hold = Hold{::getpid(), lock};
  return lock;
}

DirectoryLock::~DirectoryLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing the last descriptor of the description releases the lock
}

bool directoryLockedElsewhere(const std::string& dir) {
  {
    std::lock_guard<std::mutex> guard(lockRegistryMutex());
    auto it = lockRegistry().find(lockKey(dir));
    if (it != lockRegistry().end() && it->second.pid == ::getpid() && !it->second.lock.expired())
      return false;  // this process holds it
  }
  const int fd = ::open((dir + "/.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock l = wholeFile(F_WRLCK);
  const bool busy = ::fcntl(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
  ::close(fd);
  return busy;
}

}  // namespace onestep
