#include "io/zip_read.h"

#include <zip.h>

#include <filesystem>
#include <fstream>

#include "onestep/error.h"

namespace onestep::io {

ZipReader::ZipReader(const std::string& path, const std::string& what) : m_what(what) {
  std::error_code sizeError;
  m_fileSize = static_cast<uint64_t>(std::filesystem::file_size(path, sizeError));
  if (sizeError) throw Error(m_what + ": cannot be read (" + sizeError.message() + ")");
  int err = 0;
  m_zip = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!m_zip) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string why = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    // A file that begins as a zip archive but has no directory at its end was cut short.
    char magic[4] = {};
    std::ifstream(path, std::ios::binary).read(magic, sizeof magic);
    if (err == ZIP_ER_NOZIP && std::string(magic, 4) == std::string("PK\x03\x04", 4))
      throw Error(m_what + ": truncated (a zip archive without the directory at its end)");
    throw Error(m_what + ": not a readable zip archive (" + why + ")");
  }
}

ZipReader::~ZipReader() { zip_discard(m_zip); }

std::vector<std::string> ZipReader::names() const {
  std::vector<std::string> out;
  const zip_int64_t n = zip_get_num_entries(m_zip, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    const bool named =
        zip_stat_index(m_zip, static_cast<zip_uint64_t>(i), 0, &st) == 0 && (st.valid & ZIP_STAT_NAME) && st.name;
    out.emplace_back(named ? st.name : "");
  }
  return out;
}

std::string ZipReader::read(std::size_t index) const {
  zip_stat_t st;
  const zip_uint64_t sizes = ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
  if (zip_stat_index(m_zip, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !st.name)
    throw Error(m_what + ": member " + std::to_string(index) + " has no readable name (corrupt)");
  const std::string name = st.name;
  if ((st.valid & sizes) != sizes) throw Error(m_what + ": member " + name + " has no readable size (corrupt)");
  // A member's size is the archive's claim: checked against the file before it is allocated (deflate expands at
  // most 1032 times; a stored member is no larger than the file).
  const bool stored = st.comp_method == ZIP_CM_STORE;
  if (st.comp_size > m_fileSize || st.size > (stored ? m_fileSize : st.comp_size * 1032 + 1024))
    throw Error(m_what + ": member " + name + " claims " + std::to_string(st.size) + " bytes, more than the file's " +
                std::to_string(m_fileSize) + " can hold (corrupt or truncated)");
  std::string bytes(static_cast<std::size_t>(st.size), '\0');
  zip_file_t* f = zip_fopen_index(m_zip, index, 0);
  const zip_int64_t got = f ? zip_fread(f, bytes.data(), st.size) : -1;
  char past = 0;  // libzip compares the CRC when a read reaches the end: one more read must find nothing
  const zip_int64_t more = f && got >= 0 ? zip_fread(f, &past, 1) : -1;
  if (f) zip_fclose(f);
  if (got != static_cast<zip_int64_t>(st.size) || more != 0)
    throw Error(m_what + ": member " + name + " is damaged or truncated (its size or CRC does not hold)");
  return bytes;
}

void ZipReader::verify() const {
  const zip_int64_t n = zip_get_num_entries(m_zip, 0);
  for (zip_int64_t i = 0; i < n; ++i) read(static_cast<std::size_t>(i));
}

}  // namespace onestep::io
