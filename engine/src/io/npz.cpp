#include "io/npz.h"

#include <zip.h>

#include <regex>

#include "core/util.h"
#include "io/atomic_file.h"
#include "io/zip_read.h"
#include "onestep/error.h"

namespace onestep::io {

int64_t NpyArray::count() const {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

namespace {

constexpr std::size_t kMaxNpyHeader = 4096;

std::size_t itemSize(const std::string& dtype, const std::string& source) {
  static const std::map<std::string, std::size_t> kSizes = {{"<f4", 4}, {"<f8", 8}, {"|u1", 1}, {"<u1", 1}, {"|i1", 1},
                                                            {"<i4", 4}, {"<i8", 8}, {"<u8", 8}, {"|b1", 1}};
  auto it = kSizes.find(dtype);
  if (it == kSizes.end())
    throw Error(source + ": dtype '" + dtype + "' is not supported (expected float32/64, uint8, int32/64)");
  return it->second;
}

}  // namespace

std::string encodeNpy(const NpyArray& a) {
  std::string shape = "(";
  for (std::size_t i = 0; i < a.shape.size(); ++i) {
    shape += std::to_string(a.shape[i]);
    if (a.shape.size() == 1 || i + 1 < a.shape.size()) shape += ",";
    if (i + 1 < a.shape.size()) shape += " ";
  }
  shape += ")";
  std::string header = "{'descr': '" + a.dtype + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in '\n'.
  std::size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out += a.data;
  return out;
}

NpyArray decodeNpy(const std::string& b, const std::string& source) {
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) throw Error(source + ": not an .npy array (bad magic)");
  const int major = static_cast<unsigned char>(b[6]);
  std::size_t headerLen, start;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(b[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(b[9])) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) throw Error(source + ": truncated .npy header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i) headerLen |= static_cast<std::size_t>(static_cast<unsigned char>(b[8 + i])) << (8 * i);
    start = 12;
  } else {
    throw Error(source + ": unsupported .npy version " + std::to_string(major));
  }
  // Real headers are a few hundred bytes; a longer one is not an array this program reads (and the patterns below
  // would walk it recursively).
  if (headerLen > kMaxNpyHeader)
    throw Error(source + ": .npy header of " + std::to_string(headerLen) + " bytes (expected at most " +
                std::to_string(kMaxNpyHeader) + ")");
  if (b.size() < start + headerLen) throw Error(source + ": truncated .npy header");
  const std::string header = b.substr(start, headerLen);
  std::smatch m;
  NpyArray a;
  static const std::regex kDescr("'descr':\\s*'([^']+)'"), kFortran("'fortran_order':\\s*True"),
      kShape("'shape':\\s*\\(([^)]*)\\)"), kSpaceOrLong("\\s|L");  // compiled once: each costs more than a parse
  if (!std::regex_search(header, m, kDescr)) throw Error(source + ": .npy header has no descr");
  a.dtype = m[1];
  if (std::regex_search(header, m, kFortran)) throw Error(source + ": Fortran-ordered arrays are not supported");
  if (!std::regex_search(header, m, kShape)) throw Error(source + ": .npy header has no shape");
  const std::string shapeText = m[1];
  for (const auto& part : split(shapeText, ',')) {
    std::string p = std::regex_replace(part, kSpaceOrLong, "");
    if (p.empty()) continue;
    if (p.size() > 18 || p.find_first_not_of("0123456789") != std::string::npos)
      throw Error(source + ": .npy shape (" + shapeText + ") is not a tuple of non-negative integers");
    a.shape.push_back(std::stoll(p));
  }
  // The bytes the shape needs, formed without overflow, against the bytes there are.
  const std::size_t have = b.size() - start - headerLen;
  std::size_t need = itemSize(a.dtype, source);
  int64_t elements = 1;  // NpyArray::count() forms this product too: it must fit, whatever a zero elsewhere makes
  for (int64_t d : a.shape)
    if (__builtin_mul_overflow(need, static_cast<std::size_t>(d), &need) ||
        __builtin_mul_overflow(elements, d, &elements))
      throw Error(source + ": shape (" + shapeText + ") is larger than any file (truncated or not an array)");
  if (have < need)
    throw Error(source + ": truncated: shape needs " + std::to_string(need) + " bytes of data, found " +
                std::to_string(have));
  a.data = b.substr(start + headerLen, need);
  return a;
}

void writeNpz(const std::string& path, const std::vector<std::pair<std::string, NpyArray>>& arrays) {
  produceFileAtomic(path, [&](const std::string& temp) {
    int err = 0;
    zip_t* z = zip_open(temp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) throw Error("output '" + path + "': cannot create zip archive");
    std::vector<std::string> buffers;  // libzip reads the data at zip_close
    buffers.reserve(arrays.size());
    for (const auto& [name, array] : arrays) {
      buffers.push_back(encodeNpy(array));
      zip_source_t* src = zip_source_buffer(z, buffers.back().data(), buffers.back().size(), 0);
      zip_int64_t idx = src ? zip_file_add(z, (name + ".npy").c_str(), src, ZIP_FL_OVERWRITE) : -1;
      if (idx < 0) {
        if (src) zip_source_free(src);
        zip_discard(z);
        throw Error("output '" + path + "': cannot add " + name + ".npy");
      }
      zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);
    }
    if (zip_close(z) != 0) {
      std::string why = zip_strerror(z);
      zip_discard(z);
      throw Error("output '" + path + "': cannot write zip archive (" + why + ")");
    }
  });
}

std::map<std::string, NpyArray> readNpz(const std::string& path) {
  if (!isFile(path)) throw Error("NPZ file '" + path + "': not found");
  const std::string what = "NPZ file '" + path + "'";
  const ZipReader zip(path, what);
  std::map<std::string, NpyArray> out;
  const std::vector<std::string> names = zip.names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name.size() < 4 || name.substr(name.size() - 4) != ".npy") continue;
    out[name.substr(0, name.size() - 4)] = decodeNpy(zip.read(i), what + " member " + name);
  }
  return out;
}

}  // namespace onestep::io
