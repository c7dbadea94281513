// Reading the members of a zip archive (NPZ files, LibTorch archives) through libzip, trusting no size in it before
// it is checked against the file's length.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

struct zip;  // libzip's archive (zip_t)

namespace onestep::io {

// An archive opened for reading. Every error is an onestep::Error that begins with `what` ("NPZ file 'x.npz'").
class ZipReader {
 public:
  ZipReader(const std::string& path, const std::string& what);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  // The members' names in the archive's order ("" for a member whose name cannot be read).
  std::vector<std::string> names() const;
  // The bytes of member `index`; throws when its sizes are unreadable, more than the file can hold or more than
  // maxBytes, or when it does not inflate to its size and CRC.
  std::string read(std::size_t index, uint64_t maxBytes = UINT64_MAX) const;
  // Reads every member through its CRC: throws, naming the first member that is damaged or truncated. LibTorch's
  // own reader does not check them, and a checkpoint with a flipped bit would otherwise load as if whole.
  void verify() const;

 private:
  // Reads member `index` through its CRC, appending its bytes to *out where out is given.
  void pass(std::size_t index, uint64_t maxBytes, std::string* out) const;

  std::string m_what;
  uint64_t m_fileSize = 0;
  zip* m_zip = nullptr;
};

}  // namespace onestep::io
