#include "io/zip_read.h"

#include <zip.h>

#include <filesystem>
#include <fstream>
#include <new>

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
    // A file that begins as a zip archive but whose directory is not found where its end says was cut short, or
    // that directory is damaged.
    char magic[4] = {};
    std::ifstream(path, std::ios::binary).read(magic, sizeof magic);
    if (err == ZIP_ER_NOZIP && std::string(magic, 4) == std::string("PK\x03\x04", 4))
      throw Error(
          m_what +
          ": truncated, or its zip directory is damaged (a zip archive whose directory is not where its end says)");
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

std::string ZipReader::read(std::size_t index, uint64_t maxBytes) const {
  std::string bytes;
  pass(index, maxBytes, &bytes);
  return bytes;
}

void ZipReader::verify() const {
  const zip_int64_t n = zip_get_num_entries(m_zip, 0);
  for (zip_int64_t i = 0; i < n; ++i) pass(static_cast<std::size_t>(i), UINT64_MAX, nullptr);
}

void ZipReader::pass(std::size_t index, uint64_t maxBytes, std::string* out) const {
  zip_stat_t st;
  const zip_uint64_t sizes = ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
  if (zip_stat_index(m_zip, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !st.name)
    throw Error(m_what + ": member " + std::to_string(index) + " has no readable name (corrupt)");
  const std::string name = st.name;
  if ((st.valid & sizes) != sizes) throw Error(m_what + ": member " + name + " has no readable size (corrupt)");
  // A member's size is the archive's claim: checked against the file (deflate expands at most 1032 times; a stored
  // member is no larger than the file) and the caller's bound, and never allocated at once: the bytes are taken in
  // pieces as they inflate, so a false claim fails on the data, not on memory.
  const bool stored = st.comp_method == ZIP_CM_STORE;
  if (st.comp_size > m_fileSize || st.size > (stored ? m_fileSize : st.comp_size * 1032 + 1024))
    throw Error(m_what + ": member " + name + " claims " + std::to_string(st.size) + " bytes, more than the file's " +
                std::to_string(m_fileSize) + " can hold (corrupt or truncated)");
  if (st.size > maxBytes)
    throw Error(m_what + ": member " + name + " is " + std::to_string(st.size) + " bytes, more than the " +
                std::to_string(maxBytes) + " expected");
  zip_file_t* f = zip_fopen_index(m_zip, index, 0);
  if (!f) throw Error(m_what + ": member " + name + " cannot be opened (" + zip_strerror(m_zip) + ")");
  std::vector<char> piece(1 << 20);
  uint64_t total = 0;
  zip_int64_t got = 0;
  try {
    // libzip compares the CRC on the read that reaches the end, so reading goes on until a read returns nothing.
    while ((got = zip_fread(f, piece.data(), piece.size())) > 0 && total + static_cast<uint64_t>(got) <= st.size) {
      total += static_cast<uint64_t>(got);
      if (out) out->append(piece.data(), static_cast<std::size_t>(got));
    }
  } catch (const std::bad_alloc&) {
    zip_fclose(f);
    throw Error(m_what + ": member " + name + " of " + std::to_string(st.size) + " bytes does not fit in memory");
  }
  zip_fclose(f);
  if (got != 0 || total != st.size)
    throw Error(m_what + ": member " + name + " is damaged or truncated (its size or CRC does not hold)");
}

}  // namespace onestep::io
