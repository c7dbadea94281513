// NPY arrays and NPZ archives (numpy.savez layout) through libzip.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace onestep::io {

// One array: a numpy dtype descriptor ("<f4", "<f8", "|u1", "<i8"), a C-order shape and raw bytes.
struct NpyArray {
  std::string dtype;
  std::vector<int64_t> shape;
  std::string data;
  int64_t count() const;
};

// Encodes / decodes the .npy format (version 1.0 / 2.0). Errors name `source`.
std::string encodeNpy(const NpyArray& array);
NpyArray decodeNpy(const std::string& bytes, const std::string& source);

// Writes an NPZ (uncompressed members "NAME.npy") atomically.
void writeNpz(const std::string& path, const std::vector<std::pair<std::string, NpyArray>>& arrays);
// Reads every member of an NPZ (compressed or not); throws Error naming the file and member.
std::map<std::string, NpyArray> readNpz(const std::string& path);

}  // namespace onestep::io
